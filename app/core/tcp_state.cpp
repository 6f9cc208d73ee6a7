#include "core/tcp_state.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
// struct tcp_info and TCP_INFO come from glibc's <netinet/tcp.h>; <linux/tcp.h> defines the
// same struct again, so the two cannot be included together and the kernel one is left out.
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <tuple>

#include "core/address.h"

namespace socketlab {

const char* tcp_state_name(TcpState s) {
    switch (s) {
        case TcpState::Established:
            return "ESTABLISHED";
        case TcpState::SynSent:
            return "SYN_SENT";
        case TcpState::SynRecv:
            return "SYN_RECV";
        case TcpState::FinWait1:
            return "FIN_WAIT_1";
        case TcpState::FinWait2:
            return "FIN_WAIT_2";
        case TcpState::TimeWait:
            return "TIME_WAIT";
        case TcpState::Close:
            return "CLOSED";
        case TcpState::CloseWait:
            return "CLOSE_WAIT";
        case TcpState::LastAck:
            return "LAST_ACK";
        case TcpState::Listen:
            return "LISTEN";
        case TcpState::Closing:
            return "CLOSING";
        case TcpState::NewSynRecv:
            return "SYN_RECV";  // what ss and netstat call it too
        case TcpState::Unknown:
            break;
    }
    return "UNKNOWN";
}

std::string tcp_state_meaning(TcpState s) {
    switch (s) {
        case TcpState::Established:
            return "The connection is open: the three-way handshake is done and both sides can "
                   "send and receive.";
        case TcpState::SynSent:
            return "connect() sent a SYN and waits for the server's SYN-ACK (no answer yet, or "
                   "the server's accept queue is full and it dropped the SYN).";
        case TcpState::SynRecv:
        case TcpState::NewSynRecv:
            return "The server received a SYN and answered SYN-ACK; it waits for the client's "
                   "final ACK before accept() can return this connection.";
        case TcpState::FinWait1:
            return "This side closed (close() or shutdown(SHUT_WR)) and sent a FIN; it waits for "
                   "the peer to acknowledge it.";
        case TcpState::FinWait2:
            return "The peer acknowledged this side's FIN; this side can still receive and waits "
                   "for the peer to close its side too.";
        case TcpState::TimeWait:
            return "Both sides closed; the side that closed first waits (60 s on Linux) so that "
                   "late packets cannot be mistaken for a new connection on the same ports.";
        case TcpState::Close:
            return "The socket has no connection: not connected yet, or the connection is over "
                   "or was reset.";
        case TcpState::CloseWait:
            return "The peer closed its side (recv() returned 0); the kernel waits for this "
                   "program to call close() as well.";
        case TcpState::LastAck:
            return "This side closed after the peer did and sent its own FIN; once that FIN is "
                   "acknowledged the socket is gone.";
        case TcpState::Listen:
            return "listen() was called: the socket waits for connections and hands each one "
                   "out through accept().";
        case TcpState::Closing:
            return "Both sides sent a FIN at the same time; each waits for the other to "
                   "acknowledge it.";
        case TcpState::Unknown:
            break;
    }
    return "The kernel reported a TCP state that SocketLab does not know.";
}

TcpState tcp_state_from_kernel(int value) {
    // The enum follows the kernel's numbering (1 = TCP_ESTABLISHED ... 12 = TCP_NEW_SYN_RECV).
    static_assert(static_cast<int>(TcpState::Established) == TCP_ESTABLISHED);
    static_assert(static_cast<int>(TcpState::Closing) == TCP_CLOSING);
    if (value < static_cast<int>(TcpState::Established) ||
        value > static_cast<int>(TcpState::NewSynRecv))
        return TcpState::Unknown;
    return static_cast<TcpState>(value);
}

std::optional<TcpState> tcp_state_of_fd(int fd) {
    // Ask SO_PROTOCOL first: other socket types answer TCP_INFO with assorted errors, and an
    // MPTCP socket would answer it for one of its subflows.
    int protocol = 0;
    socklen_t len = sizeof protocol;
    if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0 || protocol != IPPROTO_TCP)
        return std::nullopt;
    tcp_info info{};
    len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
        len < offsetof(tcp_info, tcpi_state) + sizeof info.tcpi_state)
        return std::nullopt;
    return tcp_state_from_kernel(info.tcpi_state);
}

int open_sock_diag_socket() {
    return ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

namespace {

using Clock = std::chrono::steady_clock;

// Replies are matched by sequence number, so a reply left over from an earlier dump that gave up
// (timeout, truncation) on the same netlink socket is skipped instead of being mixed in.
std::atomic<uint32_t> next_sequence{1};

constexpr int kReplyTimeoutMs = 1000;  // per datagram: the kernel answers in microseconds
constexpr auto kDumpLimit = std::chrono::seconds(5);      // in case something keeps feeding us
constexpr size_t kReceiveBufferSize = size_t{64} * 1024;  // well above the kernel's dump chunk

bool fail(std::string* error, const std::string& text) {
    if (error) *error = text;
    return false;
}

std::string errno_text(int err) {
    const char* text = strerrordesc_np(err);  // glibc's thread-safe strerror
    return text ? text : "error " + std::to_string(err);
}

// A netlink message's payload (NLMSG_DATA without the macro's C casts).
const void* message_payload(const nlmsghdr* h) {
    constexpr size_t kHeader = (sizeof(nlmsghdr) + NLMSG_ALIGNTO - 1) & ~size_t{NLMSG_ALIGNTO - 1};
    return reinterpret_cast<const char*>(h) + kHeader;
}

SocketAddress endpoint_of(int family, const __be32 addr[4], __be16 port) {
    SocketAddress a;
    if (family == AF_INET) {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = port;
        std::memcpy(&v4.sin_addr, addr, sizeof v4.sin_addr);
        a = SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
    } else {
        sockaddr_in6 v6{};
        v6.sin6_family = AF_INET6;
        v6.sin6_port = port;
        std::memcpy(&v6.sin6_addr, addr, sizeof v6.sin6_addr);
        a = SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&v6), sizeof v6);
    }
    return a;
}

// Reads and drops whatever an earlier, abandoned dump left on the socket. The kernel refuses a
// new dump (EBUSY) while one is unfinished, and produces the rest of it as we read.
void drain_stale_replies(int fd, nlmsghdr* buffer) {
    for (int i = 0; i < 10000; ++i) {
        ssize_t n = ::recv(fd, buffer, kReceiveBufferSize, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // EAGAIN: nothing left
    }
}

bool send_request(int fd, uint8_t family, uint32_t sequence, std::string* error) {
    struct {
        nlmsghdr header;
        inet_diag_req_v2 request;
    } message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.header.nlmsg_seq = sequence;
    message.request.sdiag_family = family;
    message.request.sdiag_protocol = IPPROTO_TCP;
    // Every state, including TIME_WAIT and half-open requests; ports are filtered afterwards.
    message.request.idiag_states = ~0U;
    // And each socket's struct tcp_info and congestion control's name (attributes; no
    // privilege needed).
    message.request.idiag_ext = (1U << (INET_DIAG_INFO - 1)) | (1U << (INET_DIAG_CONG - 1));

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    for (;;) {
        ssize_t n = ::sendto(fd, &message, sizeof message, 0,
                             reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
        if (n == static_cast<ssize_t>(sizeof message)) return true;
        if (n < 0 && errno == EINTR) continue;
        return fail(error, "sending the sock_diag request failed: " +
                               (n < 0 ? errno_text(errno) : std::string("short write")));
    }
}

// The INET_DIAG_INFO and INET_DIAG_CONG attributes after a sock_diag message, if there are
// any: INET_DIAG_INFO's length is the running kernel's sizeof(struct tcp_info), which may
// differ from our header's.
void read_tcp_info(const nlmsghdr* h, TcpSocketInfo* info) {
    // A listener's counts are its accept queue's, not a connection's.
    if (info->state == TcpState::Listen) return;
    constexpr size_t kAttrHeader = RTA_ALIGN(sizeof(rtattr));
    const size_t start = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(inet_diag_msg)));
    if (h->nlmsg_len <= start) return;
    const char* at = reinterpret_cast<const char*>(h) + start;
    size_t left = h->nlmsg_len - start;
    TcpInfoRecord record;
    bool have_info = false;
    while (left >= kAttrHeader) {
        rtattr attr{};
        std::memcpy(&attr, at, sizeof attr);
        if (attr.rta_len < kAttrHeader || attr.rta_len > left) break;  // malformed: stop here
        const char* data = at + kAttrHeader;
        const size_t length = attr.rta_len - kAttrHeader;
        if (attr.rta_type == INET_DIAG_INFO) {
            have_info = parse_tcp_info(data, length, &record);
        } else if (attr.rta_type == INET_DIAG_CONG) {
            record.congestion_control.assign(data, strnlen(data, length));
        }
        const size_t step = RTA_ALIGN(attr.rta_len);
        if (step >= left) break;
        at += step;
        left -= step;
    }
    if (!have_info) return;
    record.local = info->local;
    record.peer = info->peer;
    // Before the handshake is done nothing has been heard from the peer: its window of 0
    // would read as "the receiver is full".
    if (info->state == TcpState::SynSent || info->state == TcpState::SynRecv)
        record.peer_window.reset();
    info->tcp_info = record;
}

// Reads the multi-part reply to one dump request and appends the matching sockets.
bool receive_dump(int fd, uint32_t sequence, nlmsghdr* buffer, const std::set<uint16_t>& ports,
                  std::vector<TcpSocketInfo>& out, std::string* error) {
    const auto deadline = Clock::now() + kDumpLimit;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return fail(error, "the sock_diag dump did not finish in time");
        pollfd p{fd, POLLIN, 0};
        int ready =
            ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), kReplyTimeoutMs)));
        if (ready < 0) {
            if (errno == EINTR) continue;
            return fail(error, "waiting for the sock_diag reply failed: " + errno_text(errno));
        }
        if (ready == 0) return fail(error, "the kernel did not answer the sock_diag request");

        sockaddr_nl from{};
        iovec iov{buffer, kReceiveBufferSize};
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            // ENOBUFS: the socket's receive queue overflowed and parts of the dump were lost.
            return fail(error, "receiving the sock_diag reply failed: " + errno_text(errno));
        }
        if (msg.msg_flags & MSG_TRUNC)
            return fail(error, "a sock_diag reply did not fit in the receive buffer");
        if (from.nl_pid != 0) continue;  // only the kernel answers; ignore anything else

        size_t len = static_cast<size_t>(n);
        for (const nlmsghdr* h = buffer; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_seq != sequence) continue;  // left over from an earlier request
            if (h->nlmsg_type == NLMSG_DONE) return true;
            if (h->nlmsg_type == NLMSG_ERROR) {
                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr)))
                    return fail(error, "the kernel sent a truncated sock_diag error");
                int err = -static_cast<const nlmsgerr*>(message_payload(h))->error;
                if (err == 0) continue;  // an acknowledgement, not an error
                std::string text = "the kernel refused the sock_diag request: " + errno_text(err);
                if (err == ENOENT) text += " (is the inet_diag kernel module available?)";
                return fail(error, text);
            }
            if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg)))
                return fail(error, "the kernel sent a truncated sock_diag message");

            const auto* diag = static_cast<const inet_diag_msg*>(message_payload(h));
            if (diag->idiag_family != AF_INET && diag->idiag_family != AF_INET6) continue;
            uint16_t local_port = ntohs(diag->id.idiag_sport);
            uint16_t peer_port = ntohs(diag->id.idiag_dport);
            if (!ports.contains(local_port) && !ports.contains(peer_port)) continue;
            TcpSocketInfo info;
            info.family = diag->idiag_family;
            info.local = endpoint_of(info.family, diag->id.idiag_src, diag->id.idiag_sport);
            info.peer = endpoint_of(info.family, diag->id.idiag_dst, diag->id.idiag_dport);
            info.local_port = local_port;
            info.peer_port = peer_port;
            info.state = tcp_state_from_kernel(diag->idiag_state);
            info.inode = diag->idiag_inode;
            read_tcp_info(h, &info);
            out.push_back(info);
        }
        if (len != 0) return fail(error, "the kernel sent a truncated netlink message");
    }
}

}  // namespace

bool list_tcp_sockets(int netlink_fd, const std::set<uint16_t>& ports,
                      std::vector<TcpSocketInfo>& out, std::string* error) {
    out.clear();
    // Check the socket up front: sendto() on the wrong kind of socket fails with a puzzling errno.
    int domain = 0;
    int protocol = 0;
    socklen_t len = sizeof domain;
    if (::getsockopt(netlink_fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
        return fail(error, "fd " + std::to_string(netlink_fd) +
                               " is not a usable socket: " + errno_text(errno));
    len = sizeof protocol;
    if (::getsockopt(netlink_fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0 ||
        domain != AF_NETLINK || protocol != NETLINK_SOCK_DIAG)
        return fail(error, "fd " + std::to_string(netlink_fd) +
                               " is not a NETLINK_SOCK_DIAG socket (see open_sock_diag_socket)");
    if (ports.empty()) return true;

    auto buffer = std::make_unique<nlmsghdr[]>(kReceiveBufferSize / sizeof(nlmsghdr));
    drain_stale_replies(netlink_fd, buffer.get());
    // One dump per family: the kernel's inet_diag handler serves AF_INET and AF_INET6 apart.
    for (uint8_t family : {static_cast<uint8_t>(AF_INET), static_cast<uint8_t>(AF_INET6)}) {
        uint32_t sequence = next_sequence.fetch_add(1);
        std::vector<TcpSocketInfo> found;
        if (!send_request(netlink_fd, family, sequence, error) ||
            !receive_dump(netlink_fd, sequence, buffer.get(), ports, found, error)) {
            out.clear();
            return false;
        }
        out.insert(out.end(), found.begin(), found.end());
    }
    std::stable_sort(out.begin(), out.end(), [](const TcpSocketInfo& a, const TcpSocketInfo& b) {
        return std::tie(a.family, a.local_port, a.peer_port) <
               std::tie(b.family, b.local_port, b.peer_port);
    });
    return true;
}

}  // namespace socketlab
