// [SECTION] index
//   Interrupting blocked calls   the wake signal that turns a blocked call into EINTR
//   Actors                       one worker thread per actor, its queue and its sockets
//   Tickets                      submit, phases, waiting for a call to settle
//   Shutdown                     waking and joining every worker
//   Watching calls that may wait the watchdog that reports a call blocked
//   Sockets                      publishing each actor's sockets to the SocketDirectory
//   Making the calls             one generic path; each call's own code is in core/calls/
#include "core/engine.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <thread>

#include "core/address_resolution.h"
#include "core/calls/call_table.h"

namespace socketlab {

// [SECTION] Interrupting blocked calls
// Reset must never hang: a worker blocked inside accept()/recv()/connect() is woken with a
// signal whose handler does nothing and is installed without SA_RESTART, so the kernel
// returns EINTR from the blocked call.
namespace {
constexpr int kWakeSignal = SIGUSR2;
// How long a call may take before it is shown as blocked when neither poll() beforehand nor
// /proc while it runs could tell (a kernel without /proc/PID/task/TID/syscall).
constexpr auto kBlockedAfter = std::chrono::milliseconds(250);
// How often the watchdog asks the kernel about watched calls.
constexpr auto kWatchEvery = std::chrono::milliseconds(5);

enum class Sleep { Asleep, Running, Unknown };

// Is thread tid asleep inside a socket system call that waits for a peer? The kernel says so
// itself: state S in /proc/self/task/TID/stat, and the call's number in .../syscall.
Sleep socket_call_sleep(pid_t tid) {
    const std::string task = "/proc/self/task/" + std::to_string(tid);
    char buffer[512];
    auto read_file = [&](const std::string& path) -> std::string {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return "";
        const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
        ::close(fd);
        return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
    };
    const std::string stat = read_file(task + "/stat");
    const std::string syscall_line = read_file(task + "/syscall");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size() || syscall_line.empty())
        return Sleep::Unknown;
    if (stat[paren + 2] != 'S') return Sleep::Running;
    const long number = std::strtol(syscall_line.c_str(), nullptr, 10);
    static const long kWaitingCalls[] = {
        SYS_accept,   SYS_accept4, SYS_connect, SYS_sendto,
        SYS_recvfrom, SYS_sendmsg, SYS_recvmsg, SYS_ppoll,
#ifdef SYS_poll
        SYS_poll,
#endif
    };
    for (long call : kWaitingCalls)
        if (call == number) return Sleep::Asleep;
    return Sleep::Running;  // asleep elsewhere (a lock on the way to the call): not yet
}

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

std::atomic<int> engine_counter{0};

}  // namespace

// [SECTION] Actors
struct Engine::Actor {
    std::string name;
    std::thread thread;
    pthread_t native{};
    std::mutex mutex;  // guards queue, finished
    std::condition_variable wake;
    std::deque<Job> queue;
    std::atomic<bool> stop{false};  // read by a call looping on EINTR without the lock
    bool finished = false;
    std::atomic<bool> started{false};
    // Touched only by the actor's own thread (published to the SocketDirectory after each call).
    std::vector<ActorSocket> sockets;
    uint64_t created_count = 0;

    ActorSocket* find(const std::string& socket_name) {
        if (socket_name.empty()) {
            ActorSocket* best = nullptr;
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
                               [&](const ActorSocket& s) { return s.name == n; });
        };
        if (!taken(base)) return base;
        for (int i = 2;; ++i)
            if (!taken(base + std::to_string(i))) return base + std::to_string(i);
    }

    ActorSocket& add(const std::string& base, int fd, int family, int type) {
        ActorSocket s;
        s.name = unique_name(base);
        s.fd = fd;
        s.family = family;
        s.type = type;
        s.created = ++created_count;
        sockets.push_back(std::move(s));
        return sockets.back();
    }
};

Engine::Engine(EventLog& log, SocketDirectory* directory)
    : log_(log),
      start_(std::chrono::steady_clock::now()),
      id_(++engine_counter),
      own_directory_(directory ? nullptr : std::make_unique<SocketDirectory>()),
      directory_(directory ? directory : own_directory_.get()) {
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

std::string Engine::unix_path(const std::string& name, std::string* error) const {
    std::lock_guard lock(mutex_);
    if (unix_dir_.empty()) {
        const char* runtime = std::getenv("XDG_RUNTIME_DIR");
        std::string base = runtime && *runtime ? runtime : "/tmp";
        std::string pattern = base + "/socketlab-XXXXXX";
        if (!mkdtemp(pattern.data())) {
            const int err = errno;
            if (error)
                *error =
                    "could not make this run's folder for unix sockets (" + pattern + "): " +
                    (strerrordesc_np(err) ? strerrordesc_np(err) : "error " + std::to_string(err)) +
                    "; SocketLab never uses a shared folder instead";
            return "";
        }
        unix_dir_ = pattern;
    }
    return unix_dir_ + "/" + name;
}

void Engine::set_wildcard_bind_allowed(bool allowed, std::string why_not) {
    wildcard_bind_allowed_ = allowed;
    wildcard_bind_why_not_ = std::move(why_not);
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
    actor.thread = std::thread([this, &actor] { run_actor(actor); });
    return actor;
}

void Engine::set_before_call(BeforeCall before_call) {
    std::lock_guard lock(mutex_);
    before_call_ = std::move(before_call);
}

uint64_t Engine::submit(const std::string& actor_name, CallSpec spec,
                        std::optional<StepAddress> address) {
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
        actor->queue.push_back(Job{ticket, std::move(spec), std::move(address)});
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
            settled_bytes_ += outcome->data.size();
        }
        // Bounded: the oldest settled tickets go (nobody asked for them in time).
        for (auto old = tickets_.begin();
             (tickets_.size() > kMaxSettledTickets || settled_bytes_ > kMaxSettledBytes) &&
             old != tickets_.end() && old->first < ticket;) {
            if (old->second.phase == TicketPhase::Done) {
                settled_bytes_ -= std::min(settled_bytes_, old->second.outcome.data.size());
                old = tickets_.erase(old);
            } else {
                ++old;
            }
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
        Job job;
        {
            std::unique_lock lock(actor.mutex);
            actor.wake.wait(lock, [&] { return actor.stop || !actor.queue.empty(); });
            if (actor.stop) break;
            job = std::move(actor.queue.front());
            actor.queue.pop_front();
        }
        set_phase(job.ticket, TicketPhase::Running);
        CallOutcome out = execute(actor, job.ticket, job);
        publish_sockets(actor);
        set_phase(job.ticket, TicketPhase::Done, &out);
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
    const auto tid = static_cast<pid_t>(::syscall(SYS_gettid));  // on the worker thread
    std::lock_guard lock(mutex_);
    watches_.push_back(
        {std::chrono::steady_clock::now() + kBlockedAfter, ticket, std::move(wait), tid});
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
            const Sleep sleep = socket_call_sleep(it->tid);
            if (sleep == Sleep::Asleep || (sleep == Sleep::Unknown && it->deadline <= now)) {
                mark_blocked_locked(it->ticket, std::move(it->wait));
                it = watches_.erase(it);
            } else {
                next = std::min(next, sleep == Sleep::Unknown ? it->deadline : now + kWatchEvery);
                ++it;
            }
        }
        watches_changed_.wait_until(lock, next);
    }
}

// [SECTION] Sockets
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
        snap.local = local_address_of(s.fd);
        snap.bound = snap.local.has_name();
        snap.peer = peer_address_of(s.fd);
        struct stat st {};
        if (fstat(s.fd, &st) == 0) snap.inode = st.st_ino;
        snaps.push_back(std::move(snap));
    }
    directory_->publish(SocketSource::Engine, actor.name, std::move(snaps));
}

// [SECTION] Making the calls
// What a call's code may use (core/calls/call_table.h), for one actor's call.
class Engine::ActorCalls final : public CallContext {
  public:
    ActorCalls(Engine& engine, Actor& actor, uint64_t ticket, const Event& wait_template)
        : engine_(engine), actor_(actor), ticket_(ticket), wait_(wait_template) {}
    ~ActorCalls() override { unwatch(); }
    // After this, no Wait event can follow the call's own event.
    void unwatch() {
        if (watched_) engine_.unwatch_call(ticket_);
        watched_ = false;
    }
    ActorCalls(const ActorCalls&) = delete;
    ActorCalls& operator=(const ActorCalls&) = delete;

    const std::string& actor() const override { return actor_.name; }
    ActorSocket* find_socket(const std::string& name) override { return actor_.find(name); }
    ActorSocket& add_socket(const std::string& base, int fd, int family, int type) override {
        return actor_.add(base, fd, family, type);
    }
    void forget_socket(const std::string& name) override {
        std::erase_if(actor_.sockets, [&](const ActorSocket& s) { return s.name == name; });
    }
    int make_socket(int family, int type, int protocol) override {
        return engine_.make_socket(family, type, protocol, actor_.name);
    }
    int unprivileged_bind(int fd, const SocketAddress& address) override {
        UnprivilegedBind bind;
        {
            std::lock_guard lock(engine_.mutex_);
            bind = engine_.unprivileged_bind_;
        }
        return bind ? bind(fd, address.get(), address.length) : -ENOSYS;
    }
    void hand_over(const std::string& to_actor, const std::string& name, int fd) override {
        std::lock_guard lock(engine_.mutex_);
        engine_.handed_over_[to_actor].emplace_back(name, fd);
    }
    void announce_wait() override {
        engine_.publish_sockets(actor_);  // the state watcher can name it while it waits
        std::lock_guard lock(engine_.mutex_);
        engine_.mark_blocked_locked(ticket_, wait_event());
    }
    void watch() override {
        if (watched_) return;
        engine_.publish_sockets(actor_);
        engine_.watch_call(ticket_, wait_event());
        watched_ = true;
    }
    bool stopping() const override { return actor_.stop; }

    // The Wait event: the call on its socket (copied: close forgets the socket), with the
    // local address it has when it starts waiting.
    void set_socket(const ActorSocket& socket) {
        socket_name_ = socket.name;
        socket_fd_ = socket.fd;
    }
    Event wait_event() const {
        Event wait = wait_;
        wait.kind = EventKind::Wait;
        wait.t_us = engine_.now_us();
        wait.socket_name = socket_name_;
        if (CallRecord* call = wait.call(); call && socket_fd_ >= 0)
            call->local = local_address_of(socket_fd_);
        return wait;
    }

  private:
    Engine& engine_;
    Actor& actor_;
    uint64_t ticket_;
    Event wait_;
    std::string socket_name_;
    int socket_fd_ = -1;
    bool watched_ = false;
};

// Sockets another actor handed to this one (a thread per client) arrive before its call.
void Engine::take_handed_over(Actor& actor) {
    std::lock_guard lock(mutex_);
    auto handed = handed_over_.find(actor.name);
    if (handed == handed_over_.end()) return;
    for (auto& [name, fd] : handed->second) {
        int family = AF_INET, type = SOCK_STREAM, listening = 0;
        socklen_t len = sizeof family;
        getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len);
        len = sizeof type;
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
        len = sizeof listening;
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
        actor.add(name, fd, family, type).listening = listening != 0;
    }
    handed_over_.erase(handed);
}

CallOutcome Engine::execute(Actor& actor, uint64_t ticket, Job& job) {
    take_handed_over(actor);
    std::string unresolved;
    if (job.address) job.spec.address = resolve_step_address(*job.address, *this, unresolved);
    // A lesson's bytes:N are built now, when the step runs, not when the lesson was read.
    if (!job.spec.pattern_runs.empty()) {
        job.spec.data = with_patterns(job.spec.data, job.spec.pattern_runs);
        job.spec.pattern_runs.clear();
    }
    if (unresolved.empty() && job.spec.op == CallOp::Bind && !wildcard_bind_allowed_ &&
        (job.spec.address.family() == AF_INET || job.spec.address.family() == AF_INET6) &&
        !job.spec.address.is_loopback())
        unresolved = "SocketLab did not make this call: binding to " +
                     job.spec.address.host_string() +
                     " could let other machines reach the lesson's socket, which a lesson may "
                     "do only inside its private network" +
                     (wildcard_bind_why_not_.empty() ? "" : " (" + wildcard_bind_why_not_ + ")");
    const CallSpec& spec = job.spec;
    const CallEntry& entry = call_entry(spec.op);

    Event ev;
    ev.actor = actor.name;
    ev.step = spec.step;
    CallRecord record;
    record.spec = spec;
    if (record.spec.data.size() > CallRecord::kArgPreviewBytes)  // the event keeps a preview
        record.spec.data.resize(CallRecord::kArgPreviewBytes);
    ev.payload = record;

    ActorCalls context(*this, actor, ticket, ev);
    CallRun run(context, spec);
    auto refuse_with_note = [&] {
        Event note = make_note(now_us(), actor.name, spec.step,
                               run.out.engine_error + "; no system call was made");
        CallRecord& not_made = std::get<CallRecord>(ev.payload);
        not_made.ret = -1;
        not_made.not_called = true;  // shown as "not called"
        note.payload = not_made;
        log_.append(std::move(note));
        return run.out;
    };
    if (!unresolved.empty()) {
        run.refuse(unresolved);
        return refuse_with_note();
    }
    BeforeCall before_call;
    {
        std::lock_guard lock(mutex_);
        before_call = before_call_;
    }
    if (before_call) before_call(spec);
    if (entry.needs_socket) {
        run.socket = actor.find(spec.socket);
        if (!run.socket) {
            run.refuse(spec.socket.empty()
                           ? actor.name + " has no open socket yet (its first step must be socket)"
                           : actor.name + " has no socket named '" + spec.socket + "'");
            return refuse_with_note();
        }
        context.set_socket(*run.socket);
    }
    const std::string used_socket = run.socket ? run.socket->name : "";

    errno = 0;
    entry.run(run);
    if (!run.out.engine_error.empty()) return refuse_with_note();
    if (run.out.ret >= 0) run.out.err = 0;

    CallRecord& done = std::get<CallRecord>(ev.payload);
    // close and handoff forget their socket; the event still names it.
    ev.socket_name = run.out.socket_name = run.socket ? run.socket->name : used_socket;
    if (run.socket) {
        run.out.local = local_address_of(run.socket->fd);
        if (run.out.peer.empty()) run.out.peer = peer_address_of(run.socket->fd);
    }
    done.local = run.record.local.empty() ? run.out.local : run.record.local;
    done.peer = run.record.peer.empty() ? run.out.peer : run.record.peer;
    done.ret = run.out.ret;
    done.err = run.out.err;
    done.direction = run.record.direction;
    done.bytes = std::move(run.record.bytes);
    done.bytes_total = done.bytes.size();
    done.socket_names = std::move(run.record.socket_names);
    ev.note = std::move(run.note);
    if (run.as_note) ev.kind = EventKind::Note;
    ev.t_us = now_us();
    context.unwatch();
    log_.append(std::move(ev));
    return run.out;
}

}  // namespace socketlab
