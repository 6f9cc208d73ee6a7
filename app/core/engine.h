// The live socket engine: named actors (server, client, ...) each with a worker thread that
// makes real socket calls on loopback. Callers post calls and never block on a socket; every
// call becomes an Event in the EventLog.
//
// Usage:
//   EventLog log;
//   Engine engine(log);
//   auto t = engine.submit("server", CallSpec::make_socket(AF_INET, SOCK_STREAM));
//   engine.wait_settled(t, 5s);   // Done, or Blocked inside the kernel (e.g. accept)
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/address.h"
#include "core/calls/call_args.h"
#include "core/calls/call_spec.h"
#include "core/event_log.h"
#include "core/socket_directory.h"

namespace socketlab {

enum class TicketPhase { Unknown, Queued, Running, Blocked, Done };

class Engine {
  public:
    // Sockets are published to `directory` (shared with the lesson's other parts) or, when it is
    // nullptr, to one of the engine's own.
    explicit Engine(EventLog& log, SocketDirectory* directory = nullptr);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Where sockets come from: by default socket(); the lesson network may make them inside a
    // private network namespace instead. Returns an fd or -errno. Set before the first submit.
    using SocketFactory =
        std::function<int(int family, int type, int protocol, const std::string& actor)>;
    void set_socket_factory(SocketFactory factory);
    int make_socket(int family, int type, int protocol, const std::string& actor = "") const;
    // How `bind ... unprivileged` is made when the sockets live in a network where dropping the
    // thread's capability is not enough (see LessonNetwork::bind_unprivileged). Returns 0 or
    // -errno; -ENOSYS means "drop the capability in this thread instead".
    using UnprivilegedBind = std::function<int(int fd, const sockaddr* address, socklen_t length)>;
    void set_unprivileged_bind(UnprivilegedBind bind);
    // A bind to the wildcard (0.0.0.0, [::]) listens on every interface of the machine: the
    // lesson's sockets may make it only inside a private network. Refused (no system call, the
    // note says why) unless allowed; allowed by default (the engine's own tests). Set before
    // the first submit.
    void set_wildcard_bind_allowed(bool allowed, std::string why_not = "");
    std::vector<std::string> actor_names() const;
    // A directory for this run's AF_UNIX socket paths (created on first use, removed with the
    // engine), and a prefix for abstract names, so parallel runs never collide. "" with error
    // set when the folder cannot be made: never a shared fallback such as /tmp/NAME.
    std::string unix_path(const std::string& name, std::string* error = nullptr) const;
    std::string abstract_name(const std::string& name) const;

    // Queues the call on the actor's worker thread (created on first use). Never blocks. A step's
    // address (@server, HOST:unused, unix:NAME) is resolved on the worker, just before the call.
    uint64_t submit(const std::string& actor, CallSpec spec,
                    std::optional<StepAddress> address = std::nullopt);
    // Called on the worker after the address is resolved and before the call is made (the
    // capture filter must know a port before the first packet goes to it). May block briefly.
    using BeforeCall = std::function<void(const CallSpec& spec)>;
    void set_before_call(BeforeCall before_call);

    TicketPhase phase(uint64_t ticket) const;
    std::optional<CallOutcome> outcome(uint64_t ticket) const;  // once Done
    // Waits until the call is Done or Blocked (inside the kernel, waiting for a peer).
    bool wait_settled(uint64_t ticket, std::chrono::milliseconds timeout) const;
    bool wait_done(uint64_t ticket, std::chrono::milliseconds timeout) const;

    // Interrupts every blocked call, closes every socket and ends the worker threads.
    void shutdown();

    // Who owns which socket: the actors' sockets after each call.
    const SocketDirectory& directory() const { return *directory_; }

    int64_t now_us() const;
    std::chrono::steady_clock::time_point start_time() const { return start_; }
    EventLog& log() { return log_; }

  private:
    struct Actor;
    class ActorCalls;
    struct Ticket {
        TicketPhase phase = TicketPhase::Queued;
        bool waited = false;  // went through Blocked
        CallOutcome outcome;
    };
    // A call that may wait for its peer in ways a zero-timeout poll cannot foresee (a send
    // larger than the free buffer, MSG_WAITALL with part of the data there, a connect to a
    // full backlog). The watchdog asks the kernel whether the worker thread is asleep inside
    // a socket system call (/proc/self/task/TID/stat and .../syscall) and reports it Blocked
    // then; only where /proc cannot tell does it fall back to the deadline.
    struct Watch {
        std::chrono::steady_clock::time_point deadline;
        uint64_t ticket;
        Event wait;
        pid_t tid;  // the worker thread making the call
    };

    Actor& actor_for(const std::string& name);
    void run_actor(Actor& actor);
    struct Job {
        uint64_t ticket = 0;
        CallSpec spec;
        std::optional<StepAddress> address;
    };
    CallOutcome execute(Actor& actor, uint64_t ticket, Job& job);
    void take_handed_over(Actor& actor);
    void set_phase(uint64_t ticket, TicketPhase phase, const CallOutcome* outcome = nullptr);
    void publish_sockets(const Actor& actor);
    // Marks a running call Blocked and logs its Wait event (with mutex_ held).
    void mark_blocked_locked(uint64_t ticket, Event wait);
    void watch_call(uint64_t ticket, Event wait);
    void unwatch_call(uint64_t ticket);
    void run_watchdog();

    EventLog& log_;
    std::chrono::steady_clock::time_point start_;
    int id_ = 0;  // tells this engine's abstract AF_UNIX names from another's
    SocketFactory socket_factory_;
    UnprivilegedBind unprivileged_bind_;
    BeforeCall before_call_;
    bool wildcard_bind_allowed_ = true;
    std::string wildcard_bind_why_not_;
    mutable std::string unix_dir_;  // guarded by mutex_
    mutable std::mutex mutex_;      // guards everything below
    mutable std::condition_variable ticket_changed_;
    std::vector<std::unique_ptr<Actor>> actors_;
    // Settled tickets are kept for a caller to read: the newest, at most kMaxSettledTickets of
    // them holding at most kMaxSettledBytes of received data (a recv may take 16 MiB).
    std::map<uint64_t, Ticket> tickets_;
    static constexpr size_t kMaxSettledTickets = 4096;
    static constexpr size_t kMaxSettledBytes = size_t{64} * 1024 * 1024;
    size_t settled_bytes_ = 0;
    std::unique_ptr<SocketDirectory> own_directory_;
    SocketDirectory* directory_;
    // Sockets handed to an actor, picked up by its thread before its next call.
    std::map<std::string, std::vector<std::pair<std::string, int>>> handed_over_;
    uint64_t next_ticket_ = 1;
    bool shut_down_ = false;
    std::vector<Watch> watches_;
    std::condition_variable watches_changed_;
    std::thread watchdog_;
};

}  // namespace socketlab
