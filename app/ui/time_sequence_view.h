// The Packets tab's time-sequence graph (ui/time_sequence.h has the data): time to the right,
// sequence numbers up. Data segments are bars, the ACK line and the receive-window line step up
// beside them; retransmissions, drops by SocketLab's link and SACK blocks are marked, and a
// legend says which is which in words. Hover a mark for its packet; click it to select that
// packet (the list and the detail follow). The wheel zooms, dragging pans, a double-click
// shows the whole run again; until zoomed, the graph follows the newest packets.
//
// Usage:
//   graph.draw(flow, run.events(), selection, height);  // after flow.update(...)
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "core/event.h"
#include "ui/packet_flow.h"
#include "ui/packet_style.h"
#include "ui/time_sequence.h"

namespace socketlab::ui {

class TimeSequenceView {
  public:
    void draw(const FlowModel& flow, const std::deque<Event>& events, PacketSelection& selection,
              float height);

  private:
    struct Range {
        double t0 = 0, t1 = 1;  // microseconds since the connection's first packet
        double s0 = 0, s1 = 1;  // relative sequence numbers
    };
    void rebuild_if_changed(const FlowModel& flow, const std::deque<Event>& events);
    void draw_picker(const FlowModel& flow);
    void draw_plot(const FlowModel& flow, const std::deque<Event>& events,
                   PacketSelection& selection, float height);
    Range whole_run() const;

    uint64_t built_generation_ = UINT64_MAX;
    std::vector<TimeSequenceChoice> choices_;
    // The picked direction, kept by identity while choices_ reorders.
    size_t picked_connection_ = SIZE_MAX;
    bool picked_from_client_ = true;
    TimeSequence graph_;
    bool zoomed_ = false;  // the learner zoomed or panned: stop following the newest
    Range range_;
};

}  // namespace socketlab::ui
