// The packet model behind the ladder and the packet list (app/ui/packet_flow.h): connections and
// who is the client, relative sequence numbers, lifelines matched to actors, the ladder's rows,
// and incremental updates against a full rebuild. Events are built by hand the way LessonRun
// holds them; one test feeds it a real run of the tcp-handshake lesson.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "capture_test_util.h"
#include "core/event_log.h"
#include "event_test_util.h"
#include "lesson/lesson_library.h"
#include "lesson/session.h"
#include "ui/packet_flow.h"

namespace socketlab::ui {
namespace {

constexpr const char* kServer = "127.0.0.1:5000";
constexpr const char* kClient = "127.0.0.1:40000";
constexpr const char* kClient2 = "127.0.0.1:40002";

// Builds a LessonRun-like event copy: seq numbers from 1, in log order.
struct Events {
    std::deque<Event> events;
    uint64_t next_seq = 1;

    size_t add(Event e) {
        e.seq = next_seq++;
        events.push_back(std::move(e));
        return events.size() - 1;
    }
    size_t packet(int64_t t_us, const std::string& src, const std::string& dst,
                  const std::string& flags, uint32_t seq, uint32_t ack, uint32_t len = 0,
                  TransportProto proto = TransportProto::Tcp) {
        return add(test::packet_event(t_us, src, dst, flags, seq, ack, len, proto));
    }
    size_t udp(int64_t t_us, const std::string& src, const std::string& dst, uint32_t len) {
        return packet(t_us, src, dst, "", 0, 0, len, TransportProto::Udp);
    }
    // args: where a connect() went when it failed (the call names no address then).
    size_t call(int64_t t_us, const std::string& actor, const std::string& name,
                const std::string& local = "", const std::string& peer = "", int step = 0,
                int64_t ret = 0, int err = 0, const std::string& args = "") {
        return add(test::call_event(t_us, actor, name, local, peer, step, ret, err, args));
    }
    size_t wait(int64_t t_us, const std::string& actor, const std::string& name,
                const std::string& local = "", const std::string& peer = "", int step = 0) {
        size_t i = call(t_us, actor, name, local, peer, step);
        events[i].kind = EventKind::Wait;
        return i;
    }
    size_t step(int64_t t_us, const std::string& actor, int step) {
        return add(test::step_event(t_us, actor, step));
    }
    size_t state(int64_t t_us, const std::string& actor, const std::string& local,
                 const std::string& peer, const std::string& state_name) {
        return add(test::state_event(t_us, actor, local, peer, state_name));
    }

    // A listening server on kServer: socket, bind, listen.
    void listening_server(int64_t t_us, const std::string& at = kServer) {
        call(t_us, "server", "socket");
        call(t_us + 1, "server", "bind", at);
        call(t_us + 2, "server", "listen", at);
    }
};

FlowModel built(const std::deque<Event>& events, uint64_t dropped = 0) {
    FlowModel flow;
    flow.update(events, dropped);
    return flow;
}

const PacketRecord& summary(const std::deque<Event>& events, const FlowModel& flow, size_t p) {
    return *events[flow.packets()[p].event].packet();
}
using test::str;
uint32_t rel_seq(const std::deque<Event>& events, const FlowModel& flow, size_t p) {
    return flow.shown_seq(flow.packets()[p], summary(events, flow, p), true);
}
uint32_t rel_ack(const std::deque<Event>& events, const FlowModel& flow, size_t p) {
    return flow.shown_ack(flow.packets()[p], summary(events, flow, p), true);
}
std::string label_from(const FlowModel& flow, size_t p) {
    return flow.lifelines()[flow.packets()[p].from_lifeline].label();
}
std::string label_to(const FlowModel& flow, size_t p) {
    return flow.lifelines()[flow.packets()[p].to_lifeline].label();
}
std::vector<std::string> labels(const FlowModel& flow) {
    std::vector<std::string> out;
    for (const auto& l : flow.lifelines()) out.push_back(l.label());
    return out;
}
size_t lifeline_named(const FlowModel& flow, const std::string& label) {
    for (size_t i = 0; i < flow.lifelines().size(); ++i)
        if (flow.lifelines()[i].label() == label) return i;
    return SIZE_MAX;
}

// Everything the views read, compared field by field.
void expect_same_model(const FlowModel& a, const FlowModel& b, const std::string& where) {
    SCOPED_TRACE(where);
    ASSERT_EQ(a.packets().size(), b.packets().size());
    for (size_t i = 0; i < a.packets().size(); ++i) {
        const FlowPacket &x = a.packets()[i], &y = b.packets()[i];
        EXPECT_EQ(x.event, y.event) << "packet " << i;
        EXPECT_EQ(x.event_seq, y.event_seq) << "packet " << i;
        EXPECT_EQ(x.connection, y.connection) << "packet " << i;
        EXPECT_EQ(x.from_client, y.from_client) << "packet " << i;
        EXPECT_EQ(x.from_lifeline, y.from_lifeline) << "packet " << i;
        EXPECT_EQ(x.to_lifeline, y.to_lifeline) << "packet " << i;
    }
    ASSERT_EQ(a.connections().size(), b.connections().size());
    for (size_t i = 0; i < a.connections().size(); ++i) {
        const FlowConnection &x = a.connections()[i], &y = b.connections()[i];
        EXPECT_EQ(x.proto, y.proto) << "connection " << i;
        EXPECT_EQ(str(x.client), str(y.client)) << "connection " << i;
        EXPECT_EQ(str(x.server), str(y.server)) << "connection " << i;
        EXPECT_EQ(x.initiator_seen, y.initiator_seen) << "connection " << i;
        EXPECT_EQ(x.client_isn, y.client_isn) << "connection " << i;
        EXPECT_EQ(x.server_isn, y.server_isn) << "connection " << i;
        EXPECT_EQ(x.closing, y.closing) << "connection " << i;
        EXPECT_EQ(x.first_packet, y.first_packet) << "connection " << i;
        EXPECT_EQ(x.shares_lifelines, y.shares_lifelines) << "connection " << i;
    }
    ASSERT_EQ(a.lifelines().size(), b.lifelines().size());
    for (size_t i = 0; i < a.lifelines().size(); ++i) {
        EXPECT_EQ(a.lifelines()[i].actor, b.lifelines()[i].actor) << "lifeline " << i;
        EXPECT_EQ(str(a.lifelines()[i].address), str(b.lifelines()[i].address)) << "lifeline " << i;
    }
    ASSERT_EQ(a.rows().size(), b.rows().size());
    for (size_t i = 0; i < a.rows().size(); ++i) {
        const LadderRow &x = a.rows()[i], &y = b.rows()[i];
        EXPECT_EQ(x.kind, y.kind) << "row " << i;
        EXPECT_EQ(x.event, y.event) << "row " << i;
        EXPECT_EQ(x.packet, y.packet) << "row " << i;
        EXPECT_EQ(x.lifeline, y.lifeline) << "row " << i;
        EXPECT_EQ(x.t_us, y.t_us) << "row " << i;
        EXPECT_EQ(x.partner, y.partner) << "row " << i;
    }
}

// server listens, client connects (handshake), sends 5 bytes, server acknowledges them.
Events handshake_and_data(uint32_t client_isn, uint32_t server_isn) {
    Events ev;
    ev.listening_server(10);
    ev.call(100, "client", "socket");
    ev.call(300, "client", "connect", kClient, kServer);
    ev.packet(200, kClient, kServer, "SYN", client_isn, 0);
    ev.packet(210, kServer, kClient, "SYN,ACK", server_isn, client_isn + 1);
    ev.packet(220, kClient, kServer, "ACK", client_isn + 1, server_isn + 1);
    ev.call(400, "client", "send", kClient, kServer);
    ev.packet(350, kClient, kServer, "PSH,ACK", client_isn + 1, server_isn + 1, 5);
    ev.packet(360, kServer, kClient, "ACK", server_isn + 1, client_isn + 6);
    return ev;
}

// Flags are bits now (PacketRecord::has); whole flags only, as has_tcp_flag's names were.
TEST(PacketFlow, TcpFlagBitsMatchWholeFlagsOnly) {
    auto has = [](const std::string& flags, uint8_t flag) {
        PacketRecord p;
        p.tcp_flags = test::flag_bits(flags);
        return p.has(flag);
    };
    EXPECT_TRUE(has("SYN,ACK", kTcpSyn));
    EXPECT_TRUE(has("SYN,ACK", kTcpAck));
    EXPECT_TRUE(has("FIN", kTcpFin));
    EXPECT_TRUE(has("FIN,PSH,ACK", kTcpPsh));
    EXPECT_FALSE(has("PSH,ACK", kTcpSyn));
    EXPECT_FALSE(has("", kTcpSyn));
    EXPECT_EQ(tcp_flag_names(kTcpSyn | kTcpAck), "SYN,ACK");
    EXPECT_EQ(tcp_flag_names(0), "");
}

TEST(PacketFlow, HandshakeClientIsTheSenderOfTheFirstSynWithoutAck) {
    Events ev = handshake_and_data(1000, 5000);
    FlowModel flow = built(ev.events);

    ASSERT_EQ(flow.packets().size(), 5u);
    ASSERT_EQ(flow.connections().size(), 1u);
    const FlowConnection& c = flow.connections()[0];
    EXPECT_EQ(c.proto, TransportProto::Tcp);
    EXPECT_EQ(str(c.client), kClient);
    EXPECT_EQ(str(c.server), kServer);
    EXPECT_TRUE(c.initiator_seen);
    EXPECT_EQ(c.client_isn, 1000u);
    EXPECT_EQ(c.server_isn, 5000u);
    EXPECT_FALSE(c.closing);
    EXPECT_FALSE(c.shares_lifelines);
    EXPECT_EQ(c.first_packet, 0u);

    const bool from_client[] = {true, false, true, true, false};
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(flow.packets()[i].from_client, from_client[i]) << i;
        EXPECT_EQ(flow.packets()[i].connection, 0u) << i;
    }
    // Packets keep log order; event indices and seqs point back into the copy.
    EXPECT_EQ(tcp_flag_names(ev.events[flow.packets()[0].event].packet()->tcp_flags), "SYN");
    EXPECT_EQ(ev.events[flow.packets()[3].event].packet()->len, 5u);
    EXPECT_EQ(flow.packets()[1].event_seq, ev.events[flow.packets()[1].event].seq);

    // Client on the left, server on the right, arrows between them.
    EXPECT_EQ(labels(flow), (std::vector<std::string>{"client", "server"}));
    EXPECT_EQ(flow.lifelines()[0].actor, "client");
    EXPECT_EQ(flow.lifelines()[1].actor, "server");
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(flow.packets()[i].from_lifeline, from_client[i] ? 0u : 1u) << i;
        EXPECT_EQ(flow.packets()[i].to_lifeline, from_client[i] ? 1u : 0u) << i;
    }
}

TEST(PacketFlow, RelativeSeqAndAckPerDirectionAndAbsoluteOnRequest) {
    Events ev = handshake_and_data(1000, 5000);
    FlowModel flow = built(ev.events);
    ASSERT_EQ(flow.packets().size(), 5u);

    // SYN 0; SYN,ACK 0/1; ACK 1/1; PSH,ACK 1/1 len 5; ACK 1/6.
    const uint32_t seq[] = {0, 0, 1, 1, 1};
    const uint32_t ack[] = {0, 1, 1, 1, 6};
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(rel_seq(ev.events, flow, i), seq[i]) << "packet " << i;
        if (i > 0) {
            EXPECT_EQ(rel_ack(ev.events, flow, i), ack[i]) << "packet " << i;
        }
        const PacketRecord& s = summary(ev.events, flow, i);
        EXPECT_EQ(flow.shown_seq(flow.packets()[i], s, false), s.seq) << "packet " << i;
        EXPECT_EQ(flow.shown_ack(flow.packets()[i], s, false), s.ack) << "packet " << i;
    }
    EXPECT_EQ(flow.shown_seq(flow.packets()[1], summary(ev.events, flow, 1), false), 5000u);
    EXPECT_EQ(flow.shown_ack(flow.packets()[4], summary(ev.events, flow, 4), false), 1006u);
}

TEST(PacketFlow, RelativeNumbersWrapAroundTheInitialSequenceNumber) {
    // Both initial numbers just below 2^32: relative numbers still count from 0.
    Events ev = handshake_and_data(0xFFFFFFFEu, 0xFFFFFFFFu);
    FlowModel flow = built(ev.events);
    ASSERT_EQ(flow.packets().size(), 5u);
    EXPECT_EQ(summary(ev.events, flow, 2).seq, 0xFFFFFFFFu);
    EXPECT_EQ(summary(ev.events, flow, 4).ack, 4u);  // wrapped on the wire
    EXPECT_EQ(rel_seq(ev.events, flow, 1), 0u);
    EXPECT_EQ(rel_ack(ev.events, flow, 1), 1u);
    EXPECT_EQ(rel_seq(ev.events, flow, 2), 1u);
    EXPECT_EQ(rel_ack(ev.events, flow, 2), 1u);
    EXPECT_EQ(rel_seq(ev.events, flow, 4), 1u);
    EXPECT_EQ(rel_ack(ev.events, flow, 4), 6u);
}

TEST(PacketFlow, CaptureStartingMidConnectionCountsFromTheFirstNumberSeen) {
    Events ev;
    ev.call(5, "client", "send", kClient, kServer);
    ev.call(6, "server", "recv", kServer, kClient);
    ev.packet(10, kClient, kServer, "PSH,ACK", 7000, 9000, 10);
    ev.packet(20, kServer, kClient, "ACK", 9000, 7010);
    ev.packet(30, kServer, kClient, "PSH,ACK", 9000, 7010, 4);
    FlowModel flow = built(ev.events);
    ASSERT_EQ(flow.connections().size(), 1u);
    const FlowConnection& c = flow.connections()[0];
    EXPECT_FALSE(c.initiator_seen);
    EXPECT_EQ(str(c.client), kClient);  // the guess: the first sender
    EXPECT_EQ(c.client_isn, 7000u);
    EXPECT_EQ(c.server_isn, 9000u);
    EXPECT_EQ(rel_seq(ev.events, flow, 0), 0u);
    EXPECT_EQ(rel_ack(ev.events, flow, 1), 10u);
    EXPECT_EQ(rel_seq(ev.events, flow, 2), 0u);
    EXPECT_EQ(rel_ack(ev.events, flow, 2), 10u);
}

TEST(PacketFlow, ANewSynOnTheSamePortsAfterFinOrRstIsANewConnection) {
    Events ev;
    ev.listening_server(10);
    ev.call(20, "client", "connect", kClient, kServer);
    // Connection 0: handshake; the SYN is sent twice (not closing: same connection).
    ev.packet(100, kClient, kServer, "SYN", 1000, 0);
    ev.packet(110, kClient, kServer, "SYN", 1000, 0);
    ev.packet(120, kServer, kClient, "SYN,ACK", 5000, 1001);
    ev.packet(130, kClient, kServer, "ACK", 1001, 5001);
    // ... closed with FIN both ways; the last ACK still belongs to it.
    ev.packet(200, kClient, kServer, "FIN,ACK", 1001, 5001);
    ev.packet(210, kServer, kClient, "FIN,ACK", 5001, 1002);
    ev.packet(220, kClient, kServer, "ACK", 1002, 5002);
    // Connection 1: the same ports again, new initial numbers; ended by RST.
    ev.packet(300, kClient, kServer, "SYN", 42, 0);
    ev.packet(310, kServer, kClient, "SYN,ACK", 77, 43);
    ev.packet(320, kClient, kServer, "ACK", 43, 78);
    ev.packet(330, kServer, kClient, "RST,ACK", 78, 43);
    // Connection 2: and again after the RST.
    ev.packet(400, kClient, kServer, "SYN", 9, 0);
    ev.packet(410, kServer, kClient, "SYN,ACK", 900, 10);
    FlowModel flow = built(ev.events);

    ASSERT_EQ(flow.packets().size(), 13u);
    ASSERT_EQ(flow.connections().size(), 3u);
    const size_t connection_of[] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2};
    for (size_t i = 0; i < 13; ++i) EXPECT_EQ(flow.packets()[i].connection, connection_of[i]) << i;
    EXPECT_EQ(flow.connections()[0].first_packet, 0u);
    EXPECT_EQ(flow.connections()[1].first_packet, 7u);
    EXPECT_EQ(flow.connections()[2].first_packet, 11u);
    EXPECT_TRUE(flow.connections()[0].closing);
    EXPECT_TRUE(flow.connections()[1].closing);
    EXPECT_FALSE(flow.connections()[2].closing);
    EXPECT_EQ(flow.connections()[1].client_isn, 42u);
    EXPECT_EQ(flow.connections()[1].server_isn, 77u);
    EXPECT_EQ(flow.connections()[2].client_isn, 9u);
    for (const auto& c : flow.connections()) {
        EXPECT_EQ(str(c.client), kClient);
        EXPECT_TRUE(c.initiator_seen);
        EXPECT_TRUE(c.shares_lifelines);  // three connections between client and server
    }
    // Relative numbers start over with each connection.
    EXPECT_EQ(rel_seq(ev.events, flow, 1), 0u);  // the SYN sent again
    EXPECT_EQ(rel_seq(ev.events, flow, 6), 2u);  // last ACK of connection 0
    EXPECT_EQ(rel_ack(ev.events, flow, 6), 2u);
    EXPECT_EQ(rel_seq(ev.events, flow, 7), 0u);   // new SYN
    EXPECT_EQ(rel_ack(ev.events, flow, 8), 1u);   // its SYN,ACK
    EXPECT_EQ(rel_seq(ev.events, flow, 10), 1u);  // RST,ACK
    EXPECT_EQ(rel_ack(ev.events, flow, 10), 1u);
    EXPECT_EQ(rel_seq(ev.events, flow, 12), 0u);
    EXPECT_EQ(rel_ack(ev.events, flow, 12), 1u);
    // All on the same two lifelines.
    EXPECT_EQ(labels(flow), (std::vector<std::string>{"client", "server"}));
}

TEST(PacketFlow, ASynAckAfterFinDoesNotStartAConnection) {
    Events ev;
    ev.packet(100, kClient, kServer, "SYN", 1000, 0);
    ev.packet(110, kServer, kClient, "SYN,ACK", 5000, 1001);
    ev.packet(120, kClient, kServer, "FIN,ACK", 1001, 5001);
    ev.packet(130, kServer, kClient, "SYN,ACK", 5000, 1001);  // a late copy
    FlowModel flow = built(ev.events);
    ASSERT_EQ(flow.connections().size(), 1u);
    EXPECT_EQ(flow.packets()[3].connection, 0u);
    EXPECT_FALSE(flow.packets()[3].from_client);
    EXPECT_FALSE(flow.connections()[0].shares_lifelines);
}

TEST(PacketFlow, TwoClientsGetTheirOwnLifelinesClientsLeftServersRight) {
    Events ev;
    ev.listening_server(10);
    ev.call(20, "client", "connect", kClient, kServer);
    ev.call(21, "client2", "connect", kClient2, kServer);
    ev.call(22, "server", "accept", kServer, kClient);
    ev.packet(100, kClient, kServer, "SYN", 1, 0);
    ev.packet(110, kServer, kClient, "SYN,ACK", 2, 2);
    ev.packet(200, kClient2, kServer, "SYN", 10, 0);
    ev.packet(210, kServer, kClient2, "SYN,ACK", 20, 11);
    FlowModel flow = built(ev.events);

    ASSERT_EQ(flow.connections().size(), 2u);
    EXPECT_EQ(str(flow.connections()[1].client), kClient2);
    EXPECT_FALSE(flow.connections()[0].shares_lifelines);
    EXPECT_FALSE(flow.connections()[1].shares_lifelines);
    // Seen in the order client, server, client2; shown clients first.
    EXPECT_EQ(labels(flow), (std::vector<std::string>{"client", "client2", "server"}));
    EXPECT_EQ(label_from(flow, 2), "client2");
    EXPECT_EQ(label_to(flow, 2), "server");
    EXPECT_EQ(label_from(flow, 3), "server");
    EXPECT_EQ(label_to(flow, 3), "client2");
    EXPECT_EQ(label_from(flow, 0), "client");
}

TEST(PacketFlow, AStateEventNamesTheClientBeforeConnectReturns) {
    Events ev;
    ev.listening_server(10);
    ev.step(50, "client", 3);
    ev.wait(60, "client", "connect", "", "", 3);
    ev.state(70, "client", kClient, kServer, "SYN_SENT");
    ev.packet(80, kClient, kServer, "SYN", 1, 0);
    FlowModel flow = built(ev.events);
    ASSERT_EQ(flow.packets().size(), 1u);
    EXPECT_EQ(label_from(flow, 0), "client");
    EXPECT_EQ(label_to(flow, 0), "server");
    EXPECT_EQ(flow.lifelines().size(), 2u);
}

TEST(PacketFlow, WildcardBindOwnsItsPortOnEveryAddress) {
    Events ev;
    ev.call(10, "server", "bind", "0.0.0.0:6000");
    ev.call(20, "client", "sendto", "127.0.0.1:45000", "127.0.0.1:6000");
    ev.udp(30, "127.0.0.1:45000", "127.0.0.1:6000", 5);
    ev.udp(40, "127.0.0.1:6000", "127.0.0.1:45000", 5);
    FlowModel flow = built(ev.events);
    ASSERT_EQ(flow.packets().size(), 2u);
    EXPECT_EQ(labels(flow), (std::vector<std::string>{"client", "server"}));
    EXPECT_EQ(label_from(flow, 0), "client");
    EXPECT_EQ(label_to(flow, 0), "server");
    EXPECT_EQ(label_from(flow, 1), "server");
}

TEST(PacketFlow, UdpClientIsTheFirstSender) {
    const char* a = "127.0.0.1:7000";  // bound by "alice", who speaks first
    const char* b = "127.0.0.1:7001";  // bound by "bob"
    Events ev;
    ev.call(1, "bob", "bind", b);
    ev.call(2, "alice", "bind", a);
    ev.call(3, "alice", "sendto", a, b);
    ev.udp(10, a, b, 3);
    ev.udp(20, b, a, 4);
    ev.udp(30, a, b, 5);
    ev.udp(40, b, a, 6);
    FlowModel flow = built(ev.events);

    ASSERT_EQ(flow.connections().size(), 1u);
    const FlowConnection& c = flow.connections()[0];
    EXPECT_EQ(c.proto, TransportProto::Udp);
    EXPECT_EQ(str(c.client), a);
    EXPECT_EQ(str(c.server), b);
    EXPECT_TRUE(c.initiator_seen);
    EXPECT_FALSE(c.client_isn.has_value());
    EXPECT_FALSE(c.closing);
    const bool from_client[] = {true, false, true, false};
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(flow.packets()[i].from_client, from_client[i]) << i;
    // bob bound first (a server-like call), but alice sent first: alice is the client.
    EXPECT_EQ(labels(flow), (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(label_from(flow, 0), "alice");
    EXPECT_EQ(label_to(flow, 0), "bob");
    EXPECT_EQ(label_from(flow, 1), "bob");
}

TEST(PacketFlow, RstFromAClosedPortGetsAPortLifeline) {
    const std::string closed = "127.0.0.1:40999";
    const std::string wrong = "127.0.0.1:50001";  // the failed socket's port, never logged
    Events ev;
    ev.listening_server(10);
    ev.call(20, "client", "socket");
    ev.step(100, "client", 4);
    // connect() failed: its port is gone, so the call names no local or peer address.
    ev.call(180, "client", "connect", "0.0.0.0:0", "", 4, -1, ECONNREFUSED, closed);
    ev.packet(150, wrong, closed, "SYN", 3000, 0);
    ev.packet(160, closed, wrong, "RST,ACK", 0, 3001);
    FlowModel flow = built(ev.events);

    ASSERT_EQ(flow.packets().size(), 2u);
    ASSERT_EQ(flow.connections().size(), 1u);
    EXPECT_EQ(str(flow.connections()[0].client), wrong);
    EXPECT_TRUE(flow.connections()[0].closing);
    // The client's lifeline sends the SYN; a bare "port 40999" one answers.
    EXPECT_EQ(label_from(flow, 0), "client");
    EXPECT_EQ(label_to(flow, 0), "port 40999");
    EXPECT_EQ(label_from(flow, 1), "port 40999");
    EXPECT_EQ(label_to(flow, 1), "client");
    const size_t port = lifeline_named(flow, "port 40999");
    ASSERT_NE(port, SIZE_MAX);
    EXPECT_EQ(flow.lifelines()[port].actor, "");
    EXPECT_EQ(str(flow.lifelines()[port].address), closed);
    // Clients left; the bare address (seen before the server had a packet) and the server right.
    EXPECT_EQ(labels(flow), (std::vector<std::string>{"client", "port 40999", "server"}));
    // RST,ACK: seq 0 relative to itself, ack 1 (the SYN counts one).
    EXPECT_EQ(rel_seq(ev.events, flow, 1), 0u);
    EXPECT_EQ(rel_ack(ev.events, flow, 1), 1u);
}

TEST(PacketFlow, LifelineLabelIsTheActorOrThePort) {
    FlowLifeline actor;
    actor.actor = "client2";
    EXPECT_EQ(actor.label(), "client2");
    FlowLifeline v4;
    v4.address = test::addr("127.0.0.1:56887");
    EXPECT_EQ(v4.label(), "port 56887");
    FlowLifeline v6;
    v6.address = test::addr("[::1]:5000");
    EXPECT_EQ(v6.label(), "port 5000");
    FlowLifeline bare;  // an address without a port is shown as it is
    bare.address = SocketAddress::from_unix_path("/tmp/somewhere");
    EXPECT_EQ(bare.label(), "unix:/tmp/somewhere");
}

TEST(PacketFlow, CallsSitOnTheirLifelinesMergedWithPacketsInTimeOrder) {
    Events ev;
    const size_t bind = ev.call(10, "server", "bind", kServer, "", 1);
    const size_t listen = ev.call(20, "server", "listen", kServer, "", 2);
    // Step 3: connect, whose packets are logged after it returned (the capture is late).
    ev.step(100, "client", 3);
    const size_t connect = ev.call(180, "client", "connect", kClient, kServer, 3);
    const size_t syn = ev.packet(150, kClient, kServer, "SYN", 1000, 0);
    const size_t synack = ev.packet(160, kServer, kClient, "SYN,ACK", 5000, 1001);
    const size_t ack = ev.packet(170, kClient, kServer, "ACK", 1001, 5001);
    // Step 4: accept, no packet while it ran: one row.
    ev.step(300, "server", 4);
    const size_t accept = ev.call(310, "server", "accept", kServer, kClient, 4);
    // Step 5: recv blocks, data arrives, it returns: start (the Wait) and return rows.
    ev.step(400, "client", 5);
    const size_t recv_wait = ev.wait(405, "client", "recv", kClient, kServer, 5);
    const size_t data = ev.packet(500, kServer, kClient, "PSH,ACK", 5001, 1001, 2);
    const size_t recv = ev.call(510, "client", "recv", kClient, kServer, 5);
    // A call outside the script (no step): one row at its return.
    const size_t outside = ev.call(520, "client", "getsockname", kClient, kServer);
    // Step 6: server recv blocks and is still blocked.
    ev.step(600, "server", 6);
    const size_t blocked = ev.wait(605, "server", "recv", kServer, kClient, 6);

    FlowModel flow = built(ev.events);
    ASSERT_EQ(labels(flow), (std::vector<std::string>{"client", "server"}));
    const size_t client = 0, server = 1;

    struct Want {
        LadderRowKind kind;
        size_t event;
        size_t lifeline;  // calls only
        int64_t t_us;
    };
    const std::vector<Want> want = {
        {LadderRowKind::Call, bind, server, 10},
        {LadderRowKind::Call, listen, server, 20},
        {LadderRowKind::CallStart, connect, client, 100},
        {LadderRowKind::Packet, syn, 0, 150},
        {LadderRowKind::Packet, synack, 0, 160},
        {LadderRowKind::Packet, ack, 0, 170},
        {LadderRowKind::CallReturn, connect, client, 180},
        {LadderRowKind::Call, accept, server, 310},
        {LadderRowKind::CallStart, recv_wait, client, 400},
        {LadderRowKind::Packet, data, 0, 500},
        {LadderRowKind::CallReturn, recv, client, 510},
        {LadderRowKind::Call, outside, client, 520},
        {LadderRowKind::CallStart, blocked, server, 600},
    };
    const auto& rows = flow.rows();
    ASSERT_EQ(rows.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        SCOPED_TRACE("row " + std::to_string(i));
        EXPECT_EQ(rows[i].kind, want[i].kind);
        EXPECT_EQ(rows[i].event, want[i].event);
        EXPECT_EQ(rows[i].t_us, want[i].t_us);
        if (want[i].kind == LadderRowKind::Packet) {
            ASSERT_LT(rows[i].packet, flow.packets().size());
            EXPECT_EQ(flow.packets()[rows[i].packet].event, want[i].event);
            EXPECT_EQ(flow.row_of_packet(rows[i].packet), i);
        } else {
            EXPECT_EQ(rows[i].lifeline, want[i].lifeline);
            EXPECT_EQ(rows[i].packet, SIZE_MAX);
        }
        if (i > 0) {
            EXPECT_LE(rows[i - 1].t_us, rows[i].t_us);
        }
    }
    // Start and return rows point at each other; the blocked call has no return yet.
    EXPECT_EQ(rows[2].partner, 6u);
    EXPECT_EQ(rows[6].partner, 2u);
    EXPECT_EQ(rows[8].partner, 10u);
    EXPECT_EQ(rows[10].partner, 8u);
    EXPECT_EQ(rows[12].partner, SIZE_MAX);
    for (size_t i : {0u, 1u, 7u, 11u}) EXPECT_EQ(rows[i].partner, SIZE_MAX) << i;
}

TEST(PacketFlow, ABlockedCallThatReturnsWithNoPacketIsOneRow) {
    Events ev;
    ev.call(10, "server", "listen", kServer);
    ev.step(100, "server", 2);
    ev.wait(110, "server", "accept", kServer, "", 2);
    const size_t accept = ev.call(200, "server", "accept", kServer, kClient, 2);
    FlowModel flow = built(ev.events);
    ASSERT_EQ(flow.rows().size(), 2u);
    EXPECT_EQ(flow.rows()[1].kind, LadderRowKind::Call);
    EXPECT_EQ(flow.rows()[1].event, accept);
    EXPECT_EQ(flow.rows()[1].t_us, 200);
    EXPECT_EQ(flow.rows()[1].partner, SIZE_MAX);
}

TEST(PacketFlow, SameTimeKeepsLogOrder) {
    Events ev;
    ev.call(100, "client", "connect", kClient, kServer);
    ev.packet(100, kClient, kServer, "SYN", 1, 0);
    ev.packet(100, kServer, kClient, "SYN,ACK", 2, 2);
    ev.call(100, "server", "listen", kServer);
    FlowModel flow = built(ev.events);
    ASSERT_EQ(flow.rows().size(), 4u);
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(flow.rows()[i].event, i) << i;
}

TEST(PacketFlow, LookupsByEventSeqAndRow) {
    Events ev = handshake_and_data(1000, 5000);
    FlowModel flow = built(ev.events);
    for (size_t p = 0; p < flow.packets().size(); ++p) {
        EXPECT_EQ(flow.packet_by_event_seq(flow.packets()[p].event_seq), p);
        const size_t row = flow.row_of_packet(p);
        ASSERT_LT(row, flow.rows().size());
        EXPECT_EQ(flow.rows()[row].packet, p);
    }
    // A Call event's seq, and a seq past the end, are no packet.
    EXPECT_EQ(flow.packet_by_event_seq(ev.events[0].seq), SIZE_MAX);
    EXPECT_EQ(flow.packet_by_event_seq(ev.next_seq + 10), SIZE_MAX);
    EXPECT_EQ(flow.packet_by_event_seq(0), SIZE_MAX);
    EXPECT_EQ(flow.row_of_packet(flow.packets().size()), SIZE_MAX);
    EXPECT_EQ(flow.row_of_packet(SIZE_MAX), SIZE_MAX);
}

// A longer script: two clients, steps, blocked calls, late packets, a reconnect.
Events long_script() {
    Events ev;
    ev.listening_server(10);
    ev.step(100, "client", 4);
    ev.call(180, "client", "connect", kClient, kServer, 4);
    ev.packet(150, kClient, kServer, "SYN", 1000, 0);
    ev.packet(160, kServer, kClient, "SYN,ACK", 5000, 1001);
    ev.packet(170, kClient, kServer, "ACK", 1001, 5001);
    ev.step(200, "server", 5);
    ev.call(210, "server", "accept", kServer, kClient, 5);
    ev.step(300, "server", 6);
    ev.wait(305, "server", "recv", kServer, kClient, 6);
    ev.step(400, "client", 7);
    ev.call(420, "client", "send", kClient, kServer, 7);
    ev.packet(410, kClient, kServer, "PSH,ACK", 1001, 5001, 5);
    ev.call(430, "server", "recv", kServer, kClient, 6);
    ev.packet(415, kServer, kClient, "ACK", 5001, 1006);
    ev.step(500, "client2", 8);
    ev.call(590, "client2", "connect", kClient2, kServer, 8);
    ev.packet(550, kClient2, kServer, "SYN", 77, 0);
    ev.packet(560, kServer, kClient2, "SYN,ACK", 88, 78);
    ev.packet(570, kClient2, kServer, "ACK", 78, 89);
    ev.step(600, "client", 9);
    ev.call(650, "client", "close", kClient, kServer, 9);
    ev.packet(640, kClient, kServer, "FIN,ACK", 1006, 5001);
    ev.packet(645, kServer, kClient, "ACK", 5001, 1007);
    ev.packet(700, kClient, kServer, "SYN", 31337, 0);
    ev.packet(710, kServer, kClient, "RST,ACK", 0, 31338);
    ev.step(800, "server", 10);
    ev.wait(805, "server", "accept", kServer, "", 10);
    return ev;
}

TEST(PacketFlow, IncrementalUpdatesMatchARebuild) {
    const Events all = long_script();
    FlowModel incremental;
    std::deque<Event> copy;
    uint64_t last_generation = incremental.generation();
    for (size_t i = 0; i < all.events.size(); ++i) {
        copy.push_back(all.events[i]);
        incremental.update(copy, 0);
        expect_same_model(incremental, built(copy), "after event " + std::to_string(i));
        if (all.events[i].kind == EventKind::Packet) {
            EXPECT_GT(incremental.generation(), last_generation) << "event " << i;
        }
        last_generation = incremental.generation();
        // Nothing new: nothing changes.
        incremental.update(copy, 0);
        EXPECT_EQ(incremental.generation(), last_generation) << "event " << i;
    }
    // Several events at once.
    FlowModel chunked;
    copy.clear();
    for (size_t i = 0; i < all.events.size(); ++i) {
        copy.push_back(all.events[i]);
        if (i % 5 == 4) chunked.update(copy, 0);
    }
    chunked.update(copy, 0);
    expect_same_model(chunked, built(copy), "in chunks");
    EXPECT_EQ(chunked.packets().size(), 12u);
    EXPECT_EQ(chunked.connections().size(), 3u);
}

TEST(PacketFlow, TrimmedEventsRebuildWithShiftedIndices) {
    const Events all = long_script();
    std::deque<Event> copy = all.events;
    FlowModel flow;
    flow.update(copy, 0);
    ASSERT_EQ(flow.packets().size(), 12u);
    const uint64_t before = flow.generation();

    // LessonRun drops the oldest events and counts them; the first 6 hold the SYN.
    const size_t drop = 6;
    copy.erase(copy.begin(), copy.begin() + drop);
    flow.update(copy, drop);
    EXPECT_GT(flow.generation(), before);
    expect_same_model(flow, built(copy, drop), "after the trim");
    ASSERT_EQ(flow.packets().size(), 11u);
    EXPECT_EQ(flow.packets()[0].event_seq, all.events[drop].seq);
    for (const FlowPacket& p : flow.packets()) {
        ASSERT_LT(p.event, copy.size());
        EXPECT_EQ(copy[p.event].seq, p.event_seq);
        EXPECT_EQ(copy[p.event].kind, EventKind::Packet);
    }
    for (const LadderRow& row : flow.rows()) EXPECT_LT(row.event, copy.size());
    // The SYN is gone: the first connection's start was not seen.
    EXPECT_FALSE(flow.connections()[0].initiator_seen);
    EXPECT_EQ(str(flow.connections()[0].client), kServer);  // the guess: the first sender

    // More events after the trim are filed incrementally again.
    Event late = test::packet_event(900, kClient2, kServer, "PSH,ACK", 78, 89, 3);
    late.seq = all.next_seq;
    copy.push_back(late);
    flow.update(copy, drop);
    expect_same_model(flow, built(copy, drop), "after the trim and one more");
    EXPECT_EQ(flow.packets().size(), 12u);
}

TEST(PacketFlow, ResetClearsAndStartsOver) {
    const Events first = long_script();
    std::deque<Event> copy = first.events;
    FlowModel flow;
    flow.update(copy, 0);
    ASSERT_FALSE(flow.rows().empty());
    uint64_t generation = flow.generation();

    // LessonRun::reset: the copy is emptied, and the views update once in between.
    copy.clear();
    flow.update(copy, 0);
    EXPECT_TRUE(flow.packets().empty());
    EXPECT_TRUE(flow.connections().empty());
    EXPECT_TRUE(flow.lifelines().empty());
    EXPECT_TRUE(flow.rows().empty());
    EXPECT_GT(flow.generation(), generation);
    generation = flow.generation();
    flow.update(copy, 0);
    EXPECT_EQ(flow.generation(), generation);

    // The new run's events: the log's seq goes on, the engine clock starts over.
    Events second;
    second.next_seq = first.next_seq;
    second.call(5, "server", "bind", kServer);
    second.packet(50, kClient2, kServer, "SYN", 5, 0);
    copy = second.events;
    flow.update(copy, 0);
    expect_same_model(flow, built(copy), "after the reset");
    ASSERT_EQ(flow.packets().size(), 1u);
    EXPECT_EQ(str(flow.connections()[0].client), kClient2);
}

TEST(PacketFlow, ResetAndRefilledBeforeAnUpdateRebuilds) {
    const Events first = long_script();
    FlowModel flow;
    flow.update(first.events, 0);
    ASSERT_EQ(flow.packets().size(), 12u);

    // A reset whose new events all arrive before the next frame: more events than before, so
    // only the changed first event tells.
    Events second;
    second.next_seq = first.next_seq;
    second.listening_server(1);
    for (int i = 0; i < 40; ++i)
        second.packet(100 + i, kClient2, kServer, i == 0 ? "SYN" : "ACK", 500 + i, 0);
    ASSERT_GT(second.events.size(), first.events.size());
    flow.update(second.events, 0);
    expect_same_model(flow, built(second.events), "after a reset and refill");
    EXPECT_EQ(flow.packets().size(), 40u);
    EXPECT_EQ(flow.connections().size(), 1u);
}

// A new EventLog (another LessonRun) numbers its events from 1 again: the changed first event
// (its time) must still tell the model that the copy is not the one it filed.
TEST(PacketFlow, ANewLogNumberingFromOneAgainRebuilds) {
    const Events first = long_script();
    FlowModel flow;
    flow.update(first.events, 0);
    ASSERT_EQ(flow.packets().size(), 12u);

    Events second;  // seq from 1 again, and more events than the first copy
    second.call(3, "server", "bind", kServer);
    for (int i = 0; i < 40; ++i)
        second.packet(100 + i, kClient2, kServer, i == 0 ? "SYN" : "ACK", 500 + i, 0);
    ASSERT_EQ(second.events.front().seq, first.events.front().seq);
    ASSERT_NE(second.events.front().t_us, first.events.front().t_us);
    flow.update(second.events, 0);
    expect_same_model(flow, built(second.events), "a new log");
    EXPECT_EQ(flow.packets().size(), 40u);
}

TEST(PacketFlow, APortUsedAgainByAnotherActorForAnotherPeer) {
    // client's port 40000 talked to the server; later client2 got the same port for server2.
    const char* server2 = "127.0.0.1:6000";
    Events ev;
    ev.listening_server(1);
    ev.call(2, "server2", "listen", server2);
    ev.call(10, "client", "connect", kClient, kServer);
    ev.packet(11, kClient, kServer, "SYN", 1, 0);
    ev.packet(12, kServer, kClient, "RST,ACK", 0, 2);
    ev.call(20, "client2", "connect", kClient, server2);
    ev.packet(21, kClient, server2, "SYN", 100, 0);
    ev.packet(22, server2, kClient, "SYN,ACK", 200, 101);
    FlowModel flow = built(ev.events);
    ASSERT_EQ(flow.packets().size(), 4u);
    EXPECT_EQ(label_from(flow, 0), "client");
    EXPECT_EQ(label_from(flow, 2), "client2");
    EXPECT_EQ(label_to(flow, 2), "server2");
    EXPECT_EQ(label_to(flow, 3), "client2");
}

TEST(PacketFlow, ClearForgetsEverything) {
    Events ev = handshake_and_data(1, 2);
    FlowModel flow = built(ev.events);
    const uint64_t generation = flow.generation();
    flow.clear();
    EXPECT_TRUE(flow.packets().empty());
    EXPECT_TRUE(flow.rows().empty());
    EXPECT_TRUE(flow.lifelines().empty());
    EXPECT_GT(flow.generation(), generation);
    // The same events again are filed from scratch.
    flow.update(ev.events, 0);
    expect_same_model(flow, built(ev.events), "after clear");
}

// A real run: the handshake lesson's sockets, the kernel's packets.
TEST(PacketFlow, RealHandshakeLessonRun) {
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    const Lesson* lesson = library.find("tcp-handshake");
    ASSERT_NE(lesson, nullptr);
    EventLog log;
    Session session(*lesson, log);
    if (!session.capture_problem().empty()) SKIP_OR_FAIL_WITHOUT_CAPTURE(session.capture_problem());
    std::vector<std::string> messages;
    EXPECT_TRUE(session.run_to_end(std::chrono::milliseconds(5000), messages));
    for (const auto& m : messages) ADD_FAILURE() << m;
    std::vector<Event> drained;
    log.drain(drained);
    std::deque<Event> events(drained.begin(), drained.end());

    // Filed one event at a time, as frames would, and all at once: the same model.
    FlowModel flow;
    std::deque<Event> growing;
    for (const Event& e : events) {
        growing.push_back(e);
        flow.update(growing, 0);
    }
    expect_same_model(flow, built(events), "real run");

    ASSERT_GE(flow.packets().size(), 3u);
    const char* flags[] = {"SYN", "SYN,ACK", "ACK"};
    const bool from_client[] = {true, false, true};
    const uint32_t seq[] = {0, 0, 1};
    const uint32_t ack[] = {0, 1, 1};
    for (size_t i = 0; i < 3; ++i) {
        SCOPED_TRACE("packet " + std::to_string(i));
        EXPECT_EQ(tcp_flag_names(summary(events, flow, i).tcp_flags), flags[i]);
        EXPECT_EQ(flow.packets()[i].connection, 0u);
        EXPECT_EQ(flow.packets()[i].from_client, from_client[i]);
        EXPECT_EQ(label_from(flow, i), from_client[i] ? "client" : "server");
        EXPECT_EQ(label_to(flow, i), from_client[i] ? "server" : "client");
        EXPECT_EQ(rel_seq(events, flow, i), seq[i]);
        if (i > 0) {
            EXPECT_EQ(rel_ack(events, flow, i), ack[i]);
        }
    }
    const FlowConnection& c = flow.connections()[0];
    EXPECT_TRUE(c.initiator_seen);
    EXPECT_EQ(c.client_isn, summary(events, flow, 0).seq);
    EXPECT_EQ(c.server_isn, summary(events, flow, 1).seq);
    // The absolute numbers are the wire's: the SYN,ACK acknowledges the SYN's seq + 1.
    EXPECT_EQ(flow.shown_ack(flow.packets()[1], summary(events, flow, 1), false),
              summary(events, flow, 0).seq + 1);

    // connect() spans its handshake on the client's lifeline.
    const size_t syn_row = flow.row_of_packet(0);
    const size_t ack_row = flow.row_of_packet(2);
    ASSERT_LT(ack_row, flow.rows().size());
    EXPECT_LT(syn_row, flow.row_of_packet(1));
    EXPECT_LT(flow.row_of_packet(1), ack_row);
    for (size_t i = 1; i < flow.rows().size(); ++i)
        EXPECT_LE(flow.rows()[i - 1].t_us, flow.rows()[i].t_us) << "row " << i;

    // The connect to a closed port: its SYN goes from the client to a "port N" lifeline,
    // which answers RST.
    const Event* refused = nullptr;
    for (const Event& e : events)
        if (e.kind == EventKind::Call && e.is_call(CallOp::Connect) &&
            e.call()->err == ECONNREFUSED)
            refused = &e;
    ASSERT_NE(refused, nullptr);
    const std::string closed = str(refused->call()->spec.address);
    ASSERT_GT(refused->call()->spec.address.port(), 0);
    const std::string port_label = "port " + std::to_string(refused->call()->spec.address.port());
    const size_t port_lifeline = lifeline_named(flow, port_label);
    ASSERT_NE(port_lifeline, SIZE_MAX) << port_label;
    EXPECT_EQ(str(flow.lifelines()[port_lifeline].address), closed);
    bool saw_syn = false, saw_rst = false;
    for (size_t p = 0; p < flow.packets().size(); ++p) {
        const PacketRecord& s = summary(events, flow, p);
        if (str(s.dst) == closed && s.tcp_flags == kTcpSyn) {
            saw_syn = true;
            EXPECT_EQ(label_from(flow, p), "client");
            EXPECT_EQ(flow.packets()[p].to_lifeline, port_lifeline);
        }
        if (str(s.src) == closed && s.has(kTcpRst)) {
            saw_rst = true;
            EXPECT_EQ(flow.packets()[p].from_lifeline, port_lifeline);
            EXPECT_EQ(label_to(flow, p), "client");
            EXPECT_TRUE(flow.connections()[flow.packets()[p].connection].closing);
        }
    }
    EXPECT_TRUE(saw_syn);
    EXPECT_TRUE(saw_rst);

    // Every actor that connected has its own lifeline, clients left of the server.
    const size_t server = lifeline_named(flow, "server");
    ASSERT_NE(server, SIZE_MAX);
    for (const char* actor : {"client", "client2", "client3", "client4"}) {
        const size_t l = lifeline_named(flow, actor);
        ASSERT_NE(l, SIZE_MAX) << actor;
        EXPECT_LT(l, server) << actor;
    }
    EXPECT_GT(port_lifeline, lifeline_named(flow, "client4"));
}

}  // namespace
}  // namespace socketlab::ui
