#include "ui/lesson_text_panel.h"

#include <algorithm>

#include <imgui.h>

#include "ui/fonts.h"
#include "ui/markdown_view.h"
#include "ui/step_status_style.h"
#include "ui/theme.h"

namespace socketlab::ui {
void LessonTextPanel::draw(PanelContext& context) {
    if (!context.run) return;
    LessonRun& run = *context.run;
    const Lesson& lesson = run.lesson();
    std::map<std::string, int>& quiz_picks = context.progress.quiz_answers[lesson.id];
    // While the lesson opens or resets, its text is there to read; the steps show as pending.
    const size_t next = run.session() ? run.session()->next_step() : 0;
    if (shown_lesson_ != lesson.id) {
        shown_lesson_ = lesson.id;
        ImGui::SetScrollY(0.0f);
    } else if (next != shown_next_step_) {
        if (next == 0) ImGui::SetScrollY(0.0f);  // reset: back to the beginning
        scroll_to_next_ = next > 0;
    }
    shown_next_step_ = next;
    size_t prose_index = 0;
    for (const auto& block : lesson.blocks) {
        if (block.kind == LessonBlock::Kind::Prose) {
            if (prose_index < run.prose().size()) draw_markdown(run.prose()[prose_index]);
            ++prose_index;
        } else if (block.kind == LessonBlock::Kind::Quiz) {
            context.progress_changed |=
                quiz_view_.draw(lesson, lesson.quizzes[block.quiz], quiz_picks);
        } else {
            draw_steps_block(run, block);
        }
        ImGui::Spacing();
    }
}

void LessonTextPanel::draw_steps_block(LessonRun& run, const LessonBlock& block) {
    static const StepStatus kPending;
    const Session* session = run.session();
    const size_t current = session ? session->next_step() : 0;  // the step Space will run
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float pad = ImGui::GetStyle().FramePadding.x;
    draw->ChannelsSplit(2);
    draw->ChannelsSetCurrent(1);
    ImVec2 top = ImGui::GetCursorScreenPos();
    ImGui::Indent(pad);
    ImGui::Dummy(ImVec2(0, pad * 0.5f));
    for (size_t i = block.first_step; i < block.first_step + block.step_count; ++i) {
        const Step& step = run.lesson().steps[i];
        const StepStatus& status = session ? session->statuses()[i] : kPending;
        StatusStyle style = status_style(status.state);
        ImGui::PushStyleColor(ImGuiCol_Text, style.color);
        ImGui::TextUnformatted(style.glyph);
        ImGui::PopStyleColor();
        ImGui::SameLine();
        const bool is_next = i == current;
        ImGui::PushFont(is_next ? fonts().bold : fonts().regular);
        ImGui::PushTextWrapPos(0.0f);
        ImGui::Text("%zu. %s: %s", i + 1, step.actor.c_str(), step.caption.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
        // The next step wears a coloured bar at its left, not only bold type.
        if (is_next)
            draw->AddRectFilled(
                ImVec2(top.x, ImGui::GetItemRectMin().y),
                ImVec2(top.x + std::max(3.0f, pad * 0.6f), ImGui::GetItemRectMax().y),
                ImGui::GetColorU32(theme::link()), 2.0f);
        // A step that has run: a click goes back to just before it (a replay, on fresh sockets).
        if (session && i < current && run.ready() && ImGui::IsItemHovered()) {
            ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
            ImGui::SetTooltip(
                "Click to go back to just before step %zu: SocketLab replays steps "
                "1\xE2\x80\x93%zu "
                "on fresh sockets (new ports and sequence numbers)",
                i + 1, i);
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) run.replay_to(i);
        }
        if (is_next && scroll_to_next_) {
            ImGui::SetScrollHereY(0.5f);
            scroll_to_next_ = false;
        }
        if (status.state == StepState::Failed) {
            ImGui::PushStyleColor(ImGuiCol_Text, theme::error());
            ImGui::PushTextWrapPos(0.0f);
            ImGui::TextUnformatted(status.message.c_str());
            ImGui::PopTextWrapPos();
            ImGui::PopStyleColor();
        }
    }
    ImGui::Dummy(ImVec2(0, pad * 0.5f));
    ImGui::Unindent(pad);
    ImVec2 bottom = ImGui::GetCursorScreenPos();
    draw->ChannelsSetCurrent(0);
    draw->AddRectFilled(top, ImVec2(top.x + ImGui::GetContentRegionAvail().x, bottom.y),
                        ImGui::GetColorU32(theme::code_background()), 6.0f);
    draw->ChannelsMerge();
}

}  // namespace socketlab::ui
