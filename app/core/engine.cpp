#include "core/engine.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <filesystem>
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
        case SOCK_RAW:
            return "SOCK_RAW";
        case SOCK_SEQPACKET:
            return "SOCK_SEQPACKET";
    }
    return std::to_string(type);
}

struct BitName {
    int bit;
    const char* name;
};

// The names of the bits set in value, joined with '|' as C code writes them.
std::string bits_text(int value, std::initializer_list<BitName> names) {
    std::string out;
    for (const auto& [bit, name] : names)
        if (value & bit) out += out.empty() ? name : std::string("|") + name;
    return out;
}

std::string flags_text(int flags) {
    return bits_text(flags, {{MSG_PEEK, "MSG_PEEK"},
                             {MSG_DONTWAIT, "MSG_DONTWAIT"},
                             {MSG_WAITALL, "MSG_WAITALL"},
                             {MSG_TRUNC, "MSG_TRUNC"},
                             {MSG_OOB, "MSG_OOB"}});
}

std::string ai_flags_text(int flags) {
    return bits_text(flags, {{AI_PASSIVE, "AI_PASSIVE"},
                             {AI_CANONNAME, "AI_CANONNAME"},
                             {AI_NUMERICHOST, "AI_NUMERICHOST"},
                             {AI_NUMERICSERV, "AI_NUMERICSERV"},
                             {AI_ADDRCONFIG, "AI_ADDRCONFIG"},
                             {AI_V4MAPPED, "AI_V4MAPPED"}});
}

std::string poll_events_text(short events) {
    std::string out = bits_text(events, {{POLLIN, "POLLIN"},
                                         {POLLOUT, "POLLOUT"},
                                         {POLLPRI, "POLLPRI"},
                                         {POLLERR, "POLLERR"},
                                         {POLLHUP, "POLLHUP"},
                                         {POLLRDHUP, "POLLRDHUP"},
                                         {POLLNVAL, "POLLNVAL"}});
    return out.empty() ? "0" : out;
}

std::string protocol_name(int protocol) {
    switch (protocol) {
        case IPPROTO_TCP:
            return "IPPROTO_TCP";
        case IPPROTO_UDP:
            return "IPPROTO_UDP";
        case 0:
            return "0";
    }
    return std::to_string(protocol);
}

std::atomic<int> engine_counter{0};

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
        case CallOp::GetSockOpt:
            return "getsockopt";
        case CallOp::SetBlocking:
            return "setblocking";
        case CallOp::Poll:
            return "poll";
        case CallOp::SendAll:
            return "sendall";
        case CallOp::GetAddrInfo:
            return "getaddrinfo";
        case CallOp::Unlink:
            return "unlink";
        case CallOp::Handoff:
            return "handoff";
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

Engine::Engine(EventLog& log)
    : log_(log), start_(std::chrono::steady_clock::now()), id_(++engine_counter) {
    install_wake_handler();
    watchdog_ = std::thread([this] { run_watchdog(); });
}

Engine::~Engine() {
    shutdown();
    std::error_code ignored;
    if (!unix_dir_.empty()) std::filesystem::remove_all(unix_dir_, ignored);
}

void Engine::set_socket_factory(SocketFactory factory) {
    std::lock_guard lock(mutex_);
    socket_factory_ = std::move(factory);
}

void Engine::set_unprivileged_bind(UnprivilegedBind bind) {
    std::lock_guard lock(mutex_);
    unprivileged_bind_ = std::move(bind);
}

std::vector<std::string> Engine::actor_names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& a : actors_) names.push_back(a->name);
    return names;
}

int Engine::make_socket(int family, int type, int protocol, const std::string& actor) const {
    SocketFactory factory;
    {
        std::lock_guard lock(mutex_);
        factory = socket_factory_;
    }
    if (factory) return factory(family, type, protocol, actor);
    int fd = ::socket(family, type, protocol);
    return fd >= 0 ? fd : -errno;
}

std::string Engine::unix_path(const std::string& name) {
    std::lock_guard lock(mutex_);
    if (unix_dir_.empty()) {
        const char* runtime = std::getenv("XDG_RUNTIME_DIR");
        std::string base = runtime && *runtime ? runtime : "/tmp";
        std::string pattern = base + "/socketlab-XXXXXX";
        if (!mkdtemp(pattern.data())) {
            pattern = "/tmp/socketlab-XXXXXX";
            if (!mkdtemp(pattern.data())) return "/tmp/" + name;
        }
        unix_dir_ = pattern;
    }
    return unix_dir_ + "/" + name;
}

std::string Engine::abstract_name(const std::string& name) const {
    return "socketlab-" + std::to_string(getpid()) + "-" + std::to_string(id_) + "-" + name;
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
        for (auto& [name, handed] : handed_over_)
            for (auto& [socket, fd] : handed) ::close(fd);
        handed_over_.clear();
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
        snap.bound = local.has_name();
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

    // Sockets another actor handed to this one (a thread per client) arrive before its call.
    {
        std::lock_guard lock(mutex_);
        auto handed = handed_over_.find(actor.name);
        if (handed != handed_over_.end()) {
            for (auto& [name, fd] : handed->second) {
                Actor::OwnedSocket s;
                s.name = actor.unique_name(name);
                s.fd = fd;
                int value = 0;
                socklen_t len = sizeof value;
                if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &value, &len) == 0) s.family = value;
                len = sizeof value;
                if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &len) == 0) s.type = value;
                len = sizeof value;
                if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &len) == 0)
                    s.listening = value != 0;
                s.created = ++actor.created_count;
                actor.sockets.push_back(s);
            }
            handed_over_.erase(handed);
        }
    }

    Actor::OwnedSocket* sock = nullptr;
    const bool needs_socket =
        spec.op != CallOp::Socket && spec.op != CallOp::GetAddrInfo && spec.op != CallOp::Unlink;
    if (needs_socket) {
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
            note.ret = -1;  // shown as "not called"
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
                          spec.op == CallOp::SendAll || spec.op == CallOp::Recv ||
                          spec.op == CallOp::RecvFrom;
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
                      protocol_name(spec.protocol);
            int made = make_socket(spec.family, spec.type, spec.protocol, actor.name);
            out.ret = made >= 0 ? made : -1;
            out.err = made >= 0 ? 0 : -made;
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
            UnprivilegedBind helper_bind;
            if (spec.unprivileged) {
                std::lock_guard lock(mutex_);
                helper_bind = unprivileged_bind_;
            }
            const int by_helper =
                helper_bind ? helper_bind(fd, spec.address.get(), spec.address.length) : -ENOSYS;
            if (by_helper != -ENOSYS) {
                out.ret = by_helper == 0 ? 0 : -1;
                out.err = by_helper == 0 ? 0 : -by_helper;
                ev.note =
                    "made by SocketLab's network helper, which holds no privilege to bind ports "
                    "below 1024, as an ordinary user's program would not";
            } else {
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
            // Only a listening socket waits in accept(); others fail at once (EINVAL, EOPNOTSUPP).
            if (sock->listening && would_block(POLLIN)) announce_wait();
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
                const std::string text = from.to_string();
                out.data.assign(text.begin(), text.end());  // for `contains` / `data`
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
                const std::string text = a.to_string();
                out.data.assign(text.begin(), text.end());  // for `contains` / `data`
            }
            break;
        }
        case CallOp::GetSockOpt: {
            ev.args = spec.option_name;
            int value = 0;
            socklen_t len = sizeof value;
            if (spec.level == SOL_SOCKET && spec.option == SO_LINGER) {
                linger l{};
                len = sizeof l;
                out.ret = ::getsockopt(fd, spec.level, spec.option, &l, &len);
                value = l.l_onoff ? l.l_linger : -1;
                if (out.ret == 0)
                    ev.note = l.l_onoff ? "linger on, " + std::to_string(l.l_linger) + " s"
                                        : "linger off (close returns at once)";
            } else if (spec.level == SOL_SOCKET &&
                       (spec.option == SO_RCVTIMEO || spec.option == SO_SNDTIMEO)) {
                timeval tv{};
                len = sizeof tv;
                out.ret = ::getsockopt(fd, spec.level, spec.option, &tv, &len);
                value = static_cast<int>(tv.tv_sec * 1000 + tv.tv_usec / 1000);
                if (out.ret == 0) ev.note = std::to_string(value) + " ms (0 = no timeout)";
            } else {
                out.ret = ::getsockopt(fd, spec.level, spec.option, &value, &len);
            }
            out.err = out.ret < 0 ? errno : 0;
            if (out.ret == 0) {
                out.ret = value;  // the step's `returns N` checks the option's value
                if (spec.level == SOL_SOCKET && spec.option == SO_ERROR)
                    ev.note = value == 0 ? "0: no pending error (a non-blocking connect succeeded)"
                                         : "pending error " + errno_name(value) + ": " +
                                               errno_explanation(value);
                else if (ev.note.empty())
                    ev.note = "value " + std::to_string(value);
            }
            break;
        }
        case CallOp::SetBlocking: {
            int flags = fcntl(fd, F_GETFL);
            ev.args = spec.blocking ? "flags & ~O_NONBLOCK" : "flags | O_NONBLOCK";
            out.ret = flags < 0 ? -1
                                : fcntl(fd, F_SETFL,
                                        spec.blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK);
            out.err = out.ret < 0 ? errno : 0;
            ev.note = spec.blocking ? "blocking again: calls wait for the peer"
                                    : "non-blocking: calls that would wait fail with EAGAIN "
                                      "(connect: EINPROGRESS) instead";
            break;
        }
        case CallOp::Poll: {
            std::vector<pollfd> fds;
            std::vector<std::string> names;
            if (spec.poll_sockets.empty()) {
                fds.push_back({fd, spec.poll_events, 0});
                names.push_back(sock->name);
            }
            for (const auto& name : spec.poll_sockets) {
                Actor::OwnedSocket* s = actor.find(name);
                if (!s) {
                    out.ret = -1;
                    out.engine_error = actor.name + " has no socket named '" + name + "'";
                    Event note = make_note(now_us(), actor.name, spec.step,
                                           out.engine_error + "; no system call was made");
                    note.call = ev.call;
                    note.ret = -1;
                    log_.append(std::move(note));
                    return out;
                }
                fds.push_back({s->fd, spec.poll_events, 0});
                names.push_back(s->name);
            }
            std::string which;
            for (const auto& n : names) which += (which.empty() ? "" : ", ") + n;
            ev.args = "[" + which + "], " + poll_events_text(spec.poll_events) + ", " +
                      std::to_string(spec.timeout_ms) + " ms";
            if (spec.timeout_ms != 0) {
                std::vector<pollfd> probe = fds;
                if (::poll(probe.data(), probe.size(), 0) == 0) announce_wait();
            }
            out.ret = ::poll(fds.data(), fds.size(), spec.timeout_ms);
            out.err = out.ret < 0 ? errno : 0;
            std::string ready;
            for (size_t i = 0; i < fds.size(); ++i)
                if (fds[i].revents)
                    ready += names[i] + ": " + poll_events_text(fds[i].revents) + "\n";
            out.data.assign(ready.begin(), ready.end());
            if (out.ret == 0)
                ev.note = "timed out: no socket became ready";
            else if (out.ret > 0)
                ev.note = "ready: " + ready.substr(0, ready.size() - 1);
            break;
        }
        case CallOp::SendAll: {
            ev.args = quoted_preview(spec.data);
            if (would_block(POLLOUT)) announce_wait();
            watch();
            size_t sent = 0;
            std::string calls;
            int count = 0;
            out.ret = 0;
            while (sent < spec.data.size()) {
                ssize_t n =
                    ::send(fd, spec.data.data() + sent, spec.data.size() - sent, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR && !actor.stop) continue;
                if (n < 0) {
                    out.ret = -1;
                    out.err = errno;
                    break;
                }
                ++count;
                if (count <= 8) calls += (calls.empty() ? "" : " + ") + std::to_string(n);
                sent += static_cast<size_t>(n);
            }
            if (out.ret == 0) out.ret = static_cast<int64_t>(sent);
            ev.direction = Direction::Sent;
            ev.bytes.assign(spec.data.begin(), spec.data.begin() + sent);
            ev.note = "send() was called " + std::to_string(count) + " time" +
                      (count == 1 ? "" : "s") + " (" + calls + (count > 8 ? " + ..." : "") +
                      " bytes) until every byte was taken";
            break;
        }
        case CallOp::GetAddrInfo: {
            ev.args = (spec.host.empty() ? "None" : "\"" + spec.host + "\"") + ", " +
                      (spec.service.empty() ? "None" : "\"" + spec.service + "\"") + ", " +
                      (spec.family == AF_UNSPEC ? "AF_UNSPEC" : family_name(spec.family)) + ", " +
                      (spec.type == 0 ? "0" : type_name(spec.type));
            if (spec.ai_flags) ev.args += ", " + ai_flags_text(spec.ai_flags);
            addrinfo hints{};
            hints.ai_family = spec.family;
            hints.ai_socktype = spec.type;
            hints.ai_flags = spec.ai_flags;
            addrinfo* list = nullptr;
            int rc =
                ::getaddrinfo(spec.host.empty() ? nullptr : spec.host.c_str(),
                              spec.service.empty() ? nullptr : spec.service.c_str(), &hints, &list);
            if (rc != 0) {
                out.ret = -1;
                out.err = rc == EAI_SYSTEM ? errno : gai_error_as_err(rc);
                break;
            }
            std::string lines;
            int count = 0;
            for (addrinfo* a = list; a; a = a->ai_next) {
                ++count;
                SocketAddress addr = SocketAddress::from_sockaddr(a->ai_addr, a->ai_addrlen);
                lines += "(" + family_name(a->ai_family) + ", " + type_name(a->ai_socktype) + ", " +
                         protocol_name(a->ai_protocol) + ", " + addr.to_string() + ")\n";
            }
            freeaddrinfo(list);
            out.ret = count;
            out.data.assign(lines.begin(), lines.end());
            ev.note = std::to_string(count) + " result" + (count == 1 ? "" : "s") + ":\n" +
                      lines.substr(0, lines.empty() ? 0 : lines.size() - 1);
            break;
        }
        case CallOp::Unlink: {
            const auto* un = reinterpret_cast<const sockaddr_un*>(&spec.address.storage);
            std::string path = spec.address.family() == AF_UNIX ? un->sun_path : "";
            ev.args = "\"" + path + "\"";
            out.ret = path.empty() ? -1 : ::unlink(path.c_str());
            out.err = out.ret < 0 ? (path.empty() ? EINVAL : errno) : 0;
            break;
        }
        case CallOp::Handoff: {
            ev.args = sock->name + " to " + spec.to_actor;
            if (spec.to_actor == actor.name) {
                out.ret = -1;
                out.engine_error = "an actor cannot hand a socket to itself";
                break;
            }
            {
                std::lock_guard lock(mutex_);
                handed_over_[spec.to_actor].emplace_back(sock->name, sock->fd);
            }
            ev.kind = EventKind::Note;
            ev.note = "socket '" + sock->name + "' now belongs to the thread " + spec.to_actor +
                      " (no system call: threads of one process share their sockets)";
            out.ret = 0;
            std::string given = sock->name;
            std::erase_if(actor.sockets, [&](const auto& s) { return s.name == given; });
            sock = nullptr;
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
