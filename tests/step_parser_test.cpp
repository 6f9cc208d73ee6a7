#include "lesson/step_parser.h"

#include <gtest/gtest.h>

namespace socketlab {
namespace {

struct Parsed {
    std::vector<Step> steps;
    std::vector<LessonError> errors;
};

Parsed parse(const std::vector<std::string>& lines) {
    Parsed p;
    parse_steps_block("x.md", 10, lines, p.steps, p.errors);
    return p;
}

TEST(StepParser, ReadsAStepWithAllItsKeys) {
    Parsed p = parse({
        "server: recv 30 MSG_DONTWAIT on conn",
        "  caption: The server reads.",
        "  python: data = conn.recv(30)",
        "  c: n = recv(conn, buf, 30, MSG_DONTWAIT);",
        "  expect: returns 10; data \"Hello karl\"",
    });
    ASSERT_TRUE(p.errors.empty()) << p.errors[0].to_string();
    ASSERT_EQ(p.steps.size(), 1u);
    const Step& s = p.steps[0];
    EXPECT_EQ(s.line, 10);
    EXPECT_EQ(s.actor, "server");
    EXPECT_EQ(s.spec.op, CallOp::Recv);
    EXPECT_EQ(s.spec.buffer_size, 30u);
    EXPECT_EQ(s.spec.flags, MSG_DONTWAIT);
    EXPECT_EQ(s.spec.socket, "conn");
    EXPECT_EQ(s.python, "data = conn.recv(30)");
    ASSERT_EQ(s.expectations.size(), 2u);
    EXPECT_EQ(s.expectations[0].kind, Expectation::Kind::Returns);
    EXPECT_EQ(s.expectations[0].number, 10);
    EXPECT_EQ(s.expectations[1].kind, Expectation::Kind::Data);
    EXPECT_EQ(std::string(s.expectations[1].data.begin(), s.expectations[1].data.end()),
              "Hello karl");
}

TEST(StepParser, AddressesDataAndOptions) {
    Parsed p = parse({
        "client: connect @server.listener",
        "  caption: a",
        "client: connect 127.0.0.1:unused",
        "  caption: b",
        "client: sendto hex:00ff10 [::1]:9000",
        "  caption: c",
        "server: bind 127.0.0.1:80 unprivileged",
        "  caption: d",
        "  expect: fails EACCES",
        "server: setsockopt SO_REUSEADDR 1",
        "  caption: e",
        "server: socket AF_INET6 SOCK_DGRAM as udp",
        "  caption: f",
        "client: send \"a\\r\\n\\x41\\\"\"",
        "  caption: g",
    });
    ASSERT_TRUE(p.errors.empty()) << p.errors[0].to_string();
    ASSERT_EQ(p.steps.size(), 7u);
    EXPECT_EQ(p.steps[0].address->kind, StepAddress::Kind::ActorSocket);
    EXPECT_EQ(p.steps[0].address->actor, "server");
    EXPECT_EQ(p.steps[0].address->socket, "listener");
    EXPECT_EQ(p.steps[1].address->kind, StepAddress::Kind::UnusedPort);
    EXPECT_EQ(p.steps[2].spec.data, (std::vector<uint8_t>{0x00, 0xff, 0x10}));
    EXPECT_EQ(p.steps[2].address->literal.to_string(), "[::1]:9000");
    EXPECT_TRUE(p.steps[3].spec.unprivileged);
    EXPECT_EQ(p.steps[3].expectations[0].err, EACCES);
    EXPECT_EQ(p.steps[4].spec.option, SO_REUSEADDR);
    EXPECT_EQ(p.steps[5].spec.family, AF_INET6);
    EXPECT_EQ(p.steps[5].spec.new_name, "udp");
    EXPECT_EQ(std::string(p.steps[6].spec.data.begin(), p.steps[6].spec.data.end()), "a\r\nA\"");
}

TEST(StepParser, ErrorsCarryTheirLineNumbers) {
    Parsed p = parse({
        "server: frobnicate 3",  // 10: unknown call
        "  caption: x",
        "client: connect localhost:80",  // 12: not numeric
        "  caption: x",
        "client: recv 30",         // 14
        "  expect: returns lots",  // 15: bad expectation
        "  caption: x",
        "client: send \"unterminated",  // 17
        "  caption: x",
        "client: close",   // 19: no caption
        "  colour: blue",  // 20: unknown key
        "9lives: close",   // 21: bad actor
    });
    std::vector<int> lines;
    for (const auto& e : p.errors) lines.push_back(e.line);
    EXPECT_EQ(lines, (std::vector<int>{10, 12, 15, 17, 20, 19, 21}));
    EXPECT_NE(p.errors[0].message.find("unknown call 'frobnicate'"), std::string::npos);
    EXPECT_EQ(p.errors[0].to_string().rfind("x.md:10: ", 0), 0u);
}

TEST(StepParser, DataForms) {
    std::vector<uint8_t> out;
    std::string error;
    EXPECT_TRUE(parse_data("bytes:30", out, error));
    EXPECT_EQ(out.size(), 30u);
    EXPECT_EQ(out[26], 'A');
    EXPECT_FALSE(parse_data("hex:abc", out, error));
    EXPECT_FALSE(parse_data("\"\\q\"", out, error));
    EXPECT_FALSE(parse_data("plain", out, error));
    EXPECT_TRUE(parse_data("\"\"", out, error));
    EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace socketlab
