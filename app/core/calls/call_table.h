// The call table: one entry per socket call SocketLab can make, saying everything about it in
// one place: its name, how its arguments are read from a lesson step line, how it is made for
// real on an actor's worker thread, how its arguments are shown, whether it needs a socket and
// whether it may wait for the peer. The engine, the step parser, the event formatter and the
// README's list all read this table; adding a call is one entry (in the file of its family)
// and a line in lessons/README.md.
//
// A call's arguments travel as a CallSpec (call_spec.h): a step line is parsed into one, the
// kept-open server fills one, and the tracer will fill one from a traced system call's
// registers. Showing them (args_text) needs only the CallSpec and the CallRecord, never the
// step line, so a traced call prints exactly like a lesson's.
//
// Families, one file each:
//   connection_calls.cpp  socket bind listen accept connect shutdown close unlink handoff
//   data_calls.cpp        send recv sendto recvfrom sendall
//   option_calls.cpp      setsockopt getsockopt setblocking getsockname getpeername
//   readiness_calls.cpp   poll
//   resolution_calls.cpp  getaddrinfo
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/calls/call_args.h"
#include "core/calls/call_spec.h"
#include "core/event.h"

namespace socketlab {

// A step line after "ACTOR: CALL", with the "on SOCKET" / "as NAME" modifiers taken out.
struct StepCallWords {
    std::string call;               // "recv"
    std::vector<std::string> args;  // "30", "MSG_PEEK"
    // "'recv' takes SIZE [FLAGS] (got 3 arguments)" unless min <= args.size() <= max.
    std::string want(size_t min, size_t max, const char* usage) const;
};

// What parsing a step line gives: the call, and an address still to resolve (e.g. @server).
struct ParsedStepCall {
    CallSpec spec;
    std::optional<StepAddress> address;
};

// A socket the actor owns, as its worker thread keeps it.
struct ActorSocket {
    std::string name;
    int fd = -1;
    int family = AF_INET;
    int type = SOCK_STREAM;
    bool listening = false;
    bool shut_write = false;     // shutdown(SHUT_WR or SHUT_RDWR) was called on it
    int receive_timeout_ms = 0;  // SO_RCVTIMEO as set by a step (0 = none)
    int send_timeout_ms = 0;     // SO_SNDTIMEO
    uint64_t created = 0;        // creation order, to find the most recent
};

// What a call's code may use while it runs on its actor's worker thread. The engine provides
// it; a call never touches the engine's locks or other actors directly.
class CallContext {
  public:
    virtual ~CallContext() = default;
    virtual const std::string& actor() const = 0;
    // The actor's socket by name ("" = its most recent one); nullptr if it has none.
    virtual ActorSocket* find_socket(const std::string& name) = 0;
    // Records a socket the call made (socket, accept); base name "sock"/"conn" made unique.
    virtual ActorSocket& add_socket(const std::string& base_name, int fd, int family, int type) = 0;
    virtual void forget_socket(const std::string& name) = 0;
    // socket() through the engine's factory (the lesson network may make it elsewhere).
    virtual int make_socket(int family, int type, int protocol) = 0;
    // `bind ... unprivileged` where dropping the thread's capability is not enough: 0, -errno,
    // or -ENOSYS (no such helper: drop the capability in this thread instead).
    virtual int unprivileged_bind(int fd, const SocketAddress& address) = 0;
    // Gives the socket to another actor; it arrives before that actor's next call.
    virtual void hand_over(const std::string& to_actor, const std::string& name, int fd) = 0;
    // The call is about to wait for its peer: the step runner may go on to the next step.
    virtual void announce_wait() = 0;
    // The call may wait in ways poll() cannot foresee: report it blocked if it takes long.
    virtual void watch() = 0;
    // Reset is closing everything: a call looping on EINTR must give up.
    virtual bool stopping() const = 0;
};

// One call being made: its arguments, its socket, and what it returns and logs.
struct CallRun {
    CallRun(CallContext& call_context, const CallSpec& call_spec)
        : context(call_context), spec(call_spec) {}
    CallContext& context;
    const CallSpec& spec;
    ActorSocket* socket = nullptr;  // the socket the call uses (needs_socket); may change
    CallOutcome out;
    CallRecord record;     // becomes the event's payload
    std::string note;      // becomes the event's note
    bool as_note = false;  // logged as a Note (no system call was made: handoff)
    int fd() const { return socket ? socket->fd : -1; }
    // Would a call on this socket wait for these poll events? (false when non-blocking)
    bool would_block(short events) const;
    // An engine error: no system call was made.
    void refuse(std::string why);
};

struct CallEntry {
    CallOp op;
    const char* name;
    const char* usage;  // the arguments of a step line, for error messages and the README
    bool needs_socket;  // runs on one of the actor's sockets
    bool may_wait;      // may block waiting for the peer (watched)
    std::string (*parse)(const StepCallWords& words, ParsedStepCall& out);  // "" or an error
    void (*run)(CallRun& run);
    std::string (*args_text)(const CallRecord& call);
};

const CallEntry& call_entry(CallOp op);
const CallEntry* find_call(const std::string& name);
std::string known_call_names();  // "accept, bind, close, ..." for error messages

// The families' entries (each in its own file).
std::span<const CallEntry> connection_calls();
std::span<const CallEntry> data_calls();
std::span<const CallEntry> option_calls();
std::span<const CallEntry> readiness_calls();
std::span<const CallEntry> resolution_calls();

// Shared by the families: a system call's result (errno when it failed), a step that takes no
// arguments, a call whose arguments print as nothing.
void set_result(CallRun& run, int64_t ret);
std::string parse_no_args(const StepCallWords& words, ParsedStepCall& out);
std::string no_args_text(const CallRecord& call);

// Shared by the families' args_text: b"Hello karl" (40 bytes shown, then ...).
std::string quoted_preview(const std::vector<uint8_t>& data, bool more = false);

}  // namespace socketlab
