// The captured packets as a table, one row each: number, time, from -> to (actors), flags,
// seq and ack (relative or absolute, see PacketSelection::relative) and payload length.
// Clicking a row selects the packet for the ladder and the detail. Only visible rows are drawn
// (ImGuiListClipper); the table follows new packets while scrolled to the bottom.
//
// Usage:
//   list.draw(flow, run.events(), selection, ImVec2(0, height));
#pragma once

#include <deque>

#include <imgui.h>

#include "core/event.h"
#include "ui/packet_flow.h"
#include "ui/packet_style.h"

namespace socketlab::ui {

class PacketListView {
  public:
    void draw(const FlowModel& flow, const std::deque<Event>& events, PacketSelection& selection,
              ImVec2 size);
};

}  // namespace socketlab::ui
