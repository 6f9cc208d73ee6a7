#include "ui/lesson_list_panel.h"

#include <imgui.h>

#include "ui/fonts.h"
#include "ui/theme.h"

namespace socketlab::ui {

std::string LessonListPanel::draw(const LessonLibrary& library, const Progress& progress,
                                  const std::string& current_id) {
    std::string picked;
    ImGui::PushFont(fonts().bold);
    ImGui::TextUnformatted("Lessons");
    ImGui::PopFont();
    ImGui::Separator();
    int number = 1;
    for (const auto& lesson : library.lessons) {
        const bool finished = progress.finished_lessons.count(lesson.id) > 0;
        ImGui::PushID(lesson.id.c_str());
        // The mark is a glyph and a colour, so it reads on a projector and in greyscale.
        ImGui::PushStyleColor(ImGuiCol_Text, finished ? theme::ok() : theme::muted());
        ImGui::TextUnformatted(finished ? "\xE2\x9C\x93" : "\xE2\x97\x8B");  // ✓ or ○
        ImGui::PopStyleColor();
        ImGui::SameLine();
        std::string label = std::to_string(number++) + ". " + lesson.title;
        if (ImGui::Selectable(label.c_str(), lesson.id == current_id)) picked = lesson.id;
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
            ImGui::TextUnformatted(lesson.summary.empty() ? lesson.title.c_str()
                                                          : lesson.summary.c_str());
            ImGui::TextDisabled("id: %s%s", lesson.id.c_str(), finished ? "  (finished)" : "");
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
    return picked;
}

}  // namespace socketlab::ui
