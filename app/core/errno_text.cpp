#include "core/errno_text.h"

#include <cerrno>
#include <cstring>

#include <netdb.h>

namespace socketlab {
namespace {

struct ErrnoInfo {
    int value;
    const char* name;
    const char* explanation;
};

// The errors a socket program meets, explained for someone learning.
constexpr ErrnoInfo kErrnos[] = {
    {EACCES, "EACCES",
     "Permission denied. Ports below 1024 are privileged: only root (or a program with "
     "CAP_NET_BIND_SERVICE) may bind them."},
    {EPERM, "EPERM", "Operation not permitted for this process."},
    {EADDRINUSE, "EADDRINUSE",
     "Address already in use: another socket is bound to this address and port (or an old "
     "connection on it is still in TIME_WAIT; SO_REUSEADDR allows rebinding then). For an "
     "AF_UNIX path: a file of that name exists already (unlink it first)."},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL",
     "Address not available: this machine has no interface with that IP address."},
    {ECONNREFUSED, "ECONNREFUSED",
     "Connection refused: nothing is listening on that address and port. For TCP the peer's "
     "kernel answered the connection request with a reset (RST); for a connected UDP socket it "
     "answered an earlier datagram with an ICMP \"port unreachable\"."},
    {ECONNRESET, "ECONNRESET",
     "Connection reset by peer: the other side aborted the connection (it closed with unread "
     "data, or crashed), and its kernel sent a reset."},
    {ECONNABORTED, "ECONNABORTED", "The connection was aborted before accept() could return it."},
    {EPIPE, "EPIPE",
     "Broken pipe: this connection can no longer carry data from this side: the peer closed it "
     "(and said so with a RST), or this side shut down its own sending half (shutdown SHUT_WR). "
     "(SocketLab asks for MSG_NOSIGNAL so this is an error code, not a SIGPIPE that kills the "
     "program.)"},
    {ENOTCONN, "ENOTCONN",
     "Not connected: this call needs a connected socket (connect() or accept() first)."},
    {EISCONN, "EISCONN", "This socket is already connected."},
    {EAGAIN, "EAGAIN",
     "Resource temporarily unavailable (also called EWOULDBLOCK): the call would have had to "
     "wait longer than it was allowed to: the socket is non-blocking (or MSG_DONTWAIT was "
     "given), so it returned at once, or a timeout set with SO_RCVTIMEO / SO_SNDTIMEO ran out. "
     "Nothing is wrong; try again later."},
    {EINPROGRESS, "EINPROGRESS",
     "A non-blocking connect has started and is not finished yet; wait until the socket is "
     "writable, then read SO_ERROR."},
    {EALREADY, "EALREADY", "A non-blocking connect is already in progress on this socket."},
    {EINTR, "EINTR",
     "Interrupted: the call was stopped by a signal before it finished (here: Reset)."},
    {EINVAL, "EINVAL",
     "Invalid argument: the call does not make sense in this socket's state (for example "
     "accept() on a socket that is not listening, or binding twice)."},
    {EBADF, "EBADF", "Bad file descriptor: that socket is not open (already closed?)."},
    {ENOTSOCK, "ENOTSOCK", "That file descriptor is not a socket."},
    {EAFNOSUPPORT, "EAFNOSUPPORT",
     "Address family not supported: the address does not match the socket's family (IPv4 "
     "address on an IPv6 socket, or the other way round)."},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT", "That protocol is not supported for this socket type."},
    {EPROTOTYPE, "EPROTOTYPE", "The protocol does not fit the socket type."},
    {EOPNOTSUPP, "EOPNOTSUPP",
     "Operation not supported on this kind of socket (for example listen() or accept() on a UDP "
     "socket: UDP has no connections)."},
    {EDESTADDRREQ, "EDESTADDRREQ",
     "Destination address required: this socket is not connected, so say where to send "
     "(sendto())."},
    {EMSGSIZE, "EMSGSIZE", "Message too long to send in one datagram."},
    {ENETUNREACH, "ENETUNREACH", "Network unreachable: no route to that network."},
    {EHOSTUNREACH, "EHOSTUNREACH", "No route to that host."},
    {ETIMEDOUT, "ETIMEDOUT", "Timed out: the peer did not answer in time."},
    {ENOBUFS, "ENOBUFS", "No buffer space available in the kernel."},
    {ENOMEM, "ENOMEM", "Out of memory."},
    {EMFILE, "EMFILE", "This process has too many open files (sockets count as files)."},
    {ENFILE, "ENFILE", "The system has too many open files."},
    {ENOPROTOOPT, "ENOPROTOOPT", "Unknown socket option at this level."},
    {ESHUTDOWN, "ESHUTDOWN", "Cannot send after this side has shut down writing."},
    {ENOENT, "ENOENT", "No such file or directory (for AF_UNIX: no socket at that path)."},
    {EFAULT, "EFAULT", "Bad address: a pointer passed to the kernel was invalid."},
};

// getaddrinfo()'s own error codes, stored as kGaiErrorBase - EAI_xxx.
constexpr ErrnoInfo kGaiErrors[] = {
    {kGaiErrorBase - EAI_NONAME, "EAI_NONAME",
     "Name or service not known: the resolver found no address for this name (or, with "
     "AI_NUMERICHOST, the text is not a numeric address)."},
    {kGaiErrorBase - EAI_AGAIN, "EAI_AGAIN",
     "Temporary failure in name resolution: the DNS server could not be reached or did not "
     "answer in time. Try again later."},
    {kGaiErrorBase - EAI_FAIL, "EAI_FAIL", "The name server failed permanently."},
    {kGaiErrorBase - EAI_FAMILY, "EAI_FAMILY", "The address family is not supported."},
    {kGaiErrorBase - EAI_SOCKTYPE, "EAI_SOCKTYPE", "The socket type is not supported."},
    {kGaiErrorBase - EAI_SERVICE, "EAI_SERVICE",
     "The service (port name) is not known for this socket type (see /etc/services)."},
    {kGaiErrorBase - EAI_NODATA, "EAI_NODATA", "The name exists but has no addresses."},
    {kGaiErrorBase - EAI_ADDRFAMILY, "EAI_ADDRFAMILY",
     "The name has no address of the requested family."},
    {kGaiErrorBase - EAI_BADFLAGS, "EAI_BADFLAGS", "Invalid flags were given."},
    {kGaiErrorBase - EAI_MEMORY, "EAI_MEMORY", "Out of memory."},
    {kGaiErrorBase - EAI_SYSTEM, "EAI_SYSTEM", "A system error happened (see errno)."},
};

}  // namespace

// Above every errno Linux defines (EHWPOISON is 133).
constexpr int kLargestErrno = 200;

int gai_error_as_err(int eai_code) {
    return kGaiErrorBase - eai_code;
}

std::string errno_name(int err) {
    if (err == EWOULDBLOCK) return "EAGAIN";  // same value on Linux; EAGAIN is the usual name
    for (const auto& info : kErrnos)
        if (info.value == err) return info.name;
    for (const auto& info : kGaiErrors)
        if (info.value == err) return info.name;
    // Every errno the C library knows has its name (EISDIR, not E21); the table above holds
    // the ones a lesson explains.
    if (const char* name = strerrorname_np(err)) return name;
    return "E" + std::to_string(err);
}

std::optional<int> errno_from_name(const std::string& name) {
    if (name == "EWOULDBLOCK") return EWOULDBLOCK;
    for (const auto& info : kErrnos)
        if (name == info.name) return info.value;
    for (const auto& info : kGaiErrors)
        if (name == info.name) return info.value;
    for (int err = 1; err < kLargestErrno; ++err)
        if (const char* known = strerrorname_np(err); known && name == known) return err;
    return std::nullopt;
}

std::string errno_explanation(int err) {
    for (const auto& info : kErrnos)
        if (info.value == err) return info.explanation;
    for (const auto& info : kGaiErrors)
        if (info.value == err) return info.explanation;
    if (err > kGaiErrorBase / 2) return gai_strerror(kGaiErrorBase - err);
    // strerrordesc_np: glibc's thread-safe form of strerror (no locale, no shared buffer).
    const char* text = strerrordesc_np(err);
    return text ? text : "Unknown error " + std::to_string(err);
}

}  // namespace socketlab
