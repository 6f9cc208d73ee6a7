#include "lesson/lesson_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lesson/lesson_library.h"

namespace socketlab {
namespace {

const char* kGood = R"(---
id: demo
title: A demo
order: 7
---
# Heading

Some *prose*.

```python
print("a code example stays prose")
```

```steps
server: socket AF_INET SOCK_STREAM
  caption: make a socket
```

More prose.

```steps
server: close
  caption: close it
```
)";

TEST(LessonParser, SplitsProseAndStepsInOrder) {
    std::vector<LessonError> errors;
    auto lesson = parse_lesson("demo.md", kGood, errors);
    ASSERT_TRUE(lesson) << errors[0].to_string();
    EXPECT_EQ(lesson->id, "demo");
    EXPECT_EQ(lesson->order, 7);
    ASSERT_EQ(lesson->steps.size(), 2u);
    EXPECT_EQ(lesson->steps[0].line, 15);
    ASSERT_EQ(lesson->blocks.size(), 4u);
    EXPECT_EQ(lesson->blocks[0].kind, LessonBlock::Kind::Prose);
    EXPECT_NE(lesson->blocks[0].markdown.find("print(\"a code example"), std::string::npos);
    EXPECT_EQ(lesson->blocks[1].kind, LessonBlock::Kind::Steps);
    EXPECT_EQ(lesson->blocks[3].first_step, 1u);
}

TEST(LessonParser, AcceptsAByteOrderMark) {
    std::vector<LessonError> errors;
    auto lesson = parse_lesson("bom.md", std::string("\xEF\xBB\xBF") + kGood, errors);
    ASSERT_TRUE(lesson) << errors[0].to_string();
    EXPECT_EQ(lesson->id, "demo");
}

std::string first_error(const std::string& text) {
    std::vector<LessonError> errors;
    auto lesson = parse_lesson("bad.md", text, errors);
    EXPECT_FALSE(lesson);
    return errors.empty() ? "" : errors[0].to_string();
}

TEST(LessonParser, ReportsFileAndLineForEachKindOfMistake) {
    EXPECT_EQ(first_error("# no front matter\n"),
              "bad.md:1: missing front matter: the file must start with a '---' line, then id, "
              "title and order, then '---'");
    EXPECT_EQ(first_error("---\nid: x\ntitle: t\norder: 1\n"),
              "bad.md:1: the front matter is not closed by a '---' line");
    EXPECT_EQ(
        first_error("---\nid: x\ntitle: t\n---\n```steps\nserver: close\n  caption: c\n```\n"),
        "bad.md:1: the front matter has no 'order:'");
    EXPECT_EQ(first_error("---\nid: x\ntitle: t\norder: first\n---\n"),
              "bad.md:4: order 'first' is not a whole number");
    EXPECT_EQ(first_error("---\nid: x\ntitle: t\norder: 1\n---\n\n```steps\nserver: bind nowhere\n"
                          "  caption: c\n```\n"),
              "bad.md:8: expected HOST:PORT (IPv6 in brackets), got 'nowhere'");
    EXPECT_EQ(first_error("---\nid: x\ntitle: t\norder: 1\n---\n```steps\nserver: close\n"),
              "bad.md:6: this steps block is never closed with ```");
    EXPECT_EQ(first_error("---\nid: x\ntitle: t\norder: 1\n---\nno steps\n"),
              "bad.md:1: the lesson has no ```steps block: nothing to run");
    EXPECT_EQ(first_error("---\nid: x\ntitle: t\norder: 1\n---\n```steps\nserver: recv 10\n"
                          "  caption: c\n  expect: fails ENOPE\n```\n"),
              "bad.md:9: unknown errno name 'ENOPE'");
}

TEST(LessonParser, NeverCrashesOnGarbage) {
    std::string garbage;
    uint32_t x = 12345;
    for (int i = 0; i < 200000; ++i) {
        x = x * 1103515245 + 12345;
        garbage.push_back(static_cast<char>(x >> 16));
    }
    std::vector<LessonError> errors;
    EXPECT_FALSE(parse_lesson("g.md", garbage, errors));
    EXPECT_FALSE(errors.empty());
    errors.clear();
    EXPECT_FALSE(parse_lesson("g.md", "---\n" + garbage, errors));
    EXPECT_FALSE(errors.empty());
}

TEST(LessonLibrary, LoadsGoodFilesAndReportsBadOnesWithoutStopping) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("socketlab-lib-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "b.md") << kGood;
    std::ofstream(dir / "a.md") << "---\nid: broken\n---\n";
    std::string second = kGood;
    second.replace(second.find("id: demo"), 8, "id: demo");  // same id: a duplicate
    std::ofstream(dir / "c.md") << second;
    std::ofstream(dir / "README.md") << "not a lesson";
    LessonLibrary library = load_lesson_library(dir.string());
    fs::remove_all(dir);
    ASSERT_EQ(library.lessons.size(), 1u);
    EXPECT_EQ(library.lessons[0].id, "demo");
    ASSERT_GE(library.errors.size(), 2u);
    bool saw_duplicate = false, saw_broken = false;
    for (const auto& e : library.errors) {
        saw_duplicate |= e.message.find("already used") != std::string::npos;
        saw_broken |= e.file.find("a.md") != std::string::npos;
    }
    EXPECT_TRUE(saw_duplicate);
    EXPECT_TRUE(saw_broken);
}

}  // namespace
}  // namespace socketlab

namespace socketlab {
namespace {

// An impossible link is a FILE:LINE error, in the front matter and in a step.
TEST(LessonParser, ImpossibleLinkLinesAreFileLineErrors) {
    for (const std::string bad : {"loss 140%", "mtu 20", "rate -1", "delay fast", "jitter 3ms"}) {
        std::vector<LessonError> errors;
        parse_lesson("bad.md", "---\nid: x\ntitle: X\norder: 1\nlink: " + bad + "\n---\n# X\n",
                     errors);
        ASSERT_EQ(errors.size(), 1u) << bad;
        EXPECT_EQ(errors[0].line, 5) << bad;
        EXPECT_NE(errors[0].to_string().find("bad.md:5: link:"), std::string::npos)
            << errors[0].to_string();
    }
    std::vector<LessonError> errors;
    parse_lesson("bad.md",
                 "---\nid: x\ntitle: X\norder: 1\nlink: delay 20ms rate 10mbit mtu 1500\n---\n"
                 "# X\n\n```steps\nlink: drop next 3 from server\n  caption: ok\n"
                 "link: drop next from nowhere\n  caption: bad\nlink: explode\n  caption: bad\n"
                 "client: socket AF_INET SOCK_STREAM\n  caption: c\n  packets: TCP from client "
                 "dropped retransmission fast dup-ack\n```\n",
                 errors);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].line, 12);
    EXPECT_NE(errors[0].message.find("two sides"), std::string::npos) << errors[0].message;
    EXPECT_EQ(errors[1].line, 14);
    EXPECT_NE(errors[1].message.find("unknown link step"), std::string::npos) << errors[1].message;
}

TEST(LessonParser, LinkSettingsAndCommandsReadBack) {
    LinkSettings s;
    ASSERT_EQ(parse_link_settings("delay 20ms rate 10mbit mtu 1400 loss 2.5% seed 7 queue 50", &s),
              "");
    EXPECT_EQ(s.delay_us, 20000);
    EXPECT_EQ(s.rate_bits, 10000000);
    EXPECT_EQ(s.mtu, 1400);
    EXPECT_DOUBLE_EQ(s.loss_percent, 2.5);
    EXPECT_EQ(s.seed, 7u);
    EXPECT_EQ(s.queue_packets, 50);
    EXPECT_EQ(s.text(), "loss 2.5% delay 20ms rate 10mbit queue 50 mtu 1400 seed 7");
    LinkCommand c;
    ASSERT_EQ(parse_link_command("drop next 3 data from server", &c), "");
    EXPECT_EQ(c.kind, LinkCommand::Kind::DropNext);
    EXPECT_EQ(c.count, 3);
    EXPECT_EQ(c.match, LinkCommand::Match::Data);
    ASSERT_TRUE(c.from.has_value());
    EXPECT_EQ(*c.from, LinkSide::Server);
    EXPECT_NE(c.describe().find("not the kernel's"), std::string::npos);
    ASSERT_EQ(parse_link_command("loss 20%", &c), "");
    EXPECT_EQ(c.kind, LinkCommand::Kind::Set);
    EXPECT_EQ(c.changed, "loss");
    EXPECT_NE(parse_link_command("reorder next 1", &c), "");
    EXPECT_NE(parse_link_command("mtu 1400", &c), "");
}

TEST(LessonParser, WaitStepsAndWindowWords) {
    std::vector<LessonError> errors;
    auto lesson =
        parse_lesson("w.md",
                     "---\nid: w\ntitle: W\norder: 1\nlink: delay 10ms\n---\n# W\n\n```steps\n"
                     "wait 2s\n  caption: time passes\n"
                     "  packets: ACK from server zero-window; ACK from client window-probe\n"
                     "wait 250ms\n  caption: less\n"
                     "server: socket AF_INET SOCK_STREAM\n  caption: s\n"
                     "  packets: ACK from server window-update\n```\n",
                     errors);
    for (const auto& e : errors) ADD_FAILURE() << e.to_string();
    ASSERT_TRUE(lesson);
    ASSERT_EQ(lesson->steps.size(), 3u);
    EXPECT_EQ(lesson->steps[0].wait_us, 2000000);
    EXPECT_EQ(lesson->steps[0].actor, "wait");
    ASSERT_EQ(lesson->steps[0].packets.size(), 2u);
    EXPECT_TRUE(lesson->steps[0].packets[0].zero_window);
    EXPECT_FALSE(lesson->steps[0].packets[0].window_probe);
    EXPECT_TRUE(lesson->steps[0].packets[1].window_probe);
    EXPECT_EQ(lesson->steps[1].wait_us, 250000);
    EXPECT_EQ(lesson->steps[2].wait_us, 0);
    EXPECT_TRUE(lesson->steps[2].packets[0].window_update);
}

TEST(LessonParser, BadWaitStepsAreFileLineErrors) {
    const char* bad[] = {"wait",    "wait 2",   "wait 2 s",  "wait 31s",      "wait 0ms",
                         "wait 2h", "wait -1s", "wait 1.5s", "wait 2s please"};
    for (const char* line : bad) {
        std::vector<LessonError> errors;
        parse_lesson("w.md",
                     std::string("---\nid: w\ntitle: W\norder: 1\n---\n# W\n\n```steps\n") + line +
                         "\n  caption: x\n```\n",
                     errors);
        ASSERT_EQ(errors.size(), 1u) << line;
        EXPECT_EQ(errors[0].to_string().rfind("w.md:9: 'wait", 0), 0u) << errors[0].to_string();
    }
    std::vector<LessonError> errors;
    parse_lesson("w.md",
                 "---\nid: w\ntitle: W\norder: 1\n---\n# W\n\n```steps\nwait 1s\n  caption: x\n"
                 "  expect: ok\n  packets: ACK window-opens\n```\n",
                 errors);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].line, 11);
    EXPECT_NE(errors[0].message.find("makes no call"), std::string::npos) << errors[0].message;
    EXPECT_EQ(errors[1].line, 12);
    EXPECT_NE(errors[1].message.find("window-opens"), std::string::npos) << errors[1].message;
}

}  // namespace
}  // namespace socketlab
