#include "core/engine.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <deque>
#include <thread>

#include "core/errno_text.h"

namespace socketlab {

// [SECTION] Interrupting blocked calls
// Reset must never hang: a worker blocked inside accept()/recv()/connect() is woken with a
// signal whose handler does nothing and is installed without SA_RESTART, so the kernel
// returns EINTR from the blocked call.
namespace {
constexpr int kWakeSignal = SIGUSR2;
// How long a call may take before it is shown as blocked when poll() could not tell beforehand.
constexpr auto kBlockedAfter = std::chrono::milliseconds(250);
constexpr size_t kMaxRecvBuffer = size_t{16} * 1024 * 1024;

void ignore_wake(int) {}

void install_wake_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = ignore_wake;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;  // no SA_RESTART: blocked calls return EINTR
        sigaction(kWakeSignal, &action, nullptr);
    });
}

// Capabilities are per thread on Linux: a worker can give up CAP_NET_BIND_SERVICE for one
// call and take it back, so "a port below 1024 without privileges" is the kernel's real answer
// even when SocketLab runs as root.
class WithoutBindPrivilege {
  public:
    explicit WithoutBindPrivilege(bool active) {
        if (!active) return;
        header_.version = _LINUX_CAPABILITY_VERSION_3;
        header_.pid = 0;
        if (syscall(SYS_capget, &header_, saved_) != 0) return;
        if (!(saved_[0].effective & (1u << CAP_NET_BIND_SERVICE))) return;
        __user_cap_data_struct reduced[2] = {saved_[0], saved_[1]};
        reduced[0].effective &= ~(1u << CAP_NET_BIND_SERVICE);
        dropped_ = syscall(SYS_capset, &header_, reduced) == 0;
    }
    ~WithoutBindPrivilege() {
        if (dropped_) syscall(SYS_capset, &header_, saved_);
    }
    bool dropped() const { return dropped_; }

  private:
    __user_cap_header_struct header_{};
    __user_cap_data_struct saved_[2]{};
    bool dropped_{false};
};

std::string family_name(int family) {
    switch (family) {
        case AF_INET:
            return "AF_INET";
        case AF_INET6:
            return "AF_INET6";
        case AF_UNIX:
            return "AF_UNIX";
    }
    return std::to_string(family);
}

std::string type_name(int type) {
    switch (type) {
        case SOCK_STREAM:
            return "SOCK_STREAM";
        case SOCK_DGRAM:
            return "SOCK_DGRAM";
    }
    return std::to_string(type);
}

std::string flags_text(int flags) {
    std::string out;
    auto add = [&](int bit, const char* name) {
        if (flags & bit) out += out.empty() ? name : std::string("|") + name;
    };
    add(MSG_PEEK, "MSG_PEEK");
    add(MSG_DONTWAIT, "MSG_DONTWAIT");
    add(MSG_WAITALL, "MSG_WAITALL");
    add(MSG_TRUNC, "MSG_TRUNC");
    add(MSG_OOB, "MSG_OOB");
    return out;
}

std::string quoted_preview(const std::vector<uint8_t>& data) {
    std::string text = to_printable(data, 40);
    return "b\"" + text + (data.size() > 40 ? "...\"" : "\"");
}

}  // namespace

const char* call_op_name(CallOp op) {
    switch (op) {
        case CallOp::Socket:
            return "socket";
        case CallOp::Bind:
            return "bind";
        case CallOp::Listen:
            return "listen";
        case CallOp::Accept:
            return "accept";
        case CallOp::Connect:
            return "connect";
        case CallOp::Send:
            return "send";
        case CallOp::Recv:
            return "recv";
        case CallOp::SendTo:
            return "sendto";
        case CallOp::RecvFrom:
            return "recvfrom";
        case CallOp::Shutdown:
            return "shutdown";
        case CallOp::Close:
            return "close";
        case CallOp::SetSockOpt:
            return "setsockopt";
        case CallOp::GetSockName:
            return "getsockname";
        case CallOp::GetPeerName:
            return "getpeername";
    }
    return "?";
}

// [SECTION] Actors
struct Engine::Actor {
    struct OwnedSocket {
        std::string name;
        int fd = -1;
        int family = AF_INET;
        int type = SOCK_STREAM;
        bool listening = false;
        uint64_t created = 0;  // creation order, to find the most recent
    };

    std::string name;
    std::thread thread;
    pthread_t native{};
    std::mutex mutex;  // guards queue, stop, finished
    std::condition_variable wake;
    std::deque<std::pair<uint64_t, CallSpec>> queue;
    bool stop = false;
    bool finished = false;
    std::atomic<bool> started{false};
    // Touched only by the actor's own thread (published as snapshots under Engine::mutex_).
    std::vector<OwnedSocket> sockets;
    uint64_t created_count = 0;

    OwnedSocket* find(const std::string& socket_name) {
        if (socket_name.empty()) {
            OwnedSocket* best = nullptr;
            for (auto& s : sockets)
                if (!best || s.created > best->created) best = &s;
            return best;
        }
        for (auto& s : sockets)
            if (s.name == socket_name) return &s;
        return nullptr;
    }

    std::string unique_name(const std::string& base) const {
        auto taken = [&](const std::string& n) {
            return std::any_of(sockets.begin(), sockets.end(),
                               [&](const OwnedSocket& s) { return s.name == n; });
        };
        if (!taken(base)) return base;
        for (int i = 2;; ++i)
            if (!taken(base + std::to_string(i))) return base + std::to_string(i);
    }
};

Engine::Engine(EventLog& log) : log_(log), start_(std::chrono::steady_clock::now()) {
    install_wake_handler();
    watchdog_ = std::thread([this] { run_watchdog(); });
}

Engine::~Engine() {
    shutdown();
}

int64_t Engine::now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 start_)
        .count();
}

Engine::Actor& Engine::actor_for(const std::string& name) {
    // Called with mutex_ held.
    for (auto& a : actors_)
        if (a->name == name) return *a;
    actors_.push_back(std::make_unique<Actor>());
    Actor& actor = *actors_.back();
    actor.name = name;
    snapshots_[name];
    actor.thread = std::thread([this, &actor] { run_actor(actor); });
    return actor;
}

uint64_t Engine::submit(const std::string& actor_name, CallSpec spec) {
    uint64_t ticket;
    Actor* actor;
    {
        std::lock_guard lock(mutex_);
        ticket = next_ticket_++;
        if (shut_down_) {
            Ticket& t = tickets_[ticket];
            t.phase = TicketPhase::Done;
            t.outcome.ret = -1;
            t.outcome.engine_error = "the engine has been shut down";
            return ticket;
        }
        tickets_[ticket] = Ticket{};
        actor = &actor_for(actor_name);
    }
    {
        std::lock_guard lock(actor->mutex);
        actor->queue.emplace_back(ticket, std::move(spec));
    }
    actor->wake.notify_one();
    return ticket;
}

void Engine::set_phase(uint64_t ticket, TicketPhase phase, const CallOutcome* outcome) {
    {
        std::lock_guard lock(mutex_);
        auto it = tickets_.find(ticket);
        if (it == tickets_.end()) return;
        it->second.phase = phase;
        if (outcome) {
            it->second.outcome = *outcome;
            it->second.outcome.waited |= it->second.waited;
        }
    }
    ticket_changed_.notify_all();
}

TicketPhase Engine::phase(uint64_t ticket) const {
    std::lock_guard lock(mutex_);
    auto it = tickets_.find(ticket);
    return it == tickets_.end() ? TicketPhase::Unknown : it->second.phase;
}

std::optional<CallOutcome> Engine::outcome(uint64_t ticket) const {
    std::lock_guard lock(mutex_);
    auto it = tickets_.find(ticket);
    if (it == tickets_.end() || it->second.phase != TicketPhase::Done) return std::nullopt;
    return it->second.outcome;
}

bool Engine::wait_settled(uint64_t ticket, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return ticket_changed_.wait_for(lock, timeout, [&] {
        auto it = tickets_.find(ticket);
        return it == tickets_.end() || it->second.phase == TicketPhase::Done ||
               it->second.phase == TicketPhase::Blocked;
    });
}

bool Engine::wait_done(uint64_t ticket, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return ticket_changed_.wait_for(lock, timeout, [&] {
        auto it = tickets_.find(ticket);
        return it == tickets_.end() || it->second.phase == TicketPhase::Done;
    });
}

void Engine::shutdown() {
    std::vector<Actor*> actors;
    {
        std::lock_guard lock(mutex_);
        if (shut_down_) return;
        shut_down_ = true;
        for (auto& a : actors_) actors.push_back(a.get());
    }
    for (Actor* actor : actors) {
        std::unique_lock lock(actor->mutex);
        actor->stop = true;
        actor->wake.notify_all();
        // Keep poking until the worker has left whatever call it was blocked in: a signal
        // sent just before it entered the call would otherwise be missed.
        while (!actor->finished) {
            if (actor->started) pthread_kill(actor->native, kWakeSignal);
            actor->wake.wait_for(lock, std::chrono::milliseconds(20));
        }
    }
    for (Actor* actor : actors)
        if (actor->thread.joinable()) actor->thread.join();
    watches_changed_.notify_all();
    if (watchdog_.joinable()) watchdog_.join();
    // Tickets still waiting will never run.
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, t] : tickets_)
            if (t.phase != TicketPhase::Done) {
                t.phase = TicketPhase::Done;
                t.outcome.ret = -1;
                t.outcome.engine_error = "cancelled by reset";
            }
    }
    ticket_changed_.notify_all();
}

void Engine::run_actor(Actor& actor) {
    actor.native = pthread_self();
    actor.started = true;
    for (;;) {
        std::pair<uint64_t, CallSpec> job;
        {
            std::unique_lock lock(actor.mutex);
            actor.wake.wait(lock, [&] { return actor.stop || !actor.queue.empty(); });
            if (actor.stop) break;
            job = std::move(actor.queue.front());
            actor.queue.pop_front();
        }
        set_phase(job.first, TicketPhase::Running);
        CallOutcome out = execute(actor, job.first, job.second);
        publish_sockets(actor);
        set_phase(job.first, TicketPhase::Done, &out);
    }
    // Reset closes quietly: the learner asked for a fresh start, not for close() events.
    for (auto& s : actor.sockets) ::close(s.fd);
    actor.sockets.clear();
    std::lock_guard lock(actor.mutex);
    actor.finished = true;
    actor.wake.notify_all();
}

void Engine::mark_blocked_locked(uint64_t ticket, Event wait) {
    auto it = tickets_.find(ticket);
    if (it == tickets_.end() || it->second.phase != TicketPhase::Running) return;
    it->second.phase = TicketPhase::Blocked;
    it->second.waited = true;
    // Appended under mutex_, so it cannot land after the call's own event (see unwatch_call).
    log_.append(std::move(wait));
    ticket_changed_.notify_all();
}

void Engine::watch_call(uint64_t ticket, Event wait) {
    std::lock_guard lock(mutex_);
    watches_.push_back({std::chrono::steady_clock::now() + kBlockedAfter, ticket, std::move(wait)});
    watches_changed_.notify_all();
}

void Engine::unwatch_call(uint64_t ticket) {
    std::lock_guard lock(mutex_);
    std::erase_if(watches_, [&](const Watch& w) { return w.ticket == ticket; });
}

void Engine::run_watchdog() {
    std::unique_lock lock(mutex_);
    while (!shut_down_) {
        auto now = std::chrono::steady_clock::now();
        auto next = now + std::chrono::hours(1);
        for (auto it = watches_.begin(); it != watches_.end();) {
            if (it->deadline <= now) {
                mark_blocked_locked(it->ticket, std::move(it->wait));
                it = watches_.erase(it);
            } else {
                next = std::min(next, it->deadline);
                ++it;
            }
        }
        watches_changed_.wait_until(lock, next);
    }
}

void Engine::publish_sockets(const Actor& actor) {
    std::vector<SocketSnapshot> snaps;
    for (const auto& s : actor.sockets) {
        SocketSnapshot snap;
        snap.name = s.name;
        snap.fd = s.fd;
        snap.family = s.family;
        snap.type = s.type;
        snap.listening = s.listening;
        snap.nonblocking = (fcntl(s.fd, F_GETFL) & O_NONBLOCK) != 0;
        SocketAddress local = local_address_of(s.fd);
        snap.bound = local.port() > 0;
        snap.local = local.to_string();
        snap.peer = peer_address_of(s.fd).to_string();
        snaps.push_back(std::move(snap));
    }
    std::lock_guard lock(mutex_);
    snapshots_[actor.name] = std::move(snaps);
}

SocketAddress Engine::bound_address(const std::string& actor_name,
                                    const std::string& socket) const {
    std::lock_guard lock(mutex_);
    auto it = snapshots_.find(actor_name);
    if (it == snapshots_.end()) return {};
    const SocketSnapshot* pick = nullptr;
    for (const auto& s : it->second) {
        if (!socket.empty()) {
            if (s.name == socket) pick = &s;
            continue;
        }
        if (!s.bound) continue;  // an unbound socket reads as 0.0.0.0:0
        if (s.listening) {
            pick = &s;
            break;
        }
        pick = &s;  // most recent bound one wins (snapshots are in creation order)
    }
    if (!pick || !pick->bound) return {};
    auto parsed = SocketAddress::parse(pick->local);
    return parsed ? *parsed : SocketAddress{};
}

std::vector<SocketSnapshot> Engine::sockets_of(const std::string& actor) const {
    std::lock_guard lock(mutex_);
    auto it = snapshots_.find(actor);
    return it == snapshots_.end() ? std::vector<SocketSnapshot>{} : it->second;
}

// [SECTION] Making the calls
CallOutcome Engine::execute(Actor& actor, uint64_t ticket, const CallSpec& spec) {
    CallOutcome out;
    Event ev;
    ev.actor = actor.name;
    ev.call = call_op_name(spec.op);
    ev.step = spec.step;

    Actor::OwnedSocket* sock = nullptr;
    if (spec.op != CallOp::Socket) {
        sock = actor.find(spec.socket);
        if (!sock) {
            out.ret = -1;
            out.engine_error =
                spec.socket.empty()
                    ? actor.name + " has no open socket yet (its first step must be socket)"
                    : actor.name + " has no socket named '" + spec.socket + "'";
            Event note = make_note(now_us(), actor.name, spec.step,
                                   out.engine_error + "; no system call was made");
            note.call = ev.call;
            log_.append(std::move(note));
            return out;
        }
        ev.socket_name = sock->name;
        out.socket_name = sock->name;
    }
    const int fd = sock ? sock->fd : -1;

    // A call that would wait for the peer is reported as Blocked first, so a step runner can
    // go on to the step that unblocks it (the client's connect unblocks the server's accept).
    auto would_block = [&](short events) {
        if (spec.flags & MSG_DONTWAIT) return false;
        if (fcntl(fd, F_GETFL) & O_NONBLOCK) return false;
        pollfd p{fd, events, 0};
        return ::poll(&p, 1, 0) == 0;
    };
    auto wait_event = [&] {
        Event wait;
        wait.kind = EventKind::Wait;
        wait.t_us = now_us();
        wait.actor = actor.name;
        wait.socket_name = ev.socket_name;
        wait.call = ev.call;
        wait.args = ev.args;
        wait.step = spec.step;
        wait.local = local_address_of(fd).to_string();
        return wait;
    };
    auto announce_wait = [&] {
        std::lock_guard lock(mutex_);
        mark_blocked_locked(ticket, wait_event());
    };
    // Calls that may wait for the peer are watched, in case poll() could not foresee it.
    const bool may_wait = spec.op == CallOp::Accept || spec.op == CallOp::Connect ||
                          spec.op == CallOp::Send || spec.op == CallOp::SendTo ||
                          spec.op == CallOp::Recv || spec.op == CallOp::RecvFrom;
    bool watched = false;
    auto watch = [&] {
        if (!may_wait || watched) return;
        watch_call(ticket, wait_event());
        watched = true;
    };

    errno = 0;
    switch (spec.op) {
        case CallOp::Socket: {
            ev.args = family_name(spec.family) + ", " + type_name(spec.type) + ", " +
                      std::to_string(spec.protocol);
            out.ret = ::socket(spec.family, spec.type, spec.protocol);
            out.err = out.ret < 0 ? errno : 0;
            if (out.ret >= 0) {
                Actor::OwnedSocket s;
                s.name = actor.unique_name(spec.new_name.empty() ? "sock" : spec.new_name);
                s.fd = static_cast<int>(out.ret);
                s.family = spec.family;
                s.type = spec.type;
                s.created = ++actor.created_count;
                actor.sockets.push_back(s);
                ev.socket_name = out.socket_name = s.name;
            }
            break;
        }
        case CallOp::Bind: {
            ev.args = spec.address.to_string();
            {
                WithoutBindPrivilege guard(spec.unprivileged);
                out.ret = ::bind(fd, spec.address.get(), spec.address.length);
                out.err = out.ret < 0 ? errno : 0;
                if (guard.dropped())
                    ev.note =
                        "you run SocketLab with privileges, so this worker thread gave up "
                        "CAP_NET_BIND_SERVICE for this one call, as an ordinary user's "
                        "program would not have it";
            }
            break;
        }
        case CallOp::Listen:
            ev.args = std::to_string(spec.backlog);
            out.ret = ::listen(fd, spec.backlog);
            out.err = out.ret < 0 ? errno : 0;
            if (out.ret == 0) sock->listening = true;
            break;
        case CallOp::Accept: {
            if (would_block(POLLIN)) announce_wait();
            watch();
            SocketAddress from;
            socklen_t len = sizeof from.storage;
            int conn = ::accept(fd, from.get(), &len);
            out.ret = conn;
            out.err = conn < 0 ? errno : 0;
            if (conn >= 0) {
                from.length = len;
                Actor::OwnedSocket s;
                s.name = actor.unique_name(spec.new_name.empty() ? "conn" : spec.new_name);
                s.fd = conn;
                s.family = sock->family;
                s.type = sock->type;
                s.created = ++actor.created_count;
                actor.sockets.push_back(s);
                ev.socket_name = out.socket_name = s.name;
                ev.note = "new socket '" + s.name + "' for the connection from " + from.to_string();
                sock = &actor.sockets.back();
            }
            break;
        }
        case CallOp::Connect:
            ev.args = spec.address.to_string();
            watch();
            out.ret = ::connect(fd, spec.address.get(), spec.address.length);
            out.err = out.ret < 0 ? errno : 0;
            break;
        case CallOp::Send: {
            ev.args = quoted_preview(spec.data);
            if (spec.flags) ev.args += ", " + flags_text(spec.flags);
            if (would_block(POLLOUT)) announce_wait();
            watch();
            ssize_t n = ::send(fd, spec.data.data(), spec.data.size(), spec.flags | MSG_NOSIGNAL);
            out.ret = n;
            out.err = n < 0 ? errno : 0;
            ev.direction = Direction::Sent;
            if (n > 0) ev.bytes.assign(spec.data.begin(), spec.data.begin() + n);
            if (n >= 0 && static_cast<size_t>(n) < spec.data.size())
                ev.note = "partial send: only " + std::to_string(n) + " of " +
                          std::to_string(spec.data.size()) + " bytes were taken";
            break;
        }
        case CallOp::SendTo: {
            ev.args = quoted_preview(spec.data) + ", " + spec.address.to_string();
            if (spec.flags) ev.args += ", " + flags_text(spec.flags);
            watch();
            ssize_t n = ::sendto(fd, spec.data.data(), spec.data.size(), spec.flags | MSG_NOSIGNAL,
                                 spec.address.get(), spec.address.length);
            out.ret = n;
            out.err = n < 0 ? errno : 0;
            ev.direction = Direction::Sent;
            if (n > 0) ev.bytes.assign(spec.data.begin(), spec.data.begin() + n);
            out.peer = spec.address;
            break;
        }
        case CallOp::Recv:
        case CallOp::RecvFrom: {
            size_t size = std::min(spec.buffer_size, kMaxRecvBuffer);
            ev.args = std::to_string(size);
            if (spec.flags) ev.args += ", " + flags_text(spec.flags);
            if (would_block(POLLIN)) announce_wait();
            watch();
            std::vector<uint8_t> buffer(size);
            ssize_t n;
            if (spec.op == CallOp::Recv) {
                n = ::recv(fd, buffer.data(), size, spec.flags);
            } else {
                SocketAddress from;
                socklen_t len = sizeof from.storage;
                n = ::recvfrom(fd, buffer.data(), size, spec.flags, from.get(), &len);
                if (n >= 0) {
                    from.length = len;
                    out.peer = from;
                }
            }
            out.ret = n;
            out.err = n < 0 ? errno : 0;
            ev.direction = Direction::Received;
            if (n > 0) {
                size_t copied = std::min(static_cast<size_t>(n), size);
                out.data.assign(buffer.begin(), buffer.begin() + copied);
                ev.bytes = out.data;
                if (static_cast<size_t>(n) > size)
                    ev.note = "MSG_TRUNC: the datagram was " + std::to_string(n) + " bytes, only " +
                              std::to_string(size) + " fitted in the buffer; the rest is gone";
            }
            if (n == 0 && sock->type == SOCK_STREAM && size > 0)
                ev.note = "0 bytes: the peer has closed its side (end of stream)";
            break;
        }
        case CallOp::Shutdown:
            ev.args = spec.how == SHUT_RD   ? "SHUT_RD"
                      : spec.how == SHUT_WR ? "SHUT_WR"
                                            : "SHUT_RDWR";
            out.ret = ::shutdown(fd, spec.how);
            out.err = out.ret < 0 ? errno : 0;
            break;
        case CallOp::Close: {
            ev.local = local_address_of(fd).to_string();
            ev.peer = peer_address_of(fd).to_string();
            out.ret = ::close(fd);
            out.err = out.ret < 0 ? errno : 0;
            std::string closed = sock->name;
            actor.sockets.erase(std::remove_if(actor.sockets.begin(), actor.sockets.end(),
                                               [&](const auto& s) { return s.name == closed; }),
                                actor.sockets.end());
            sock = nullptr;
            break;
        }
        case CallOp::SetSockOpt: {
            ev.args = spec.option_name + ", " + std::to_string(spec.value);
            if (spec.level == SOL_SOCKET && spec.option == SO_LINGER) {
                linger l{1, spec.value};
                ev.args = spec.option_name + ", {on, " + std::to_string(spec.value) + " s}";
                out.ret = ::setsockopt(fd, spec.level, spec.option, &l, sizeof l);
            } else if (spec.level == SOL_SOCKET &&
                       (spec.option == SO_RCVTIMEO || spec.option == SO_SNDTIMEO)) {
                timeval tv{spec.value / 1000, static_cast<suseconds_t>(spec.value % 1000) * 1000};
                ev.args = spec.option_name + ", " + std::to_string(spec.value) + " ms";
                out.ret = ::setsockopt(fd, spec.level, spec.option, &tv, sizeof tv);
            } else {
                out.ret = ::setsockopt(fd, spec.level, spec.option, &spec.value, sizeof spec.value);
            }
            out.err = out.ret < 0 ? errno : 0;
            break;
        }
        case CallOp::GetSockName:
        case CallOp::GetPeerName: {
            SocketAddress a;
            socklen_t len = sizeof a.storage;
            out.ret = spec.op == CallOp::GetSockName ? ::getsockname(fd, a.get(), &len)
                                                     : ::getpeername(fd, a.get(), &len);
            out.err = out.ret < 0 ? errno : 0;
            if (out.ret == 0) {
                a.length = len;
                ev.note = "returned " + a.to_string();
            }
            break;
        }
    }
    if (out.ret >= 0) out.err = 0;

    if (sock) {
        out.local = local_address_of(sock->fd);
        if (out.peer.empty()) out.peer = peer_address_of(sock->fd);
    }
    if (ev.local.empty()) ev.local = out.local.to_string();
    if (ev.peer.empty()) ev.peer = out.peer.to_string();
    ev.ret = out.ret;
    ev.err = out.err;
    ev.t_us = now_us();
    if (watched) unwatch_call(ticket);  // after this, no Wait event can follow the call's
    log_.append(std::move(ev));
    return out;
}

}  // namespace socketlab
