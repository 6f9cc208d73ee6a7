// What SocketLab's link (the relay between a link lesson's two namespaces) costs and whether it
// does what it is asked, measured with real TCP through it, in one run:
//   (a) bulk throughput through the link with no impairment against plain host loopback;
//   (b) the rate through `rate 10mbit` against 10 Mbit/s;
//   (c) the RTT through `delay 20ms` (a ping-pong, and the kernel's own tcp_info) against 40 ms;
//   (d) the packets the link saw against the segments both senders sent (tcpi_segs_out).
// Prints labelled figures; asserts nothing (a busy machine is slower, not wrong).
//
// Run: build/bench/socketlab_link_bench [MEGABYTES]   (default 50; as root or as an ordinary
// user: the link always lives in private namespaces made by socketlab-net-helper)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "capture/lesson_network.h"
#include "capture/link_relay.h"
#include "capture/link_rules.h"
#include "core/address.h"
#include "core/tcp_info.h"

namespace socketlab {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "socketlab_link_bench: %s\n", what.c_str());
    std::exit(1);
}

// A connected TCP pair: client -> conn (accepted on listener).
struct Pair {
    int listener = -1, client = -1, conn = -1;
    ~Pair() {
        for (int fd : {conn, client, listener})
            if (fd >= 0) ::close(fd);
    }
};

// Through a link network (server at 198.18.0.2, client at 198.18.0.1), or on the host's own
// loopback when net is null.
void connect_pair(LessonNetwork* net, Pair* p) {
    auto make = [net](const char* actor) {
        return net ? net->make_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, actor)
                   : ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    };
    p->listener = make("server");
    p->client = make("client");
    if (p->listener < 0 || p->client < 0)
        fail("cannot make sockets: " + std::string(strerror(errno)));
    auto at = *SocketAddress::parse(net ? "198.18.0.2:0" : "127.0.0.1:0");
    if (::bind(p->listener, at.get(), at.length) != 0 || ::listen(p->listener, 1) != 0)
        fail("bind/listen: " + std::string(strerror(errno)));
    const SocketAddress address = local_address_of(p->listener);
    if (::connect(p->client, address.get(), address.length) != 0)
        fail("connect to " + address.to_string() + ": " + strerror(errno));
    p->conn = ::accept4(p->listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (p->conn < 0) fail("accept: " + std::string(strerror(errno)));
}

// Sends `total` bytes client -> conn; returns the seconds from the first byte received to the
// last (the receiver's view: what got through, not what the sender queued).
double bulk_transfer(const Pair& p, size_t total) {
    Clock::time_point first{};
    std::thread reader([&] {
        std::vector<char> buffer(size_t{1} << 16);
        size_t got = 0;
        while (got < total) {
            const ssize_t n = ::recv(p.conn, buffer.data(), buffer.size(), 0);
            if (n <= 0) break;
            if (got == 0) first = Clock::now();
            got += static_cast<size_t>(n);
        }
        if (got < total) fail("the transfer stopped after " + std::to_string(got) + " bytes");
    });
    std::vector<char> chunk(size_t{1} << 16, 'x');
    for (size_t sent = 0; sent < total;) {
        const ssize_t n = ::send(p.client, chunk.data(), std::min(chunk.size(), total - sent), 0);
        if (n <= 0) fail("send: " + std::string(strerror(errno)));
        sent += static_cast<size_t>(n);
    }
    reader.join();
    return std::chrono::duration<double>(Clock::now() - first).count();
}

bool is_tcp(const RawPacket& p) {
    const auto& b = p.ip_bytes;
    if (b.size() >= 20 && (b[0] >> 4) == 4) return b[9] == IPPROTO_TCP;
    return b.size() >= 40 && (b[0] >> 4) == 6 && b[6] == IPPROTO_TCP;
}

// What the link's sink saw.
struct Seen {
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> client_ip_bytes{0};  // IP bytes of the client's packets, delivered
    std::atomic<int64_t> first_client_us{0}, last_client_us{0};
};

std::unique_ptr<LessonNetwork> open_link(const LinkSettings& settings, Seen* seen) {
    NetworkOptions options;
    options.force_namespace = true;
    options.link = settings;
    auto net = LessonNetwork::open(options);
    if (!net->has_link())
        fail("no link network: " + net->why_no_capture() + " (" + net->how_to_fix() + ")");
    std::string error;
    const bool started = net->start_capture(
        [seen](RawPacket p) {
            if (!p.link || !is_tcp(p)) return;  // not IPv6 neighbour discovery and the like
            ++seen->packets;
            if (p.link->from != "client" || p.link->fate == LinkRecord::Fate::Dropped) return;
            seen->client_ip_bytes += p.original_length;
            int64_t expected = 0;
            seen->first_client_us.compare_exchange_strong(expected, p.realtime_us);
            seen->last_client_us = p.realtime_us;
        },
        &error);
    if (!started) fail("cannot start the link: " + error);
    return net;
}

uint32_t segments_out(int fd) {
    const auto info = tcp_info_of_fd(fd);
    if (!info || !info->segs_out) fail("this kernel's tcp_info has no tcpi_segs_out");
    return *info->segs_out;
}

void throughput_and_packets(size_t megabytes) {
    const size_t total = megabytes * 1024 * 1024;
    double loopback_s = 0;
    {
        Pair p;
        connect_pair(nullptr, &p);
        loopback_s = bulk_transfer(p, total);
    }
    Seen seen;
    auto net = open_link(LinkSettings{}, &seen);
    Pair p;
    connect_pair(net.get(), &p);
    const double link_s = bulk_transfer(p, total);
    const double mbit = static_cast<double>(total) * 8 / 1e6;
    std::printf(
        "(a) bulk TCP, %zu MB, no impairment: link %.0f Mbit/s, host loopback %.0f "
        "Mbit/s: ratio link/loopback %.3f\n",
        megabytes, mbit / link_s, mbit / loopback_s, loopback_s / link_s);
    std::printf(
        "    (the link's MTU is 1500 with offloads off, loopback's 65536: the link "
        "carries ~%.0fx more packets)\n",
        65483.0 / 1448.0);

    // (d) Wait for the last ACK, then compare once nothing more moves.
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    uint64_t sent = 0;
    for (;;) {
        const auto info = tcp_info_of_fd(p.client);
        if (info && info->unacked == 0) {
            net->link()->settle(std::chrono::seconds(2));
            net->flush(std::chrono::seconds(5));
            // + 1: the SYN-ACK, sent by the listener's request socket before the accepted
            // socket existed, so its tcpi_segs_out leaves it out (a fresh one reads 0).
            sent = segments_out(p.client) + segments_out(p.conn) + 1;
            if (seen.packets.load() == sent || Clock::now() > deadline) break;
        } else if (Clock::now() > deadline) {
            break;
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(20));  // polling the kernel's counters
    }
    const CaptureStats stats = net->stats();
    const LinkCounters counters = net->link()->counters();
    std::printf(
        "(d) packets the link saw %llu, segments the two sides sent (tcpi_segs_out and the "
        "SYN-ACK) %llu: %s; link dropped %llu, capture dropped %llu\n",
        static_cast<unsigned long long>(seen.packets.load()), static_cast<unsigned long long>(sent),
        seen.packets.load() == sent ? "none missing" : "MISMATCH",
        static_cast<unsigned long long>(counters.dropped),
        static_cast<unsigned long long>(stats.dropped_kernel + stats.dropped_queue));
}

void rate_limited() {
    LinkSettings settings;
    settings.rate_bits = 10'000'000;
    Seen seen;
    auto net = open_link(settings, &seen);
    Pair p;
    connect_pair(net.get(), &p);
    const size_t total = size_t{3} * 1024 * 1024;  // ~2.5 s at 10 Mbit/s
    const double s = bulk_transfer(p, total);
    net->flush(std::chrono::seconds(5));
    const double goodput = static_cast<double>(total) * 8 / s;
    const double span_s =
        static_cast<double>(seen.last_client_us.load() - seen.first_client_us.load()) / 1e6;
    const double wire =
        span_s > 0 ? static_cast<double>(seen.client_ip_bytes.load()) * 8 / span_s : 0;
    std::printf(
        "(b) rate 10mbit: IP bytes through the link %.2f Mbit/s (ratio %.3f); TCP "
        "payload %.2f Mbit/s (ratio %.3f); queue-full drops %llu\n",
        wire / 1e6, wire / 1e7, goodput / 1e6, goodput / 1e7,
        static_cast<unsigned long long>(net->link()->counters().queue_full));
}

void delayed() {
    LinkSettings settings;
    settings.delay_us = 20'000;
    Seen seen;
    auto net = open_link(settings, &seen);
    Pair p;
    connect_pair(net.get(), &p);
    // No Nagle: each small message leaves at once, so the figure is the link's, not TCP's
    // waiting for an ACK.
    const int one = 1;
    ::setsockopt(p.client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(p.conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    constexpr int kRounds = 20;
    std::vector<double> rtts;
    char buf[8];
    for (int i = 0; i < kRounds; ++i) {
        const auto start = Clock::now();
        if (::send(p.client, "ping", 4, 0) != 4 || ::recv(p.conn, buf, 4, MSG_WAITALL) != 4 ||
            ::send(p.conn, "pong", 4, 0) != 4 || ::recv(p.client, buf, 4, MSG_WAITALL) != 4)
            fail("ping-pong: " + std::string(strerror(errno)));
        rtts.push_back(seconds_since(start) * 1000);
    }
    std::sort(rtts.begin(), rtts.end());
    const double median = rtts[rtts.size() / 2];
    const auto info = tcp_info_of_fd(p.client);
    const double kernel_ms = info ? info->rtt_us / 1000.0 : 0;
    std::printf(
        "(c) delay 20ms (40 ms round trip): ping-pong median %.2f ms (min %.2f, max "
        "%.2f; ratio %.3f); the kernel's smoothed RTT %.2f ms (ratio %.3f)\n",
        median, rtts.front(), rtts.back(), median / 40.0, kernel_ms, kernel_ms / 40.0);
}

}  // namespace
}  // namespace socketlab

int main(int argc, char** argv) {
    const size_t megabytes =
        argc > 1 ? static_cast<size_t>(std::strtoul(argv[1], nullptr, 10)) : 50;
    if (megabytes == 0) {
        std::fprintf(stderr, "usage: socketlab_link_bench [MEGABYTES]\n");
        return 2;
    }
    std::printf("SocketLab link benchmark (real TCP through the relay between two namespaces)\n");
    socketlab::throughput_and_packets(megabytes);
    socketlab::rate_limited();
    socketlab::delayed();
    return 0;
}
