#include "ui/presenter_panel.h"

#include <imgui.h>

#include <algorithm>
#include <string>

#include "ui/fonts.h"
#include "ui/step_controls.h"
#include "ui/theme.h"
#include "ui/toolbar_layout.h"
#include "ui/ui_probe.h"

namespace socketlab::ui {

void PresenterPanel::draw(PanelContext& context) {
    // A short screen (a 1366x768 projector at 3x holds about 20 lines): the step in smaller
    // type, so the actors' columns below still get half the screen.
    const bool cramped = ImGui::GetContentRegionAvail().y < ImGui::GetFontSize() * 30.0f;
    ImFont* step_font = cramped ? fonts().heading2 : fonts().heading1;
    ImFont* caption_font = cramped ? fonts().bold : fonts().heading2;
    ImFont* code_font = cramped ? fonts().mono : fonts().mono_large;

    // The indicator: a presenter must always see how to get their window back.
    ImGui::PushFont(fonts().bold);
    ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
    ImGui::TextUnformatted("Presenter mode \xE2\x80\x94 Esc to leave");
    ImGui::PopStyleColor();
    ImGui::PopFont();
    probe_item("presenter:indicator");
    const char* keys =
        "next: PageDown, Space, \xE2\x86\x92   back: PageUp, Backspace, \xE2\x86\x90";
    if (cramped) {
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", keys);
    } else {
        same_line_if_fits(ImGui::CalcTextSize(keys).x);
        ImGui::TextDisabled("%s", keys);
    }

    LessonRun* run = context.run;
    if (!run) {
        ImGui::TextUnformatted("No lesson is open.");
        return;
    }
    const Session* session = run->session();
    const size_t total = run->lesson().steps.size();
    const size_t next = session ? session->next_step() : 0;

    ImGui::PushFont(step_font);
    ImGui::Text("Step %zu of %zu", std::min(next, total), total);
    ImGui::PopFont();
    probe_item("presenter:step");
    ImGui::PushFont(cramped ? fonts().bold : fonts().heading2);
    const std::string title = "  " + run->lesson().title;
    same_line_if_fits(ImGui::CalcTextSize(title.c_str()).x);
    ImGui::TextDisabled("%s", title.c_str());
    ImGui::PopFont();

    if (session && next > 0) {
        const Step& step = run->lesson().steps[next - 1];
        ImGui::PushFont(caption_font);
        ImGui::PushTextWrapPos(0.0f);
        ImGui::Text("%s: %s", step.actor.c_str(), step.caption.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
        if (!step.python.empty()) {
            ImGui::PushFont(code_font);
            ImGui::PushTextWrapPos(0.0f);
            ImGui::TextUnformatted(step.python.c_str());
            ImGui::PopTextWrapPos();
            ImGui::PopFont();
        }
    } else if (session) {
        ImGui::PushFont(caption_font);
        ImGui::TextUnformatted("Press PageDown (or Space) for the first call.");
        ImGui::PopFont();
    }
    if (session && session->finished() && !context.next_lesson.empty()) {
        const Lesson* following = context.library.find(context.next_lesson);
        ImGui::PushStyleColor(ImGuiCol_Text, theme::ok());
        ImGui::PushTextWrapPos(0.0f);
        ImGui::Text("End of the lesson: PageDown opens \xE2\x80\x9C%s\xE2\x80\x9D",
                    following ? following->title.c_str() : context.next_lesson.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
    }
    if (session) StepControls::draw_outcome(*run);
    ImGui::Separator();
    // The live pane without its own step block (all of it is above, larger): the actors'
    // columns and the packets, the rest of the screen.
    ImGui::BeginChild(live_pane_.id(), ImVec2(0, 0));
    live_pane_.set_presenting(true);
    live_pane_.draw(context);
    live_pane_.set_presenting(false);
    ImGui::EndChild();
}

}  // namespace socketlab::ui
