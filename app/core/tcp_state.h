// TCP connection states read from the kernel, never simulated: TCP_INFO for a socket we hold,
// sock_diag (NETLINK_SOCK_DIAG) for every TCP socket, including those that outlived their file
// descriptor (TIME_WAIT, FIN_WAIT_2 after close) or never had one (a SYN_RECV request).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/tcp_info.h"

namespace socketlab {

// In the kernel's order (include/net/tcp_states.h), so Unknown is 0 and Established is 1.
enum class TcpState {
    Unknown,
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,  // CLOSED
    CloseWait,
    LastAck,
    Listen,
    Closing,
    NewSynRecv,  // the kernel's name for a half-open request; shown as SYN_RECV
};

// "ESTABLISHED", "SYN_SENT", ... as netstat and ss print them; NewSynRecv is "SYN_RECV".
const char* tcp_state_name(TcpState s);
// One learner-friendly sentence about what the state means and what moves a socket out of it.
std::string tcp_state_meaning(TcpState s);
// Maps the kernel's numeric state (tcpi_state, idiag_state) to TcpState; Unknown if unknown.
TcpState tcp_state_from_kernel(int value);

// The state of an open TCP socket, from getsockopt(TCP_INFO) (tcpi_state). nullopt if fd is not
// a TCP socket (UDP, Unix, not a socket, closed).
std::optional<TcpState> tcp_state_of_fd(int fd);

// One TCP socket as the kernel lists it (sock_diag, inet_diag_req_v2).
struct TcpSocketInfo {
    int family = 0;  // AF_INET or AF_INET6
    // An IPv6 socket talking IPv4 shows as [::ffff:127.0.0.1]:5000.
    SocketAddress local;
    SocketAddress peer;  // 0.0.0.0:0 / [::]:0 for a listening socket
    uint16_t local_port = 0;
    uint16_t peer_port = 0;
    TcpState state = TcpState::Unknown;
    // The socket's inode (fstat(fd).st_ino); 0 when no file descriptor refers to it any more
    // (TIME_WAIT, an orphaned FIN_WAIT_2) or never did (a SYN_RECV request).
    uint32_t inode = 0;
    // The kernel's struct tcp_info (INET_DIAG_INFO), with local and peer filled in; nullopt for
    // the sockets that have none (TIME_WAIT, a SYN_RECV request) and for listeners (whose
    // counts there are their accept queue's).
    std::optional<TcpInfoRecord> tcp_info;
};

// Lists the TCP sockets (IPv4 and IPv6) whose local or peer port is in `ports`, with their
// tcp_info and congestion control, replacing `out`, sorted by family, local port and peer
// port. netlink_fd is a
// socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG): it is passed in because it
// only sees the network namespace it was created in, and lessons may run in a private one.
// Waits at most about a second for each reply. Returns false and sets *error on failure.
// One thread at a time per netlink_fd: each call first drops replies still queued on it.
bool list_tcp_sockets(int netlink_fd, const std::set<uint16_t>& ports,
                      std::vector<TcpSocketInfo>& out, std::string* error);

// Opens a NETLINK_SOCK_DIAG socket in the current network namespace; -1 with errno on failure.
int open_sock_diag_socket();

}  // namespace socketlab
