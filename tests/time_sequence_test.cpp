// The time-sequence graph's data (app/ui/time_sequence.h), from a real run of the
// tcp-reliability lesson through SocketLab's link: the segment the link dropped, the kernel's
// retransmission of the same bytes, an ACK line that never goes back, a scaled window.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "capture_test_util.h"
#include "core/event_log.h"
#include "lesson/lesson_library.h"
#include "lesson/session.h"
#include "ui/packet_flow.h"
#include "ui/time_sequence.h"

namespace socketlab::ui {
namespace {

TEST(TimeSequence, RealLinkRunShowsTheDropAndItsRetransmission) {
    const LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    const Lesson* lesson = library.find("tcp-reliability");
    ASSERT_NE(lesson, nullptr);
    EventLog log;
    Session session(*lesson, log);
    if (!session.capture_problem().empty()) SKIP_OR_FAIL_WITHOUT_CAPTURE(session.capture_problem());
    std::vector<std::string> messages;
    EXPECT_TRUE(session.run_to_end(std::chrono::milliseconds(8000), messages));
    for (const auto& m : messages) ADD_FAILURE() << m;
    std::vector<Event> drained;
    log.drain(drained);
    const std::deque<Event> events(drained.begin(), drained.end());
    FlowModel flow;
    flow.update(events, 0);

    const auto choices = time_sequence_choices(flow, events);
    ASSERT_FALSE(choices.empty()) << "no TCP connection carried data";
    for (size_t i = 1; i < choices.size(); ++i)
        EXPECT_GE(choices[i - 1].data_bytes, choices[i].data_bytes) << "most data first";
    // The lesson's data goes from the client to the server.
    EXPECT_TRUE(choices.front().from_client);
    EXPECT_NE(time_sequence_label(flow, choices.front()).find("client"), std::string::npos)
        << time_sequence_label(flow, choices.front());

    const TimeSequence graph = build_time_sequence(flow, events, choices.front());
    ASSERT_FALSE(graph.segments.empty());
    ASSERT_FALSE(graph.acks.empty());
    EXPECT_TRUE(graph.segments.front().syn) << "the graph starts at the client's SYN";
    EXPECT_EQ(graph.segments.front().start, 0u);

    // A data segment the link dropped, and later one with exactly its bytes, marked as the
    // retransmission: the kernel's TCP sent them again.
    bool found = false;
    for (const auto& dropped : graph.segments) {
        if (!dropped.dropped || dropped.syn || dropped.start == dropped.end) continue;
        for (const auto& again : graph.segments)
            if (again.t_us > dropped.t_us && again.start == dropped.start &&
                again.end == dropped.end && again.retransmission && !again.dropped)
                found = true;
    }
    EXPECT_TRUE(found) << "no dropped data segment with a delivered retransmission";

    // The receiver's cumulative ACK never goes back, and its window edge is never behind it.
    uint32_t last = 0;
    int64_t last_t = -1;
    size_t scaled_gaps = 0;
    for (const auto& a : graph.acks) {
        EXPECT_GE(a.window_edge, a.ack);
        if (a.dropped) continue;
        EXPECT_GE(a.t_us, last_t);
        EXPECT_GE(a.ack, last) << "an ACK went back";
        last = a.ack;
        last_t = a.t_us;
        // Linux's window fields after the handshake are a few hundred, scaled by 2^7 or so:
        // unscaled, the edge would sit a few hundred bytes ahead of the ACK.
        if (a.window_edge - a.ack > 8000) ++scaled_gaps;
    }
    EXPECT_TRUE(graph.window_scaled);
    EXPECT_GT(scaled_gaps, 0u) << "the window was not scaled";
    EXPECT_GE(graph.top, last);
    EXPECT_GE(graph.last_us, graph.segments.back().t_us);
}

}  // namespace
}  // namespace socketlab::ui
