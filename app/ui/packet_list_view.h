// The captured packets as a table, one row each: number, time, from -> to (actors), flags,
// seq and ack (relative or absolute, see PacketSelection::relative) and payload length.
// Clicking a row selects the packet for the ladder and the detail. Only visible rows are drawn
// (ImGuiListClipper); the table follows new packets while scrolled to the bottom. A "Show"
// picker above it filters: TCP or UDP, opening and closing (SYN, FIN, RST), data, what went
// wrong (sent again, duplicate ACKs, dropped by the link), or one actor's packets.
//
// Usage:
//   list.draw(flow, run.events(), selection, ImVec2(0, height));
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <imgui.h>

#include "core/event.h"
#include "ui/packet_flow.h"
#include "ui/packet_style.h"

namespace socketlab::ui {

class PacketListView {
  public:
    void draw(const FlowModel& flow, const std::deque<Event>& events, PacketSelection& selection,
              ImVec2 size);

    enum class Filter { All, Tcp, Udp, OpenClose, Data, Trouble, Actor };
    // Whether packet `p` (between lifelines from and to) passes the filter; actor: the
    // lifeline's label for Filter::Actor.
    static bool passes(Filter filter, const PacketRecord& p, const std::string& from,
                       const std::string& to, const std::string& actor);

  private:
    void draw_filter(const FlowModel& flow);

    Filter filter_ = Filter::All;
    std::string actor_;          // Filter::Actor: whose packets
    std::vector<size_t> shown_;  // the packets that pass, rebuilt each frame
};

}  // namespace socketlab::ui
