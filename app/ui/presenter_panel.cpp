#include "ui/presenter_panel.h"

#include <imgui.h>

#include <algorithm>
#include <string>

#include "ui/fonts.h"
#include "ui/theme.h"

namespace socketlab::ui {

void PresenterPanel::draw(PanelContext& context) {
    // The indicator: a presenter must always see how to get their window back.
    ImGui::PushFont(fonts().bold);
    ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
    ImGui::TextUnformatted("Presenter mode \xE2\x80\x94 Esc to leave");
    ImGui::PopStyleColor();
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled(
        "  PageDown / Space / \xE2\x86\x92 next,  PageUp / Backspace / \xE2\x86\x90 back");
    ImGui::PopTextWrapPos();

    LessonRun* run = context.run;
    if (!run) {
        ImGui::TextUnformatted("No lesson is open.");
        return;
    }
    const Session* session = run->session();
    const size_t total = run->lesson().steps.size();
    const size_t next = session ? session->next_step() : 0;

    ImGui::PushFont(fonts().heading1);
    ImGui::Text("Step %zu of %zu", std::min(next, total), total);
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::PushFont(fonts().heading2);
    ImGui::TextDisabled("  %s", run->lesson().title.c_str());
    ImGui::PopFont();

    if (session && next > 0) {
        const Step& step = run->lesson().steps[next - 1];
        ImGui::PushFont(fonts().heading2);
        ImGui::PushTextWrapPos(0.0f);
        ImGui::Text("%s: %s", step.actor.c_str(), step.caption.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
        if (!step.python.empty()) {
            ImGui::PushFont(fonts().mono_large);
            ImGui::PushTextWrapPos(0.0f);
            ImGui::TextUnformatted(step.python.c_str());
            ImGui::PopTextWrapPos();
            ImGui::PopFont();
        }
    } else if (session) {
        ImGui::PushFont(fonts().heading2);
        ImGui::TextUnformatted("Press PageDown (or Space) for the first call.");
        ImGui::PopFont();
    }
    if (session && session->finished() && !context.next_lesson.empty()) {
        const Lesson* following = context.library.find(context.next_lesson);
        ImGui::PushStyleColor(ImGuiCol_Text, theme::ok());
        ImGui::Text("End of the lesson: PageDown again opens \xE2\x80\x9C%s\xE2\x80\x9D",
                    following ? following->title.c_str() : context.next_lesson.c_str());
        ImGui::PopStyleColor();
    }
    ImGui::Separator();
    // The live pane: its step controls and the actors' columns, the rest of the screen.
    ImGui::BeginChild(live_pane_.id(), ImVec2(0, 0));
    live_pane_.draw(context);
    ImGui::EndChild();
}

}  // namespace socketlab::ui
