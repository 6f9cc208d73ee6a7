// A socket call described as data: which call (CallOp) and its typed arguments (CallSpec), and
// what it returned (CallOutcome). A lesson step line, the engine, the kept-open server and (later)
// a traced program's system calls all speak this one form; the call table (call_table.h) says
// how each call's arguments are read from a step line, shown as text and made for real.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/address.h"

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

// bytes:N data not built yet: `count` bytes of the ABC..Z pattern, to go in at offset `at` of
// the written-out bytes. Reading a lesson never builds a large payload (a hostile file could
// ask for gigabytes); the step builds it when it runs (with_patterns, call_args.h).
struct PatternRun {
    size_t at = 0;
    uint64_t count = 0;
};

// One socket call, fully described. Which fields matter depends on op.
struct CallSpec {
    CallOp op = CallOp::Socket;
    std::string socket;    // the actor's socket to use; "" = its most recently created one
    std::string new_name;  // socket/accept: name for the new socket ("" = "sock" / "conn")
    int family = AF_INET;
    int type = SOCK_STREAM;
    int protocol = 0;
    SocketAddress address;                  // bind, connect, sendto, unlink
    int backlog = 0;                        // listen
    std::vector<uint8_t> data;              // send, sendto, sendall
    std::vector<PatternRun> pattern_runs;   // data still to build (a lesson step's bytes:N)
    size_t buffer_size = 0;                 // recv, recvfrom
    int flags = 0;                          // MSG_* for send/recv families
    int how = SHUT_WR;                      // shutdown
    int level = SOL_SOCKET;                 // setsockopt, getsockopt
    int option = 0;                         // setsockopt, getsockopt
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
                                // getaddrinfo: one line per entry; accept, getsockname: address)
    SocketAddress local;
    SocketAddress peer;
    std::string socket_name;  // the socket the call used or created
    std::string engine_error;
    bool waited = false;  // the call blocked, waiting for the peer, before returning
};

}  // namespace socketlab
