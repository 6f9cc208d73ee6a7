// The connection family: socket bind listen accept connect shutdown close unlink handoff.
#include <linux/capability.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "core/calls/call_table.h"
#include "core/calls/socket_constants.h"

namespace socketlab {
namespace {

// [SECTION] Helpers

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
    WithoutBindPrivilege(const WithoutBindPrivilege&) = delete;
    WithoutBindPrivilege& operator=(const WithoutBindPrivilege&) = delete;
    bool dropped() const { return dropped_; }

  private:
    __user_cap_header_struct header_{};
    __user_cap_data_struct saved_[2]{};
    bool dropped_{false};
};

std::string read_address(const std::string& word, ParsedStepCall& out) {
    StepAddress address;
    std::string error;
    if (!parse_step_address(word, address, error)) return error;
    out.address = address;
    return "";
}

std::string address_text(const CallRecord& call) {
    return call.spec.address.to_string();
}
// [SECTION] socket
std::string parse_socket(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(2, 3, "FAMILY TYPE [PROTOCOL]"); !error.empty()) return error;
    CallSpec& spec = out.spec;
    const auto& args = words.args;
    auto family = value_of(socket_families(), args[0]);
    if (!family || (*family != AF_INET && *family != AF_INET6 && *family != AF_UNIX))
        return "unknown family '" + args[0] + "' (use AF_INET, AF_INET6 or AF_UNIX)";
    spec.family = *family;
    auto type = value_of(socket_types(), args[1]);
    if (!type || *type == SOCK_RAW)
        return "unknown type '" + args[1] + "' (use SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET)";
    spec.type = *type;
    if (args.size() == 3) {
        long long n = 0;
        if (auto protocol = value_of(socket_protocols(), args[2]))
            spec.protocol = *protocol;
        else if (parse_int(args[2], 0, 255, n))
            spec.protocol = static_cast<int>(n);
        else
            return "unknown protocol '" + args[2] + "' (use 0, IPPROTO_TCP or IPPROTO_UDP)";
    }
    return "";
}

void run_socket(CallRun& run) {
    const CallSpec& spec = run.spec;
    const int made = run.context.make_socket(spec.family, spec.type, spec.protocol);
    run.out.ret = made >= 0 ? made : -1;
    run.out.err = made >= 0 ? 0 : -made;
    if (made >= 0)
        run.socket = &run.context.add_socket(spec.new_name.empty() ? "sock" : spec.new_name, made,
                                             spec.family, spec.type);
}

std::string socket_text(const CallRecord& call) {
    return name_of(socket_families(), call.spec.family) + ", " +
           name_of(socket_types(), call.spec.type) + ", " +
           name_of(socket_protocols(), call.spec.protocol);
}

// [SECTION] bind, listen, accept, connect
std::string parse_bind(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(1, 2, "ADDRESS [unprivileged]"); !error.empty()) return error;
    if (words.args.size() == 2) {
        if (words.args[1] != "unprivileged")
            return "unexpected '" + words.args[1] +
                   "' after the address (did you mean 'unprivileged'?)";
        out.spec.unprivileged = true;
    }
    return read_address(words.args[0], out);
}

void run_bind(CallRun& run) {
    const CallSpec& spec = run.spec;
    const int by_helper =
        spec.unprivileged ? run.context.unprivileged_bind(run.fd(), spec.address) : -ENOSYS;
    if (by_helper != -ENOSYS) {
        run.out.ret = by_helper == 0 ? 0 : -1;
        run.out.err = by_helper == 0 ? 0 : -by_helper;
        run.note =
            "made by SocketLab's network helper, which holds no privilege to bind ports below "
            "1024, as an ordinary user's program would not";
        return;
    }
    WithoutBindPrivilege guard(spec.unprivileged);
    set_result(run, ::bind(run.fd(), spec.address.get(), spec.address.length));
    if (guard.dropped())
        run.note =
            "you run SocketLab with privileges, so this worker thread gave up "
            "CAP_NET_BIND_SERVICE for this one call, as an ordinary user's program would not "
            "have it";
}

std::string parse_listen(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(1, 1, "BACKLOG"); !error.empty()) return error;
    long long n = 0;
    if (!parse_int(words.args[0], 0, 65535, n))
        return "backlog '" + words.args[0] + "' is not a number";
    out.spec.backlog = static_cast<int>(n);
    return "";
}

void run_listen(CallRun& run) {
    set_result(run, ::listen(run.fd(), run.spec.backlog));
    if (run.out.ret == 0) run.socket->listening = true;
}

std::string listen_text(const CallRecord& call) {
    return std::to_string(call.spec.backlog);
}

void run_accept(CallRun& run) {
    // Only a listening socket waits in accept(); others fail at once (EINVAL, EOPNOTSUPP).
    if (run.socket->listening && run.would_block(POLLIN)) run.context.announce_wait();
    run.context.watch();
    SocketAddress from;
    socklen_t len = sizeof from.storage;
    const int conn = ::accept(run.fd(), from.get(), &len);
    set_result(run, conn);
    if (conn < 0) return;
    from.length = len;
    const ActorSocket listener = *run.socket;
    run.socket = &run.context.add_socket(run.spec.new_name.empty() ? "conn" : run.spec.new_name,
                                         conn, listener.family, listener.type);
    run.note = "new socket '" + run.socket->name + "' for the connection from " + from.to_string();
    const std::string text = from.to_string();
    run.out.data.assign(text.begin(), text.end());  // for `contains` / `data`
}

std::string parse_connect(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(1, 1, "ADDRESS"); !error.empty()) return error;
    return read_address(words.args[0], out);
}

void run_connect(CallRun& run) {
    run.context.watch();
    set_result(run, ::connect(run.fd(), run.spec.address.get(), run.spec.address.length));
}

// [SECTION] shutdown, close, unlink, handoff
std::string parse_shutdown(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(1, 1, "SHUT_RD, SHUT_WR or SHUT_RDWR"); !error.empty())
        return error;
    auto how = value_of(shutdown_modes(), words.args[0]);
    if (!how)
        return "unknown shutdown mode '" + words.args[0] + "' (" + known_names(shutdown_modes()) +
               ")";
    out.spec.how = *how;
    return "";
}

void run_shutdown(CallRun& run) {
    set_result(run, ::shutdown(run.fd(), run.spec.how));
    if (run.out.ret == 0 && run.spec.how != SHUT_RD) run.socket->shut_write = true;
}

std::string shutdown_text(const CallRecord& call) {
    return name_of(shutdown_modes(), call.spec.how);
}

void run_close(CallRun& run) {
    run.record.local = local_address_of(run.fd());
    run.record.peer = peer_address_of(run.fd());
    set_result(run, ::close(run.fd()));
    run.context.forget_socket(run.socket->name);
    run.socket = nullptr;
}

std::string parse_unlink(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(1, 1, "ADDRESS (unix:NAME)"); !error.empty()) return error;
    if (auto error = read_address(words.args[0], out); !error.empty()) return error;
    if (out.address->kind != StepAddress::Kind::UnixPath || out.address->abstract)
        return "'unlink' takes a unix:NAME path address";
    return "";
}

std::string unix_path_of(const SocketAddress& address) {
    if (address.family() != AF_UNIX) return "";
    return reinterpret_cast<const sockaddr_un*>(&address.storage)->sun_path;
}

void run_unlink(CallRun& run) {
    const std::string path = unix_path_of(run.spec.address);
    if (path.empty()) {
        run.out.ret = -1;
        run.out.err = EINVAL;
        return;
    }
    set_result(run, ::unlink(path.c_str()));
}

std::string unlink_text(const CallRecord& call) {
    return "\"" + unix_path_of(call.spec.address) + "\"";
}

std::string parse_handoff(const StepCallWords& words, ParsedStepCall& out) {
    const auto& args = words.args;
    if (args.size() != 3 || args[1] != "to" || !is_actor_name(args[2]))
        return "'handoff' takes SOCKET to ACTOR (e.g. handoff conn to worker1)";
    out.spec.socket = args[0];
    out.spec.to_actor = args[2];
    return "";
}

void run_handoff(CallRun& run) {
    if (run.spec.to_actor == run.context.actor()) {
        run.refuse("an actor cannot hand a socket to itself");
        return;
    }
    const ActorSocket given = *run.socket;
    run.context.hand_over(run.spec.to_actor, given.name, given.fd);
    run.as_note = true;
    run.note = "socket '" + given.name + "' now belongs to the thread " + run.spec.to_actor +
               " (no system call: threads of one process share their sockets)";
    run.out.ret = 0;
    run.context.forget_socket(given.name);
    run.socket = nullptr;
}

std::string handoff_text(const CallRecord& call) {
    return call.spec.socket + " to " + call.spec.to_actor;
}

constexpr std::array kEntries = {
    CallEntry{CallOp::Socket, "socket", "FAMILY TYPE [PROTOCOL]", false, false, parse_socket,
              run_socket, socket_text},
    CallEntry{CallOp::Bind, "bind", "ADDRESS [unprivileged]", true, false, parse_bind, run_bind,
              address_text},
    CallEntry{CallOp::Listen, "listen", "BACKLOG", true, false, parse_listen, run_listen,
              listen_text},
    CallEntry{CallOp::Accept, "accept", "no arguments", true, true, parse_no_args, run_accept,
              no_args_text},
    CallEntry{CallOp::Connect, "connect", "ADDRESS", true, true, parse_connect, run_connect,
              address_text},
    CallEntry{CallOp::Shutdown, "shutdown", "SHUT_RD|SHUT_WR|SHUT_RDWR", true, false,
              parse_shutdown, run_shutdown, shutdown_text},
    CallEntry{CallOp::Close, "close", "no arguments", true, false, parse_no_args, run_close,
              no_args_text},
    CallEntry{CallOp::Unlink, "unlink", "unix:NAME", false, false, parse_unlink, run_unlink,
              unlink_text},
    CallEntry{CallOp::Handoff, "handoff", "SOCKET to ACTOR", true, false, parse_handoff,
              run_handoff, handoff_text},
};

}  // namespace

std::span<const CallEntry> connection_calls() {
    return kEntries;
}

}  // namespace socketlab
