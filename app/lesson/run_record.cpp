#include "lesson/run_record.h"

#include <algorithm>

namespace socketlab {

bool carries_bytes(const Event& event) {
    const CallRecord* call = event.call();
    return event.kind == EventKind::Call && call && call->direction != Direction::None &&
           call->ret >= 0;
}

RunRecord::RunRecord(Limits limits) : limits_(limits) {
    clear();
}

void RunRecord::clear() {
    events_.clear();
    packet_events_.clear();
    tcp_states_.clear();
    tcp_infos_.clear();
    event_bytes_ = 0;
    dropped_events_ = 0;
    ++generation_;
    actors_.clear();
    // The server and client columns are there from the start, empty until their first call.
    actors_.emplace_back("server");
    actors_.emplace_back("client");
}

const ActorRecord* RunRecord::actor(const std::string& name) const {
    for (const auto& a : actors_)
        if (a.name == name) return &a;
    return nullptr;
}

ActorRecord& RunRecord::actor_for(const std::string& name) {
    for (auto& a : actors_)
        if (a.name == name) return a;
    actors_.emplace_back(name);
    return actors_.back();
}

std::optional<TcpState> RunRecord::tcp_state(const std::string& actor_name,
                                             const std::string& socket) const {
    auto it = tcp_states_.find(actor_name + "." + socket);
    if (it == tcp_states_.end()) return std::nullopt;
    return it->second;
}

const TcpInfoRecord* RunRecord::tcp_info(const std::string& actor_name,
                                         const std::string& socket) const {
    auto it = tcp_infos_.find(actor_name + "." + socket);
    return it == tcp_infos_.end() ? nullptr : &it->second;
}

size_t RunRecord::take_from(EventLog& log) {
    std::vector<Event> fresh;
    const size_t count = log.drain(fresh);
    add(std::move(fresh));
    return count;
}

void RunRecord::add(std::vector<Event> fresh) {
    for (auto& e : fresh) {
        event_bytes_ += e.bytes().size();
        events_.push_back(std::move(e));
        file(events_.size() - 1);
    }
    trim();
}

void RunRecord::file(size_t index) {
    const Event& e = events_[index];
    if (e.kind == EventKind::Packet) packet_events_.push_back(index);
    if (const StateRecord* state = e.state())
        tcp_states_[e.actor + "." + e.socket_name] = state->to;
    if (const TcpInfoRecord* info = e.tcp_info()) tcp_infos_[e.actor + "." + e.socket_name] = *info;
    if (e.actor.empty()) return;
    // A run step's program acts as its processes ("client.py[4121]"): no column of its own.
    if (const StepRecord* s = e.step_record(); s && s->program) return;
    ActorRecord& a = actor_for(e.actor);
    if (e.kind == EventKind::Step) return;  // steps are shown by the step controls
    // The kernel's numbers are shown on the socket's own line (tcp_info()), not as rows: a
    // bulk transfer changes cwnd many times, and the calls must stay readable.
    if (e.kind == EventKind::TcpInfo) return;
    a.timeline.push_back(index);
    if (carries_bytes(e)) a.byte_events.push_back(index);
}

void RunRecord::set_own_actors(std::set<std::string> actors) {
    own_actors_ = std::move(actors);
}

bool RunRecord::is_guest(const Event& e) const {
    return !own_actors_.empty() && !e.actor.empty() && own_actors_.count(e.actor) == 0;
}

void RunRecord::trim() {
    if (events_.size() <= limits_.max_events && event_bytes_ <= limits_.max_bytes) return;
    if (trim_guests_first()) return;
    // Drop a tenth more than needed at once, so the index rewrite below is rare.
    size_t drop = 0;
    size_t bytes = event_bytes_;
    auto nine_tenths = [](size_t n) { return n / 10 * 9 + n % 10 * 9 / 10; };  // no overflow
    const size_t keep_events = nine_tenths(limits_.max_events);
    const size_t keep_bytes = nine_tenths(limits_.max_bytes);
    while (drop < events_.size() && (events_.size() - drop > keep_events || bytes > keep_bytes)) {
        bytes -= events_[drop].bytes().size();
        ++drop;
    }
    auto drop_front = [drop](std::vector<size_t>& indices) {
        const auto kept = std::lower_bound(indices.begin(), indices.end(), drop);
        const size_t gone = static_cast<size_t>(kept - indices.begin());
        indices.erase(indices.begin(), kept);
        for (auto& index : indices) index -= drop;
        return gone;
    };
    for (auto& a : actors_) {
        for (size_t i = 0; i < a.byte_events.size() && a.byte_events[i] < drop; ++i)
            a.dropped_bytes += events_[a.byte_events[i]].bytes_total();
        a.dropped_calls += drop_front(a.timeline);
        drop_front(a.byte_events);
    }
    drop_front(packet_events_);
    // References to the events that stay remain valid: a deque erased at its front keeps them.
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(drop));
    event_bytes_ = bytes;
    dropped_events_ += drop;
    ++generation_;
}

// Past the limits with guests in the record (an outside client's flood, a traced program): the
// guests' oldest events go first, so the lesson's own actors keep their history. Only when the
// guests' events are not enough does the prefix rule below take the rest. Returns false when
// there is nothing of a guest to let go (the caller then trims the front, as before).
bool RunRecord::trim_guests_first() {
    auto nine_tenths = [](size_t n) { return n / 10 * 9 + n % 10 * 9 / 10; };  // no overflow
    const size_t keep_events = nine_tenths(limits_.max_events);
    const size_t keep_bytes = nine_tenths(limits_.max_bytes);
    std::vector<bool> gone(events_.size(), false);
    size_t count = events_.size(), bytes = event_bytes_, dropped = 0;
    for (size_t i = 0; i < events_.size() && (count > keep_events || bytes > keep_bytes); ++i) {
        if (!is_guest(events_[i])) continue;
        gone[i] = true;
        --count;
        bytes -= events_[i].bytes().size();
        ++dropped;
    }
    if (dropped == 0) return false;
    // Still over (the lesson's own events alone are too many): the oldest of the rest too.
    for (size_t i = 0; i < events_.size() && (count > keep_events || bytes > keep_bytes); ++i) {
        if (gone[i]) continue;
        gone[i] = true;
        --count;
        bytes -= events_[i].bytes().size();
        ++dropped;
    }
    for (size_t i = 0; i < events_.size(); ++i) {
        if (!gone[i] || events_[i].actor.empty()) continue;
        ActorRecord& a = actor_for(events_[i].actor);
        if (carries_bytes(events_[i])) a.dropped_bytes += events_[i].bytes_total();
        if (events_[i].kind != EventKind::Step && events_[i].kind != EventKind::TcpInfo)
            ++a.dropped_calls;
    }
    // Events leave from the middle: every index is filed again (and references to events are
    // stale: generation() says so).
    std::deque<Event> kept;
    for (size_t i = 0; i < events_.size(); ++i)
        if (!gone[i]) kept.push_back(std::move(events_[i]));
    events_ = std::move(kept);
    packet_events_.clear();
    for (auto& a : actors_) {
        a.timeline.clear();
        a.byte_events.clear();
    }
    for (size_t i = 0; i < events_.size(); ++i) file(i);
    event_bytes_ = bytes;
    dropped_events_ += dropped;
    ++generation_;
    return true;
}

std::vector<size_t> RunRecord::in_time_order() const {
    std::vector<size_t> order(events_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [this](size_t a, size_t b) { return events_[a].t_us < events_[b].t_us; });
    return order;
}

}  // namespace socketlab
