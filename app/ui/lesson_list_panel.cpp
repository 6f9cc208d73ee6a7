#include "ui/lesson_list_panel.h"

#include <imgui.h>

#include "ui/fonts.h"
#include "ui/quiz_view.h"
#include "ui/theme.h"

namespace socketlab::ui {

void LessonListPanel::draw(PanelContext& context) {
    const LessonLibrary& library = context.library;
    const Progress& progress = context.progress;
    const std::string current_id = context.run ? context.run->lesson().id : std::string();
    std::string& picked = context.open_lesson;
    ImGui::PushFont(fonts().bold);
    ImGui::TextUnformatted("Lessons");
    ImGui::PopFont();
    ImGui::Separator();
    int number = 1;
    static const std::map<std::string, int> kNoAnswers;
    for (const auto& lesson : library.lessons) {
        auto answers = progress.quiz_answers.find(lesson.id);
        const QuizScore score = quiz_score(
            lesson, answers == progress.quiz_answers.end() ? kNoAnswers : answers->second);
        const bool steps_done = progress.finished_lessons.count(lesson.id) > 0;
        // Finished: every step ran clean and the Check yourself quiz is answered.
        const bool finished = lesson_finished(steps_done, score);
        const bool started = steps_done || score.answered > 0;
        ImGui::PushID(lesson.id.c_str());
        // The mark is a glyph and a colour, so it reads on a projector and in greyscale.
        ImGui::PushStyleColor(ImGuiCol_Text, finished  ? theme::ok()
                                             : started ? theme::waiting()
                                                       : theme::muted());
        ImGui::TextUnformatted(finished  ? "\xE2\x9C\x93"    // ✓
                               : started ? "\xE2\x97\x90"    // ◐
                                         : "\xE2\x97\x8B");  // ○
        ImGui::PopStyleColor();
        ImGui::SameLine();
        std::string label = std::to_string(number++) + ". " + lesson.title;
        if (score.answered > 0)
            label += "  (" + std::to_string(score.right) + "/" + std::to_string(score.total) + ")";
        if (ImGui::Selectable(label.c_str(), lesson.id == current_id)) picked = lesson.id;
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
            ImGui::TextUnformatted(lesson.summary.empty() ? lesson.title.c_str()
                                                          : lesson.summary.c_str());
            ImGui::TextDisabled("id: %s", lesson.id.c_str());
            ImGui::TextDisabled("Steps: %s", steps_done ? "all run" : "not all run yet");
            if (score.total > 0)
                ImGui::TextDisabled("Quiz: %d of %d answered, %d right", score.answered,
                                    score.total, score.right);
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
        ImGui::PopID();
    }
    if (library.lessons.empty()) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled("No lessons found in %s", library.folder.c_str());
        ImGui::PopTextWrapPos();
    }
    if (!library.errors.empty()) {
        ImGui::Spacing();
        ImGui::Separator();
        ImGui::PushStyleColor(ImGuiCol_Text, theme::error());
        ImGui::TextUnformatted("Lesson files with errors:");
        ImGui::PushTextWrapPos(0.0f);
        for (const auto& e : library.errors) ImGui::TextUnformatted(e.to_string().c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
    }
}

}  // namespace socketlab::ui
