// The receive window in the TCP analysis: a zero window, the sender's probes while it lasts, and
// the ACK that opens it again; and that none of them is taken for a duplicate ACK. Made-up
// segments, in the shape Linux sends them (its probe is an ACK one byte below the first
// unacknowledged byte).
#include "core/tcp_analysis.h"

#include <gtest/gtest.h>

namespace socketlab {
namespace {

constexpr uint32_t kClientIsn = 1000;
constexpr uint32_t kServerIsn = 5000;

struct Wire {
    TcpAnalyzer analyzer;
    uint64_t number = 0;
    SocketAddress client = *SocketAddress::parse("198.18.0.1:40000");
    SocketAddress server = *SocketAddress::parse("198.18.0.2:8080");

    PacketRecord send(bool from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t window,
                      uint32_t len = 0) {
        PacketRecord p;
        p.proto = TransportProto::Tcp;
        p.src = from_client ? client : server;
        p.dst = from_client ? server : client;
        p.tcp_flags = flags;
        p.seq = seq;
        p.ack = ack;
        p.window = window;
        p.len = len;
        ++number;
        analyzer.analyze(p, number, static_cast<int64_t>(number) * 1000);
        return p;
    }
    void handshake() {
        send(true, kTcpSyn, kClientIsn, 0, 64240);
        send(false, kTcpSyn | kTcpAck, kServerIsn, kClientIsn + 1, 4096);
        send(true, kTcpAck, kClientIsn + 1, kServerIsn + 1, 502);
    }
};

TEST(TcpAnalysis, ZeroWindowProbesAndTheWindowOpeningAgain) {
    Wire w;
    w.handshake();
    const uint32_t data = kClientIsn + 1;
    const PacketRecord first = w.send(true, kTcpPsh | kTcpAck, data, kServerIsn + 1, 502, 2896);
    EXPECT_FALSE(first.analysis.zero_window);
    const PacketRecord full = w.send(false, kTcpAck, kServerIsn + 1, data + 2896, 0);
    EXPECT_TRUE(full.analysis.zero_window);
    EXPECT_FALSE(full.analysis.window_update);

    // The sender may not send; its probe asks about the byte before the first unacknowledged.
    const PacketRecord probe = w.send(true, kTcpAck, data + 2895, kServerIsn + 1, 502);
    EXPECT_TRUE(probe.analysis.window_probe);
    EXPECT_FALSE(probe.analysis.retransmission);
    EXPECT_EQ(probe.analysis.dup_ack, 0);
    // The answer says "still 0": a zero window again, not a duplicate ACK.
    const PacketRecord still = w.send(false, kTcpAck, kServerIsn + 1, data + 2896, 0);
    EXPECT_TRUE(still.analysis.zero_window);
    EXPECT_EQ(still.analysis.dup_ack, 0);
    const PacketRecord probe2 = w.send(true, kTcpAck, data + 2895, kServerIsn + 1, 502);
    EXPECT_TRUE(probe2.analysis.window_probe);

    // The reader reads: the same ack with room again.
    const PacketRecord open = w.send(false, kTcpAck, kServerIsn + 1, data + 2896, 4096);
    EXPECT_TRUE(open.analysis.window_update);
    EXPECT_FALSE(open.analysis.zero_window);
    // Now the window is open, the same ACK-shaped segment would not be a probe.
    const PacketRecord more = w.send(true, kTcpPsh | kTcpAck, data + 2896, kServerIsn + 1, 502, 10);
    EXPECT_FALSE(more.analysis.window_probe);
    EXPECT_FALSE(more.analysis.retransmission);
    // An ACK for new data is not a window update, whatever its window.
    const PacketRecord acked = w.send(false, kTcpAck, kServerIsn + 1, data + 2906, 8192);
    EXPECT_FALSE(acked.analysis.window_update);
}

TEST(TcpAnalysis, AOneByteProbeIsAProbeNotARetransmission) {
    Wire w;
    w.handshake();
    const uint32_t data = kClientIsn + 1;
    w.send(true, kTcpPsh | kTcpAck, data, kServerIsn + 1, 502, 100);
    w.send(false, kTcpAck, kServerIsn + 1, data + 100, 0);
    const PacketRecord one = w.send(true, kTcpPsh | kTcpAck, data + 100, kServerIsn + 1, 502, 1);
    EXPECT_TRUE(one.analysis.window_probe);
    const PacketRecord again = w.send(true, kTcpPsh | kTcpAck, data + 100, kServerIsn + 1, 502, 1);
    EXPECT_TRUE(again.analysis.window_probe);
    EXPECT_FALSE(again.analysis.retransmission);
}

TEST(TcpAnalysis, NoWindowWordsOnAnOrdinaryExchange) {
    Wire w;
    w.handshake();
    const uint32_t data = kClientIsn + 1;
    for (int i = 0; i < 3; ++i) {
        const uint32_t at = data + static_cast<uint32_t>(i) * 5;
        const PacketRecord d = w.send(true, kTcpPsh | kTcpAck, at, kServerIsn + 1, 502, 5);
        const PacketRecord a = w.send(false, kTcpAck, kServerIsn + 1, at + 5, 4096);
        for (const PacketRecord* p : {&d, &a}) {
            EXPECT_FALSE(p->analysis.zero_window);
            EXPECT_FALSE(p->analysis.window_probe);
            EXPECT_FALSE(p->analysis.window_update);
        }
    }
    // A SYN with window 0 is not a "zero window" (the window means nothing yet there).
    Wire v;
    const PacketRecord syn = v.send(true, kTcpSyn, 1, 0, 0);
    EXPECT_FALSE(syn.analysis.zero_window);
}

// Through a rate-limited link, a packet dropped at a full queue is seen at once, while earlier
// ones still wait in the queue and are seen after it. They carry new bytes: no retransmission.
// The real retransmission of the dropped bytes, later, is one.
TEST(TcpAnalysis, BytesSeenLateAreNotARetransmissionBytesSeenTwiceAre) {
    Wire w;
    w.handshake();
    const uint32_t data = kClientIsn + 1;
    const PacketRecord dropped = w.send(true, kTcpAck, data + 2 * 1448, kServerIsn + 1, 502, 1448);
    EXPECT_FALSE(dropped.analysis.retransmission);
    const PacketRecord queued1 = w.send(true, kTcpAck, data, kServerIsn + 1, 502, 1448);
    const PacketRecord queued2 = w.send(true, kTcpAck, data + 1448, kServerIsn + 1, 502, 1448);
    EXPECT_FALSE(queued1.analysis.retransmission);
    EXPECT_FALSE(queued2.analysis.retransmission);
    const PacketRecord again = w.send(true, kTcpAck, data + 2 * 1448, kServerIsn + 1, 502, 1448);
    EXPECT_TRUE(again.analysis.retransmission);
    EXPECT_EQ(again.analysis.original, 4u);  // the dropped one: packet 4 after the handshake
    // A retransmission that starts inside an earlier segment (the kernel re-cut it) is one too.
    const PacketRecord part = w.send(true, kTcpAck, data + 1000, kServerIsn + 1, 502, 448);
    EXPECT_TRUE(part.analysis.retransmission);
    EXPECT_EQ(part.analysis.original, 5u);
}

}  // namespace
}  // namespace socketlab
