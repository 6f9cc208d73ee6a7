#include "ui/packet_list_view.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "ui/fonts.h"
#include "ui/theme.h"

namespace socketlab::ui {

void PacketListView::draw(const FlowModel& flow, const std::deque<Event>& events,
                          PacketSelection& selection, ImVec2 size) {
    const auto& packets = flow.packets();
    const auto& lifelines = flow.lifelines();
    ImGui::PushFont(fonts().mono);
    // Fixed columns without a width fit their contents every frame (the visible rows and the
    // header), so they follow the text size and the actors' names.
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX |
                                  ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("packets", 7, flags, size)) {
        ImGui::PopFont();
        return;
    }
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("No.");
    ImGui::TableSetupColumn("ms");
    ImGui::TableSetupColumn("from \xE2\x86\x92 to");
    ImGui::TableSetupColumn("flags");
    ImGui::TableSetupColumn(selection.relative ? "seq (rel)" : "seq");
    ImGui::TableSetupColumn(selection.relative ? "ack (rel)" : "ack");
    ImGui::TableSetupColumn("len");
    ImGui::TableHeadersRow();

    const bool at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1.0f;
    const size_t selected = flow.packet_by_event_seq(selection.event_seq);
    const float row_height = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2.0f;
    // Times count from the run's first packet (as Wireshark's do), not from when it started.
    const int64_t first_us = packets.empty() ? 0 : events[packets.front().event].t_us;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(packets.size()), row_height);
    while (clipper.Step()) {
        for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
            const FlowPacket& packet = packets[static_cast<size_t>(row)];
            const Event& e = events[packet.event];
            const PacketRecord& p = *e.packet();
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::PushID(row);
            char number[16];
            std::snprintf(number, sizeof number, "%d", row + 1);
            ImGui::Selectable(number, static_cast<size_t>(row) == selected,
                              ImGuiSelectableFlags_SpanAllColumns);
            // On press, not release: the window redraws only a few frames after an input, and
            // the ladder needs two of them to scroll to the packet.
            if (ImGui::IsItemClicked(ImGuiMouseButton_Left)) {
                selection.event_seq = packet.event_seq;
                selection.reveal_in_ladder = true;
            }
            if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
                selection.show_detail = true;
            ImGui::PopID();
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%.3f", static_cast<double>(e.t_us - first_us) / 1000.0);
            ImGui::TableNextColumn();
            ImGui::Text("%s \xE2\x86\x92 %s", lifelines[packet.from_lifeline].label().c_str(),
                        lifelines[packet.to_lifeline].label().c_str());
            ImGui::TableNextColumn();
            ImGui::PushFont(fonts().mono_bold);
            ImGui::TextColored(packet_color(p), "%s", packet_kind(p).c_str());
            ImGui::PopFont();
            ImGui::TableNextColumn();
            if (p.is_tcp()) ImGui::Text("%u", flow.shown_seq(packet, p, selection.relative));
            ImGui::TableNextColumn();
            if (p.is_tcp() && p.has(kTcpAck))
                ImGui::Text("%u", flow.shown_ack(packet, p, selection.relative));
            ImGui::TableNextColumn();
            ImGui::Text("%u", p.len);
            // The kernel's doing (retransmission, duplicate ACK), then the app's (the link).
            std::string mark;
            if (p.analysis.retransmission)
                mark = p.analysis.fast ? "fast retransmission" : "retransmission";
            if (p.analysis.original) mark += " of " + std::to_string(p.analysis.original);
            if (p.analysis.dup_ack) mark = "dup ACK #" + std::to_string(p.analysis.dup_ack);
            const bool dropped = p.link && p.link->fate == LinkRecord::Fate::Dropped;
            if (!mark.empty()) {
                ImGui::SameLine();
                ImGui::TextColored(theme::waiting(), "%s", mark.c_str());
            }
            if (dropped) {
                ImGui::SameLine();
                ImGui::TextColored(theme::error(), "DROPPED by the link");
            }
        }
    }
    // Show a packet picked in the ladder; otherwise follow new packets unless scrolled up.
    if (selection.reveal_in_list && selected != SIZE_MAX) {
        // Content y of the row: below the frozen header row, which scrolls with nothing.
        const float header = row_height;
        const float target = header + static_cast<float>(selected) * row_height;
        const float scroll = ImGui::GetScrollY();
        const float window = ImGui::GetWindowHeight();
        if (target < scroll + header || target + row_height > scroll + window)
            ImGui::SetScrollY(
                std::max(0.0f, target - header - (window - header - row_height) * 0.5f));
    } else if (at_bottom) {
        ImGui::SetScrollHereY(1.0f);
    }
    selection.reveal_in_list = false;
    ImGui::EndTable();
    ImGui::PopFont();
}

}  // namespace socketlab::ui
