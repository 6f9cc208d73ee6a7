// The kernel's TCP_INFO: read from struct tcp_info whatever its length, reported by the
// SocketStateWatcher as TcpInfo events (only when something a learner should see changed), and
// written as JSON and text. The link-lesson cases (a delay, a dropped segment) are in
// lesson_network_test.cpp, which tests/capture_as_user.sh also runs as an ordinary user.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/event_log.h"
#include "core/socket_directory.h"
#include "core/tcp_info.h"
#include "core/tcp_state.h"
#include "lesson/run_record.h"
#include "lesson/socket_state_watcher.h"

namespace socketlab {
namespace {

using namespace std::chrono_literals;

tcp_info sample_info() {
    tcp_info k{};
    k.tcpi_state = 1;
    k.tcpi_ca_state = 4;  // loss
    k.tcpi_snd_cwnd = 10;
    k.tcpi_snd_ssthresh = 0x7fffffff;
    k.tcpi_rtt = 40200;
    k.tcpi_rttvar = 5000;
    k.tcpi_rto = 240000;
    k.tcpi_total_retrans = 1;
    k.tcpi_unacked = 5;
    k.tcpi_sacked = 1;
    k.tcpi_lost = 2;
    k.tcpi_retrans = 1;
    k.tcpi_snd_mss = 1448;
    k.tcpi_rcv_space = 14480;
    k.tcpi_segs_out = 77;
    k.tcpi_snd_wnd = 0;
    return k;
}

TEST(TcpInfo, ReadsTheKernelsStructAndWorksOutWhatIsInFlight) {
    const tcp_info k = sample_info();
    TcpInfoRecord r;
    ASSERT_TRUE(parse_tcp_info(&k, sizeof k, &r));
    EXPECT_EQ(r.cwnd, 10u);
    EXPECT_FALSE(r.ssthresh) << "the kernel's infinite threshold is shown as none";
    EXPECT_EQ(r.rtt_us, 40200u);
    EXPECT_EQ(r.rto_us, 240000u);
    EXPECT_EQ(r.retransmits, 1u);
    EXPECT_EQ(r.in_flight, 3u) << "unacked 5 - sacked 1 - lost 2 + retrans 1";
    EXPECT_EQ(r.ca_state, TcpCaState::Loss);
    EXPECT_EQ(r.segs_out, 77u);
    EXPECT_EQ(r.peer_window, 0u);
    EXPECT_EQ(tcp_info_summary(r),
              "cwnd 10  ssthresh none  rtt 40.2 ms  rto 240 ms  retrans 1  in flight 3  peer "
              "window 0  (loss)");
}

TEST(TcpInfo, AnOlderKernelsShorterStructLeavesTheNewerFieldsOut) {
    const tcp_info k = sample_info();
    TcpInfoRecord r;
    // Up to tcpi_total_retrans: what kernels before 4.2 sent.
    ASSERT_TRUE(parse_tcp_info(&k, offsetof(tcp_info, tcpi_pacing_rate), &r));
    EXPECT_EQ(r.cwnd, 10u);
    EXPECT_EQ(r.retransmits, 1u);
    EXPECT_FALSE(r.segs_out);
    EXPECT_FALSE(r.peer_window);
    // Up to just before tcpi_snd_wnd: everything but the peer's window.
    ASSERT_TRUE(parse_tcp_info(&k, offsetof(tcp_info, tcpi_snd_wnd), &r));
    EXPECT_EQ(r.segs_out, 77u);
    EXPECT_FALSE(r.peer_window);
    EXPECT_FALSE(parse_tcp_info(&k, 40, &r)) << "too short to be a tcp_info";
}

TEST(TcpInfo, OnlyChangesALearnerShouldSeeCount) {
    const tcp_info k = sample_info();
    TcpInfoRecord before;
    ASSERT_TRUE(parse_tcp_info(&k, sizeof k, &before));
    EXPECT_EQ(tcp_info_changes(nullptr, before), kTcpInfoFirst);
    TcpInfoRecord now = before;
    now.rtt_us = 43000;  // +7%: noise
    now.rto_us = 250000;
    now.in_flight = 9;
    EXPECT_EQ(tcp_info_changes(&before, now), 0u);
    now.rtt_us = 45000;  // +12%
    now.cwnd = 11;
    now.peer_window = 1000;
    EXPECT_EQ(tcp_info_changes(&before, now), kTcpInfoRtt | kTcpInfoCwnd | kTcpInfoZeroWindow);
    now = before;
    now.retransmits = 2;
    now.rto_us = 480000;  // the backoff doubled it
    now.ssthresh = 7;
    EXPECT_EQ(tcp_info_change_names(tcp_info_changes(&before, now)),
              (std::vector<std::string>{"ssthresh", "rto", "retransmits"}));
}

TEST(TcpInfo, JsonAndTextForms) {
    Event e;
    e.kind = EventKind::TcpInfo;
    e.t_us = 1500;
    e.actor = "client";
    e.socket_name = "sock";
    TcpInfoRecord r;
    const tcp_info k = sample_info();
    ASSERT_TRUE(parse_tcp_info(&k, sizeof k, &r));
    r.local = *SocketAddress::parse("198.18.0.1:40000");
    r.peer = *SocketAddress::parse("198.18.0.2:5000");
    r.changed = kTcpInfoFirst;
    e.payload = r;
    const nlohmann::json j = event_to_json(e);
    EXPECT_EQ(j["kind"], "tcp_info");
    EXPECT_EQ(j["actor"], "client");
    EXPECT_EQ(j["socket"], "sock");
    EXPECT_EQ(j["local"], "198.18.0.1:40000");
    EXPECT_EQ(j["cwnd"], 10);
    EXPECT_TRUE(j["ssthresh"].is_null());
    EXPECT_EQ(j["rtt_us"], 40200);
    EXPECT_EQ(j["retransmits"], 1);
    EXPECT_EQ(j["in_flight"], 3);
    EXPECT_EQ(j["peer_window"], 0);
    EXPECT_EQ(j["ca_state"], "loss");
    EXPECT_EQ(j["changed"], nlohmann::json::array({"first"}));
    const std::string text = event_to_text(e);
    EXPECT_NE(text.find("client  sock TCP_INFO cwnd 10  ssthresh none  rtt 40.2 ms"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("(first)"), std::string::npos) << text;
}

// The window's copy keeps the newest report per socket, for the socket's own line, and keeps
// the reports out of the actor's timeline of calls.
TEST(TcpInfo, RunRecordKeepsTheNewestPerSocketOutOfTheTimeline) {
    RunRecord record;
    std::vector<Event> events;
    for (uint32_t cwnd : {10u, 14u}) {
        Event e;
        e.kind = EventKind::TcpInfo;
        e.actor = "client";
        e.socket_name = "sock";
        TcpInfoRecord r;
        r.cwnd = cwnd;
        e.payload = r;
        events.push_back(e);
    }
    record.add(std::move(events));
    ASSERT_NE(record.tcp_info("client", "sock"), nullptr);
    EXPECT_EQ(record.tcp_info("client", "sock")->cwnd, 14u);
    EXPECT_EQ(record.tcp_info("client", "other"), nullptr);
    ASSERT_NE(record.actor("client"), nullptr);
    EXPECT_TRUE(record.actor("client")->timeline.empty());
}

// [SECTION] the watcher on the host's loopback: no capture, no namespace, any user

SocketSnapshot snapshot_of(const std::string& name, int fd, bool listening) {
    SocketSnapshot s;
    s.name = name;
    s.fd = fd;
    s.listening = listening;
    s.bound = true;
    s.local = local_address_of(fd);
    if (!listening) s.peer = peer_address_of(fd);
    struct stat st {};
    if (::fstat(fd, &st) == 0) s.inode = st.st_ino;
    return s;
}

// The newest TcpInfo event of actor.socket among those drained so far, or null.
const Event* latest_tcp_info(const std::vector<Event>& events, const std::string& actor,
                             const std::string& socket) {
    const Event* found = nullptr;
    for (const Event& e : events)
        if (e.tcp_info() && e.actor == actor && e.socket_name == socket) found = &e;
    return found;
}

TEST(TcpInfo, WatcherReportsAConnectedLoopbackSocket) {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    auto any = *SocketAddress::parse("127.0.0.1:0");
    ASSERT_EQ(::bind(listener, any.get(), any.length), 0) << std::strerror(errno);
    ASSERT_EQ(::listen(listener, 1), 0);
    const SocketAddress address = local_address_of(listener);
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::connect(client, address.get(), address.length), 0) << std::strerror(errno);
    const int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    ASSERT_GE(conn, 0);
    const std::string hello = "hello";
    ASSERT_EQ(::send(client, hello.data(), hello.size(), 0), 5);
    char buf[16];
    ASSERT_EQ(::recv(conn, buf, sizeof buf, 0), 5);

    SocketDirectory directory;
    directory.publish(SocketSource::Engine, "server",
                      {snapshot_of("sock", listener, true), snapshot_of("conn", conn, false)});
    directory.publish(SocketSource::Engine, "client", {snapshot_of("sock", client, false)});
    EventLog log;
    const auto start = std::chrono::steady_clock::now();
    SocketStateWatcher watcher(
        directory, log,
        [start] {
            return std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - start)
                .count();
        },
        [] {
            const int fd = open_sock_diag_socket();
            return fd >= 0 ? std::vector<int>{fd} : std::vector<int>{};
        });
    watcher.poke();

    auto reported = [](const std::string& actor, const std::string& socket) {
        return [actor, socket](const Event& e) {
            return e.tcp_info() && e.actor == actor && e.socket_name == socket;
        };
    };
    EXPECT_TRUE(log.wait_for(reported("client", "sock"), 5000ms));
    EXPECT_TRUE(log.wait_for(reported("server", "conn"), 5000ms));
    std::vector<Event> events;
    log.drain(events);
    const Event* mine = latest_tcp_info(events, "client", "sock");
    const Event* theirs = latest_tcp_info(events, "server", "conn");
    ASSERT_NE(mine, nullptr) << "no TcpInfo event for the client's socket";
    ASSERT_NE(theirs, nullptr) << "no TcpInfo event for the accepted socket";
    EXPECT_EQ(mine->tcp_info()->changed & kTcpInfoFirst, kTcpInfoFirst);
    EXPECT_EQ(mine->tcp_info()->local.to_string(), local_address_of(client).to_string());
    EXPECT_EQ(mine->tcp_info()->peer.to_string(), address.to_string());
    EXPECT_GE(mine->tcp_info()->cwnd, 1u);
    EXPECT_GT(mine->tcp_info()->mss, 0u);
    EXPECT_GT(mine->tcp_info()->rto_us, 0u);
    EXPECT_EQ(mine->tcp_info()->retransmits, 0u) << "loopback loses nothing";
    EXPECT_FALSE(mine->tcp_info()->congestion_control.empty()) << "INET_DIAG_CONG: cubic, bbr, ...";
    const auto direct = tcp_info_of_fd(client);
    ASSERT_TRUE(direct);
    EXPECT_EQ(mine->tcp_info()->peer_window.has_value(), direct->peer_window.has_value())
        << "sock_diag and getsockopt give the same struct: the peer's window in both or neither";
    for (const Event& e : events)
        EXPECT_FALSE(e.tcp_info() && e.socket_name == "sock" && e.actor == "server")
            << "a listener has no TCP_INFO of its own to show";

    watcher.stop();
    ::close(conn);
    ::close(client);
    ::close(listener);
}

}  // namespace
}  // namespace socketlab
