// A lesson reaches only its own sockets (lesson/lesson_reach.h): every step that could reach
// another program or another machine is refused with FILE:LINE when the lesson is read, and
// every lesson of the course still loads.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lesson/lesson_library.h"
#include "lesson/lesson_parser.h"
#include "lesson/lesson_reach.h"

namespace socketlab {
namespace {

// Each step line gets a caption line after it, so the steps are on lines 9, 11, 13, ...
std::string lesson_with(const std::string& front, const std::string& steps) {
    std::string captioned;
    size_t start = 0;
    for (size_t end = steps.find('\n'); end != std::string::npos;
         start = end + 1, end = steps.find('\n', start))
        captioned += steps.substr(start, end - start) + "\n  caption: c\n";
    return "---\nid: reach\ntitle: Reach\norder: 1\n" + front + "---\n# Reach\n\n```steps\n" +
           captioned + "```\n";
}

// The errors of parsing a lesson with these steps ("" = it loads).
std::string errors_of(const std::string& steps, const std::string& front = "") {
    std::vector<LessonError> errors;
    auto lesson = parse_lesson("reach.md", lesson_with(front, steps), errors);
    std::string all;
    for (const auto& e : errors) all += e.to_string() + "\n";
    if (lesson) {
        EXPECT_TRUE(errors.empty());
    }
    return all;
}

const std::string kServer =
    "server: socket AF_INET SOCK_STREAM\nserver: bind 127.0.0.1:0\nserver: listen 5\n"
    "client: socket AF_INET SOCK_STREAM\n";

TEST(LessonReach, OwnSocketsAndUnusedPortsLoad) {
    EXPECT_EQ(errors_of(kServer + "client: connect @server\n"), "");
    EXPECT_EQ(errors_of(kServer + "client: connect [::1]:@server\n"), "");
    EXPECT_EQ(errors_of(kServer + "client: connect 127.0.0.1:unused\n"), "");
    EXPECT_EQ(errors_of(kServer + "client: connect 127.0.0.1:0\n"), "");
    EXPECT_EQ(errors_of("server: socket AF_INET SOCK_STREAM\nserver: bind 127.0.0.1:80 "
                        "unprivileged\n"),
              "");
    EXPECT_EQ(errors_of(kServer + "client: bind 0.0.0.0:@server\n"), "");
    EXPECT_EQ(errors_of("server: socket AF_INET6 SOCK_STREAM\nserver: bind [::]:0\n"), "");
    EXPECT_EQ(errors_of("client: getaddrinfo localhost 80\nclient: getaddrinfo \"::1\" 80\n"
                        "client: getaddrinfo None 8080\nclient: getaddrinfo 127.0.0.1 80\n"),
              "");
}

TEST(LessonReach, AnotherMachineOrAnotherProgramIsAFileLineError) {
    // Each of the tester's attacks, with the line it is on (steps on lines 9, 11, 13, ...).
    const std::string connect_out = errors_of(kServer + "client: connect 192.0.2.1:80\n");
    EXPECT_NE(connect_out.find("reach.md:17: "), std::string::npos) << connect_out;
    EXPECT_NE(connect_out.find("192.0.2.1"), std::string::npos) << connect_out;

    const std::string sendto_out =
        errors_of("client: socket AF_INET SOCK_DGRAM\nclient: sendto \"x\" 192.0.2.1:9\n");
    EXPECT_NE(sendto_out.find("reach.md:11: "), std::string::npos) << sendto_out;

    // A local service on a port no actor holds (a listener standing in for Redis).
    const std::string redis =
        errors_of(kServer + "client: connect 127.0.0.1:6379\nclient: send \"FLUSHALL\\r\\n\"\n");
    EXPECT_NE(redis.find("reach.md:17: "), std::string::npos) << redis;
    EXPECT_NE(redis.find("6379"), std::string::npos) << redis;
    EXPECT_NE(redis.find("unused"), std::string::npos) << "the message says what to write";

    EXPECT_NE(errors_of(kServer + "client: connect 10.1.2.3:@server\n"), "");
    EXPECT_NE(errors_of(kServer + "client: connect 0.0.0.0:@server\n"), "")
        << "the wildcard is a bind address, not a destination";
    EXPECT_NE(errors_of(kServer + "client: connect 192.0.2.7:unused\n"), "");
    EXPECT_NE(errors_of("server: socket AF_INET SOCK_STREAM\nserver: bind 127.0.0.1:5000\n"), "")
        << "a fixed port may be one another program needs";
    // A bind reaches nothing; beyond loopback it asks for the private network (below).
    EXPECT_EQ(errors_of("server: socket AF_INET SOCK_STREAM\nserver: bind 192.0.2.1:0\n"), "");
    EXPECT_NE(errors_of("client: getaddrinfo example.com 80\n").find("DNS"), std::string::npos);
    EXPECT_NE(errors_of("server: socket AF_UNIX SOCK_STREAM\nserver: bind unix:..\n"), "");
}

TEST(LessonReach, TheLinksAddressesBelongToLinkLessonsOnly) {
    const std::string steps =
        "server: socket AF_INET SOCK_STREAM\nserver: bind 198.18.0.2:0\nserver: listen 5\n"
        "client: socket AF_INET SOCK_STREAM\nclient: connect 198.18.0.2:@server\n";
    EXPECT_EQ(errors_of(steps, "link: delay 10ms\n"), "");
    EXPECT_NE(errors_of(steps), "") << "without a link, 198.18.0.2 is another network's";
}

TEST(LessonReach, TryServerListensOnLoopbackOnly) {
    EXPECT_EQ(errors_of(kServer, "try-server: tcp-echo ::1\n"), "");
    const std::string all = errors_of(kServer, "try-server: tcp-echo 0.0.0.0\n");
    EXPECT_NE(all.find("reach.md:5: "), std::string::npos) << all;
    EXPECT_NE(all.find("loopback"), std::string::npos) << all;
}

TEST(LessonReach, AWildcardBindAsksForThePrivateNetwork) {
    std::vector<LessonError> errors;
    auto plain = parse_lesson("reach.md", lesson_with("", kServer), errors);
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->needs_private_network);
    auto wildcard = parse_lesson(
        "reach.md", lesson_with("", kServer + "client: bind 0.0.0.0:@server\n"), errors);
    ASSERT_TRUE(wildcard);
    EXPECT_TRUE(wildcard->needs_private_network);
}

TEST(LessonReach, EveryLessonOfTheCourseStaysInItsBox) {
    const LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    for (const auto& e : library.errors) ADD_FAILURE() << e.to_string();
    EXPECT_GE(library.lessons.size(), 17u);
}

}  // namespace
}  // namespace socketlab
