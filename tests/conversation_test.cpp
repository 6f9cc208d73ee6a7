// The conversation view's data (app/ui/conversation.h) from real runs: the HTTP lesson's
// request and response in order, each byte once, with who sent it; UDP told from TCP; and a
// sender outside the run (a kept-open server's client) read from the receiving calls.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/event_log.h"
#include "event_test_util.h"
#include "lesson/lesson_library.h"
#include "lesson/run_record.h"
#include "lesson/session.h"
#include "ui/conversation.h"

namespace socketlab::ui {
namespace {

std::string text_of(const RunRecord& record, const Conversation::Chunk& chunk) {
    return conversation_text(record.events()[chunk.event].call()->bytes);
}

// Runs a lesson to its end; the record and the session's directory stay for the checks.
struct RealRun {
    explicit RealRun(const std::string& id) : library(load_lesson_library(SOCKETLAB_LESSONS_DIR)) {
        const Lesson* lesson = library.find(id);
        EXPECT_NE(lesson, nullptr) << id;
        if (!lesson) return;
        session = std::make_unique<Session>(*lesson, log);
        std::vector<std::string> messages;
        EXPECT_TRUE(session->run_to_end(std::chrono::milliseconds(5000), messages));
        for (const auto& m : messages) ADD_FAILURE() << m;
        record.take_from(log);
    }
    LessonLibrary library;
    EventLog log;
    std::unique_ptr<Session> session;
    RunRecord record{RunRecord::unbounded()};
};

TEST(Conversation, HttpLessonReadsAsRequestThenResponse) {
    RealRun run("http-by-hand");
    ASSERT_TRUE(run.session);
    const auto conversations = build_conversations(run.record, run.session->directory());
    ASSERT_GE(conversations.size(), 1u);
    const Conversation& c = conversations.front();
    EXPECT_TRUE(c.tcp);
    EXPECT_EQ(c.first_actor, "client") << "the client speaks first in HTTP";
    EXPECT_EQ(c.second_actor, "server");
    // The lesson makes more than one connection: the label tells them apart by their ports.
    EXPECT_EQ(c.label().rfind("client \xE2\x86\x94 server, TCP", 0), 0u) << c.label();
    if (conversations.size() > 1) {
        EXPECT_NE(c.label().find(":" + std::to_string(c.second.port())), std::string::npos)
            << c.label();
    }
    ASSERT_GE(c.chunks.size(), 2u);
    EXPECT_TRUE(c.chunks[0].from_first);
    EXPECT_EQ(text_of(run.record, c.chunks[0]).rfind("GET /", 0), 0u)
        << text_of(run.record, c.chunks[0]);
    bool response = false;
    for (const auto& chunk : c.chunks)
        if (!chunk.from_first && text_of(run.record, chunk).rfind("HTTP/1.1 200 OK\n", 0) == 0)
            response = true;
    EXPECT_TRUE(response) << "the server's 200 response is in the conversation";

    // Each byte once: from the senders' send() calls, not their receivers' recv() too.
    uint64_t from_client = 0, from_server = 0;
    for (const auto& chunk : c.chunks) {
        const Event& e = run.record.events()[chunk.event];
        EXPECT_EQ(e.call()->direction, Direction::Sent);
        EXPECT_EQ(e.actor, chunk.from_first ? "client" : "server");
        (chunk.from_first ? from_client : from_server) += e.call()->bytes_total;
    }
    EXPECT_EQ(from_client, c.bytes_from_first);
    EXPECT_EQ(from_server, c.bytes_from_second);
    for (size_t i = 1; i < c.chunks.size(); ++i)
        EXPECT_LE(run.record.events()[c.chunks[i - 1].event].t_us,
                  run.record.events()[c.chunks[i].event].t_us);
}

TEST(Conversation, UdpPairsAreUdp) {
    RealRun run("udp-datagrams");
    ASSERT_TRUE(run.session);
    const auto conversations = build_conversations(run.record, run.session->directory());
    ASSERT_FALSE(conversations.empty());
    for (const auto& c : conversations)
        EXPECT_FALSE(c.tcp) << c.label() << ": the udp-datagrams lesson has only UDP sockets";
}

// An outside client's bytes exist only as what the server received: they are read from there.
TEST(Conversation, AnOutsideSenderIsReadFromTheReceiver) {
    auto bytes_call = [](int64_t t, const std::string& actor, const std::string& name,
                         const std::string& local, const std::string& peer, Direction d,
                         const std::string& data) {
        Event e =
            test::call_event(t, actor, name, local, peer, 0, static_cast<int64_t>(data.size()));
        CallRecord& call = *e.call();
        call.direction = d;
        call.bytes.assign(data.begin(), data.end());
        call.bytes_total = data.size();
        return e;
    };
    RunRecord record(RunRecord::unbounded());
    std::vector<Event> events = {
        bytes_call(10, "server", "recv", "127.0.0.1:5000", "127.0.0.1:40000", Direction::Received,
                   "HELO me\r\n"),
        bytes_call(20, "server", "send", "127.0.0.1:5000", "127.0.0.1:40000", Direction::Sent,
                   "250 hello\r\n"),
    };
    for (size_t i = 0; i < events.size(); ++i) events[i].seq = i + 1;
    record.add(events);
    SocketDirectory directory;
    const auto conversations = build_conversations(record, directory);
    ASSERT_EQ(conversations.size(), 1u);
    const Conversation& c = conversations.front();
    EXPECT_EQ(c.first.to_string(), "127.0.0.1:40000") << "the outside client spoke first";
    EXPECT_EQ(c.first_actor, "") << "no actor of the run sent from there";
    EXPECT_EQ(c.second_actor, "server");
    ASSERT_EQ(c.chunks.size(), 2u);
    EXPECT_EQ(text_of(record, c.chunks[0]), "HELO me\n");
    EXPECT_EQ(text_of(record, c.chunks[1]), "250 hello\n");
    EXPECT_EQ(c.bytes_from_first, 9u);
    EXPECT_EQ(c.bytes_from_second, 11u);
    // A lone CR and other bytes that are not printable show as '.'; CRLF ends a line.
    EXPECT_EQ(conversation_text({'a', 0, 0xff, '\r', 'b', '\r', '\n'}), "a...b\n");
}

}  // namespace
}  // namespace socketlab::ui
