// The time-sequence graph's data (Stevens' and tcptrace's graph, Wireshark's "Stevens" and
// "tcptrace" views): for one direction of one TCP connection, each data segment as a bar from
// its first to its last byte at the time it was sent, the ACK line (how far the receiver has
// acknowledged) and the receive window line (how far it allows the sender to go), with the
// retransmissions, the segments SocketLab's link dropped and the SACK blocks marked.
//
// Seen from the sender, as a capture on the sender would: a segment is placed when it left the
// sender (entered the link), an ACK when it reached the sender. Sequence numbers are relative to
// the direction's first (its SYN's). Pure data from the FlowModel: no ImGui, testable alone.
//
// Usage:
//   auto choices = time_sequence_choices(flow, events);       // the directions that carry data
//   TimeSequence graph = build_time_sequence(flow, events, choices[0]);
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/event.h"
#include "ui/packet_flow.h"

namespace socketlab::ui {

// One direction of one connection: the data going from_client (or from the server).
struct TimeSequenceChoice {
    size_t connection = 0;  // index into FlowModel::connections()
    bool from_client = true;
    uint64_t data_bytes = 0;  // payload bytes sent that way (retransmissions included)
};

struct TimeSequence {
    struct Segment {
        int64_t t_us = 0;    // since the connection's first packet
        uint32_t start = 0;  // relative sequence number of its first byte
        uint32_t end = 0;    // one past its last byte (start + len; SYN/FIN count one)
        size_t packet = 0;   // index into FlowModel::packets()
        bool retransmission = false;
        bool dropped = false;  // SocketLab's link dropped it: the receiver never saw it
        bool syn = false, fin = false;
    };
    struct Ack {
        int64_t t_us = 0;
        uint32_t ack = 0;          // relative: the next byte the receiver wants
        uint32_t window_edge = 0;  // ack + the receive window (scaled): how far it may send
        size_t packet = 0;
        bool dropped = false;  // the link dropped this ACK: the sender never saw it
        bool duplicate = false;
    };
    struct Sack {
        int64_t t_us = 0;
        uint32_t left = 0, right = 0;  // relative: bytes the receiver has beyond the ACK
    };
    std::vector<Segment> segments;
    std::vector<Ack> acks;
    std::vector<Sack> sacks;
    int64_t first_us = 0;        // the connection's first packet, engine time (the graph's zero)
    int64_t last_us = 0;         // the last point, since first_us
    uint32_t top = 0;            // the highest sequence number a segment or an ACK reaches
    uint32_t window_top = 0;     // ... and the window line (often far above: the graph fits top)
    bool window_scaled = false;  // both SYNs carried the window scale option
    int window_shift = 0;        // the receiver's scale, when window_scaled
};

// The directions of TCP connections that carried data, most data first.
std::vector<TimeSequenceChoice> time_sequence_choices(const FlowModel& flow,
                                                      const std::deque<Event>& events);

TimeSequence build_time_sequence(const FlowModel& flow, const std::deque<Event>& events,
                                 const TimeSequenceChoice& choice);

// "client → server (48 KiB)": how the choice is named in the graph's picker.
std::string time_sequence_label(const FlowModel& flow, const TimeSequenceChoice& choice);

}  // namespace socketlab::ui
