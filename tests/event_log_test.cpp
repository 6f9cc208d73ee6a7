#include "core/event_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace socketlab {
namespace {

TEST(EventLog, KeepsTheNewestEventsWhenFullAndCountsTheDropped) {
    EventLog log(10);
    for (int i = 0; i < 25; ++i) {
        Event e;
        e.step = i;
        log.append(e);
    }
    std::vector<Event> out;
    EXPECT_EQ(log.drain(out), 10u);
    EXPECT_EQ(log.dropped(), 15u);
    EXPECT_EQ(out.front().step, 15);
    EXPECT_EQ(out.back().step, 24);
    EXPECT_EQ(out.back().seq, 25u);
}

TEST(EventLog, CutsHugeByteBuffersButRemembersTheTotal) {
    EventLog log;
    Event e;
    CallRecord call;
    call.direction = Direction::Received;
    call.bytes.assign(EventLog::kMaxBytesPerEvent * 3, 'x');
    e.payload = call;
    log.append(e);
    std::vector<Event> out;
    log.drain(out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].bytes().size(), EventLog::kMaxBytesPerEvent);
    EXPECT_EQ(out[0].bytes_total(), EventLog::kMaxBytesPerEvent * 3);
    EXPECT_TRUE(out[0].bytes_cut());
}

TEST(EventLog, ManyWritersLoseNothingBelowCapacity) {
    EventLog log(100000);
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
        writers.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) log.append(Event{});
        });
    for (auto& t : writers) t.join();
    std::vector<Event> out;
    EXPECT_EQ(log.drain(out), 4000u);
    EXPECT_EQ(log.dropped(), 0u);
}

TEST(EventLog, WaitForTimesOutWhenNothingMatches) {
    EventLog log;
    EXPECT_FALSE(log.wait_for([](const Event&) { return true; }, std::chrono::milliseconds(20)));
    std::thread writer([&] {
        Event e;
        CallRecord call;
        call.spec.op = CallOp::Recv;
        e.payload = call;
        log.append(e);
    });
    EXPECT_TRUE(log.wait_for([](const Event& e) { return e.is_call(CallOp::Recv); },
                             std::chrono::milliseconds(5000)));
    writer.join();
}

TEST(EventJson, HasTheDocumentedFields) {
    Event e;
    e.t_us = 1234;
    e.actor = "client";
    CallRecord connect;
    connect.spec.op = CallOp::Connect;
    connect.spec.address = *SocketAddress::parse("127.0.0.1:5000");
    connect.ret = -1;
    connect.err = ECONNREFUSED;
    connect.local = *SocketAddress::parse("127.0.0.1:40000");
    connect.peer = *SocketAddress::parse("127.0.0.1:5000");
    e.payload = connect;
    nlohmann::json j = event_to_json(e);
    EXPECT_EQ(j["kind"], "call");
    EXPECT_EQ(j["t_us"], 1234);
    EXPECT_EQ(j["actor"], "client");
    EXPECT_EQ(j["call"], "connect");
    EXPECT_EQ(j["ret"], -1);
    EXPECT_EQ(j["errno"], "ECONNREFUSED");
    EXPECT_EQ(j["peer"], "127.0.0.1:5000");
    EXPECT_EQ(j["local"], "127.0.0.1:40000");
    EXPECT_EQ(j["args"], "127.0.0.1:5000");
    EXPECT_FALSE(j.contains("bytes_hex"));

    Event data;
    CallRecord send;
    send.spec.op = CallOp::Send;
    send.spec.data = {0x48, 0x69, 0xff};
    send.ret = 3;
    send.direction = Direction::Sent;
    send.bytes = {0x48, 0x69, 0xff};
    data.payload = send;
    nlohmann::json d = event_to_json(data);
    EXPECT_EQ(d["bytes_hex"], "4869ff");
    EXPECT_EQ(d["args"], "b\"Hi.\"");
    EXPECT_EQ(d["call"], "send");
    EXPECT_FALSE(d.contains("errno"));
}

}  // namespace
}  // namespace socketlab
