// The lesson-file features beyond steps: quiz blocks, try-server and capture front matter, and
// the newer step forms (calls, addresses, DATA words, expectations), with their error messages.
#include <gtest/gtest.h>

#include <netdb.h>
#include <poll.h>
#include "session_test_util.h"

#include <algorithm>
#include <thread>

#include "core/errno_text.h"
#include "lesson/lesson_parser.h"
#include "lesson/session.h"
#include "lesson/step_parser.h"

namespace socketlab {
namespace {

std::string lesson_text(const std::string& front, const std::string& body) {
    return "---\nid: t\ntitle: T\norder: 1\n" + front + "---\n" + body;
}

const char* kOneStep = "```steps\nserver: socket AF_INET SOCK_STREAM\n  caption: s\n```\n";

TEST(QuizBlocks, PredictionAndCheckYourself) {
    std::vector<LessonError> errors;
    auto lesson = parse_lesson("q.md", lesson_text("", R"(```quiz
? Will it block?
- no
+ yes
> Because nobody has connected.
```
)" + std::string(kOneStep) + R"(
## Check yourself

```quiz
? First `question`
? continued here.
- a
+ b
- c
> One line,
> and another.

? Second
+ right
- wrong
> why
```
)"),
                               errors);
    ASSERT_TRUE(lesson) << errors[0].to_string();
    ASSERT_EQ(lesson->quizzes.size(), 2u);
    EXPECT_TRUE(lesson->quizzes[0].is_prediction);
    EXPECT_EQ(lesson->quizzes[0].before_step, 0u);
    EXPECT_FALSE(lesson->quizzes[1].is_prediction);
    ASSERT_EQ(lesson->questions.size(), 3u);
    EXPECT_EQ(lesson->questions[0].id, "q1");
    EXPECT_EQ(lesson->questions[0].correct, 1u);
    EXPECT_EQ(lesson->questions[1].question, "First `question` continued here.");
    EXPECT_EQ(lesson->questions[1].choices.size(), 3u);
    EXPECT_EQ(lesson->questions[1].explanation, "One line,\nand another.");
    EXPECT_EQ(lesson->questions[2].correct, 0u);
    EXPECT_EQ(lesson->questions[1].line, 20);
    // The quiz blocks stand where they were written, between the prose and steps.
    ASSERT_GE(lesson->blocks.size(), 3u);
    EXPECT_EQ(lesson->blocks[0].kind, LessonBlock::Kind::Quiz);
    EXPECT_EQ(lesson->blocks.back().kind, LessonBlock::Kind::Quiz);
}

TEST(QuizBlocks, MistakesAreReportedWithTheirLines) {
    std::vector<LessonError> errors;
    auto lesson = parse_lesson("q.md", lesson_text("", std::string(kOneStep) + R"(```quiz
? No right answer
- a
- b
> x
? Two right answers
+ a
+ b
> x
? Only one choice
+ a
> x
? No explanation
- a
+ b
stray text
- orphan?
```
```quiz
```
```quiz
? never closed
)"),
                               errors);
    EXPECT_FALSE(lesson);
    std::vector<std::string> got;
    for (const auto& e : errors) got.push_back(e.to_string());
    auto has = [&](const std::string& text) {
        return std::any_of(got.begin(), got.end(),
                           [&](const std::string& g) { return g.find(text) != std::string::npos; });
    };
    EXPECT_TRUE(has("q.md:11: this question has no right answer")) << ::testing::PrintToString(got);
    EXPECT_TRUE(has("q.md:17: a second right answer")) << ::testing::PrintToString(got);
    EXPECT_TRUE(has("q.md:19: a question needs at least two choices"));
    EXPECT_TRUE(has("q.md:25: quiz lines start with"));
    EXPECT_TRUE(has("q.md:22: this question has no explanation"));
    EXPECT_TRUE(has("q.md:28: this quiz block has no questions"));
    EXPECT_TRUE(has("q.md:30: this quiz block is never closed"));
}

TEST(FrontMatter, TryServerAndCapture) {
    std::vector<LessonError> errors;
    auto lesson = parse_lesson(
        "f.md", lesson_text("try-server: tcp-echo ::1\ncapture: yes\n", kOneStep), errors);
    ASSERT_TRUE(lesson) << errors[0].to_string();
    EXPECT_EQ(lesson->try_server.kind, "tcp-echo");
    EXPECT_EQ(lesson->try_server.host, "::1");
    EXPECT_TRUE(lesson->capture);

    errors.clear();
    EXPECT_FALSE(parse_lesson(
        "f.md", lesson_text("try-server: imap\ncapture: maybe\ntry-servr: http\n", kOneStep),
        errors));
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].to_string().rfind("f.md:5: try-server 'imap' should be KIND [HOST]", 0), 0u)
        << errors[0].to_string();
    EXPECT_EQ(errors[1].to_string().rfind("f.md:6: capture 'maybe' should be yes or no", 0), 0u);
    EXPECT_NE(errors[2].message.find("unknown front matter key 'try-servr'"), std::string::npos);

    errors.clear();
    EXPECT_FALSE(
        parse_lesson("f.md", lesson_text("try-server: http localhost\n", kOneStep), errors));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].message.find("not a numeric address"), std::string::npos);
}

std::vector<Step> parse_steps(const std::vector<std::string>& lines,
                              std::vector<LessonError>& errors) {
    std::vector<Step> steps;
    parse_steps_block("s.md", 1, lines, steps, errors);
    return steps;
}

TEST(StepForms, NewCallsParse) {
    std::vector<LessonError> errors;
    auto steps =
        parse_steps({"client: getaddrinfo localhost http AF_INET6 SOCK_STREAM AI_NUMERICSERV",
                     "  caption: x",
                     "server: poll POLLIN|POLLOUT 250 on sock,conn",
                     "  caption: x",
                     "server: setblocking false",
                     "  caption: x",
                     "server: getsockopt SO_ERROR",
                     "  caption: x",
                     "server: handoff conn to worker1",
                     "  caption: x",
                     "server: sendall u32:5 \"hello\"",
                     "  caption: x",
                     "server: socket AF_UNIX SOCK_SEQPACKET",
                     "  caption: x",
                     "server: bind unix:@echo",
                     "  caption: x",
                     "client: connect [::1]:@server.sock",
                     "  caption: x",
                     "server: unlink unix:echo.sock",
                     "  caption: x"},
                    errors);
    ASSERT_TRUE(errors.empty()) << errors[0].to_string();
    ASSERT_EQ(steps.size(), 10u);
    EXPECT_EQ(steps[0].spec.op, CallOp::GetAddrInfo);
    EXPECT_EQ(steps[0].spec.host, "localhost");
    EXPECT_EQ(steps[0].spec.service, "http");
    EXPECT_EQ(steps[0].spec.family, AF_INET6);
    EXPECT_EQ(steps[0].spec.ai_flags, AI_NUMERICSERV);
    EXPECT_EQ(steps[1].spec.poll_sockets, (std::vector<std::string>{"sock", "conn"}));
    EXPECT_EQ(steps[1].spec.poll_events, static_cast<short>(POLLIN | POLLOUT));
    EXPECT_EQ(steps[1].spec.timeout_ms, 250);
    EXPECT_FALSE(steps[2].spec.blocking);
    EXPECT_EQ(steps[3].spec.option, SO_ERROR);
    EXPECT_EQ(steps[4].spec.socket, "conn");
    EXPECT_EQ(steps[4].spec.to_actor, "worker1");
    EXPECT_EQ(steps[5].spec.data.size(), 9u);
    EXPECT_EQ(steps[6].spec.family, AF_UNIX);
    EXPECT_EQ(steps[6].spec.type, SOCK_SEQPACKET);
    EXPECT_EQ(steps[7].address->kind, StepAddress::Kind::UnixPath);
    EXPECT_TRUE(steps[7].address->abstract);
    EXPECT_EQ(steps[8].address->kind, StepAddress::Kind::ActorSocket);
    EXPECT_EQ(steps[8].address->host, "::1");
    EXPECT_EQ(steps[8].address->socket, "sock");
}

TEST(StepForms, NewCallErrors) {
    std::vector<LessonError> errors;
    parse_steps(
        {"server: poll POLLWHAT 10", "  caption: x", "server: setblocking maybe", "  caption: x",
         "server: handoff conn worker1", "  caption: x", "server: bind unix:../etc/passwd",
         "  caption: x", "server: unlink 127.0.0.1:80", "  caption: x", "server: send u16:70000",
         "  caption: x", "server: recv 5", "  expect: contains", "  caption: x"},
        errors);
    std::vector<std::string> got;
    for (const auto& e : errors) got.push_back(e.to_string());
    ASSERT_EQ(got.size(), 7u) << ::testing::PrintToString(got);
    EXPECT_NE(got[0].find("s.md:1: unknown poll event 'POLLWHAT'"), std::string::npos) << got[0];
    EXPECT_NE(got[1].find("s.md:3: 'setblocking' takes true or false"), std::string::npos);
    EXPECT_NE(got[2].find("s.md:5: 'handoff' takes SOCKET to ACTOR"), std::string::npos);
    EXPECT_NE(got[3].find("s.md:7: 'unix:../etc/passwd' is not a unix socket name"),
              std::string::npos);
    EXPECT_NE(got[4].find("s.md:9: 'unlink' takes a unix:NAME"), std::string::npos);
    EXPECT_NE(got[5].find("s.md:11: 'u16:70000' needs a whole number that fits in 2 bytes"),
              std::string::npos);
    EXPECT_NE(got[6].find("s.md:14: 'contains' needs the expected bytes"), std::string::npos);
}

TEST(StepForms, NumberFieldsAndJoinedData) {
    std::vector<uint8_t> out;
    std::string error;
    EXPECT_TRUE(parse_data("u16:5000", out, error));
    EXPECT_EQ(out, (std::vector<uint8_t>{0x13, 0x88}));
    EXPECT_TRUE(parse_data("u16le:5000", out, error));
    EXPECT_EQ(out, (std::vector<uint8_t>{0x88, 0x13}));
    EXPECT_TRUE(parse_data("u32:1", out, error));
    EXPECT_EQ(out, (std::vector<uint8_t>{0, 0, 0, 1}));
    EXPECT_TRUE(parse_data("u64:18446744073709551615", out, error));
    EXPECT_EQ(out, std::vector<uint8_t>(8, 0xff));
    EXPECT_FALSE(parse_data("u8:256", out, error));
    EXPECT_FALSE(parse_data("u32:-1", out, error));
    size_t used = 0;
    std::vector<PatternRun> runs;
    EXPECT_TRUE(parse_data_words({"u16:2", "\"hi\"", "MSG_DONTWAIT"}, 0, out, runs, used, error));
    EXPECT_EQ(used, 2u);
    EXPECT_EQ(out, (std::vector<uint8_t>{0, 2, 'h', 'i'}));
    EXPECT_TRUE(runs.empty());
}

// bytes:N is a count until the step runs: reading forty 64 MiB words builds nothing (a
// 380-byte line once took 2.2 GB), and past 64 MiB in one step the words are refused.
TEST(StepData, LargePatternsAreCountedNotBuiltAndBounded) {
    std::vector<uint8_t> out;
    std::vector<PatternRun> runs;
    std::string error;
    size_t used = 0;
    ASSERT_TRUE(parse_data_words({"\"<\"", "bytes:5000", "u8:62", "bytes:3", "bytes:70000"}, 0, out,
                                 runs, used, error))
        << error;
    EXPECT_EQ(used, 5u);
    EXPECT_EQ(out.size(), 5u) << "only the written-out bytes and the short pattern are built";
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(data_size(out, runs), 1u + 5000 + 1 + 3 + 70000);
    const std::vector<uint8_t> whole = with_patterns(out, runs);
    ASSERT_EQ(whole.size(), data_size(out, runs));
    EXPECT_EQ(whole[0], '<');
    EXPECT_EQ(whole[1], 'A');
    EXPECT_EQ(whole[1 + 26], 'A');
    EXPECT_EQ(whole[5000], 'A' + 4999 % 26) << "the pattern runs on";
    EXPECT_EQ(whole[5001], '>');
    EXPECT_EQ(std::string(whole.begin() + 5002, whole.begin() + 5005), "ABC");
    EXPECT_EQ(whole[5005], 'A');

    std::vector<std::string> forty(40, "bytes:67108864");
    EXPECT_FALSE(parse_data_words(forty, 0, out, runs, used, error));
    EXPECT_NE(error.find("64 MiB"), std::string::npos) << error;
    EXPECT_TRUE(parse_data_words({"bytes:67108864"}, 0, out, runs, used, error)) << error;
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(parse_data_words({"bytes:67108864", "\"x\""}, 0, out, runs, used, error));
}

TEST(StepExpectations, ContainsAndResolverErrorsAgainstTheKernel) {
    auto good = run_steps(
        "client: getaddrinfo 127.0.0.1 80 SOCK_STREAM\n  caption: a\n"
        "  expect: returns 1; contains \"(AF_INET, SOCK_STREAM, IPPROTO_TCP, 127.0.0.1:80)\"\n"
        "client: getaddrinfo not-numeric 80 AI_NUMERICHOST\n  caption: b\n"
        "  expect: fails EAI_NONAME\n");
    EXPECT_TRUE(good.ok) << ::testing::PrintToString(good.messages);
    auto bad = run_steps(
        "client: getaddrinfo ::1 80 SOCK_STREAM\n  caption: a\n"
        "  expect: contains \"127.0.0.1\"\n");
    EXPECT_FALSE(bad.ok);
    ASSERT_FALSE(bad.messages.empty());
    EXPECT_NE(bad.messages[0].find("expected the result to contain"), std::string::npos)
        << bad.messages[0];
    EXPECT_EQ(errno_name(*errno_from_name("EAI_NONAME")), "EAI_NONAME");
}

TEST(StepExpectations, NonBlockingConnectFinishedWithPollAndSoError) {
    auto r = run_steps(
        "server: socket AF_INET SOCK_STREAM\n  caption: s\n"
        "server: bind 127.0.0.1:0\n  caption: b\n"
        "server: listen 4\n  caption: l\n"
        "client: socket AF_INET SOCK_STREAM\n  caption: c\n"
        "client: setblocking false\n  caption: nb\n"
        "client: recv 10\n  caption: r\n  expect: fails ENOTCONN\n"
        "client: connect @server\n  caption: c\n  expect: fails EINPROGRESS\n"
        "client: poll POLLOUT 2000\n  caption: p\n  expect: returns 1; contains \"sock: POLLOUT\"\n"
        "client: getsockopt SO_ERROR\n  caption: e\n  expect: returns 0\n"
        "server: accept\n  caption: a\n"
        "server: handoff conn to worker\n  caption: h\n"
        "worker: recv 100\n  caption: w\n  expect: blocks; data u32:5 \"hello\"\n"
        "client: setblocking true\n  caption: b\n"
        "client: sendall u32:5 \"hello\"\n  caption: s\n  expect: returns 9\n");
    EXPECT_TRUE(r.ok) << ::testing::PrintToString(r.messages);
}

TEST(StepExpectations, UnixPathsAreUniquePerRunAndAbstractNamesHaveNoFile) {
    const std::string steps =
        "server: socket AF_UNIX SOCK_STREAM\n  caption: s\n"
        "server: bind unix:echo.sock\n  caption: b\n"
        "server: listen 1\n  caption: l\n"
        "client: socket AF_UNIX SOCK_STREAM\n  caption: c\n"
        "client: connect @server\n  caption: c\n"
        "server: socket AF_UNIX SOCK_DGRAM as again\n  caption: s\n"
        "server: bind unix:echo.sock\n  caption: b\n  expect: fails EADDRINUSE\n"
        "server: unlink unix:echo.sock\n  caption: u\n"
        "server: bind unix:echo.sock\n  caption: b\n"
        "server: socket AF_UNIX SOCK_DGRAM as abstract\n  caption: s\n"
        "server: bind unix:@echo\n  caption: b\n";
    // Two runs at once must not collide on the path.
    RunResult a, b;
    std::thread other([&] { b = run_steps(steps); });
    a = run_steps(steps);
    other.join();
    EXPECT_TRUE(a.ok) << ::testing::PrintToString(a.messages);
    EXPECT_TRUE(b.ok) << ::testing::PrintToString(b.messages);
}

}  // namespace
}  // namespace socketlab
