#include "ui/live_pane_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "ui/theme.h"

namespace socketlab::ui {

void LivePanePanel::draw(PanelContext& context) {
    if (!context.run) {
        ImGui::TextDisabled("Pick a lesson on the left.");
        return;
    }
    LessonRun& run = *context.run;
    if (!run.ready()) {
        // Opening (the network helper may take seconds) or resetting, in the background.
        ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(run.busy_text().c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
        return;
    }
    if (!presenting_) {
        if (controls_.draw(run, context.settings, context.progress.quiz_answers[run.lesson().id],
                           context.now, !context.next_lesson.empty()))
            context.open_lesson = context.next_lesson;
        ImGui::Separator();
    }
    link_strip_.draw(run, context.now);
    if (!run.session()->network()) {
        draw_columns(run);
        return;
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
            packets_.draw(run, context.now, context.settings, presenting_);
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
}

void LivePanePanel::draw_columns(LessonRun& run) {
    // What talks to the actors below: your own text, and your own client (kept-open server).
    if (!presenting_) {
        controls_.draw_own_text(run);
        try_server_.draw(run);
        ImGui::Separator();
    }
    const auto& actors = run.record().actors();
    const int columns = static_cast<int>(std::min<size_t>(actors.size(), 63));
    // The columns keep a readable size: at 2x text the pane scrolls rather than squeezing them.
    const float min_width = ImGui::GetFontSize() * 13.0f;
    // In front of a class the columns take what is left of the screen, scrolling inside.
    const float least = ImGui::GetFontSize() * (presenting_ ? 8.0f : 24.0f);
    const float height = std::max(ImGui::GetContentRegionAvail().y, least);
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
        const ActorRecord& actor = actors[static_cast<size_t>(i)];
        column_.draw(run, actor, run.session()->directory().sockets_of(actor.name),
                     ImGui::GetContentRegionAvail().y);
        ImGui::EndChild();
    }
    ImGui::EndTable();
}

}  // namespace socketlab::ui
