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

SocketStateWatcher::SocketStateWatcher(const SocketDirectory& directory, EventLog& log,
                                       std::function<int64_t()> now_us,
                                       std::function<std::vector<int>()> open_netlink)
    : directory_(directory),
      log_(log),
      now_us_(std::move(now_us)),
      open_netlink_(std::move(open_netlink)) {
    thread_ = std::thread([this] { run(); });
}

SocketStateWatcher::~SocketStateWatcher() {
    stop();
    for (int fd : netlink_fds_) ::close(fd);
}

void SocketStateWatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
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
    std::vector<int> fds = open_netlink_ ? open_netlink_() : std::vector<int>{};
    std::unique_lock lock(mutex_);
    netlink_fds_ = std::move(fds);
    if (netlink_fds_.empty()) return;  // no states to read (the packet views say why)
    while (!stop_) {
        poll_locked();
        const bool busy = std::chrono::steady_clock::now() < busy_until_;
        wake_.wait_for(lock, busy ? kPollBusy : kPollIdle, [&] { return stop_; });
    }
}

void SocketStateWatcher::log_tcp_info(Known& known, const TcpInfoRecord& now_info, int64_t now) {
    // A socket that took over the connection (accept) starts its own series of reports.
    const bool same_owner = known.info_owner == known.owner && known.info_logged;
    const uint32_t changed = tcp_info_changes(same_owner ? &*known.info_logged : nullptr, now_info);
    if (changed == 0) return;
    Event ev;
    ev.kind = EventKind::TcpInfo;
    ev.t_us = now;
    ev.actor = known.actor;
    ev.socket_name = known.socket;
    TcpInfoRecord record = now_info;
    record.changed = changed;
    ev.payload = record;
    known.info_logged = now_info;
    known.info_owner = known.owner;
    log_.append(std::move(ev));
}

void SocketStateWatcher::poll_locked() {
    if (netlink_fds_.empty()) return;
    const std::set<uint16_t> ports = directory_.ports();
    if (ports.empty()) return;
    std::vector<TcpSocketInfo> sockets;
    std::string error;
    for (int fd : netlink_fds_) {
        std::vector<TcpSocketInfo> some;
        if (!list_tcp_sockets(fd, ports, some, &error)) return;
        sockets.insert(sockets.end(), some.begin(), some.end());
    }
    const int64_t now = now_us_();
    std::set<std::string> seen;
    auto log_state = [&](const Known& known, TcpState from, TcpState to, bool renamed) {
        Event ev;
        ev.kind = EventKind::State;
        ev.t_us = now;
        ev.actor = known.actor;
        ev.socket_name = known.socket;
        StateRecord state;
        state.from = from;
        state.to = to;
        state.renamed = renamed;
        state.local = known.local;
        state.peer = known.peer;
        ev.payload = state;
        log_.append(std::move(ev));
    };
    for (const auto& info : sockets) {
        const bool listening = info.state == TcpState::Listen;
        const std::string key =
            info.local.to_string() + "|" + (listening ? "" : info.peer.to_string());
        seen.insert(key);
        Known& known = known_[key];
        // Who owns it: the socket with this local address and peer (for a listener, itself).
        bool queued = false;
        auto owner = directory_.owner_of_inode(info.inode);
        if (!owner)
            owner = listening ? directory_.owner_of(reach_on_loopback(info.local))
                              : directory_.owner_of_tcp_socket(info.local, info.peer, &queued);
        if (owner && (!queued || known.actor.empty())) {
            known.actor = owner->actor;
            known.socket = queued ? "queued" : owner->socket;
        }
        const std::string owner_now = known.actor + "." + known.socket;
        if (known.actor.empty()) continue;
        if (known.state != info.state || known.owner != owner_now) {
            const bool renamed = known.state == info.state;
            const TcpState from = known.state;
            known.owner = owner_now;
            known.state = info.state;
            known.local = info.local;
            known.peer = listening ? SocketAddress{} : info.peer;
            log_state(known, from, info.state, renamed);
        }
        // A connection still in the accept queue has no column row yet: its numbers start
        // when accept() names it.
        if (info.tcp_info && known.socket != "queued") log_tcp_info(known, *info.tcp_info, now);
    }
    // Gone from the kernel's table: the socket is CLOSED.
    for (auto it = known_.begin(); it != known_.end();) {
        if (seen.count(it->first) || it->second.actor.empty() ||
            it->second.state == TcpState::Close) {
            ++it;
            continue;
        }
        log_state(it->second, it->second.state, TcpState::Close, false);
        it = known_.erase(it);
    }
}

}  // namespace socketlab
