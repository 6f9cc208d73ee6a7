#include "ui/live_pane_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

namespace socketlab::ui {

bool LivePanePanel::draw(LessonRun& run, Settings& settings, double now, bool has_next_lesson) {
    const bool next_lesson = controls_.draw(run, settings, now, has_next_lesson);
    ImGui::Separator();
    if (!run.session().network()) {
        draw_columns(run);
        return next_lesson;
    }
    // A packet lesson is about the packets: their tab is the one that opens with the lesson.
    const bool first_frame = tabs_lesson_ != run.lesson().id;
    tabs_lesson_ = run.lesson().id;
    if (ImGui::BeginTabBar("live-tabs")) {
        if (ImGui::BeginTabItem("Calls and bytes")) {
            draw_columns(run);
            ImGui::EndTabItem();
        }
        char label[64];
        std::snprintf(label, sizeof label, "Packets (%zu)###packets", packets_.packet_count(run));
        if (ImGui::BeginTabItem(label, nullptr, first_frame ? ImGuiTabItemFlags_SetSelected : 0)) {
            packets_.draw(run, now);
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
    return next_lesson;
}

void LivePanePanel::draw_columns(LessonRun& run) {
    // What talks to the actors below: your own text, and your own client (kept-open server).
    controls_.draw_own_text(run);
    try_server_.draw(run);
    ImGui::Separator();
    auto& actors = run.actors();
    const int columns = static_cast<int>(std::min<size_t>(actors.size(), 63));
    // The columns keep a readable size: at 2x text the pane scrolls rather than squeezing them.
    const float min_width = ImGui::GetFontSize() * 13.0f;
    const float height = std::max(ImGui::GetContentRegionAvail().y, ImGui::GetFontSize() * 24.0f);
    const bool squeezed =
        ImGui::GetContentRegionAvail().x < min_width * static_cast<float>(columns);
    ImGuiTableFlags flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV;
    flags |= squeezed ? ImGuiTableFlags_ScrollX : ImGuiTableFlags_SizingStretchSame;
    if (!ImGui::BeginTable(squeezed ? "actors-scrolling" : "actors", columns, flags,
                           ImVec2(0, height)))
        return;
    for (int i = 0; i < columns; ++i)
        ImGui::TableSetupColumn(
            actors[static_cast<size_t>(i)].name.c_str(),
            squeezed ? ImGuiTableColumnFlags_WidthFixed : ImGuiTableColumnFlags_WidthStretch,
            squeezed ? min_width : 1.0f);
    for (int i = 0; i < columns; ++i) {
        ImGui::TableNextColumn();
        ImGui::BeginChild(ImGui::GetID(actors[static_cast<size_t>(i)].name.c_str()),
                          ImVec2(0, height - ImGui::GetStyle().CellPadding.y * 2), false);
        const auto sockets = run.session().engine().sockets_of(actors[static_cast<size_t>(i)].name);
        column_.draw(actors[static_cast<size_t>(i)], run.events(), sockets, run.tcp_states(),
                     ImGui::GetContentRegionAvail().y);
        ImGui::EndChild();
    }
    ImGui::EndTable();
}

}  // namespace socketlab::ui
