#include "ui/live_pane_panel.h"

#include <imgui.h>

namespace socketlab::ui {

void LivePanePanel::draw(LessonRun& run, Settings& settings, double now) {
    controls_.draw(run, settings, now);
    ImGui::Separator();
    auto& actors = run.actors();
    const int columns = static_cast<int>(std::min<size_t>(actors.size(), 63));
    const ImGuiTableFlags flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_SizingStretchSame;
    const float height = ImGui::GetContentRegionAvail().y;
    if (!ImGui::BeginTable("actors", columns, flags, ImVec2(0, height))) return;
    for (int i = 0; i < columns; ++i) {
        ImGui::TableNextColumn();
        ImGui::BeginChild(ImGui::GetID(actors[static_cast<size_t>(i)].name.c_str()),
                          ImVec2(0, height - ImGui::GetStyle().CellPadding.y * 2), false);
        const auto sockets = run.session().engine().sockets_of(actors[static_cast<size_t>(i)].name);
        column_.draw(actors[static_cast<size_t>(i)], run.events(), sockets,
                     ImGui::GetContentRegionAvail().y);
        ImGui::EndChild();
    }
    ImGui::EndTable();
}

}  // namespace socketlab::ui
