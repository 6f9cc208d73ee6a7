#include "ui/packet_flow.h"

#include <algorithm>
#include <set>

#include "core/address.h"
#include "core/socket_directory.h"

namespace socketlab::ui {
namespace {

bool same_address(const SocketAddress& a, const SocketAddress& b) {
    return a.to_string() == b.to_string();
}

bool is_call_that_connects(CallOp op) {
    return op == CallOp::Connect || op == CallOp::SendTo || op == CallOp::Send ||
           op == CallOp::SendAll;
}

bool is_call_of_a_server(CallOp op) {
    return op == CallOp::Listen || op == CallOp::Bind || op == CallOp::Accept;
}

}  // namespace

void FlowModel::clear() {
    const uint64_t generation = generation_ + 1;
    *this = FlowModel();
    generation_ = generation;
}

void FlowModel::update(const std::deque<Event>& events, uint64_t dropped) {
    if (events.empty()) {
        if (filed_count_ > 0 || !lifelines_.empty()) clear();
        return;
    }
    // The copy was reset or trimmed when its first event, or the last one we filed, changed:
    // indices into it are stale, so file everything again (rare: a reset, or every ~2000
    // events past LessonRun::kMaxEvents).
    const bool same_start = events.front().seq == first_seq_ && events.front().t_us == first_t_;
    const bool same_filed = filed_count_ <= events.size() &&
                            (filed_count_ == 0 || events[filed_count_ - 1].seq == last_seq_);
    if (dropped != dropped_ || !same_start || !same_filed) {
        rebuild(events);
    } else {
        for (size_t i = filed_count_; i < events.size(); ++i) file_event(events, i);
        filed_count_ = events.size();
        if (filed_count_ > 0) last_seq_ = events.back().seq;
    }
    dropped_ = dropped;
    if (dirty_) layout(events);
}

void FlowModel::rebuild(const std::deque<Event>& events) {
    clear();
    first_seq_ = events.front().seq;
    first_t_ = events.front().t_us;
    for (size_t i = 0; i < events.size(); ++i) file_event(events, i);
    filed_count_ = events.size();
    last_seq_ = events.back().seq;
    dirty_ = true;
}

void FlowModel::file_event(const std::deque<Event>& events, size_t index) {
    const Event& e = events[index];
    switch (e.kind) {
        case EventKind::Packet:
            file_packet(e, index);
            dirty_ = true;
            return;
        case EventKind::Step:
            if (!e.actor.empty()) pending_start_[e.actor] = {e.step, e.t_us, e.seq};
            return;
        case EventKind::State:
            // May name a packet's end before any call does (SYN_SENT while connect() waits).
            learn_addresses(e.actor, e.state()->local, e.state()->peer);
            dirty_ = true;
            return;
        case EventKind::Link:
        case EventKind::Program:
        case EventKind::TcpInfo:
            return;
        case EventKind::Note:
            if (e.step > 0) {
                auto pending = pending_start_.find(e.actor);
                if (pending != pending_start_.end() && pending->second.step == e.step)
                    pending_start_.erase(pending);
            }
            return;
        case EventKind::Wait:
        case EventKind::Call:
            break;
    }
    const CallRecord* call = e.call();
    if (e.actor.empty() || !call) return;
    learn_addresses(e.actor, call->local, call->peer);
    const CallOp op = call->spec.op;
    if (std::find(actors_.begin(), actors_.end(), e.actor) == actors_.end())
        actors_.push_back(e.actor);
    // Which side of the ladder the actor belongs on, decided by its first telling call.
    if (!call_role_.count(e.actor)) {
        if (is_call_of_a_server(op))
            call_role_[e.actor] = true;
        else if (is_call_that_connects(op))
            call_role_[e.actor] = false;
    }
    dirty_ = true;

    // When did the call start? The lesson step's marker (logged just before the call was
    // posted), else the moment it blocked; a call from outside the script has only its return.
    auto pending = pending_start_.find(e.actor);
    const bool from_step =
        pending != pending_start_.end() && e.step > 0 && pending->second.step == e.step;

    if (e.kind == EventKind::Wait) {
        Item start;
        start.kind = LadderRowKind::CallStart;
        start.event = index;
        start.t_us = from_step ? pending->second.t_us : e.t_us;
        start.order = from_step ? pending->second.order : e.seq;
        start.call_key = next_call_key_++;
        open_call_[e.actor] = start.call_key;
        insert_item(start);
        return;
    }

    Item done;
    done.event = index;
    done.t_us = e.t_us;
    done.order = e.seq;
    int64_t start_us = e.t_us;
    auto open = open_call_.find(e.actor);
    if (open != open_call_.end()) {
        // It had blocked: its start row keeps the Wait event (it says "blocked"), the return
        // row gets the result.
        for (auto it = items_.rbegin(); it != items_.rend(); ++it)
            if (it->call_key == open->second && it->kind == LadderRowKind::CallStart) {
                start_us = it->t_us;
                break;
            }
        done.kind = LadderRowKind::CallReturn;
        done.call_key = open->second;
        open_call_.erase(open);
    } else if (from_step && pending->second.t_us < e.t_us) {
        Item start;
        start.kind = LadderRowKind::CallStart;
        start.event = index;
        start.t_us = pending->second.t_us;
        start.order = pending->second.order;
        start.call_key = next_call_key_++;
        start_us = start.t_us;
        insert_item(start);
        done.kind = LadderRowKind::CallReturn;
        done.call_key = start.call_key;
    } else {
        done.kind = LadderRowKind::Call;
    }
    if (from_step) pending_start_.erase(pending);
    insert_item(done);

    if (op == CallOp::Connect) {
        // A failed connect() gives its port back, so no later event names the SYN's source:
        // remember where it was going and when.
        const SocketAddress& peer = call->peer.port() > 0 ? call->peer : call->spec.address;
        if (peer.port() > 0) attempts_.push_back({e.actor, peer, start_us, e.t_us});
    }
}

void FlowModel::file_packet(const Event& e, size_t index) {
    const PacketRecord& p = *e.packet();
    const bool tcp = p.is_tcp();
    const bool syn = tcp && p.has(kTcpSyn);
    const bool syn_only = syn && !p.has(kTcpAck);
    const std::string src = p.src.to_string(), dst = p.dst.to_string();
    const std::string key =
        std::string(transport_name(p.proto)) + " " + std::min(src, dst) + "|" + std::max(src, dst);

    auto found = open_connection_.find(key);
    // Ports used again after a FIN or RST: a new connection, not more of the old one.
    const bool reused =
        found != open_connection_.end() && syn_only && connections_[found->second].closing;
    if (found == open_connection_.end() || reused) {
        FlowConnection c;
        c.proto = p.proto;
        c.client = p.src;
        c.server = p.dst;
        c.initiator_seen = syn_only || !tcp;
        c.first_packet = packets_.size();
        connections_.push_back(c);
        open_connection_[key] = connections_.size() - 1;
        found = open_connection_.find(key);
    }
    FlowConnection& c = connections_[found->second];

    FlowPacket packet;
    packet.event = index;
    packet.event_seq = e.seq;
    packet.connection = found->second;
    packet.from_client = same_address(p.src, c.client);
    if (tcp) {
        std::optional<uint32_t>& isn = packet.from_client ? c.client_isn : c.server_isn;
        if (!isn) isn = p.seq;
        if (p.has(kTcpFin) || p.has(kTcpRst)) c.closing = true;
    }
    packets_.push_back(packet);

    Item item;
    item.kind = LadderRowKind::Packet;
    item.event = index;
    item.packet = packets_.size() - 1;
    item.t_us = e.t_us;
    item.order = e.seq;
    insert_item(item);
}

void FlowModel::learn_addresses(const std::string& actor, const SocketAddress& local,
                                const SocketAddress& peer) {
    if (actor.empty() || local.port() <= 0) return;
    // First owner wins: a connection handed to a worker thread stays on the lifeline that
    // accepted it, and a listener's address stays with the listener. A socket bound to the
    // wildcard address owns the loopback address it is reached on.
    const std::string here = reach_on_loopback(local).to_string();
    local_owner_.emplace(here, actor);
    if (peer.port() > 0) pair_owner_.emplace(here + "|" + peer.to_string(), actor);
}

void FlowModel::insert_item(const Item& item) {
    // Most items belong at the end; packets arrive a little late and slot in just before it.
    auto later = [](const Item& a, const Item& b) {
        return a.t_us != b.t_us ? a.t_us < b.t_us : a.order < b.order;
    };
    items_.insert(std::upper_bound(items_.begin(), items_.end(), item, later), item);
}

std::string FlowModel::actor_at(const SocketAddress& address, const SocketAddress& other,
                                int64_t t_us) const {
    const std::string here = address.to_string();
    if (auto it = pair_owner_.find(here + "|" + other.to_string()); it != pair_owner_.end())
        return it->second;
    if (auto it = local_owner_.find(here); it != local_owner_.end()) return it->second;
    for (auto it = attempts_.rbegin(); it != attempts_.rend(); ++it)
        if (same_address(it->peer, other) && t_us >= it->start_us && t_us <= it->end_us + 100000)
            return it->actor;
    return "";
}

void FlowModel::layout(const std::deque<Event>& events) {
    dirty_ = false;
    ++generation_;

    // Lifelines: clients on the left, servers on the right, each side in first-seen order.
    // An actor's side is the one it has in its first connection, else what its first calls
    // suggest (listen, bind, accept: server; connect, send: client).
    struct End {
        std::string key;  // "a:actor" or "@address"
        FlowLifeline lifeline;
        bool server = false;
    };
    std::vector<End> ends;
    std::map<std::string, size_t> end_index;
    auto add_end = [&](const std::string& actor, const SocketAddress& address, bool server) {
        const std::string key = actor.empty() ? "@" + address.to_string() : "a:" + actor;
        auto it = end_index.find(key);
        if (it != end_index.end()) return it->second;
        End end;
        end.key = key;
        end.lifeline.actor = actor;
        end.lifeline.address = actor.empty() ? address : SocketAddress();
        end.server = server;
        ends.push_back(std::move(end));
        end_index[key] = ends.size() - 1;
        return ends.size() - 1;
    };
    std::vector<std::pair<size_t, size_t>> packet_ends(packets_.size());
    for (size_t i = 0; i < packets_.size(); ++i) {
        const FlowPacket& packet = packets_[i];
        const Event& e = events[packet.event];
        const FlowConnection& c = connections_[packet.connection];
        const std::string client = actor_at(c.client, c.server, e.t_us);
        const std::string server = actor_at(c.server, c.client, e.t_us);
        const size_t client_end = add_end(client, c.client, false);
        const size_t server_end = add_end(server, c.server, true);
        packet_ends[i] = packet.from_client ? std::make_pair(client_end, server_end)
                                            : std::make_pair(server_end, client_end);
    }
    for (const auto& actor : actors_) {
        auto role = call_role_.find(actor);
        add_end(actor, SocketAddress(), role != call_role_.end() && role->second);
    }
    std::vector<size_t> order(ends.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return !ends[a].server && ends[b].server; });
    std::vector<size_t> lifeline_of_end(ends.size());
    lifelines_.clear();
    std::map<std::string, size_t> lifeline_of_actor;
    for (size_t position = 0; position < order.size(); ++position) {
        lifeline_of_end[order[position]] = position;
        lifelines_.push_back(ends[order[position]].lifeline);
        if (!lifelines_.back().actor.empty()) lifeline_of_actor[lifelines_.back().actor] = position;
    }
    std::map<std::pair<size_t, size_t>, std::set<size_t>> connections_between;
    for (size_t i = 0; i < packets_.size(); ++i) {
        FlowPacket& packet = packets_[i];
        packet.from_lifeline = lifeline_of_end[packet_ends[i].first];
        packet.to_lifeline = lifeline_of_end[packet_ends[i].second];
        connections_between[std::minmax(packet.from_lifeline, packet.to_lifeline)].insert(
            packet.connection);
    }
    for (const auto& [lifelines, connections] : connections_between)
        for (size_t c : connections) connections_[c].shares_lifelines = connections.size() > 1;

    // Rows. A call gets a start row and a return row only when packets went out or came in
    // while it ran (connect() and its handshake) or it is still blocked; otherwise one row.
    std::map<uint64_t, size_t> packets_at_start;
    std::set<uint64_t> spans;
    size_t packet_count = 0;
    for (const Item& item : items_) {
        if (item.kind == LadderRowKind::Packet) ++packet_count;
        if (item.kind == LadderRowKind::CallStart) {
            packets_at_start[item.call_key] = packet_count;
            spans.insert(item.call_key);  // kept while blocked; dropped below if it returned
        }
        if (item.kind == LadderRowKind::CallReturn &&
            packets_at_start[item.call_key] == packet_count)
            spans.erase(item.call_key);
    }
    rows_.clear();
    packet_rows_.assign(packets_.size(), SIZE_MAX);
    std::map<uint64_t, size_t> start_row;
    for (const Item& item : items_) {
        LadderRow row;
        row.kind = item.kind;
        row.event = item.event;
        row.t_us = item.t_us;
        if (item.kind == LadderRowKind::Packet) {
            row.packet = item.packet;
            packet_rows_[item.packet] = rows_.size();
            rows_.push_back(row);
            continue;
        }
        auto lifeline = lifeline_of_actor.find(events[item.event].actor);
        if (lifeline == lifeline_of_actor.end()) continue;
        row.lifeline = lifeline->second;
        const bool span = spans.count(item.call_key) > 0;
        if (item.kind == LadderRowKind::CallStart) {
            if (!span) continue;
            start_row[item.call_key] = rows_.size();
        } else if (item.kind == LadderRowKind::CallReturn) {
            if (span) {
                row.partner = start_row[item.call_key];
                rows_[row.partner].partner = rows_.size();
            } else {
                row.kind = LadderRowKind::Call;
            }
        }
        rows_.push_back(row);
    }
}

size_t FlowModel::packet_by_event_seq(uint64_t event_seq) const {
    auto it = std::lower_bound(packets_.begin(), packets_.end(), event_seq,
                               [](const FlowPacket& p, uint64_t seq) { return p.event_seq < seq; });
    if (it == packets_.end() || it->event_seq != event_seq) return SIZE_MAX;
    return static_cast<size_t>(it - packets_.begin());
}

size_t FlowModel::row_of_packet(size_t packet) const {
    return packet < packet_rows_.size() ? packet_rows_[packet] : SIZE_MAX;
}

uint32_t FlowModel::shown_seq(const FlowPacket& packet, const PacketRecord& summary,
                              bool relative) const {
    const FlowConnection& c = connections_[packet.connection];
    const auto& base = packet.from_client ? c.client_isn : c.server_isn;
    return relative && base ? summary.seq - *base : summary.seq;
}

uint32_t FlowModel::shown_ack(const FlowPacket& packet, const PacketRecord& summary,
                              bool relative) const {
    const FlowConnection& c = connections_[packet.connection];
    const auto& base = packet.from_client ? c.server_isn : c.client_isn;
    return relative && base ? summary.ack - *base : summary.ack;
}

}  // namespace socketlab::ui
