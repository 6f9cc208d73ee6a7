// Session: steps resolved against the engine, and what each expectation accepts and rejects.
#include "lesson/session.h"

#include <gtest/gtest.h>

#include "session_test_util.h"

#include "lesson/lesson_parser.h"

namespace socketlab {
namespace {

const char* kServer =
    "server: socket AF_INET SOCK_STREAM\n  caption: s\n"
    "server: bind 127.0.0.1:0\n  caption: b\n"
    "server: listen 1\n  caption: l\n";

TEST(Session, ConnectingToAnActorThatIsNotBoundSaysSo) {
    RunResult r = run_steps(
        "server: socket AF_INET SOCK_STREAM\n  caption: s\n"
        "client: socket AF_INET SOCK_STREAM\n  caption: c\n"
        "client: connect @server\n  caption: too early\n  expect: fails ECONNREFUSED\n");
    EXPECT_FALSE(r.ok);
    ASSERT_FALSE(r.messages.empty());
    EXPECT_NE(r.messages[0].find("@server has no bound address yet"), std::string::npos)
        << r.messages[0];
    EXPECT_NE(r.messages[0].find("t.md:11: step 3"), std::string::npos) << r.messages[0];
}

TEST(Session, BlockedAcceptIsCheckedWhenItReturns) {
    RunResult r = run_steps(std::string(kServer) +
                            "server: accept\n  caption: a\n  expect: blocks\n"
                            "client: socket AF_INET SOCK_STREAM\n  caption: c\n"
                            "client: connect @server\n  caption: c\n");
    EXPECT_TRUE(r.ok) << (r.messages.empty() ? "" : r.messages[0]);
}

TEST(Session, BlocksAloneStillExpectsSuccess) {
    // A recv that blocks and then fails must not pass "expect: blocks".
    RunResult r = run_steps(std::string(kServer) +
                            "server: accept\n  caption: a\n"
                            "client: socket AF_INET SOCK_STREAM\n  caption: c\n"
                            "client: connect @server\n  caption: c\n"
                            "server: recv 10\n  caption: waits\n  expect: blocks\n"
                            "client: setsockopt SO_LINGER 0\n  caption: abort\n"
                            "client: close\n  caption: reset\n");
    EXPECT_FALSE(r.ok);
    bool saw = false;
    for (const auto& m : r.messages) saw |= m.find("expected success") != std::string::npos;
    EXPECT_TRUE(saw);
}

TEST(Session, WrongExpectationsAreReportedWithWhatHappened) {
    RunResult r = run_steps(std::string(kServer) +
                            "client: socket AF_INET SOCK_STREAM\n  caption: c\n"
                            "client: connect @server\n  caption: c\n"
                            "client: send \"abc\"\n  caption: s\n  expect: returns 4\n"
                            "server: accept\n  caption: a\n  expect: blocks\n"
                            "server: recv 10\n  caption: r\n  expect: data \"abd\"\n");
    EXPECT_FALSE(r.ok);
    ASSERT_EQ(r.messages.size(), 3u);
    EXPECT_NE(r.messages[0].find("expected returns 4, but it returned 3"), std::string::npos);
    EXPECT_NE(r.messages[1].find("expected the call to block, but it returned at once"),
              std::string::npos);
    EXPECT_NE(r.messages[2].find("expected to receive \"abd\""), std::string::npos);
}

TEST(Session, AStepThatNeverReturnsIsReportedOnce) {
    RunResult r = run_steps(std::string(kServer) + "server: accept\n  caption: nobody comes\n");
    EXPECT_FALSE(r.ok);
    ASSERT_EQ(r.messages.size(), 1u) << r.messages[0];
    EXPECT_NE(r.messages[0].find("still blocked"), std::string::npos) << r.messages[0];
}

}  // namespace
}  // namespace socketlab
