#include "lesson/socket_state_watcher.h"

#include <unistd.h>

#include "core/tcp_state.h"

namespace socketlab {

namespace {
// Quick while a step's effects settle (a delayed ACK takes ~40 ms), slow when nothing happens,
// so an idle lesson costs next to nothing.
constexpr auto kPollBusy = std::chrono::milliseconds(15);
constexpr auto kPollIdle = std::chrono::milliseconds(250);
constexpr auto kBusyFor = std::chrono::seconds(2);
}  // namespace

SocketStateWatcher::SocketStateWatcher(Engine& engine, EventLog& log, int netlink_fd)
    : engine_(engine), log_(log), netlink_fd_(netlink_fd) {
    thread_ = std::thread([this] { run(); });
}

SocketStateWatcher::~SocketStateWatcher() {
    stop();
    if (netlink_fd_ >= 0) ::close(netlink_fd_);
}

void SocketStateWatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void SocketStateWatcher::set_ports(const std::set<uint16_t>& ports) {
    std::lock_guard lock(mutex_);
    ports_ = ports;
}

void SocketStateWatcher::poke() {
    {
        std::lock_guard lock(mutex_);
        busy_until_ = std::chrono::steady_clock::now() + kBusyFor;
    }
    wake_.notify_all();
}

void SocketStateWatcher::poll_now() {
    std::lock_guard lock(mutex_);
    poll_locked();
}

void SocketStateWatcher::run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        poll_locked();
        const bool busy = std::chrono::steady_clock::now() < busy_until_;
        wake_.wait_for(lock, busy ? kPollBusy : kPollIdle, [&] { return stop_; });
    }
}

void SocketStateWatcher::poll_locked() {
    if (ports_.empty()) return;
    std::vector<TcpSocketInfo> sockets;
    std::string error;
    if (!list_tcp_sockets(netlink_fd_, ports_, sockets, &error)) return;
    // Who owns what: the engine's sockets, by their addresses.
    std::map<std::string, std::pair<std::string, std::string>> owners;     // local|peer
    std::map<std::string, std::pair<std::string, std::string>> listeners;  // local
    for (const auto& actor : engine_.actor_names())
        for (const auto& s : engine_.sockets_of(actor)) {
            if (s.type != SOCK_STREAM || s.family == AF_UNIX) continue;
            if (s.listening)
                listeners[s.local] = {actor, s.name};
            else if (!s.peer.empty())
                owners[s.local + "|" + s.peer] = {actor, s.name};
            else
                owners[s.local + "|"] = {actor, s.name};
        }
    const int64_t now = engine_.now_us();
    std::set<std::string> seen;
    for (const auto& info : sockets) {
        const bool listening = info.state == TcpState::Listen;
        const std::string key = info.local + "|" + (listening ? "" : info.peer);
        seen.insert(key);
        Known& known = known_[key];
        const std::string state = tcp_state_name(info.state);
        auto owner = owners.find(key);
        if (owner == owners.end() && info.state == TcpState::SynSent)
            owner = owners.find(info.local + "|");
        if (listening) {
            auto l = listeners.find(info.local);
            if (l != listeners.end())
                known.actor = l->second.first, known.socket = l->second.second;
        } else if (owner != owners.end()) {
            known.actor = owner->second.first;
            known.socket = owner->second.second;
        } else if (known.actor.empty()) {
            // No fd yet: a connection the kernel completed that waits in a listener's accept
            // queue (or a half-open request). It belongs to the listening socket's actor.
            for (const auto& [local, who] : listeners) {
                auto address = SocketAddress::parse(local);
                if (address && address->port() == info.local_port) {
                    known.actor = who.first;
                    known.socket = "queued";
                }
            }
        }
        const std::string owner_now = known.actor + "." + known.socket;
        if (known.actor.empty() || (known.state == state && known.owner == owner_now)) continue;
        known.owner = owner_now;
        Event ev;
        ev.kind = EventKind::State;
        ev.t_us = now;
        ev.actor = known.actor;
        ev.socket_name = known.socket;
        ev.call = "tcp state";
        ev.args = (known.state.empty() ? std::string("new") : known.state) + " -> " + state;
        if (known.state == state) ev.args = state + " (now " + known.socket + ")";
        ev.note = state;
        ev.local = info.local;
        ev.peer = listening ? "" : info.peer;
        known.state = state;
        known.local = ev.local;
        known.peer = ev.peer;
        log_.append(std::move(ev));
    }
    // Gone from the kernel's table: the socket is CLOSED.
    for (auto it = known_.begin(); it != known_.end();) {
        if (seen.count(it->first) || it->second.actor.empty() || it->second.state == "CLOSED") {
            ++it;
            continue;
        }
        Event ev;
        ev.kind = EventKind::State;
        ev.t_us = now;
        ev.actor = it->second.actor;
        ev.socket_name = it->second.socket;
        ev.call = "tcp state";
        ev.args = it->second.state + " -> CLOSED";
        ev.note = "CLOSED";
        ev.local = it->second.local;
        ev.peer = it->second.peer;
        log_.append(std::move(ev));
        it = known_.erase(it);
    }
}

}  // namespace socketlab
