#include "core/tcp_state.h"

#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>
#include <utility>

#include "core/address.h"

namespace socketlab {

// Failure messages say "FIN_WAIT_2" rather than "5".
static void PrintTo(TcpState s, std::ostream* os) {
    *os << tcp_state_name(s);
}

namespace {

// Every state change here comes from the kernel reacting to a packet on loopback; this is how
// long a test waits for one before it fails (normally it takes microseconds).
constexpr auto kWaitLimit = std::chrono::seconds(5);

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~UniqueFd() { reset(); }
    int get() const { return fd_; }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

// Re-checks `condition` until it holds or kWaitLimit passes.
bool wait_until(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return condition();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a polling tick
    }
    return true;
}

const char* loopback_host(int family) {
    return family == AF_INET ? "127.0.0.1" : "::1";
}

void set_receive_timeout(int fd) {
    timeval tv{5, 0};  // a broken test fails instead of hanging
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

UniqueFd make_listener(int family, int backlog, uint16_t& port) {
    auto address = SocketAddress::from_host_port(loopback_host(family), 0);
    UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0 || ::bind(fd.get(), address->get(), address->length) != 0 ||
        ::listen(fd.get(), backlog) != 0)
        return {};
    port = static_cast<uint16_t>(local_address_of(fd.get()).port());
    return fd;
}

UniqueFd connect_to(int family, uint16_t port, bool blocking = true) {
    auto address = SocketAddress::from_host_port(loopback_host(family), port);
    UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK), 0));
    if (fd.get() < 0) return {};
    set_receive_timeout(fd.get());
    if (::connect(fd.get(), address->get(), address->length) != 0 &&
        (blocking || errno != EINPROGRESS))
        return {};
    return fd;
}

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
}

UniqueFd accept_one(int listener) {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return {};
    UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (fd.get() >= 0) set_receive_timeout(fd.get());
    return fd;
}

uint16_t local_port_of(int fd) {
    return static_cast<uint16_t>(local_address_of(fd).port());
}

uint32_t inode_of(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}

bool ipv6_loopback_available() {
    uint16_t port = 0;
    return make_listener(AF_INET6, 1, port).get() >= 0;
}

// A connected pair and the listener it came from.
struct Connection {
    UniqueFd listener;
    UniqueFd client;
    UniqueFd server;
    uint16_t server_port = 0;
    uint16_t client_port = 0;
};

class TcpStateLifecycle : public ::testing::TestWithParam<int> {
  protected:
    void SetUp() override {
        if (family() == AF_INET6 && !ipv6_loopback_available())
            GTEST_SKIP() << "no IPv6 loopback (::1) here";
        netlink_.reset(open_sock_diag_socket());
        ASSERT_GE(netlink_.get(), 0) << "NETLINK_SOCK_DIAG: " << std::strerror(errno);
    }

    int family() const { return GetParam(); }

    // This test's sockets only: the kernel lists every TCP socket, other tests' too.
    std::optional<TcpSocketInfo> find(uint16_t local_port, uint16_t peer_port) {
        std::vector<TcpSocketInfo> sockets;
        std::string error;
        EXPECT_TRUE(list_tcp_sockets(netlink_.get(), {local_port}, sockets, &error)) << error;
        for (const auto& s : sockets)
            if (s.family == family() && s.local_port == local_port && s.peer_port == peer_port)
                return s;
        return std::nullopt;
    }

    // Waits until sock_diag lists the socket local_port -> peer_port in `state`.
    std::optional<TcpSocketInfo> wait_for(uint16_t local_port, uint16_t peer_port, TcpState state) {
        std::optional<TcpSocketInfo> found;
        wait_until([&] {
            found = find(local_port, peer_port);
            return found && found->state == state;
        });
        if (found && found->state == state) return found;
        ADD_FAILURE() << local_port << " -> " << peer_port << " never became "
                      << tcp_state_name(state)
                      << " (last seen: " << (found ? tcp_state_name(found->state) : "not listed")
                      << ")";
        return std::nullopt;
    }

    Connection connect_pair(int backlog = 8) {
        Connection c;
        c.listener = make_listener(family(), backlog, c.server_port);
        EXPECT_GE(c.listener.get(), 0) << std::strerror(errno);
        c.client = connect_to(family(), c.server_port);
        EXPECT_GE(c.client.get(), 0) << std::strerror(errno);
        c.server = accept_one(c.listener.get());
        EXPECT_GE(c.server.get(), 0) << std::strerror(errno);
        c.client_port = local_port_of(c.client.get());
        return c;
    }

    UniqueFd netlink_;
};

TEST_P(TcpStateLifecycle, ListeningSocketIsListen) {
    uint16_t port = 0;
    UniqueFd listener = make_listener(family(), 8, port);
    ASSERT_GE(listener.get(), 0) << std::strerror(errno);

    EXPECT_EQ(tcp_state_of_fd(listener.get()), TcpState::Listen);
    auto info = find(port, 0);
    ASSERT_TRUE(info) << "the listener on port " << port << " is not listed";
    EXPECT_EQ(info->state, TcpState::Listen);
    EXPECT_EQ(info->local.to_string(), local_address_of(listener.get()).to_string());
    EXPECT_EQ(info->local.to_string(), family() == AF_INET ? "127.0.0.1:" + std::to_string(port)
                                                           : "[::1]:" + std::to_string(port));
    EXPECT_EQ(info->inode, inode_of(listener.get()));
    EXPECT_NE(info->inode, 0u);
}

TEST_P(TcpStateLifecycle, ConnectedPairIsEstablishedOnBothSides) {
    Connection c = connect_pair();
    ASSERT_GE(c.server.get(), 0);

    EXPECT_EQ(tcp_state_of_fd(c.client.get()), TcpState::Established);
    EXPECT_EQ(tcp_state_of_fd(c.server.get()), TcpState::Established);
    EXPECT_EQ(tcp_state_of_fd(c.listener.get()), TcpState::Listen);

    auto client = find(c.client_port, c.server_port);
    ASSERT_TRUE(client);
    EXPECT_EQ(client->state, TcpState::Established);
    EXPECT_EQ(client->local.to_string(), local_address_of(c.client.get()).to_string());
    EXPECT_EQ(client->peer.to_string(), peer_address_of(c.client.get()).to_string());
    EXPECT_EQ(client->inode, inode_of(c.client.get()));

    // The accepted socket shares the listener's port: only the peer port tells them apart.
    auto server = find(c.server_port, c.client_port);
    ASSERT_TRUE(server);
    EXPECT_EQ(server->state, TcpState::Established);
    EXPECT_EQ(server->inode, inode_of(c.server.get()));
    auto listener = find(c.server_port, 0);
    ASSERT_TRUE(listener);
    EXPECT_EQ(listener->state, TcpState::Listen);
}

TEST_P(TcpStateLifecycle, HalfCloseGivesFinWait2AndCloseWait) {
    Connection c = connect_pair();
    ASSERT_GE(c.server.get(), 0);

    ASSERT_EQ(::shutdown(c.client.get(), SHUT_WR), 0);
    char byte = 0;
    ASSERT_EQ(::recv(c.server.get(), &byte, 1, 0), 0) << "the server should read EOF";

    EXPECT_TRUE(wait_until([&] { return tcp_state_of_fd(c.client.get()) == TcpState::FinWait2; }))
        << tcp_state_name(tcp_state_of_fd(c.client.get()).value_or(TcpState::Unknown));
    EXPECT_EQ(tcp_state_of_fd(c.server.get()), TcpState::CloseWait);
    auto client = wait_for(c.client_port, c.server_port, TcpState::FinWait2);
    ASSERT_TRUE(client);
    EXPECT_EQ(client->inode, inode_of(c.client.get()));
    auto server = wait_for(c.server_port, c.client_port, TcpState::CloseWait);
    ASSERT_TRUE(server);
    EXPECT_EQ(server->inode, inode_of(c.server.get()));

    // Half-closed, not closed: the server can still send to the client.
    ASSERT_EQ(::send(c.server.get(), "x", 1, MSG_NOSIGNAL), 1);
    ASSERT_EQ(::recv(c.client.get(), &byte, 1, 0), 1);
    EXPECT_EQ(byte, 'x');
}

TEST_P(TcpStateLifecycle, ClientThatClosedFirstLingersInTimeWait) {
    Connection c = connect_pair();
    ASSERT_GE(c.server.get(), 0);

    ASSERT_EQ(::shutdown(c.client.get(), SHUT_WR), 0);
    char byte = 0;
    ASSERT_EQ(::recv(c.server.get(), &byte, 1, 0), 0);
    c.server.reset();  // CLOSE_WAIT -> LAST_ACK -> gone once the client acknowledges the FIN
    ASSERT_EQ(::recv(c.client.get(), &byte, 1, 0), 0) << "the client should read EOF";

    // The kernel moves TIME_WAIT into a small record of its own: the fd's socket says CLOSED.
    EXPECT_TRUE(wait_until([&] { return tcp_state_of_fd(c.client.get()) == TcpState::Close; }));
    c.client.reset();
    auto client = wait_for(c.client_port, c.server_port, TcpState::TimeWait);
    ASSERT_TRUE(client);
    EXPECT_EQ(client->inode, 0u) << "no file descriptor refers to a TIME_WAIT socket";
    EXPECT_TRUE(wait_until([&] { return !find(c.server_port, c.client_port); }))
        << "the server's socket should be gone after LAST_ACK";
}

TEST_P(TcpStateLifecycle, ClosedClientWaitsInFinWait2WithoutAnFd) {
    Connection c = connect_pair();
    ASSERT_GE(c.server.get(), 0);

    c.client.reset();  // close() without shutdown(): FIN_WAIT_2 lives on without the fd
    auto orphan = wait_for(c.client_port, c.server_port, TcpState::FinWait2);
    ASSERT_TRUE(orphan);
    EXPECT_EQ(orphan->inode, 0u);
    EXPECT_TRUE(wait_until([&] { return tcp_state_of_fd(c.server.get()) == TcpState::CloseWait; }));

    c.server.reset();  // the server's FIN completes the close: the client side is now TIME_WAIT
    auto client = wait_for(c.client_port, c.server_port, TcpState::TimeWait);
    ASSERT_TRUE(client);
    EXPECT_EQ(client->inode, 0u);
}

TEST_P(TcpStateLifecycle, ConnectStaysSynSentWhileAcceptQueueIsFull) {
    // backlog 0 lets one finished connection wait for accept(); while it waits, the kernel
    // drops every new SYN, so the next client cannot get past SYN_SENT.
    uint16_t port = 0;
    UniqueFd listener = make_listener(family(), 0, port);
    ASSERT_GE(listener.get(), 0) << std::strerror(errno);
    UniqueFd first = connect_to(family(), port);
    ASSERT_GE(first.get(), 0) << std::strerror(errno);
    ASSERT_TRUE(wait_until([&] { return readable(listener.get()); }))
        << "the first connection never reached the accept queue";

    UniqueFd second = connect_to(family(), port, /*blocking=*/false);
    ASSERT_GE(second.get(), 0) << std::strerror(errno);
    uint16_t second_port = local_port_of(second.get());
    EXPECT_EQ(tcp_state_of_fd(second.get()), TcpState::SynSent);
    auto info = find(second_port, port);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->state, TcpState::SynSent);
    EXPECT_EQ(info->inode, inode_of(second.get()));
    EXPECT_FALSE(find(port, second_port)) << "the server should have kept nothing of the SYN";
}

TEST_P(TcpStateLifecycle, HalfOpenRequestIsSynRecvUntilDataArrives) {
    // TCP_DEFER_ACCEPT makes the server ignore the client's bare final ACK and wait for data, so
    // the server's half of the handshake stays a SYN_RECV request (no socket, no fd yet).
    uint16_t port = 0;
    UniqueFd listener = make_listener(family(), 8, port);
    ASSERT_GE(listener.get(), 0) << std::strerror(errno);
    int defer_seconds = 30;
    ASSERT_EQ(::setsockopt(listener.get(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_seconds,
                           sizeof defer_seconds),
              0);
    UniqueFd client = connect_to(family(), port);
    ASSERT_GE(client.get(), 0) << std::strerror(errno);
    uint16_t client_port = local_port_of(client.get());
    EXPECT_EQ(tcp_state_of_fd(client.get()), TcpState::Established);

    std::optional<TcpSocketInfo> request;
    ASSERT_TRUE(wait_until([&] {
        request = find(port, client_port);
        return request &&
               (request->state == TcpState::SynRecv || request->state == TcpState::NewSynRecv);
    })) << (request ? tcp_state_name(request->state) : "not listed");
    EXPECT_STREQ(tcp_state_name(request->state), "SYN_RECV");
    EXPECT_EQ(request->inode, 0u);
    EXPECT_FALSE(readable(listener.get())) << "nothing to accept() yet";

    ASSERT_EQ(::send(client.get(), "x", 1, MSG_NOSIGNAL), 1);
    UniqueFd server = accept_one(listener.get());
    ASSERT_GE(server.get(), 0) << "the data should complete the connection";
    EXPECT_EQ(tcp_state_of_fd(server.get()), TcpState::Established);
    auto established = wait_for(port, client_port, TcpState::Established);
    ASSERT_TRUE(established);
    EXPECT_EQ(established->inode, inode_of(server.get()));
}

INSTANTIATE_TEST_SUITE_P(TcpState, TcpStateLifecycle, ::testing::Values(AF_INET, AF_INET6),
                         [](const ::testing::TestParamInfo<int>& info) {
                             return std::string(info.param == AF_INET ? "IPv4" : "IPv6");
                         });

TEST(TcpStateNames, EveryStateHasANameAndAMeaning) {
    EXPECT_STREQ(tcp_state_name(TcpState::Established), "ESTABLISHED");
    EXPECT_STREQ(tcp_state_name(TcpState::SynSent), "SYN_SENT");
    EXPECT_STREQ(tcp_state_name(TcpState::SynRecv), "SYN_RECV");
    EXPECT_STREQ(tcp_state_name(TcpState::FinWait1), "FIN_WAIT_1");
    EXPECT_STREQ(tcp_state_name(TcpState::FinWait2), "FIN_WAIT_2");
    EXPECT_STREQ(tcp_state_name(TcpState::TimeWait), "TIME_WAIT");
    EXPECT_STREQ(tcp_state_name(TcpState::Close), "CLOSED");
    EXPECT_STREQ(tcp_state_name(TcpState::CloseWait), "CLOSE_WAIT");
    EXPECT_STREQ(tcp_state_name(TcpState::LastAck), "LAST_ACK");
    EXPECT_STREQ(tcp_state_name(TcpState::Listen), "LISTEN");
    EXPECT_STREQ(tcp_state_name(TcpState::Closing), "CLOSING");
    EXPECT_STREQ(tcp_state_name(TcpState::NewSynRecv), "SYN_RECV");
    for (int v = 1; v <= 12; ++v) {
        TcpState s = tcp_state_from_kernel(v);
        EXPECT_NE(s, TcpState::Unknown) << v;
        EXPECT_GT(tcp_state_meaning(s).size(), 30u) << tcp_state_name(s);
    }
    EXPECT_EQ(tcp_state_from_kernel(TCP_ESTABLISHED), TcpState::Established);
    EXPECT_EQ(tcp_state_from_kernel(TCP_LISTEN), TcpState::Listen);
    EXPECT_EQ(tcp_state_from_kernel(0), TcpState::Unknown);
    EXPECT_EQ(tcp_state_from_kernel(13), TcpState::Unknown);
}

TEST(TcpStateOfFd, OnlyTcpSocketsHaveATcpState) {
    UniqueFd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(udp.get(), 0);
    EXPECT_EQ(tcp_state_of_fd(udp.get()), std::nullopt);
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    UniqueFd a(pair[0]), b(pair[1]);
    EXPECT_EQ(tcp_state_of_fd(a.get()), std::nullopt);
    EXPECT_EQ(tcp_state_of_fd(-1), std::nullopt);

    UniqueFd fresh(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(fresh.get(), 0);
    EXPECT_EQ(tcp_state_of_fd(fresh.get()), TcpState::Close) << "a new socket is CLOSED";
}

TEST(TcpStateDiag, BadSocketFailsWithAMessage) {
    std::vector<TcpSocketInfo> out(1);
    std::string error;
    EXPECT_FALSE(list_tcp_sockets(-1, {80}, out, &error));
    EXPECT_FALSE(error.empty());
    EXPECT_TRUE(out.empty());

    UniqueFd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(udp.get(), 0);
    error.clear();
    EXPECT_FALSE(list_tcp_sockets(udp.get(), {80}, out, &error));
    EXPECT_NE(error.find("NETLINK_SOCK_DIAG"), std::string::npos) << error;
    EXPECT_FALSE(list_tcp_sockets(udp.get(), {80}, out, nullptr));  // no error text wanted
}

TEST(TcpStateDiag, RepeatedAndEmptyQueriesOnOneNetlinkSocket) {
    UniqueFd netlink(open_sock_diag_socket());
    ASSERT_GE(netlink.get(), 0) << std::strerror(errno);
    uint16_t port = 0;
    UniqueFd listener = make_listener(AF_INET, 1, port);
    ASSERT_GE(listener.get(), 0);
    std::vector<TcpSocketInfo> out;
    std::string error;
    EXPECT_TRUE(list_tcp_sockets(netlink.get(), {}, out, &error)) << error;
    EXPECT_TRUE(out.empty());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(list_tcp_sockets(netlink.get(), {port}, out, &error)) << error;
        // Other processes' connections may use the same port number as a peer (or left
        // TIME_WAIT records from before this listener got it): pick out the listener.
        int listeners = 0;
        for (const auto& s : out) {
            EXPECT_TRUE(s.local_port == port || s.peer_port == port);
            if (s.family != AF_INET || s.local_port != port || s.peer_port != 0) continue;
            ++listeners;
            EXPECT_EQ(s.state, TcpState::Listen);
            EXPECT_EQ(s.peer.to_string(), "0.0.0.0:0");
            EXPECT_EQ(s.inode, inode_of(listener.get()));
        }
        EXPECT_EQ(listeners, 1);
    }
}

TEST(TcpStateDiag, RecoversFromAnAbandonedDump) {
    // A caller that gave up half-way (a timeout) leaves the rest of a dump on the socket; the
    // kernel refuses a new dump until it is read, and the old replies must not be mixed in.
    UniqueFd netlink(open_sock_diag_socket());
    ASSERT_GE(netlink.get(), 0) << std::strerror(errno);
    uint16_t port = 0;
    UniqueFd listener = make_listener(AF_INET, 1, port);
    ASSERT_GE(listener.get(), 0);
    struct {
        nlmsghdr header;
        inet_diag_req_v2 request;
    } stale{};
    stale.header.nlmsg_len = sizeof stale;
    stale.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    stale.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    stale.request.sdiag_family = AF_INET;
    stale.request.sdiag_protocol = IPPROTO_TCP;
    stale.request.idiag_states = ~0U;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ASSERT_EQ(::sendto(netlink.get(), &stale, sizeof stale, 0,
                       reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel),
              static_cast<ssize_t>(sizeof stale));

    std::vector<TcpSocketInfo> out;
    std::string error;
    ASSERT_TRUE(list_tcp_sockets(netlink.get(), {port}, out, &error)) << error;
    int listeners = 0;
    for (const auto& s : out) listeners += s.local_port == port && s.peer_port == 0;
    EXPECT_EQ(listeners, 1);
}

}  // namespace
}  // namespace socketlab
