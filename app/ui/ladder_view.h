// The ladder (sequence) diagram of a lesson's packets: one vertical lifeline per actor (clients
// left, servers right), time going down, each packet an arrow labelled with its flags, seq, ack
// and length, and each socket call a mark on its actor's lifeline where it was made. A call
// during which packets went out or came in gets a bar from where it was made to where it
// returned, so connect() visibly sends the SYN and accept() returns after the handshake.
//
// Rows are in time order but evenly spaced (order, not a linear time scale: a handshake takes
// microseconds and a learner's pause seconds). Only visible rows are drawn (ImGuiListClipper).
//
// Usage:
//   ladder.draw(flow, run.events(), selection, height);  // after flow.update(...)
#pragma once

#include <deque>
#include <vector>

#include "core/event.h"
#include "ui/packet_flow.h"
#include "ui/packet_style.h"

namespace socketlab::ui {

class LadderView {
  public:
    void draw(const FlowModel& flow, const std::deque<Event>& events, PacketSelection& selection,
              float height);

  private:
    struct Bar {
        size_t first_row = 0, last_row = 0;  // last_row == rows: still blocked
        size_t lifeline = 0;
    };
    uint64_t bars_generation_ = UINT64_MAX;
    std::vector<Bar> bars_;
};

}  // namespace socketlab::ui
