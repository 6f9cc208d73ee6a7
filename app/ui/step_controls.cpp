#include "ui/step_controls.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>

#include "ui/fonts.h"
#include "ui/quiz_view.h"
#include "ui/step_status_style.h"
#include "ui/theme.h"

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

// The toolbar wraps: the next item goes on this line if `width` still fits, else on the next
// (at 3x on a 1366x768 screen the toolbar is two or three lines, none of it cut).
void same_line_if_fits(float width) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float line_end = ImGui::GetItemRectMax().x + style.ItemSpacing.x + width;
    if (line_end <= ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x)
        ImGui::SameLine();
}

float button_width(const char* label) {
    return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2.0f;
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
    const char* kFirst = "Step \xE2\x96\xB6 (Space)";
    const char* kNext = "Next step \xE2\x96\xB6 (Space)";
    const float step_width = std::max(ImGui::CalcTextSize(kFirst).x, ImGui::CalcTextSize(kNext).x) +
                             ImGui::GetStyle().FramePadding.x * 2.0f;
    ImGui::BeginDisabled(!session.ready_for_next());
    const std::string step_label = std::string(next == 0 ? kFirst : kNext) + "###step";
    if (ImGui::Button(step_label.c_str(), ImVec2(step_width, 0))) run.step();
    ImGui::EndDisabled();
    if (!session.ready_for_next() && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip(session.has_next() ? "Waiting for step %zu to return"
                                             : "All %zu steps have run: R starts over",
                          session.has_next() ? next : total);
    const char* kBack = "\xE2\x97\x80 Back";
    same_line_if_fits(button_width(kBack));
    ImGui::BeginDisabled(next == 0);
    if (ImGui::Button(kBack)) run.step_back();
    ImGui::EndDisabled();
    if (next > 0 && ImGui::IsItemHovered())
        ImGui::SetTooltip("Replay the lesson on fresh sockets up to step %zu", next - 1);
    const char* play_label = run.playing() ? "Pause###play" : "Play###play";
    same_line_if_fits(std::max(button_width("Pause"), button_width("Play")));
    ImGui::BeginDisabled(!session.has_next());
    if (ImGui::Button(play_label, ImVec2(std::max(button_width("Pause"), button_width("Play")), 0)))
        run.toggle_play(now);
    ImGui::EndDisabled();
    same_line_if_fits(button_width("Reset (R)"));
    if (ImGui::Button("Reset (R)")) run.reset();
    same_line_if_fits(ImGui::GetFontSize() * 9.0f);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9.0f);
    ImGui::SliderFloat("##delay", &settings.play_delay_seconds, 0.2f, 5.0f, "delay %.1f s");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Play runs one step every this many seconds");
    char counter[48];
    std::snprintf(counter, sizeof counter, "step %zu of %zu", std::min(next, total), total);
    same_line_if_fits(ImGui::CalcTextSize(counter).x);
    ImGui::TextDisabled("%s", counter);
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

    // The step that ran last: its caption, its state, and the same call in Python and C.
    ImGui::Separator();
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
            ImGui::TextWrapped("Waiting: no program makes a call now, but the kernels' timers run. "
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

    return next_lesson;
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
