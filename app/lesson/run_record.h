// What a lesson run has done so far, as one reader's own copy of the event log: the events
// (bounded), each actor's timeline and the events that carried its bytes, the captured packets,
// and the kernel's TCP state of each socket. No ImGui: the window (ui/lesson_run) and the
// headless `--run` (cli/commands.cpp) share it; the window draws only from it, never from the
// log a worker is appending to.
//
// Usage:
//   RunRecord record;                 // or RunRecord(RunRecord::unbounded()) for --run
//   record.take_from(log);            // once per frame: moves new events in, files them
//   for (size_t i : record.actor("server")->timeline) draw(record.events()[i]);
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/event_log.h"

namespace socketlab {

// One actor's share of the record. Indices point into RunRecord::events().
struct ActorRecord {
    explicit ActorRecord(std::string actor_name) : name(std::move(actor_name)) {}
    std::string name;
    // Its calls, waits, notes and TCP states, in log order (not its TcpInfo events: see
    // RunRecord::tcp_info).
    std::vector<size_t> timeline;
    // (TcpInfo events are not rows: RunRecord::tcp_info)
    std::vector<size_t> byte_events;  // the calls among them that moved data
    // A long transcript (an outside client's flood) keeps the newest events: what was let go.
    size_t dropped_calls = 0;
    uint64_t dropped_bytes = 0;
};

class RunRecord {
  public:
    struct Limits {
        size_t max_events = 20000;
        size_t max_bytes = size_t{64} * 1024 * 1024;
    };
    static Limits unbounded() { return {SIZE_MAX, SIZE_MAX}; }

    RunRecord() : RunRecord(Limits{}) {}
    explicit RunRecord(Limits limits);

    // Moves every undrained event of `log` in. Returns how many.
    size_t take_from(EventLog& log);
    // Appends events in log order and files them; past the limits the oldest go.
    void add(std::vector<Event> fresh);
    // Forgets everything (a reset); the server and client actors stay, empty.
    void clear();
    // The lesson's own actors. Past the limits, the events of any other actor (a guest: an
    // outside client, a traced program) go first, so a flood never evicts the lesson's own
    // history. Empty (the default): every actor is the lesson's, the oldest events go first.
    void set_own_actors(std::set<std::string> actors);

    // A deque: references to events stay valid while newer ones arrive and older ones go from
    // the front; when a guest's events go from the middle, generation() changes.
    const std::deque<Event>& events() const { return events_; }
    // In first-seen order; "server" and "client" are there from the start.
    const std::vector<ActorRecord>& actors() const { return actors_; }
    const ActorRecord* actor(const std::string& name) const;
    // Indices into events() of the captured packets, in order.
    const std::vector<size_t>& packet_events() const { return packet_events_; }
    // The kernel's TCP state of each socket, from the State events: "actor.socket" -> state.
    const std::map<std::string, TcpState>& tcp_states() const { return tcp_states_; }
    std::optional<TcpState> tcp_state(const std::string& actor, const std::string& socket) const;
    // The newest TCP_INFO of an actor's socket (its TcpInfo events), or null. Kept when older
    // events are let go. Its local and peer say which connection it was.
    const TcpInfoRecord* tcp_info(const std::string& actor, const std::string& socket) const;

    // Events let go to keep within the limits, in all (indices shift when this grows).
    uint64_t dropped_events() const { return dropped_events_; }
    // Bumped by every clear() and every trim: indices kept from before are stale.
    uint64_t generation() const { return generation_; }

    // Indices into events() ordered by time (t_us), ties kept in log order: workers stamp the
    // time just before they append, so log order and time order can differ by a little.
    std::vector<size_t> in_time_order() const;

  private:
    ActorRecord& actor_for(const std::string& name);
    void file(size_t index);
    void trim();
    bool trim_guests_first();
    bool is_guest(const Event& e) const;

    Limits limits_;
    std::deque<Event> events_;
    std::vector<ActorRecord> actors_;
    std::vector<size_t> packet_events_;
    std::map<std::string, TcpState> tcp_states_;
    std::map<std::string, TcpInfoRecord> tcp_infos_;  // "actor.socket" -> newest
    size_t event_bytes_ = 0;
    uint64_t dropped_events_ = 0;
    uint64_t generation_ = 0;
    std::set<std::string> own_actors_;
};

// Whether this event moved data that a byte view shows (a call with a direction that succeeded).
bool carries_bytes(const Event& event);

}  // namespace socketlab
