// The call table and the socket constants: one entry per call, names that parse back, errors
// that list what is known.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <set>

#include "core/calls/call_table.h"
#include "core/calls/socket_constants.h"
#include "lesson/step_parser.h"

namespace socketlab {
namespace {

TEST(CallTable, EveryOpHasExactlyOneEntryAndItsNameFindsIt) {
    std::set<std::string> names;
    for (int op = 0; op <= static_cast<int>(CallOp::Handoff); ++op) {
        const CallEntry& entry = call_entry(static_cast<CallOp>(op));
        EXPECT_EQ(static_cast<int>(entry.op), op);
        EXPECT_TRUE(names.insert(entry.name).second) << entry.name << " twice";
        const CallEntry* found = find_call(entry.name);
        ASSERT_NE(found, nullptr) << entry.name;
        EXPECT_EQ(found, &entry);
        EXPECT_NE(entry.parse, nullptr);
        EXPECT_NE(entry.run, nullptr);
        EXPECT_NE(entry.args_text, nullptr);
    }
    EXPECT_EQ(find_call("sendmsg"), nullptr);
    EXPECT_NE(known_call_names().find("getaddrinfo"), std::string::npos);
}

TEST(CallTable, CallsThatWaitAndCallsWithoutASocketAreMarked) {
    EXPECT_TRUE(call_entry(CallOp::Accept).may_wait);
    EXPECT_TRUE(call_entry(CallOp::Recv).may_wait);
    EXPECT_FALSE(call_entry(CallOp::Bind).may_wait);
    EXPECT_FALSE(call_entry(CallOp::Socket).needs_socket);
    EXPECT_FALSE(call_entry(CallOp::GetAddrInfo).needs_socket);
    EXPECT_TRUE(call_entry(CallOp::Close).needs_socket);
}

TEST(SocketConstants, NamesAndValuesComeFromTheSystemHeaders) {
    EXPECT_EQ(value_of(socket_families(), "AF_INET6"), AF_INET6);
    EXPECT_EQ(name_of(socket_types(), SOCK_DGRAM), "SOCK_DGRAM");
    EXPECT_EQ(name_of(socket_types(), 12345), "12345");
    EXPECT_EQ(bit_names(message_flags(), MSG_PEEK | MSG_WAITALL), "MSG_PEEK|MSG_WAITALL");
    EXPECT_EQ(bit_names(poll_event_bits(), POLLIN | 0x4000), "POLLIN|16384");
    EXPECT_EQ(bit_names(message_flags(), 0), "");
    const SocketOption* nodelay = find_option("TCP_NODELAY");
    ASSERT_NE(nodelay, nullptr);
    EXPECT_EQ(nodelay->level, IPPROTO_TCP);
    EXPECT_EQ(nodelay->option, TCP_NODELAY);
    EXPECT_EQ(find_option(SOL_SOCKET, SO_LINGER)->kind, OptionValue::Linger);
    EXPECT_NE(known_option_names().find("SO_REUSEADDR"), std::string::npos);
}

// A step line through the table and back to text: what the transcript shows.
std::string round_trip(const std::string& line, std::string* error = nullptr) {
    std::vector<std::string> lines = {"client: " + line, "  caption: c"};
    std::vector<Step> steps;
    std::vector<LessonError> errors;
    parse_steps_block("t.md", 1, lines, steps, errors);
    if (!errors.empty()) {
        if (error) *error = errors[0].message;
        return "";
    }
    CallRecord record;
    record.spec = steps.at(0).spec;
    if (steps[0].address && steps[0].address->kind == StepAddress::Kind::Literal)
        record.spec.address = steps[0].address->literal;
    return call_args_text(record);
}

TEST(CallTable, StepLinesShowAsTheLearnerWouldWriteThem) {
    EXPECT_EQ(round_trip("socket AF_INET SOCK_STREAM"), "AF_INET, SOCK_STREAM, 0");
    EXPECT_EQ(round_trip("socket AF_INET6 SOCK_DGRAM IPPROTO_UDP"),
              "AF_INET6, SOCK_DGRAM, IPPROTO_UDP");
    EXPECT_EQ(round_trip("bind 127.0.0.1:5000"), "127.0.0.1:5000");
    EXPECT_EQ(round_trip("recv 30 MSG_PEEK MSG_WAITALL"), "30, MSG_PEEK|MSG_WAITALL");
    EXPECT_EQ(round_trip("send \"Hello karl\""), "b\"Hello karl\"");
    EXPECT_EQ(round_trip("setsockopt SO_LINGER 0"), "SO_LINGER, {on, 0 s}");
    EXPECT_EQ(round_trip("setsockopt SO_RCVTIMEO 250"), "SO_RCVTIMEO, 250 ms");
    EXPECT_EQ(round_trip("shutdown SHUT_WR"), "SHUT_WR");
    EXPECT_EQ(round_trip("getaddrinfo localhost 80 AF_INET SOCK_STREAM AI_CANONNAME"),
              "\"localhost\", \"80\", AF_INET, SOCK_STREAM, AI_CANONNAME");
    EXPECT_EQ(round_trip("setblocking false"), "flags | O_NONBLOCK");
}

TEST(CallTable, BadArgumentsSayWhatIsKnown) {
    std::string error;
    round_trip("send \"x\" MSG_OOB", &error);
    EXPECT_NE(error.find("unknown flag 'MSG_OOB'"), std::string::npos) << error;
    round_trip("setsockopt SO_NOPE 1", &error);
    EXPECT_NE(error.find("known: SO_REUSEADDR"), std::string::npos) << error;
    round_trip("shutdown SHUT_SIDEWAYS", &error);
    EXPECT_NE(error.find("SHUT_RD, SHUT_WR, SHUT_RDWR"), std::string::npos) << error;
    round_trip("frobnicate", &error);
    EXPECT_NE(error.find("known: accept, bind"), std::string::npos) << error;
    round_trip("socket AF_PACKET SOCK_RAW", &error);
    EXPECT_NE(error.find("unknown family"), std::string::npos) << error;
}

// A call made by another program (the tracer's future source) prints exactly like a step's:
// the text comes from the CallSpec alone.
TEST(CallTable, ArgumentsFromACallSpecNeedNoStepLine) {
    CallRecord record;
    record.spec.op = CallOp::Connect;
    record.spec.address = *SocketAddress::parse("[::1]:8080");
    EXPECT_EQ(call_args_text(record), "[::1]:8080");
    record.spec.op = CallOp::Poll;
    record.spec.poll_events = POLLIN | POLLOUT;
    record.spec.timeout_ms = -1;
    record.socket_names = {"sock", "conn"};
    EXPECT_EQ(call_args_text(record), "[sock, conn], POLLIN|POLLOUT, -1 ms");
}

}  // namespace
}  // namespace socketlab
