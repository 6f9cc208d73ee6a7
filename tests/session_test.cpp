// Session: steps resolved against the engine, and what each expectation accepts and rejects.
#include "lesson/session.h"

#include <gtest/gtest.h>

#include <thread>

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

// `wait 300ms` makes no call: a headless run really lets the time pass; in the window the step
// is under way (the next step may start, as after a blocked call) until the time is up.
TEST(Session, AWaitStepLetsTimePassWithoutACall) {
    std::vector<LessonError> errors;
    auto lesson =
        parse_lesson("t.md",
                     "---\nid: t\ntitle: T\norder: 1\n---\n```steps\nwait 300ms\n  caption: w\n"
                     "server: socket AF_INET SOCK_STREAM\n  caption: s\n```\n",
                     errors);
    ASSERT_TRUE(lesson);
    {
        EventLog log;
        Session session(*lesson, log);
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::string> messages;
        EXPECT_TRUE(session.run_to_end(std::chrono::milliseconds(5000), messages));
        for (const auto& m : messages) ADD_FAILURE() << m;
        EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
        EXPECT_EQ(session.statuses()[0].state, StepState::Passed);
        EXPECT_GE(session.statuses()[0].done_us - session.statuses()[0].started_us, 300000);
        std::vector<Event> events;
        log.drain(events);
        bool said = false;
        for (const auto& e : events) {
            EXPECT_FALSE(e.step == 1 && e.kind == EventKind::Call) << "a wait makes no call";
            said |= e.kind == EventKind::Note && e.step == 1 &&
                    e.note.find("no call for 300 ms") != std::string::npos;
        }
        EXPECT_TRUE(said);
    }
    EventLog log;
    Session session(*lesson, log);
    ASSERT_TRUE(session.start_next_step());
    session.update();
    EXPECT_EQ(session.statuses()[0].state, StepState::Blocked);
    EXPECT_TRUE(session.ready_for_next());
    EXPECT_FALSE(session.finished());
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    session.update();
    EXPECT_EQ(session.statuses()[0].state, StepState::Passed);
}

}  // namespace
}  // namespace socketlab
