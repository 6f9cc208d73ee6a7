#include "ui/packet_list_view.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "ui/fonts.h"
#include "ui/theme.h"

namespace socketlab::ui {
namespace {

const char* filter_name(PacketListView::Filter f) {
    switch (f) {
        case PacketListView::Filter::All:
            return "All packets";
        case PacketListView::Filter::Tcp:
            return "TCP";
        case PacketListView::Filter::Udp:
            return "UDP";
        case PacketListView::Filter::OpenClose:
            return "Opening and closing (SYN, FIN, RST)";
        case PacketListView::Filter::Data:
            return "Carrying data";
        case PacketListView::Filter::Trouble:
            return "Sent again, dup ACKs, dropped";
        case PacketListView::Filter::Actor:
            return "One actor's";
    }
    return "";
}

}  // namespace

bool PacketListView::passes(Filter filter, const PacketRecord& p, const std::string& from,
                            const std::string& to, const std::string& actor) {
    switch (filter) {
        case Filter::All:
            return true;
        case Filter::Tcp:
            return p.is_tcp();
        case Filter::Udp:
            return p.is_udp();
        case Filter::OpenClose:
            return p.is_tcp() && (p.tcp_flags & (kTcpSyn | kTcpFin | kTcpRst)) != 0;
        case Filter::Data:
            return p.len > 0;
        case Filter::Trouble:
            return p.analysis.retransmission || p.analysis.dup_ack > 0 ||
                   (p.link && p.link->fate == LinkRecord::Fate::Dropped);
        case Filter::Actor:
            return from == actor || to == actor;
    }
    return true;
}

void PacketListView::draw_filter(const FlowModel& flow) {
    const std::string preview =
        filter_ == Filter::Actor ? "To or from " + actor_ : std::string(filter_name(filter_));
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("Show");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(
        std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 18.0f));
    if (!ImGui::BeginCombo("##packet-filter", preview.c_str())) return;
    for (Filter f :
         {Filter::All, Filter::Tcp, Filter::Udp, Filter::OpenClose, Filter::Data, Filter::Trouble})
        if (ImGui::Selectable(filter_name(f), filter_ == f)) filter_ = f;
    ImGui::Separator();
    for (const FlowLifeline& line : flow.lifelines()) {
        const std::string label = "To or from " + line.label();
        if (ImGui::Selectable(label.c_str(), filter_ == Filter::Actor && actor_ == line.label())) {
            filter_ = Filter::Actor;
            actor_ = line.label();
        }
    }
    ImGui::EndCombo();
}

void PacketListView::draw(const FlowModel& flow, const std::deque<Event>& events,
                          PacketSelection& selection, ImVec2 size) {
    const auto& packets = flow.packets();
    const auto& lifelines = flow.lifelines();
    draw_filter(flow);
    if (size.y > 0) size.y = std::max(size.y - ImGui::GetFrameHeightWithSpacing(), 1.0f);
    shown_.clear();
    for (size_t i = 0; i < packets.size(); ++i) {
        const FlowPacket& fp = packets[i];
        if (filter_ == Filter::All ||
            passes(filter_, *events[fp.event].packet(), lifelines[fp.from_lifeline].label(),
                   lifelines[fp.to_lifeline].label(), actor_))
            shown_.push_back(i);
    }
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
    const size_t selected_packet = flow.packet_by_event_seq(selection.event_seq);
    // The selected packet's row among those shown (SIZE_MAX: none, or filtered out).
    const auto selected_at = std::lower_bound(shown_.begin(), shown_.end(), selected_packet);
    const size_t selected = selected_at != shown_.end() && *selected_at == selected_packet
                                ? static_cast<size_t>(selected_at - shown_.begin())
                                : SIZE_MAX;
    const float row_height = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2.0f;
    // Times count from the run's first packet (as Wireshark's do), not from when it started.
    const int64_t first_us = packets.empty() ? 0 : events[packets.front().event].t_us;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(shown_.size()), row_height);
    while (clipper.Step()) {
        for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
            const size_t index = shown_[static_cast<size_t>(row)];
            const FlowPacket& packet = packets[index];
            const Event& e = events[packet.event];
            const PacketRecord& p = *e.packet();
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::PushID(row);
            char number[16];
            // The packet's own number (the one "retransmission of #N" names), else its place.
            std::snprintf(number, sizeof number, "%llu",
                          static_cast<unsigned long long>(p.number > 0 ? p.number : index + 1));
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
