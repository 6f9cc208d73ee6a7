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
#include "core/event_log.h"

namespace socketlab {

enum class CallOp {
    Socket,
    Bind,
    Listen,
    Accept,
    Connect,
    Send,
    Recv,
    SendTo,
    RecvFrom,
    Shutdown,
    Close,
    SetSockOpt,
    GetSockName,
    GetPeerName,
    GetSockOpt,
    SetBlocking,  // fcntl(F_SETFL, O_NONBLOCK on or off)
    Poll,         // poll() on one or more of the actor's sockets
    SendAll,      // send() in a loop until every byte is taken, like Python's sendall
    GetAddrInfo,  // name resolution; needs no socket
    Unlink,       // unlink() an AF_UNIX socket's path
    Handoff,      // gives a socket to another actor (a thread per client); no system call
};

const char* call_op_name(CallOp op);  // "socket", "bind", ...

// One socket call, fully described. Which fields matter depends on op.
struct CallSpec {
    CallOp op = CallOp::Socket;
    std::string socket;    // the actor's socket to use; "" = its most recently created one
    std::string new_name;  // socket/accept: name for the new socket ("" = "sock" / "conn")
    int family = AF_INET;
    int type = SOCK_STREAM;
    int protocol = 0;
    SocketAddress address;                  // bind, connect, sendto
    int backlog = 0;                        // listen
    std::vector<uint8_t> data;              // send, sendto
    size_t buffer_size = 0;                 // recv, recvfrom
    int flags = 0;                          // MSG_* for send/recv families
    int how = SHUT_WR;                      // shutdown
    int level = SOL_SOCKET;                 // setsockopt
    int option = 0;                         // setsockopt
    std::string option_name;                // "SO_REUSEADDR", for the event
    int value = 0;                          // setsockopt: int value (SO_LINGER: linger seconds, on)
    bool unprivileged = false;              // bind: make the call without CAP_NET_BIND_SERVICE
    bool blocking = true;                   // setblocking
    std::vector<std::string> poll_sockets;  // poll: the sockets ("" = the current one)
    short poll_events = 0;                  // poll: POLLIN, POLLOUT
    int timeout_ms = 0;                     // poll: -1 waits for ever
    std::string host;                       // getaddrinfo
    std::string service;                    // getaddrinfo: port number or service name
    int ai_flags = 0;                       // getaddrinfo: AI_NUMERICHOST, AI_PASSIVE, ...
    std::string to_actor;                   // handoff
    int step = 0;                           // the lesson step this call belongs to, for the event
};

// getaddrinfo() failures are not errnos; CallOutcome::err holds kGaiErrorBase - EAI_xxx for them
// so one field (and one expectation, `fails EAI_NONAME`) covers both. See errno_text.h.

// What a call returned. engine_error is set when the engine could not even make the call
// (e.g. the lesson named a socket the actor does not have): then no system call happened.
struct CallOutcome {
    int64_t ret = 0;
    int err = 0;
    std::vector<uint8_t> data;  // received bytes (recv, recvfrom); the result as text (poll,
                                // getaddrinfo: one line per entry)
    SocketAddress local;
    SocketAddress peer;
    std::string socket_name;  // the socket the call used or created
    std::string engine_error;
    bool waited = false;  // the call blocked, waiting for the peer, before returning
};

enum class TicketPhase { Unknown, Queued, Running, Blocked, Done };

// A socket as the UI shows it on its actor's column.
struct SocketSnapshot {
    std::string name;
    int fd = -1;
    int family = AF_INET;
    int type = SOCK_STREAM;
    bool listening = false;
    bool nonblocking = false;
    bool bound = false;  // has a local port (bind, or the kernel's automatic bind on use)
    std::string local;
    std::string peer;
};

class Engine {
  public:
    explicit Engine(EventLog& log);
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
    std::vector<std::string> actor_names() const;
    // A directory for this run's AF_UNIX socket paths (created on first use, removed with the
    // engine), and a prefix for abstract names, so parallel runs never collide.
    std::string unix_path(const std::string& name);
    std::string abstract_name(const std::string& name) const;

    // Queues the call on the actor's worker thread (created on first use). Never blocks.
    uint64_t submit(const std::string& actor, CallSpec spec);

    TicketPhase phase(uint64_t ticket) const;
    std::optional<CallOutcome> outcome(uint64_t ticket) const;  // once Done
    // Waits until the call is Done or Blocked (inside the kernel, waiting for a peer).
    bool wait_settled(uint64_t ticket, std::chrono::milliseconds timeout) const;
    bool wait_done(uint64_t ticket, std::chrono::milliseconds timeout) const;

    // Interrupts every blocked call, closes every socket and ends the worker threads.
    void shutdown();

    // The address an actor's socket is bound to: the named socket, else its listening socket,
    // else its most recently bound one. Empty if none.
    SocketAddress bound_address(const std::string& actor, const std::string& socket = "") const;
    std::vector<SocketSnapshot> sockets_of(const std::string& actor) const;

    int64_t now_us() const;
    std::chrono::steady_clock::time_point start_time() const { return start_; }
    EventLog& log() { return log_; }

  private:
    struct Actor;
    struct Ticket {
        TicketPhase phase = TicketPhase::Queued;
        bool waited = false;  // went through Blocked
        CallOutcome outcome;
    };
    // A call that may wait for its peer. If it has not returned by the deadline, the watchdog
    // reports it Blocked (a send larger than the free buffer, MSG_WAITALL with part of the
    // data there, a connect to a full backlog: cases a zero-timeout poll cannot foresee).
    struct Watch {
        std::chrono::steady_clock::time_point deadline;
        uint64_t ticket;
        Event wait;
    };

    Actor& actor_for(const std::string& name);
    void run_actor(Actor& actor);
    CallOutcome execute(Actor& actor, uint64_t ticket, const CallSpec& spec);
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
    std::string unix_dir_;      // guarded by mutex_
    mutable std::mutex mutex_;  // guards everything below
    mutable std::condition_variable ticket_changed_;
    std::vector<std::unique_ptr<Actor>> actors_;
    std::map<uint64_t, Ticket> tickets_;
    std::map<std::string, std::vector<SocketSnapshot>> snapshots_;
    // Sockets handed to an actor, picked up by its thread before its next call.
    std::map<std::string, std::vector<std::pair<std::string, int>>> handed_over_;
    uint64_t next_ticket_ = 1;
    bool shut_down_ = false;
    std::vector<Watch> watches_;
    std::condition_variable watches_changed_;
    std::thread watchdog_;
};

}  // namespace socketlab
