// LessonNetwork: real sockets and real packets, in the private namespace and on the host lo.
//
// Run as root, the host-mode tests run and the namespace is forced where a test needs it.
// tests/capture_as_user.sh runs these tests again as an ordinary user, with
// SOCKETLAB_TEST_EXPECT_MODE saying which mode open({}) must pick there ("private-namespace",
// or "none" where it has disabled user namespaces); without it, a mode that cannot be had here
// makes the test skip, with the reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/lesson_network.h"
#include "capture/link_relay.h"
#include "capture_test_util.h"
#include "core/event_log.h"
#include "core/socket_directory.h"
#include "core/tcp_info.h"
#include "core/tcp_state.h"
#include "lesson/socket_state_watcher.h"

namespace socketlab {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 5000ms;

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

// Collects what the sink receives; waits on conditions, with a timeout.
class Collector {
  public:
    std::function<void(RawPacket)> sink() {
        return [this](RawPacket p) {
            {
                std::lock_guard lock(mutex_);
                packets_.push_back(std::move(p));
            }
            changed_.notify_all();
        };
    }
    template <class Pred>
    bool wait_for(Pred pred) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kWait, [&] { return pred(packets_); });
    }
    std::vector<RawPacket> packets() {
        std::lock_guard lock(mutex_);
        return packets_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<RawPacket> packets_;
};

// The TCP header of a captured IP packet, read from the bytes.
struct Tcp {
    bool ok = false;
    uint16_t sport = 0, dport = 0;
    uint8_t flags = 0;
    std::string payload;
};

Tcp parse_tcp(const RawPacket& packet) {
    const auto& b = packet.ip_bytes;
    Tcp t;
    if (b.size() < 20) return t;
    size_t offset = 0, total = 0;
    uint8_t proto = 0;
    if ((b[0] >> 4) == 4) {
        offset = (b[0] & 0x0f) * 4u;
        proto = b[9];
        total = static_cast<size_t>(b[2] << 8 | b[3]);
    } else if ((b[0] >> 4) == 6 && b.size() >= 40) {
        offset = 40;  // no extension headers on loopback TCP
        proto = b[6];
        total = 40 + static_cast<size_t>(b[4] << 8 | b[5]);
    } else {
        return t;
    }
    if (proto != IPPROTO_TCP || b.size() < offset + 20) return t;
    const uint8_t* h = b.data() + offset;
    t.sport = static_cast<uint16_t>(h[0] << 8 | h[1]);
    t.dport = static_cast<uint16_t>(h[2] << 8 | h[3]);
    t.flags = h[13];
    size_t data = offset + (h[12] >> 4) * 4u;
    size_t end = std::min(total, b.size());
    if (data < end)
        t.payload.assign(b.begin() + static_cast<long>(data), b.begin() + static_cast<long>(end));
    t.ok = true;
    return t;
}

uint16_t local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
    if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
    Fd& operator=(Fd&& o) noexcept {
        std::swap(fd, o.fd);
        return *this;
    }
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// A TCP listener on 127.0.0.1, port 0, made in the lesson network.
void listen_on(LessonNetwork& net, Fd* out, uint16_t* port) {
    out->fd = net.make_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(out->fd, 0) << std::strerror(-out->fd);
    sockaddr_in a = loopback(0);
    ASSERT_EQ(bind(out->fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
    ASSERT_EQ(listen(out->fd, 8), 0);
    *port = local_port(out->fd);
    ASSERT_NE(*port, 0);
}

// listener <- client: connect, accept, send text. All sockets from the lesson network.
struct Conversation {
    Fd listener, client, server;
    uint16_t port = 0, client_port = 0;
};

void talk(LessonNetwork& net, Conversation* c, const std::string& text = "hello") {
    if (c->listener.fd < 0) {
        listen_on(net, &c->listener, &c->port);
        if (::testing::Test::HasFatalFailure()) return;
    }
    c->client.fd = net.make_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(c->client.fd, 0) << std::strerror(-c->client.fd);
    sockaddr_in a = loopback(c->port);
    ASSERT_EQ(connect(c->client.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0)
        << std::strerror(errno);
    c->client_port = local_port(c->client.fd);
    c->server.fd = accept4(c->listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
    ASSERT_GE(c->server.fd, 0) << std::strerror(errno);
    ASSERT_EQ(send(c->client.fd, text.data(), text.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(text.size()));
    char buf[64];
    ASSERT_EQ(recv(c->server.fd, buf, sizeof buf, 0), static_cast<ssize_t>(text.size()));
}

// Where the handshake and the data are in the captured packets; -1 when missing.
struct Seen {
    int syn = -1, syn_ack = -1, ack = -1, data = -1;
};

Seen find_conversation(const std::vector<RawPacket>& packets, const Conversation& c,
                       const std::string& text = "hello") {
    Seen s;
    for (int i = 0; i < static_cast<int>(packets.size()); ++i) {
        Tcp t = parse_tcp(packets[static_cast<size_t>(i)]);
        if (!t.ok) continue;
        const bool to_server = t.sport == c.client_port && t.dport == c.port;
        const bool to_client = t.sport == c.port && t.dport == c.client_port;
        const uint8_t f = t.flags & (kFin | kSyn | kRst | kAck);
        if (to_server && f == kSyn && s.syn < 0) s.syn = i;
        if (to_client && f == (kSyn | kAck) && s.syn_ack < 0) s.syn_ack = i;
        if (to_server && f == kAck && t.payload.empty() && s.syn_ack >= 0 && s.ack < 0) s.ack = i;
        if (to_server && t.payload == text && s.data < 0) s.data = i;
    }
    return s;
}

void expect_handshake_and_data(const std::vector<RawPacket>& packets, const Conversation& c) {
    Seen s = find_conversation(packets, c);
    EXPECT_GE(s.syn, 0) << "no SYN " << c.client_port << " -> " << c.port;
    EXPECT_GT(s.syn_ack, s.syn) << "no SYN+ACK after the SYN";
    EXPECT_GT(s.ack, s.syn_ack) << "no ACK after the SYN+ACK";
    EXPECT_GT(s.data, s.ack) << "no data packet \"hello\" after the handshake";
    for (const auto& p : packets) {
        EXPECT_GE(p.original_length, p.ip_bytes.size());
        EXPECT_GT(p.realtime_us, 0);
    }
}

bool has_cap_net_raw() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    return (data[CAP_NET_RAW / 32].effective & (1u << (CAP_NET_RAW % 32))) != 0;
}

std::unique_ptr<LessonNetwork> open_namespace() {
    NetworkOptions options;
    options.force_namespace = true;
    return LessonNetwork::open(options);
}

#define SKIP_UNLESS_NAMESPACE(net)                                                                \
    if ((net)->mode() != LessonNetwork::Mode::PrivateNamespace)                                   \
    SKIP_OR_FAIL_WITHOUT_CAPTURE("no private network namespace here: " << (net)->why_no_capture() \
                                                                       << "\n"                    \
                                                                       << (net)->how_to_fix())

bool process_exists(pid_t pid) {
    return ::access(("/proc/" + std::to_string(pid)).c_str(), F_OK) == 0;
}

// [SECTION] namespace mode

TEST(LessonNetwork, NamespaceCapturesHandshakeAndData) {
    Collector got;  // before the network: its sink may run until the network is destroyed
    auto net = open_namespace();
    SKIP_UNLESS_NAMESPACE(net);
    EXPECT_NE(net->describe().find("private loopback"), std::string::npos) << net->describe();
    std::string error;
    ASSERT_TRUE(net->start_capture(got.sink(), &error)) << error;

    Conversation c;
    talk(*net, &c);
    if (HasFatalFailure()) return;
    // flush(): every packet the kernel captured so far reaches the sink before it returns.
    ASSERT_TRUE(net->flush(kWait));
    expect_handshake_and_data(got.packets(), c);

    // Everything on the private lo is the lesson's: nothing but our two ports.
    for (const auto& p : got.packets()) {
        Tcp t = parse_tcp(p);
        ASSERT_TRUE(t.ok) << "a packet that is not TCP on the private loopback";
        EXPECT_TRUE((t.sport == c.port && t.dport == c.client_port) ||
                    (t.sport == c.client_port && t.dport == c.port));
    }
    CaptureStats st = net->stats();
    EXPECT_EQ(st.captured, got.packets().size());
    EXPECT_EQ(st.dropped_kernel, 0u);
    EXPECT_EQ(st.dropped_queue, 0u);
}

TEST(LessonNetwork, NamespaceIsAPrivateNetwork) {
    auto net = open_namespace();
    SKIP_UNLESS_NAMESPACE(net);
    Fd listener;
    uint16_t port = 0;
    listen_on(*net, &listener, &port);
    if (HasFatalFailure()) return;

    // A host socket cannot reach the namespace's listener: that 127.0.0.1 is another network.
    Fd host(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(host.fd, 0);
    sockaddr_in a = loopback(port);
    EXPECT_EQ(connect(host.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), -1);
    EXPECT_EQ(errno, ECONNREFUSED) << std::strerror(errno);

    // Nor the other way round.
    Fd host_listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in any = loopback(0);
    ASSERT_EQ(bind(host_listener.fd, reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
    ASSERT_EQ(listen(host_listener.fd, 1), 0);
    Fd inside(net->make_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(inside.fd, 0);
    sockaddr_in host_addr = loopback(local_port(host_listener.fd));
    EXPECT_EQ(connect(inside.fd, reinterpret_cast<sockaddr*>(&host_addr), sizeof host_addr), -1);
    EXPECT_EQ(errno, ECONNREFUSED) << std::strerror(errno);

    // IPv6 loopback exists there too.
    Fd v6(net->make_socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(v6.fd, 0);
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    EXPECT_EQ(bind(v6.fd, reinterpret_cast<sockaddr*>(&a6), sizeof a6), 0) << std::strerror(errno);
}

TEST(LessonNetwork, MakeSocketKeepsSocketFlagsAndErrors) {
    auto net = open_namespace();
    SKIP_UNLESS_NAMESPACE(net);
    Fd plain(net->make_socket(AF_INET, SOCK_STREAM, 0));
    ASSERT_GE(plain.fd, 0);
    EXPECT_EQ(fcntl(plain.fd, F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_EQ(fcntl(plain.fd, F_GETFL) & O_NONBLOCK, 0);
    Fd flagged(net->make_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    ASSERT_GE(flagged.fd, 0);
    EXPECT_NE(fcntl(flagged.fd, F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_NE(fcntl(flagged.fd, F_GETFL) & O_NONBLOCK, 0);
    EXPECT_EQ(net->make_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), -EPROTONOSUPPORT);
}

TEST(LessonNetwork, NamespaceSockDiagSeesOnlyTheLessonsSockets) {
    auto net = open_namespace();
    SKIP_UNLESS_NAMESPACE(net);
    Fd listener;
    uint16_t port = 0;
    listen_on(*net, &listener, &port);
    if (HasFatalFailure()) return;

    Fd diag(net->make_socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    ASSERT_GE(diag.fd, 0) << std::strerror(-diag.fd);
    // Every port: whatever listens anywhere in this network.
    std::set<uint16_t> every_port;
    for (int p = 1; p <= 65535; ++p) every_port.insert(static_cast<uint16_t>(p));
    std::vector<TcpSocketInfo> sockets;
    std::string error;
    ASSERT_TRUE(list_tcp_sockets(diag.fd, every_port, sockets, &error)) << error;
    std::vector<uint16_t> listening;
    for (const auto& s : sockets)
        if (s.state == TcpState::Listen && s.family == AF_INET) listening.push_back(s.local_port);
    // The namespace's own network: our listener, and nobody else's.
    EXPECT_EQ(listening, std::vector<uint16_t>{port});
}

TEST(LessonNetwork, NamespaceBindUnprivilegedIsRefusedLikeAnOrdinaryUser) {
    auto net = open_namespace();
    SKIP_UNLESS_NAMESPACE(net);
    Fd s(net->make_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(s.fd, 0);
    sockaddr_in a = loopback(80);
    EXPECT_EQ(net->bind_unprivileged(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), -EACCES);
    sockaddr_in high = loopback(0);
    EXPECT_EQ(net->bind_unprivileged(s.fd, reinterpret_cast<sockaddr*>(&high), sizeof high), 0);
    EXPECT_NE(local_port(s.fd), 0);

    // Why the helper must make that call: an ordinary user owns the user namespace, so the
    // kernel lets *its* threads bind port 80 there, whatever their capability sets say.
    if (geteuid() != 0) {
        Fd plain(net->make_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        EXPECT_EQ(bind(plain.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0)
            << "binding port 80 in the namespace as its owner: " << std::strerror(errno);
    }
}

TEST(LessonNetwork, SlowSinkDropsAreCountedNotBuffered) {
    NetworkOptions options;
    options.force_namespace = true;
    options.queue_packets = 200;  // small, so the test is quick; the default is 10000
    // The sink blocks on its first packet until we let it go: everything behind it must wait
    // in the bounded queue or be dropped and counted.
    std::mutex m;
    std::condition_variable cv;
    bool release = false, entered = false;
    uint64_t delivered = 0;
    auto let_go = [&] {
        {
            std::lock_guard lock(m);
            release = true;
        }
        cv.notify_all();
    };
    auto net = LessonNetwork::open(options);
    SKIP_UNLESS_NAMESPACE(net);
    struct LetGo {  // also when an assertion returns early: the destructor waits for the sink
        std::function<void()> f;
        ~LetGo() { f(); }
    } guard{let_go};
    std::string error;
    ASSERT_TRUE(net->start_capture(
        [&](RawPacket) {
            std::unique_lock lock(m);
            entered = true;
            cv.notify_all();
            cv.wait(lock, [&] { return release; });
            ++delivered;
        },
        &error))
        << error;

    Fd rx(net->make_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    Fd tx(net->make_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(rx.fd, 0);
    ASSERT_GE(tx.fd, 0);
    sockaddr_in a = loopback(0);
    ASSERT_EQ(bind(rx.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    a = loopback(local_port(rx.fd));
    // Each datagram is one packet on lo, captured whether or not rx reads it. In batches
    // smaller than the kernel's capture buffer, each waited for until it has reached our
    // queue (or was dropped there), so only our queue's bound is at work.
    const uint64_t sent = 500, batch = 25;
    for (uint64_t i = 0; i < sent; i += batch) {
        for (uint64_t j = 0; j < batch; ++j)
            ASSERT_EQ(sendto(tx.fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a), 1);
        if (i == 0) {  // the first packet is in the sink, out of the queue
            std::unique_lock lock(m);
            ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return entered; }));
        }
        const auto deadline = std::chrono::steady_clock::now() + kWait;
        CaptureStats st;
        while ((st = net->stats()),
               st.queued + st.dropped_queue + st.dropped_kernel + 1 < i + batch &&
                   std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(1ms);
        ASSERT_EQ(st.queued + st.dropped_queue + st.dropped_kernel + 1, i + batch)
            << "batch " << i / batch << ": queued " << st.queued;
    }
    CaptureStats held = net->stats();
    EXPECT_EQ(held.queued, 200u);
    EXPECT_EQ(held.dropped_kernel, 0u);
    EXPECT_EQ(held.dropped_queue, sent - 201);  // 1 in the sink, 200 queued
    let_go();
    ASSERT_TRUE(net->flush(kWait));
    CaptureStats st = net->stats();
    {
        std::lock_guard lock(m);
        EXPECT_EQ(st.captured, delivered);
    }
    EXPECT_EQ(st.captured, 201u);
    EXPECT_EQ(st.queued, 0u);
    EXPECT_EQ(st.captured + st.dropped_queue + st.dropped_kernel, sent);
}

// [SECTION] the helper's life

TEST(LessonNetwork, HelperIsReapedWhenTheNetworkIsDestroyed) {
    auto net = open_namespace();
    SKIP_UNLESS_NAMESPACE(net);
    const pid_t pid = net->helper_pid();
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(process_exists(pid));
    Fd kept(net->make_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));  // outlives the helper
    net.reset();
    errno = 0;
    EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD) << "the helper was not reaped";
    EXPECT_FALSE(process_exists(pid)) << "the helper (or its zombie) is still there";
    // A socket from the namespace keeps working without the helper.
    sockaddr_in a = loopback(0);
    EXPECT_EQ(bind(kept.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(kept.fd, 1), 0);
}

TEST(LessonNetwork, HelperHoldsNoneOfTheAppsSockets) {
    // Lessons make sockets without SOCK_CLOEXEC. A copy in the helper would keep them open
    // after the app closed them: no FIN, a listener that still accepts.
    Fd plain(::socket(AF_INET, SOCK_STREAM, 0));
    ASSERT_GE(plain.fd, 0);
    auto net = open_namespace();
    SKIP_UNLESS_NAMESPACE(net);
    Fd made(net->make_socket(AF_INET, SOCK_STREAM, 0));  // the helper closes its own copy,
    ASSERT_GE(made.fd, 0);                               // just after sending it: so make
    Fd next(net->make_socket(AF_INET, SOCK_DGRAM, 0));   // another (requests are in turn)
    ASSERT_GE(next.fd, 0);
    auto inode_of = [](const std::string& link) {
        char target[256] = "";
        ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
        return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
    };
    const std::string self = "/proc/self/fd/";
    const std::string ours[] = {inode_of(self + std::to_string(plain.fd)),
                                inode_of(self + std::to_string(made.fd))};
    const std::string dir = "/proc/" + std::to_string(net->helper_pid()) + "/fd/";
    for (int fd = 0; fd < 64; ++fd) {
        std::string target = inode_of(dir + std::to_string(fd));
        if (target.empty()) continue;
        for (const auto& o : ours) EXPECT_NE(target, o) << "the helper holds fd " << fd;
    }
}

TEST(LessonNetwork, HelperKilledMidLessonIsReapedAndReported) {
    Collector got;
    auto net = open_namespace();
    SKIP_UNLESS_NAMESPACE(net);
    std::string error;
    ASSERT_TRUE(net->start_capture(got.sink(), &error)) << error;
    const pid_t pid = net->helper_pid();
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    // The app notices (end of file) and reports it instead of hanging.
    EXPECT_EQ(net->make_socket(AF_INET, SOCK_STREAM, 0), -ENETDOWN);
    EXPECT_FALSE(net->flush(1000ms));
    // Our supervisor thread reaps it without waiting for the destructor.
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (process_exists(pid) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    EXPECT_FALSE(process_exists(pid)) << "the killed helper was left a zombie";
    net.reset();  // and destroying it afterwards is fine
}

TEST(LessonNetwork, HelperDiesWithTheApp) {
    // The app is a child that opens the network and is then SIGKILLed (no destructor runs).
    // As a subreaper we inherit the orphaned helper, so we can see it exit and reap it.
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int pipefd[2];
    ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
    pid_t app = fork();
    ASSERT_GE(app, 0);
    if (app == 0) {
        auto net = open_namespace();
        pid_t helper =
            net->mode() == LessonNetwork::Mode::PrivateNamespace ? net->helper_pid() : -1;
        [[maybe_unused]] auto n = write(pipefd[1], &helper, sizeof helper);
        raise(SIGKILL);
        _exit(1);
    }
    ::close(pipefd[1]);
    pid_t helper = -1;
    ssize_t n = read(pipefd[0], &helper, sizeof helper);
    ::close(pipefd[0]);
    int status = 0;
    ASSERT_EQ(waitpid(app, &status, 0), app);
    EXPECT_TRUE(WIFSIGNALED(status));
    if (n != sizeof helper || helper <= 0) {
        prctl(PR_SET_CHILD_SUBREAPER, 0);
        SKIP_OR_FAIL_WITHOUT_CAPTURE("no private network namespace here");
    }
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, helper, 0));
    if (pidfd >= 0) {
        pollfd pfd{pidfd, POLLIN, 0};
        EXPECT_EQ(poll(&pfd, 1, 5000), 1) << "the helper outlived the app";
        ::close(pidfd);
    }
    if (pidfd < 0 || HasFailure()) kill(helper, SIGKILL);
    EXPECT_EQ(waitpid(helper, &status, 0), helper);
    prctl(PR_SET_CHILD_SUBREAPER, 0);
}

// [SECTION] no capture

TEST(LessonNetwork, MissingHelperGivesNoCaptureButSocketsStillWork) {
    NetworkOptions options;
    options.force_namespace = true;
    options.helper_path = "/nonexistent/socketlab-net-helper";
    Collector got;
    auto net = LessonNetwork::open(options);
    EXPECT_EQ(net->mode(), LessonNetwork::Mode::NoCapture);
    EXPECT_NE(net->why_no_capture().find("/nonexistent/socketlab-net-helper"), std::string::npos)
        << net->why_no_capture();
    EXPECT_NE(net->why_no_capture().find("No such file or directory"), std::string::npos)
        << net->why_no_capture();
    EXPECT_NE(net->how_to_fix().find("SOCKETLAB_NET_HELPER"), std::string::npos)
        << net->how_to_fix();
    EXPECT_EQ(net->describe().rfind("no packet capture: ", 0), 0u) << net->describe();
    EXPECT_EQ(net->helper_pid(), -1);

    std::string error;
    EXPECT_FALSE(net->start_capture(got.sink(), &error));
    EXPECT_NE(error.find("/nonexistent/socketlab-net-helper"), std::string::npos) << error;
    EXPECT_FALSE(net->flush(100ms));

    // Lessons still run: sockets are plain host sockets.
    Conversation c;
    talk(*net, &c);
    Fd host(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a = loopback(c.port);
    EXPECT_EQ(connect(host.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0)
        << "a NoCapture socket should be on the host network";
    EXPECT_EQ(net->bind_unprivileged(c.client.fd, reinterpret_cast<sockaddr*>(&a), sizeof a),
              -ENOSYS);
}

TEST(LessonNetwork, NoCaptureWhenNotWanted) {
    NetworkOptions options;
    options.want_capture = false;
    auto net = LessonNetwork::open(options);
    EXPECT_EQ(net->mode(), LessonNetwork::Mode::NoCapture);
    EXPECT_EQ(net->helper_pid(), -1);
    Fd s(net->make_socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    EXPECT_GE(s.fd, 0);
}

// [SECTION] host mode

TEST(LessonNetwork, HostModeAsRootCapturesOnlyTheLessonsPorts) {
    if (geteuid() != 0 || !has_cap_net_raw())
        SKIP_OR_FAIL_WITHOUT_CAPTURE("host-loopback capture needs root (or CAP_NET_RAW)");
    Collector got;
    auto net = LessonNetwork::open({});
    ASSERT_EQ(net->mode(), LessonNetwork::Mode::HostLoopback) << net->why_no_capture();
    EXPECT_EQ(net->helper_pid(), -1);
    EXPECT_NE(net->describe().find("host loopback (lo) as root"), std::string::npos);
    std::string error;
    ASSERT_TRUE(net->start_capture(got.sink(), &error)) << error;

    Conversation c, other;
    listen_on(*net, &c.listener, &c.port);
    listen_on(*net, &other.listener, &other.port);
    if (HasFatalFailure()) return;
    net->set_ports({c.port});  // the filter is in place when this returns
    talk(*net, &c);
    talk(*net, &other, "not for us");
    if (HasFatalFailure()) return;
    ASSERT_TRUE(net->flush(kWait));
    expect_handshake_and_data(got.packets(), c);
    for (const auto& p : got.packets()) {
        Tcp t = parse_tcp(p);
        ASSERT_TRUE(t.ok);
        EXPECT_TRUE(t.sport == c.port || t.dport == c.port)
            << "a packet outside the lesson's ports: " << t.sport << " -> " << t.dport;
    }

    // A new port set takes effect at once.
    net->set_ports({other.port});
    ASSERT_EQ(send(other.client.fd, "again", 5, MSG_NOSIGNAL), 5);
    ASSERT_TRUE(net->flush(kWait));
    auto packets = got.packets();
    EXPECT_TRUE(std::any_of(packets.begin(), packets.end(),
                            [](const RawPacket& p) { return parse_tcp(p).payload == "again"; }));
    EXPECT_EQ(net->stats().captured, packets.size());
    net->stop();
    EXPECT_FALSE(net->flush(100ms));
}

// [SECTION] whichever mode this user gets

TEST(LessonNetwork, DefaultModeCapturesForThisUser) {
    const char* expect = std::getenv("SOCKETLAB_TEST_EXPECT_MODE");
    Collector got;
    auto net = LessonNetwork::open({});
    if (expect) {
        ASSERT_STREQ(mode_name(net->mode()), expect)
            << net->describe() << "\nwhy: " << net->why_no_capture()
            << "\nfix: " << net->how_to_fix();
    }
    std::printf("mode: %s\n%s\n", mode_name(net->mode()), net->describe().c_str());
    if (net->mode() == LessonNetwork::Mode::NoCapture) {
        std::printf("why: %s\nfix: %s\n", net->why_no_capture().c_str(), net->how_to_fix().c_str());
        EXPECT_FALSE(net->why_no_capture().empty());
        EXPECT_FALSE(net->how_to_fix().empty());
        // Lessons still run without capture.
        Conversation c;
        talk(*net, &c);
        if (!expect) SKIP_OR_FAIL_WITHOUT_CAPTURE("no capture here: " << net->why_no_capture());
        return;
    }
    std::string error;
    ASSERT_TRUE(net->start_capture(got.sink(), &error)) << error;
    Conversation c;
    listen_on(*net, &c.listener, &c.port);
    if (HasFatalFailure()) return;
    net->set_ports({c.port});
    talk(*net, &c);
    if (HasFatalFailure()) return;
    // The end of a lesson: close both ends; flush, then the FINs are there.
    c.client = Fd();
    c.server = Fd();
    ASSERT_TRUE(net->flush(kWait));
    EXPECT_TRUE(got.wait_for([&](const std::vector<RawPacket>& ps) {
        int fins = 0;
        for (const auto& p : ps) fins += (parse_tcp(p).flags & kFin) ? 1 : 0;
        return fins >= 2;
    })) << "both FINs";
    expect_handshake_and_data(got.packets(), c);
}

}  // namespace
}  // namespace socketlab

// [SECTION] link lessons: two sides joined by SocketLab's relay
namespace socketlab {
namespace {

std::unique_ptr<LessonNetwork> open_link(const std::string& settings_text) {
    NetworkOptions options;
    options.force_namespace = true;
    LinkSettings settings;
    EXPECT_EQ(parse_link_settings(settings_text, &settings), "");
    options.link = settings;
    return LessonNetwork::open(options);
}

sockaddr_in address_of(const char* ip, uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

uint16_t bound_port(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

uint32_t tcp_seq(const RawPacket& p) {
    const size_t ihl = static_cast<size_t>(p.ip_bytes[0] & 0x0f) * 4;
    uint32_t seq = 0;
    std::memcpy(&seq, p.ip_bytes.data() + ihl + 4, 4);
    return ntohl(seq);
}

// Drop exactly one chosen segment: the kernel sends it again with the same sequence number,
// and the receiver's bytes are complete and in order.
TEST(LessonNetwork, LinkDropsOneSegmentAndTheKernelRetransmitsIt) {
    Collector got;
    auto net = open_link("delay 5ms");
    SKIP_UNLESS_NAMESPACE(net);
    ASSERT_TRUE(net->has_link());
    std::string error;
    ASSERT_TRUE(net->start_capture(got.sink(), &error)) << error;
    ASSERT_NE(net->link(), nullptr);

    const int server = net->make_socket(AF_INET, SOCK_STREAM, 0, "server");
    const int client = net->make_socket(AF_INET, SOCK_STREAM, 0, "client");
    ASSERT_GE(server, 0);
    ASSERT_GE(client, 0);
    sockaddr_in at = address_of("198.18.0.2", 0);
    ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << errno;
    ASSERT_EQ(::listen(server, 1), 0);
    at.sin_port = htons(bound_port(server));
    ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << errno;
    const int conn = ::accept(server, nullptr, nullptr);
    ASSERT_GE(conn, 0);

    LinkCommand drop;
    ASSERT_EQ(parse_link_command("drop next data from client", &drop), "");
    net->link()->apply(drop);
    const std::string message = "every byte, in order";
    ASSERT_EQ(::send(client, message.data(), message.size(), 0),
              static_cast<ssize_t>(message.size()));
    std::string received;
    char buf[256];
    pollfd pfd{conn, POLLIN, 0};
    while (received.size() < message.size() && ::poll(&pfd, 1, 5000) == 1) {
        const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
        if (n <= 0) break;
        received.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(received, message);

    auto data_packets = [&](const std::vector<RawPacket>& all) {
        std::vector<RawPacket> out;
        for (const auto& p : all)
            if (p.link && parse_tcp(p).payload.size() == message.size()) out.push_back(p);
        return out;
    };
    ASSERT_TRUE(got.wait_for([&](const auto& all) { return data_packets(all).size() >= 2; }));
    const auto data = data_packets(got.packets());
    EXPECT_EQ(data[0].link->fate, LinkRecord::Fate::Dropped);
    EXPECT_NE(data[0].link->why.find("you asked"), std::string::npos) << data[0].link->why;
    EXPECT_EQ(data[0].link->from, "client");
    EXPECT_NE(data[1].link->fate, LinkRecord::Fate::Dropped);
    EXPECT_EQ(tcp_seq(data[0]), tcp_seq(data[1]))
        << "the retransmission repeats the sequence number";
    EXPECT_GE(data[1].realtime_us - data[0].realtime_us, 150000) << "after the kernel's RTO";
    const LinkCounters counters = net->link()->counters();
    EXPECT_EQ(counters.dropped, 1u);
    ::close(conn);
    ::close(client);
    ::close(server);
}

// A socket as the engine would publish it, so the state watcher knows whose it is.
SocketSnapshot published(const std::string& name, int fd) {
    SocketSnapshot s;
    s.name = name;
    s.fd = fd;
    s.bound = true;
    s.local = local_address_of(fd);
    s.peer = peer_address_of(fd);
    s.listening = s.peer.empty();
    struct stat st {};
    if (::fstat(fd, &st) == 0) s.inode = st.st_ino;
    return s;
}

// The kernel's TCP_INFO through the link, read by the state watcher in the link's two
// namespaces: the RTT it measured is the link's delay there and back, and after the link drops
// one data segment the sender has retransmitted, and a TcpInfo event said so.
TEST(LessonNetwork, LinkTcpInfoShowsTheDelayAndTheRetransmission) {
    Collector got;
    auto net = open_link("delay 20ms");
    SKIP_UNLESS_NAMESPACE(net);
    std::string error;
    ASSERT_TRUE(net->start_capture(got.sink(), &error)) << error;
    ASSERT_NE(net->link(), nullptr);
    const int server = net->make_socket(AF_INET, SOCK_STREAM, 0, "server");
    const int client = net->make_socket(AF_INET, SOCK_STREAM, 0, "client");
    ASSERT_GE(server, 0);
    ASSERT_GE(client, 0);
    sockaddr_in at = address_of("198.18.0.2", 0);
    ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << errno;
    ASSERT_EQ(::listen(server, 1), 0);
    at.sin_port = htons(bound_port(server));
    ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << errno;
    const int conn = ::accept(server, nullptr, nullptr);
    ASSERT_GE(conn, 0);

    SocketDirectory directory;
    directory.publish(SocketSource::Engine, "server",
                      {published("sock", server), published("conn", conn)});
    directory.publish(SocketSource::Engine, "client", {published("sock", client)});
    EventLog log;
    const auto start = std::chrono::steady_clock::now();
    LessonNetwork* lesson_net = net.get();
    SocketStateWatcher watcher(
        directory, log,
        [start] {
            return std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - start)
                .count();
        },
        [lesson_net] { return lesson_net->make_diag_sockets(); });
    watcher.poke();

    // A few round trips, so the kernel has RTT samples beyond the handshake's.
    char buf[256];
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(::send(client, "ping", 4, 0), 4);
        ASSERT_EQ(::recv(conn, buf, 4, MSG_WAITALL), 4);
        ASSERT_EQ(::send(conn, "pong", 4, 0), 4);
        ASSERT_EQ(::recv(client, buf, 4, MSG_WAITALL), 4);
    }
    watcher.poke();
    auto of_client = [](const Event& e) {
        return e.tcp_info() && e.actor == "client" && e.socket_name == "sock";
    };
    EXPECT_TRUE(log.wait_for(
        [&](const Event& e) { return of_client(e) && e.tcp_info()->rtt_us >= 40000; }, kWait))
        << "no TcpInfo event with an RTT of 40 ms or more (20 ms each way)";
    const auto measured = tcp_info_of_fd(client);
    ASSERT_TRUE(measured);
    EXPECT_GE(measured->rtt_us, 40000u);
    EXPECT_LT(measured->rtt_us, 400000u);
    EXPECT_EQ(measured->retransmits, 0u);
    EXPECT_FALSE(measured->congestion_control.empty());

    LinkCommand drop;
    ASSERT_EQ(parse_link_command("drop next 1 data from client", &drop), "");
    net->link()->apply(drop);
    const std::string message = "lost once, sent again";
    watcher.poke();
    ASSERT_EQ(::send(client, message.data(), message.size(), 0),
              static_cast<ssize_t>(message.size()));
    std::string received;
    pollfd pfd{conn, POLLIN, 0};
    while (received.size() < message.size() && ::poll(&pfd, 1, 5000) == 1) {
        const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
        if (n <= 0) break;
        received.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(received, message);
    watcher.poke();
    EXPECT_TRUE(log.wait_for(
        [&](const Event& e) {
            return of_client(e) && e.tcp_info()->retransmits >= 1 &&
                   (e.tcp_info()->changed & kTcpInfoRetransmits);
        },
        kWait))
        << "no TcpInfo event reporting the retransmission";
    const auto after = tcp_info_of_fd(client);
    ASSERT_TRUE(after);
    EXPECT_GE(after->retransmits, 1u);
    EXPECT_EQ(net->link()->counters().dropped, 1u);
    watcher.stop();
    ::close(conn);
    ::close(client);
    ::close(server);
}

// UDP through the link: what the link drops is gone, what it reorders arrives out of order,
// and both are counted exactly.
TEST(LessonNetwork, LinkUdpLossAndReorderingCountedExactly) {
    Collector got;
    auto net = open_link("delay 1ms");
    SKIP_UNLESS_NAMESPACE(net);
    std::string error;
    ASSERT_TRUE(net->start_capture(got.sink(), &error)) << error;
    const int server = net->make_socket(AF_INET, SOCK_DGRAM, 0, "server");
    const int client = net->make_socket(AF_INET, SOCK_DGRAM, 0, "client");
    sockaddr_in at = address_of("198.18.0.2", 0);
    ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << errno;
    at.sin_port = htons(bound_port(server));
    for (const char* text : {"drop next from client", "reorder next 2 from client"}) {
        LinkCommand c;
        ASSERT_EQ(parse_link_command(text, &c), "");
        net->link()->apply(c);
    }
    for (int i = 1; i <= 5; ++i) {
        const std::string m = std::to_string(i);
        ASSERT_EQ(
            ::sendto(client, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&at), sizeof at),
            1);
    }
    std::string order;
    char buf[16];
    pollfd pfd{server, POLLIN, 0};
    while (order.size() < 4 && ::poll(&pfd, 1, 5000) == 1)
        if (::recv(server, buf, sizeof buf, 0) == 1) order += buf[0];
    // 1 dropped; 2 held back until 3 passed.
    EXPECT_EQ(order, "3245");
    pfd.revents = 0;
    EXPECT_EQ(::poll(&pfd, 1, 200), 0) << "nothing more: the dropped datagram is gone";
    const LinkCounters counters = net->link()->counters();
    EXPECT_EQ(counters.from_client, 5u);
    EXPECT_EQ(counters.dropped, 1u);
    EXPECT_EQ(counters.reordered, 1u);
    ASSERT_TRUE(got.wait_for([](const auto& all) { return all.size() >= 5; }));
    ::close(client);
    ::close(server);
}

// The relay delays by what was asked, and a rate limit holds a bulk transfer to its rate.
TEST(LessonNetwork, LinkDelayAndRateAreWhatWasAsked) {
    Collector got;
    auto net = open_link("delay 30ms rate 2mbit queue 1000");
    SKIP_UNLESS_NAMESPACE(net);
    std::string error;
    ASSERT_TRUE(net->start_capture(got.sink(), &error)) << error;
    const int server = net->make_socket(AF_INET, SOCK_DGRAM, 0, "server");
    const int client = net->make_socket(AF_INET, SOCK_DGRAM, 0, "client");
    sockaddr_in at = address_of("198.18.0.2", 0);
    ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << errno;
    at.sin_port = htons(bound_port(server));
    const std::string payload(972, 'x');  // 1000 bytes with the IP and UDP headers
    constexpr int kCount = 100;           // 800 kbit: 0.4 s at 2 Mbit/s
    for (int i = 0; i < kCount; ++i)
        ASSERT_EQ(::sendto(client, payload.data(), payload.size(), 0,
                           reinterpret_cast<sockaddr*>(&at), sizeof at),
                  static_cast<ssize_t>(payload.size()));
    int received = 0;
    char buf[2048];
    pollfd pfd{server, POLLIN, 0};
    while (received < kCount && ::poll(&pfd, 1, 5000) == 1)
        if (::recv(server, buf, sizeof buf, 0) > 0) ++received;
    EXPECT_EQ(received, kCount);
    ASSERT_TRUE(got.wait_for([&](const auto& all) { return all.size() >= kCount; }));
    const auto packets = got.packets();
    const int64_t first_delay = packets.front().link->delay_us;
    EXPECT_GE(first_delay, 30000);
    EXPECT_LT(first_delay, 30000 + 20000);
    const int64_t span = packets.back().realtime_us - packets.front().realtime_us;
    const double rate = 8.0 * 1000 * (kCount - 1) / (static_cast<double>(span) / 1e6);
    EXPECT_GT(rate, 2e6 * 0.5) << span;  // a busy machine only makes it slower
    EXPECT_LT(rate, 2e6 * 1.1) << span;
    ::close(client);
    ::close(server);
}

// The Link strip's MTU: the helper sets it on the link's interfaces while the lesson runs, and
// the kernels' TCP then cuts its segments to fit, smaller or larger than Ethernet's 1500.
TEST(LessonNetwork, LinkMtuChangesWhileTheLinkRuns) {
    Collector got;
    auto net = open_link("delay 1ms mtu 1500");
    SKIP_UNLESS_NAMESPACE(net);
    std::string error;
    ASSERT_TRUE(net->start_capture(got.sink(), &error)) << error;
    EXPECT_NE(net->set_link_mtu(100), "") << "below IPv6's 1280 is refused";
    EXPECT_EQ(net->link()->settings().mtu, 1500);

    // One connection made after the change; the largest packet it sent, seen on the link.
    auto largest_packet = [&](const char* what) -> uint32_t {
        SCOPED_TRACE(what);
        const size_t before = got.packets().size();
        const int server = net->make_socket(AF_INET, SOCK_STREAM, 0, "server");
        const int client = net->make_socket(AF_INET, SOCK_STREAM, 0, "client");
        sockaddr_in at = address_of("198.18.0.2", 0);
        EXPECT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << errno;
        EXPECT_EQ(::listen(server, 1), 0);
        at.sin_port = htons(bound_port(server));
        EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << errno;
        const int conn = ::accept(server, nullptr, nullptr);
        const std::string data(40000, 'm');
        EXPECT_EQ(::send(client, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
        size_t received = 0;
        char buf[65536];
        pollfd pfd{conn, POLLIN, 0};
        while (received < data.size() && ::poll(&pfd, 1, 5000) == 1) {
            const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
            if (n <= 0) break;
            received += static_cast<size_t>(n);
        }
        EXPECT_EQ(received, data.size());
        size_t payload = 0;
        EXPECT_TRUE(got.wait_for([&](const auto& all) {
            payload = 0;
            for (size_t i = before; i < all.size(); ++i)
                payload += parse_tcp(all[i]).payload.size();
            return payload >= data.size();
        })) << "the link saw "
            << payload << " bytes";
        uint32_t largest = 0;
        const auto packets = got.packets();
        for (size_t i = before; i < packets.size(); ++i)
            largest = std::max(largest, packets[i].original_length);
        ::close(conn);
        ::close(client);
        ::close(server);
        return largest;
    };
    ASSERT_EQ(net->set_link_mtu(1280), "");
    EXPECT_EQ(net->link()->settings().mtu, 1280);
    const uint32_t small = largest_packet("MTU 1280");
    EXPECT_LE(small, 1280u);
    EXPECT_GT(small, 1100u) << "the segments are cut to the MTU, not far below it";
    ASSERT_EQ(net->set_link_mtu(9000), "");
    const uint32_t large = largest_packet("MTU 9000");
    EXPECT_LE(large, 9000u);
    EXPECT_GT(large, 1500u) << "larger than Ethernet's once the link allows it";
}

}  // namespace
}  // namespace socketlab
