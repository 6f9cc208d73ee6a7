#include "ui/lesson_text_panel.h"

#include <imgui.h>

#include "ui/fonts.h"
#include "ui/markdown_view.h"
#include "ui/step_status_style.h"
#include "ui/theme.h"

namespace socketlab::ui {
namespace {

// A question's text without its Markdown marks, for one line in the step controls.
std::string first_line_text(const std::string& markdown) {
    MarkdownDoc doc = parse_markdown(markdown);
    return doc.blocks.empty() ? markdown : plain_text(doc.blocks[0].spans);
}

}  // namespace

bool LessonTextPanel::draw(LessonRun& run, std::map<std::string, int>& quiz_picks) {
    bool picks_changed = false;
    const Lesson& lesson = run.lesson();
    const size_t next = run.session().next_step();
    if (shown_lesson_ != lesson.id) {
        shown_lesson_ = lesson.id;
        ImGui::SetScrollY(0.0f);
    } else if (next != shown_next_step_) {
        if (next == 0) ImGui::SetScrollY(0.0f);  // reset: back to the beginning
        scroll_to_next_ = next > 0;
    }
    shown_next_step_ = next;
    run.pending_prediction.clear();
    for (const auto& quiz : lesson.quizzes) {
        if (!quiz.is_prediction || quiz.before_step != next) continue;
        for (size_t q = quiz.first_question; q < quiz.first_question + quiz.question_count; ++q)
            if (!quiz_picks.count(lesson.questions[q].id) && run.pending_prediction.empty())
                run.pending_prediction = first_line_text(lesson.questions[q].question);
    }
    size_t prose_index = 0;
    for (const auto& block : lesson.blocks) {
        if (block.kind == LessonBlock::Kind::Prose) {
            if (prose_index < run.prose().size()) draw_markdown(run.prose()[prose_index]);
            ++prose_index;
        } else if (block.kind == LessonBlock::Kind::Quiz) {
            picks_changed |= quiz_view_.draw(lesson, lesson.quizzes[block.quiz], quiz_picks);
        } else {
            draw_steps_block(run, block);
        }
        ImGui::Spacing();
    }
    return picks_changed;
}

void LessonTextPanel::draw_steps_block(LessonRun& run, const LessonBlock& block) {
    const auto& statuses = run.session().statuses();
    const size_t current = run.session().next_step();  // the step Space will run
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float pad = ImGui::GetStyle().FramePadding.x;
    draw->ChannelsSplit(2);
    draw->ChannelsSetCurrent(1);
    ImVec2 top = ImGui::GetCursorScreenPos();
    ImGui::Indent(pad);
    ImGui::Dummy(ImVec2(0, pad * 0.5f));
    for (size_t i = block.first_step; i < block.first_step + block.step_count; ++i) {
        const Step& step = run.lesson().steps[i];
        const StepStatus& status = statuses[i];
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
