// What a run has done (lesson/run_record.h): per-actor timelines and byte-carrying events, the
// packet index, TCP states by "actor.socket", bounding with shifted indices, and time order.
#include <gtest/gtest.h>

#include "event_test_util.h"
#include "lesson/run_record.h"

namespace socketlab {
namespace {

std::vector<Event> numbered(std::vector<Event> events, uint64_t first_seq = 1) {
    for (auto& e : events) e.seq = first_seq++;
    return events;
}

TEST(RunRecord, ServerAndClientAreThereFromTheStart) {
    RunRecord record;
    ASSERT_EQ(record.actors().size(), 2u);
    EXPECT_EQ(record.actors()[0].name, "server");
    EXPECT_EQ(record.actors()[1].name, "client");
    EXPECT_TRUE(record.events().empty());
}

TEST(RunRecord, FilesEachActorsTimelineBytesPacketsAndStates) {
    RunRecord record;
    record.add(numbered({
        test::step_event(1, "client", 1),                                         // 0
        test::call_event(2, "client", "socket"),                                  // 1
        test::data_event(3, "client", "send", "hello", Direction::Sent),          // 2
        test::packet_event(4, "127.0.0.1:40000", "127.0.0.1:5000", "SYN", 1, 0),  // 3
        test::data_event(5, "server", "recv", "hello", Direction::Received),      // 4
        test::state_event(6, "client", "127.0.0.1:40000", "127.0.0.1:5000", "SYN_SENT", "sock"),
        test::call_event(7, "outside-1", "close"),  // 6
        test::state_event(8, "client", "127.0.0.1:40000", "127.0.0.1:5000", "ESTABLISHED", "sock",
                          "SYN_SENT"),  // 7
    }));
    ASSERT_EQ(record.events().size(), 8u);
    const ActorRecord* client = record.actor("client");
    ASSERT_NE(client, nullptr);
    // The step itself is not on the timeline (the step controls show it).
    EXPECT_EQ(client->timeline, (std::vector<size_t>{1, 2, 5, 7}));
    EXPECT_EQ(client->byte_events, (std::vector<size_t>{2}));
    const ActorRecord* server = record.actor("server");
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->timeline, (std::vector<size_t>{4}));
    EXPECT_EQ(server->byte_events, (std::vector<size_t>{4}));
    // A new actor gets its own column, after the first two.
    ASSERT_EQ(record.actors().size(), 3u);
    EXPECT_EQ(record.actors()[2].name, "outside-1");
    EXPECT_EQ(record.packet_events(), (std::vector<size_t>{3}));
    // The newest state per socket, typed.
    EXPECT_EQ(record.tcp_state("client", "sock"), TcpState::Established);
    EXPECT_EQ(record.tcp_states().size(), 1u);
    EXPECT_FALSE(record.tcp_state("server", "conn").has_value());
}

TEST(RunRecord, AFailedCallCarriesNoBytes) {
    RunRecord record;
    Event failed = test::data_event(1, "client", "send", "x", Direction::Sent);
    failed.call()->ret = -1;
    failed.call()->err = EPIPE;
    record.add(numbered({failed}));
    EXPECT_EQ(record.actor("client")->timeline.size(), 1u);
    EXPECT_TRUE(record.actor("client")->byte_events.empty());
}

TEST(RunRecord, BoundedKeepsTheNewestAndShiftsIndices) {
    RunRecord record(RunRecord::Limits{10, SIZE_MAX});
    std::vector<Event> events;
    for (int i = 0; i < 12; ++i)
        events.push_back(i % 2 == 0
                             ? test::data_event(i, "client", "send", "ab", Direction::Sent)
                             : test::packet_event(i, "127.0.0.1:1", "127.0.0.1:2", "ACK", 0, 0));
    const uint64_t generation = record.generation();
    record.add(numbered(events));
    // Past 10, down to nine tenths: 9 kept, the 3 oldest let go.
    ASSERT_EQ(record.events().size(), 9u);
    EXPECT_EQ(record.dropped_events(), 3u);
    EXPECT_NE(record.generation(), generation);
    EXPECT_EQ(record.events().front().seq, 4u);
    const ActorRecord* client = record.actor("client");
    // Sends were events 0, 2, 4, ...: 0 and 2 went (2 calls, 4 bytes), 4.. remain, shifted by 3.
    EXPECT_EQ(client->dropped_calls, 2u);
    EXPECT_EQ(client->dropped_bytes, 4u);
    EXPECT_EQ(client->timeline, (std::vector<size_t>{1, 3, 5, 7}));
    EXPECT_EQ(client->byte_events, client->timeline);
    for (size_t index : client->timeline) EXPECT_TRUE(carries_bytes(record.events()[index]));
    EXPECT_EQ(record.packet_events(), (std::vector<size_t>{0, 2, 4, 6, 8}));
    for (size_t index : record.packet_events())
        EXPECT_EQ(record.events()[index].kind, EventKind::Packet);
}

TEST(RunRecord, BoundedByBytes) {
    RunRecord record(RunRecord::Limits{SIZE_MAX, 100});
    std::vector<Event> events;
    for (int i = 0; i < 11; ++i)
        events.push_back(
            test::data_event(i, "server", "recv", std::string(10, 'x'), Direction::Received));
    record.add(numbered(events));
    // 110 bytes > 100: down to 90.
    EXPECT_EQ(record.events().size(), 9u);
    EXPECT_EQ(record.actor("server")->dropped_bytes, 20u);
}

TEST(RunRecord, ClearForgetsEverythingButTheTwoColumns) {
    RunRecord record;
    record.add(numbered({test::call_event(1, "outside-1", "socket"),
                         test::state_event(2, "server", "127.0.0.1:5000", "", "LISTEN", "sock")}));
    record.clear();
    EXPECT_TRUE(record.events().empty());
    EXPECT_TRUE(record.tcp_states().empty());
    ASSERT_EQ(record.actors().size(), 2u);
    EXPECT_TRUE(record.actors()[0].timeline.empty());
}

TEST(RunRecord, TimeOrderIsStable) {
    RunRecord record(RunRecord::unbounded());
    record.add(numbered({test::call_event(30, "a", "socket"), test::call_event(10, "b", "socket"),
                         test::call_event(30, "c", "socket"), test::call_event(20, "d", "socket"),
                         test::call_event(10, "e", "socket")}));
    EXPECT_EQ(record.in_time_order(), (std::vector<size_t>{1, 4, 3, 0, 2}));
}

TEST(RunRecord, TakesWhatTheLogHas) {
    EventLog log;
    log.append(test::call_event(1, "client", "socket"));
    log.append(test::call_event(2, "server", "socket"));
    RunRecord record;
    EXPECT_EQ(record.take_from(log), 2u);
    EXPECT_EQ(record.events().size(), 2u);
    EXPECT_EQ(record.events()[0].seq, 1u);
    EXPECT_EQ(record.take_from(log), 0u);
}

}  // namespace
}  // namespace socketlab

namespace socketlab {
namespace {

// An outside client's flood past the limits: its own oldest events go, the lesson's stay.
TEST(RunRecordBounds, AGuestsFloodNeverEvictsTheLessonsOwnHistory) {
    RunRecord record(RunRecord::Limits{100, SIZE_MAX});
    record.set_own_actors({"server", "client"});
    std::vector<Event> own;
    for (int i = 0; i < 20; ++i) {
        Event e = test::call_event(i, i % 2 ? "client" : "server", "socket");
        e.seq = static_cast<uint64_t>(i) + 1;
        own.push_back(std::move(e));
    }
    record.add(own);
    uint64_t seq = 20;
    for (int batch = 0; batch < 10; ++batch) {
        std::vector<Event> flood;
        for (int i = 0; i < 100; ++i) {
            Event e = test::call_event(1000 + batch * 100 + i, "outside-1", "recv");
            e.seq = ++seq;
            flood.push_back(std::move(e));
        }
        record.add(flood);
    }
    EXPECT_LE(record.events().size(), 100u);
    ASSERT_NE(record.actor("server"), nullptr);
    EXPECT_EQ(record.actor("server")->timeline.size(), 10u) << "the server's steps are all there";
    EXPECT_EQ(record.actor("client")->timeline.size(), 10u);
    EXPECT_EQ(record.actor("server")->dropped_calls, 0u);
    ASSERT_NE(record.actor("outside-1"), nullptr);
    EXPECT_GT(record.actor("outside-1")->dropped_calls, 900u);
    EXPECT_EQ(record.dropped_events(), record.actor("outside-1")->dropped_calls);
    // The indices were filed again: each timeline entry is that actor's event, in log order.
    for (const auto& actor : record.actors()) {
        uint64_t last = 0;
        for (size_t index : actor.timeline) {
            ASSERT_LT(index, record.events().size());
            EXPECT_EQ(record.events()[index].actor, actor.name);
            EXPECT_GT(record.events()[index].seq, last);
            last = record.events()[index].seq;
        }
    }
    // The newest of the guest's are the ones kept.
    EXPECT_EQ(record.events().back().seq, seq);
}

// Without a list of its own actors a record keeps the newest events, as before.
TEST(RunRecordBounds, WithoutOwnActorsTheOldestGoFirst) {
    RunRecord record(RunRecord::Limits{50, SIZE_MAX});
    std::vector<Event> events;
    for (int i = 0; i < 200; ++i) {
        Event e = test::call_event(i, i < 10 ? "server" : "outside-1", "recv");
        e.seq = static_cast<uint64_t>(i) + 1;
        events.push_back(std::move(e));
    }
    record.add(events);
    EXPECT_LE(record.events().size(), 50u);
    EXPECT_EQ(record.actor("server")->timeline.size(), 0u);
    EXPECT_EQ(record.actor("server")->dropped_calls, 10u);
}

}  // namespace
}  // namespace socketlab
