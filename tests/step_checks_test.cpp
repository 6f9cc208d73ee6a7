// The pure halves of a lesson run: checking a step's expectations against an outcome, and its
// `packets:` against captured packets.
#include <gtest/gtest.h>

#include "lesson/expectation_check.h"
#include "lesson/packet_match.h"
#include "lesson/step_parser.h"

namespace socketlab {
namespace {

Step parse_one(const std::vector<std::string>& lines) {
    std::vector<Step> steps;
    std::vector<LessonError> errors;
    parse_steps_block("t.md", 1, lines, steps, errors);
    EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0].to_string());
    return steps.empty() ? Step{} : steps[0];
}

CallOutcome returned(int64_t ret, int err = 0, std::string data = "") {
    CallOutcome out;
    out.ret = ret;
    out.err = err;
    out.data.assign(data.begin(), data.end());
    return out;
}

TEST(ExpectationCheck, SuccessIsImpliedAndFailuresNameTheErrno) {
    Step step = parse_one({"client: connect 127.0.0.1:5000", "  caption: c"});
    EXPECT_TRUE(check_expectations(step, returned(0), 1024).passed);
    ExpectationResult r = check_expectations(step, returned(-1, ECONNREFUSED), 1024);
    EXPECT_FALSE(r.passed);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].find("ECONNREFUSED"), std::string::npos);
}

TEST(ExpectationCheck, DataContainsReturnsAndBlocks) {
    Step step =
        parse_one({"server: recv 30", "  caption: c", "  expect: returns 5; data \"hello\""});
    EXPECT_TRUE(check_expectations(step, returned(5, 0, "hello"), 1024).passed);
    ExpectationResult wrong = check_expectations(step, returned(5, 0, "jello"), 1024);
    EXPECT_FALSE(wrong.passed);
    EXPECT_NE(wrong.problems[0].find("\"jello\" (5 bytes)"), std::string::npos);

    Step blocks = parse_one({"server: accept", "  caption: c", "  expect: blocks"});
    CallOutcome at_once = returned(4);
    EXPECT_FALSE(check_expectations(blocks, at_once, 1024).passed);
    at_once.waited = true;
    EXPECT_TRUE(check_expectations(blocks, at_once, 1024).passed);
}

TEST(ExpectationCheck, AnUnprivilegedBindAllowedBySystemSettingIsANoteNotAFailure) {
    Step step = parse_one(
        {"server: bind 127.0.0.1:80 unprivileged", "  caption: c", "  expect: fails EACCES"});
    EXPECT_FALSE(check_expectations(step, returned(0), 1024).passed);
    ExpectationResult lowered = check_expectations(step, returned(0), 0);
    EXPECT_TRUE(lowered.passed);
    EXPECT_NE(lowered.note.find("ip_unprivileged_port_start"), std::string::npos);
}

RecordedPacket tcp(const char* src, const char* dst, uint8_t flags, uint32_t seq, uint32_t ack,
                   uint32_t len = 0) {
    RecordedPacket r;
    r.packet.proto = TransportProto::Tcp;
    r.packet.src = *SocketAddress::parse(src);
    r.packet.dst = *SocketAddress::parse(dst);
    r.packet.tcp_flags = flags;
    r.packet.seq = seq;
    r.packet.ack = ack;
    r.packet.len = len;
    return r;
}

std::optional<std::string> owners(const SocketAddress& a) {
    if (a.port() == 5000) return std::string("server");
    if (a.port() == 41000) return std::string("client");
    return std::nullopt;
}

TEST(PacketMatch, TheHandshakeInOrderWithRelatedNumbers) {
    Step step = parse_one({"client: connect 127.0.0.1:5000", "  caption: c",
                           "  packets: SYN from client; SYN,ACK from server ack=1.seq+1; "
                           "ACK from client seq=1.seq+1 ack=2.seq+1"});
    std::vector<RecordedPacket> seen = {
        tcp("127.0.0.1:41000", "127.0.0.1:5000", kTcpSyn, 100, 0),
        tcp("127.0.0.1:5000", "127.0.0.1:41000", kTcpSyn | kTcpAck, 900, 101),
        tcp("127.0.0.1:41000", "127.0.0.1:5000", kTcpAck, 101, 901)};
    EXPECT_EQ(match_packets(step.packets, seen, owners), "");
    seen[1].packet.ack = 555;  // not the SYN's seq + 1
    std::string problem = match_packets(step.packets, seen, owners);
    EXPECT_NE(problem.find("SYN,ACK from server"), std::string::npos) << problem;
    EXPECT_NE(problem.find("capture saw"), std::string::npos);
}

TEST(PacketMatch, FlagsMustBeExactAndNoneMeansNone) {
    Step step = parse_one({"client: close", "  caption: c", "  packets: FIN,ACK from client"});
    std::vector<RecordedPacket> psh = {
        tcp("127.0.0.1:41000", "127.0.0.1:5000", kTcpFin | kTcpAck | kTcpPsh, 1, 1)};
    EXPECT_NE(match_packets(step.packets, psh, owners), "");
    psh[0].packet.tcp_flags = kTcpFin | kTcpAck;
    EXPECT_EQ(match_packets(step.packets, psh, owners), "");
    Step quiet =
        parse_one({"client: socket AF_INET SOCK_STREAM", "  caption: c", "  packets: none"});
    EXPECT_EQ(match_packets(quiet.packets, {}, owners), "");
    EXPECT_NE(match_packets(quiet.packets, psh, owners).find("expected no packets"),
              std::string::npos);
}

// `gap>=` measures when each packet entered the link (a delivered one is captured when the link
// delivers it); `queue-full` is a drop for that reason only; the window words need the analysis.
TEST(PacketMatch, GapsQueueFullAndWindowWords) {
    auto through_link = [](RecordedPacket r, LinkRecord::Fate fate, int64_t entered_ms,
                           const char* why = "") {
        LinkRecord l;
        l.fate = fate;
        l.why = why;
        l.entered_us = entered_ms * 1000;
        r.packet.link = l;
        r.t_us = entered_ms * 1000 + (fate == LinkRecord::Fate::Dropped ? 0 : 10000);
        return r;
    };
    const RecordedPacket data =
        tcp("127.0.0.1:41000", "127.0.0.1:5000", kTcpPsh | kTcpAck, 1, 1, 5);
    RecordedPacket again = data;
    again.packet.analysis.retransmission = true;
    Step step = parse_one({"client: send \"hello\"", "  caption: c",
                           "  packets: PSH,ACK from client dropped; PSH,ACK from client "
                           "retransmission dropped gap>=400ms; PSH,ACK from client retransmission "
                           "gap>=800ms"});
    std::vector<RecordedPacket> doubling = {through_link(data, LinkRecord::Fate::Dropped, 0),
                                            through_link(again, LinkRecord::Fate::Dropped, 450),
                                            through_link(again, LinkRecord::Fate::Delayed, 1350)};
    EXPECT_EQ(match_packets(step.packets, doubling, owners), "");
    // Even intervals do not pass, although the last one is captured 10 ms after it entered.
    std::vector<RecordedPacket> even = {through_link(data, LinkRecord::Fate::Dropped, 0),
                                        through_link(again, LinkRecord::Fate::Dropped, 450),
                                        through_link(again, LinkRecord::Fate::Delayed, 1245)};
    EXPECT_NE(match_packets(step.packets, even, owners), "");

    Step full =
        parse_one({"client: send \"x\"", "  caption: c", "  packets: TCP from client queue-full"});
    std::vector<RecordedPacket> asked = {
        through_link(data, LinkRecord::Fate::Dropped, 0, "you asked: link: drop next")};
    EXPECT_NE(match_packets(full.packets, asked, owners), "");
    std::vector<RecordedPacket> queue = {
        through_link(data, LinkRecord::Fate::Dropped, 0, "queue full: 20 packets were waiting")};
    EXPECT_EQ(match_packets(full.packets, queue, owners), "");

    Step window =
        parse_one({"server: recv 10", "  caption: c",
                   "  packets: ACK from server zero-window; ACK from client window-probe; "
                   "ACK from server window-update"});
    RecordedPacket zero = tcp("127.0.0.1:5000", "127.0.0.1:41000", kTcpAck, 1, 6);
    RecordedPacket probe = tcp("127.0.0.1:41000", "127.0.0.1:5000", kTcpAck, 5, 1);
    RecordedPacket update = zero;
    EXPECT_NE(match_packets(window.packets, {zero, probe, update}, owners), "");
    zero.packet.analysis.zero_window = true;
    probe.packet.analysis.window_probe = true;
    update.packet.analysis.window_update = true;
    EXPECT_EQ(match_packets(window.packets, {zero, probe, update}, owners), "");
}

}  // namespace
}  // namespace socketlab
