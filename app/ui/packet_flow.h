// The captured packets of a lesson run, arranged for the packet views (ladder, list, detail):
// which connection each packet belongs to, who is the client, each direction's first sequence
// number (for Wireshark-style relative numbers), which actor sits at either end, and the
// ladder's rows: packets and the actors' socket calls merged in time order.
//
// Built incrementally from LessonRun's event copy once per frame (update()): new events are
// filed as they come; only a reset or a trim of old events (indices shift) rebuilds it all.
// No ImGui here, so the views stay small and this can be tested alone.
//
// Usage (once per frame, before drawing the views):
//   flow.update(run.events(), run.dropped_events());
//   for (size_t row = first; row < last; ++row) draw(flow.rows()[row]);
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"

namespace socketlab::ui {

// One connection (TCP) or one pair of UDP endpoints.
struct FlowConnection {
    TransportProto proto = TransportProto::Tcp;
    SocketAddress client;  // the address that sent the first SYN (UDP: the first datagram)
    SocketAddress server;
    bool initiator_seen = false;  // false: the capture began mid-connection; client is a guess
    // Each side's first sequence number: its SYN's, else the first one seen from it.
    std::optional<uint32_t> client_isn, server_isn;
    bool closing = false;  // a FIN or RST was seen: a new SYN on the same ports is a new connection
    size_t first_packet = 0;  // index into FlowModel::packets()
    // Another connection runs between the same two lifelines: the views add the ports.
    bool shares_lifelines = false;
};

struct FlowPacket {
    size_t event = 0;  // index into the events given to update()
    uint64_t event_seq = 0;
    size_t connection = 0;  // index into connections()
    bool from_client = true;
    // Filled by the layout pass: the lifelines at either end (index into lifelines()).
    size_t from_lifeline = 0, to_lifeline = 0;
};

// A vertical line of the ladder: an actor, or a bare address no actor's socket owns (e.g. the
// kernel answering a connect() to a closed port with RST).
struct FlowLifeline {
    std::string actor;      // "" for a bare address
    SocketAddress address;  // bare address lifelines only
    // The actor, or "port 56887" (lessons talk on one loopback address, and the port is what
    // tells a learner which socket it was meant for).
    std::string label() const {
        if (!actor.empty()) return actor;
        return address.port() >= 0 ? "port " + std::to_string(address.port()) : address.to_string();
    }
};

enum class LadderRowKind {
    Packet,      // an arrow between two lifelines
    Call,        // a call that returned with no packet in between: one mark "recv(10) = 2"
    CallStart,   // a call that was made here and returned later (after packets, or not yet)
    CallReturn,  // ... and where it returned
};

struct LadderRow {
    LadderRowKind kind = LadderRowKind::Packet;
    size_t event = 0;           // Packet: the packet; Call/CallReturn: the Call event;
                                // CallStart: the Call event, or the Wait event if it blocked
    size_t packet = SIZE_MAX;   // Packet rows: index into packets()
    size_t lifeline = 0;        // Call rows: whose lifeline; Packet rows: unused
    int64_t t_us = 0;           // when (the start time for CallStart)
    size_t partner = SIZE_MAX;  // CallStart <-> CallReturn: the other row; SIZE_MAX = none yet
};

class FlowModel {
  public:
    // Files the events that are new since the last call; rebuilds when the copy was reset or
    // trimmed (`dropped` is LessonRun::dropped_events()). Cheap when nothing changed.
    void update(const std::deque<Event>& events, uint64_t dropped);
    void clear();

    const std::vector<FlowPacket>& packets() const { return packets_; }
    const std::vector<FlowConnection>& connections() const { return connections_; }
    const std::vector<FlowLifeline>& lifelines() const { return lifelines_; }
    const std::vector<LadderRow>& rows() const { return rows_; }
    // Bumped whenever rows() changed, so views can follow the newest row.
    uint64_t generation() const { return generation_; }

    // The packet whose event has this Event::seq, or SIZE_MAX.
    size_t packet_by_event_seq(uint64_t event_seq) const;
    // The ladder row showing packet `packet`, or SIZE_MAX.
    size_t row_of_packet(size_t packet) const;

    // Sequence and acknowledgement numbers relative to each direction's first sequence number
    // (as Wireshark shows them), or absolute. ack is meaningful only with the ACK flag.
    uint32_t shown_seq(const FlowPacket& packet, const PacketRecord& p, bool relative) const;
    uint32_t shown_ack(const FlowPacket& packet, const PacketRecord& p, bool relative) const;

  private:
    struct PendingStart {
        int step = 0;
        int64_t t_us = 0;
        uint64_t order = 0;  // the Step event's seq: ties in time keep log order
    };
    struct Item {
        int64_t t_us = 0;
        uint64_t order = 0;
        LadderRowKind kind = LadderRowKind::Packet;
        size_t event = 0;
        size_t packet = SIZE_MAX;
        uint64_t call_key = 0;  // links a CallStart with its CallReturn
    };
    struct ConnectAttempt {
        std::string actor;
        SocketAddress peer;
        int64_t start_us = 0, end_us = INT64_MAX;
    };

    void rebuild(const std::deque<Event>& events);
    void file_event(const std::deque<Event>& events, size_t index);
    void file_packet(const Event& e, size_t index);
    void learn_addresses(const std::string& actor, const SocketAddress& local,
                         const SocketAddress& peer);
    void insert_item(const Item& item);
    void layout(const std::deque<Event>& events);
    // The actor whose socket is `address` talking to `other` at time t_us, or "".
    std::string actor_at(const SocketAddress& address, const SocketAddress& other,
                         int64_t t_us) const;

    std::vector<FlowPacket> packets_;
    std::vector<FlowConnection> connections_;
    std::map<std::string, size_t> open_connection_;  // "tcp a|b" (sorted) -> connection
    std::vector<Item> items_;                        // in time order
    std::vector<FlowLifeline> lifelines_;
    std::vector<LadderRow> rows_;
    std::vector<size_t> packet_rows_;  // packet -> its row

    // Who owns which address, learned from calls and kernel state events (keyed by the
    // addresses' text; a wildcard bind by the loopback address it is reached on).
    std::map<std::string, std::string> pair_owner_;   // "local|peer" -> actor
    std::map<std::string, std::string> local_owner_;  // "local" -> actor
    std::vector<ConnectAttempt> attempts_;            // connect/sendto calls, for closed ports
    std::vector<std::string> actors_;                 // actors with calls, first-seen order
    std::map<std::string, bool> call_role_;           // actor -> server side (by its calls)

    std::map<std::string, PendingStart> pending_start_;  // actor -> its step that has begun
    std::map<std::string, uint64_t> open_call_;          // actor -> call_key of a blocked call
    uint64_t next_call_key_ = 1;

    uint64_t last_seq_ = 0;   // the last event filed
    uint64_t first_seq_ = 0;  // events.front() when filed: seq and time
    int64_t first_t_ = 0;
    uint64_t dropped_ = 0;
    size_t filed_count_ = 0;
    bool dirty_ = false;
    uint64_t generation_ = 0;
};

}  // namespace socketlab::ui
