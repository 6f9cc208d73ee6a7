#include "ui/step_controls.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>

#include "ui/fonts.h"
#include "ui/quiz_view.h"
#include "ui/step_status_style.h"
#include "ui/theme.h"
#include "ui/toolbar_layout.h"
#include "ui/ui_probe.h"

namespace socketlab::ui {
namespace {

// The language name is a button that copies the code, for pasting into the learner's own file.
void code_line(const char* language, const std::string& code) {
    if (code.empty()) return;
    ImGui::PushStyleColor(ImGuiCol_Text, theme::muted());
    ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0, 0, 0, 0));
    if (ImGui::SmallButton(language)) ImGui::SetClipboardText(code.c_str());
    ImGui::PopStyleColor(2);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Copy this %s code", language);
    ImGui::SameLine(ImGui::GetFontSize() * 4.0f);
    // Wrapped, not cut: at 2x on a projector a line of Python is wider than the pane.
    ImGui::PushFont(fonts().mono);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(code.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
}

}  // namespace

bool StepControls::draw(LessonRun& run, Settings& settings,
                        const std::map<std::string, int>& answers, double now,
                        bool has_next_lesson) {
    bool next_lesson = false;
    Session& session = *run.session();
    const size_t total = session.lesson().steps.size();
    const size_t next = session.next_step();

    // One width for both labels, so Play and the rest stay put when "Step" becomes "Next
    // step" (a control must not move under the pointer). "###step": one id for both labels.
    // A narrow pane (2x and 3x text) gets the short labels: one toolbar line less.
    const bool narrow = ImGui::GetContentRegionAvail().x < ImGui::GetFontSize() * 30.0f;
    const char* kFirst = narrow ? "Step \xE2\x96\xB6" : "Step \xE2\x96\xB6 (Space)";
    const char* kNext = narrow ? "Next \xE2\x96\xB6" : "Next step \xE2\x96\xB6 (Space)";
    const float step_width = std::max(ImGui::CalcTextSize(kFirst).x, ImGui::CalcTextSize(kNext).x) +
                             ImGui::GetStyle().FramePadding.x * 2.0f;
    ImGui::BeginDisabled(!session.ready_for_next());
    const std::string step_label = std::string(next == 0 ? kFirst : kNext) + "###step";
    if (ImGui::Button(step_label.c_str(), ImVec2(step_width, 0))) run.step();
    ImGui::EndDisabled();
    probe_item("toolbar:step");
    if (!session.ready_for_next() && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip(session.has_next() ? "Waiting for step %zu to return"
                                             : "All %zu steps have run: R starts over",
                          session.has_next() ? next : total);
    const char* kBack = "\xE2\x97\x80 Back";
    same_line_if_fits(button_width(kBack));
    ImGui::BeginDisabled(next == 0);
    if (ImGui::Button(kBack)) run.step_back();
    ImGui::EndDisabled();
    probe_item("toolbar:back");
    if (next > 0 && ImGui::IsItemHovered())
        ImGui::SetTooltip("Replay the lesson on fresh sockets up to step %zu", next - 1);
    const char* play_label = run.playing() ? "Pause###play" : "Play###play";
    same_line_if_fits(std::max(button_width("Pause"), button_width("Play")));
    ImGui::BeginDisabled(!session.has_next());
    if (ImGui::Button(play_label, ImVec2(std::max(button_width("Pause"), button_width("Play")), 0)))
        run.toggle_play(now);
    ImGui::EndDisabled();
    probe_item("toolbar:play");
    const char* reset_label = narrow ? "Reset###reset" : "Reset (R)###reset";
    same_line_if_fits(button_width(reset_label));
    if (ImGui::Button(reset_label)) run.reset();
    if (narrow && ImGui::IsItemHovered()) ImGui::SetTooltip("Start over (R)");
    probe_item("toolbar:reset");
    const float delay_w = ImGui::GetFontSize() * (narrow ? 7.0f : 9.0f);
    same_line_if_fits(delay_w);
    ImGui::SetNextItemWidth(delay_w);
    ImGui::SliderFloat("##delay", &settings.play_delay_seconds, 0.2f, 5.0f, "delay %.1f s");
    probe_item("toolbar:delay");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Play runs one step every this many seconds");
    char counter[48];
    std::snprintf(counter, sizeof counter, "step %zu of %zu", std::min(next, total), total);
    // Narrow, the counter goes only where it fits on the buttons' last line (the step's own
    // line below says "Step N" too).
    const float counter_w = ImGui::CalcTextSize(counter).x;
    const float line_end = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + counter_w;
    if (!narrow || line_end <= ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x) {
        same_line_if_fits(counter_w);
        ImGui::TextDisabled("%s", counter);
        probe_item("toolbar:counter");
    }
    if (!run.replay_note().empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
        ImGui::TextWrapped("%s", run.replay_note().c_str());
        ImGui::PopStyleColor();
    }

    // A prediction asked before the next step: answer it first (Step still works).
    if (!run.pending_prediction().empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
        ImGui::PushTextWrapPos(0.0f);
        if (run.paused_at_prediction())
            ImGui::Text(
                "Play paused to let you predict: %s  (answer in the lesson text, then "
                "press Play again)",
                run.pending_prediction().c_str());
        else
            ImGui::Text("Predict first: %s  (answer in the lesson text, then press Step)",
                        run.pending_prediction().c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
    }

    // The step that ran last: its caption, its state, and the same call in Python and C. At
    // most 40% of the pane high (it scrolls inside beyond that), so the actors' columns below
    // stay in view at 2x and 3x text; as high as its lines when they are fewer.
    ImGui::Separator();
    const float pane_h = ImGui::GetContentRegionAvail().y + ImGui::GetCursorPosY();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const float share = pane_h < line * 20.0f ? 0.25f : 0.4f;  // 3x text on a laptop: a quarter
    const float details_h =
        std::clamp(details_height_, line * 2.0f, std::max(pane_h * share, line * 3.0f));
    ImGui::BeginChild("step-details", ImVec2(0, details_h), false);
    const float details_top = ImGui::GetCursorPosY();
    if (next == 0) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(
            "Press Step (or Space) to make the first call. Each step is one real system call; "
            "you will see its result, any error, and every byte below.");
        ImGui::PopTextWrapPos();
    } else {
        const size_t shown = next - 1;
        const Step& step = session.lesson().steps[shown];
        const StepStatus& status = session.statuses()[shown];
        StatusStyle style = status_style(status.state);
        ImGui::PushStyleColor(ImGuiCol_Text, style.color);
        ImGui::TextUnformatted(style.glyph);
        ImGui::PopStyleColor();
        ImGui::SameLine();
        ImGui::PushFont(fonts().bold);
        ImGui::PushTextWrapPos(0.0f);
        ImGui::Text("Step %zu \xE2\x80\x94 %s: %s", shown + 1, step.actor.c_str(),
                    step.caption.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
        code_line("Python", step.python);
        code_line("C", step.c);
        if (!status.note.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
            ImGui::TextWrapped("Note: %s", status.note.c_str());
            ImGui::PopStyleColor();
        }
        if (status.state == StepState::Blocked && step.wait_us > 0) {
            ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
            ImGui::TextWrapped(
                "Waiting: no program makes a call now, but the kernels' timers run. "
                "Watch the packets.");
            ImGui::PopStyleColor();
        } else if (status.state == StepState::Blocked) {
            ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
            ImGui::TextWrapped(
                "%s is blocked inside %s(): the kernel will return when the "
                "other side acts. Go on with the next step.",
                step.actor.c_str(), call_op_name(step.spec.op));
            ImGui::PopStyleColor();
        } else if (status.state == StepState::Failed) {
            ImGui::PushStyleColor(ImGuiCol_Text, theme::error());
            ImGui::TextWrapped("Not what the lesson expected: %s", status.message.c_str());
            ImGui::PopStyleColor();
        }
        if (session.finished()) {
            ImGui::PushStyleColor(ImGuiCol_Text, session.failures() ? theme::error() : theme::ok());
            const bool quiz_answered =
                lesson_finished(session.failures() == 0, quiz_score(run.lesson(), answers));
            if (session.failures() == 0 && quiz_answered) {
                ImGui::TextWrapped(
                    "All %zu steps ran and every claim was checked against your kernel. Lesson "
                    "finished!",
                    total);
            } else if (session.failures() == 0) {
                ImGui::TextWrapped(
                    "All %zu steps ran; answer the quiz to finish (Check yourself, at the end "
                    "of the lesson text).",
                    total);
            } else {
                ImGui::TextWrapped(
                    "The lesson ran to the end, but %d step(s) did not go as the text says. "
                    "Press R to try again.",
                    session.failures());
                // Each one by name: which step, and what the kernel did instead.
                for (const StepStatus& failed : session.statuses())
                    if (failed.state == StepState::Failed)
                        ImGui::TextWrapped("\xE2\x80\xA2 %s", failed.message.c_str());
            }
            ImGui::PopStyleColor();
            if (has_next_lesson && ImGui::Button("Next lesson \xE2\x86\x92")) next_lesson = true;
        }
    }
    // Its lines' height, for the next frame's child (a frame late when they change: unseen).
    details_height_ = ImGui::GetCursorPosY() - details_top + ImGui::GetStyle().ItemSpacing.y;
    ImGui::EndChild();

    return next_lesson;
}

void StepControls::draw_outcome(const LessonRun& run) {
    const Session& session = *run.session();
    const size_t next = session.next_step();
    ImGui::PushTextWrapPos(0.0f);
    if (!run.replay_note().empty())
        ImGui::TextColored(theme::waiting(), "%s", run.replay_note().c_str());
    if (next > 0) {
        const Step& step = session.lesson().steps[next - 1];
        const StepStatus& status = session.statuses()[next - 1];
        if (!status.note.empty())
            ImGui::TextColored(theme::waiting(), "Note: %s", status.note.c_str());
        if (status.state == StepState::Blocked)
            ImGui::TextColored(
                theme::waiting(),
                "%s is blocked inside %s(): the kernel returns when the other side acts.",
                step.actor.c_str(), call_op_name(step.spec.op));
        else if (status.state == StepState::Failed)
            ImGui::TextColored(theme::error(), "Not what the lesson expected: %s",
                               status.message.c_str());
    }
    if (!run.pending_prediction().empty())
        ImGui::TextColored(theme::waiting(), "Ask the class first: %s",
                           run.pending_prediction().c_str());
    ImGui::PopTextWrapPos();
}

void StepControls::draw_own_text(LessonRun& run) {
    // Your own bytes, sent by the client on its current socket.
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Your text:");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - ImGui::GetFontSize() * 9.0f);
    bool enter = ImGui::InputText("##own", &own_text_, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    const bool client_has_socket = run.session()->directory().has_sockets("client");
    ImGui::BeginDisabled(!client_has_socket || own_text_.empty());
    if ((ImGui::Button("Client sends it") || enter) && client_has_socket && !own_text_.empty())
        run.send_own_bytes("client", own_text_);
    ImGui::EndDisabled();
    if (!client_has_socket && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("The client needs a socket first: run the lesson's steps");
}

}  // namespace socketlab::ui
