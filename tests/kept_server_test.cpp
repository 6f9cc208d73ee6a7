// "Keep the server open": a client from outside (this test) talks to a lesson's kept-open server
// and shows up in the live pane's data as its own actor, garbage, floods and resets included.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "lesson/lesson_library.h"
#include "lesson_run_util.h"
#include "socket_client_util.h"
#include "ui/lesson_run.h"

namespace socketlab::ui {
namespace {

using namespace std::chrono_literals;
using socketlab::test::abort_connection;
using socketlab::test::connect_to;
using socketlab::test::echo_round_trip;
using socketlab::test::random_bytes;
using socketlab::test::send_all;

bool drain_until(LessonRun& run, const std::function<bool(const Event&)>& pred) {
    return socketlab::test::tick_until_event(run, pred);
}

class KeptServer : public ::testing::Test {
  protected:
    void SetUp() override {
        library_ = load_lesson_library(SOCKETLAB_LESSONS_DIR);
        const Lesson* lesson = library_.find("tcp-echo");
        ASSERT_NE(lesson, nullptr);
        ASSERT_EQ(lesson->try_server.kind, "tcp-echo");
        run_ = std::make_unique<LessonRun>(*lesson, jobs_);
        ASSERT_TRUE(socketlab::test::tick_until(*run_, [&] { return run_->ready(); }));
        run_->keep_server_open(true);
        ASSERT_TRUE(socketlab::test::tick_until(*run_, [&] { return !run_->kept_server_busy(); }));
        ASSERT_NE(run_->kept_server(), nullptr) << run_->kept_server_error();
    }
    LessonLibrary library_;
    BackgroundJobs jobs_;
    std::unique_ptr<LessonRun> run_;
};

TEST_F(KeptServer, OutsideClientsAreActorsWithTheirBytes) {
    const SocketAddress address = run_->kept_server()->address();
    ASSERT_TRUE(address.is_loopback());
    // Garbage: every byte value, echoed exactly.
    int garbage = connect_to(address);
    ASSERT_GE(garbage, 0);
    std::vector<uint8_t> all(256);
    for (int i = 0; i < 256; ++i) all[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
    EXPECT_EQ(echo_round_trip(garbage, all), all);
    // An abrupt disconnect in the middle of a transfer.
    int rude = connect_to(address);
    ASSERT_GE(rude, 0);
    ASSERT_TRUE(send_all(rude, random_bytes(256 * 1024)));
    abort_connection(rude);
    ::close(garbage);
    ASSERT_TRUE(drain_until(
        *run_, [](const Event& e) { return e.actor == "outside-2" && e.is_call(CallOp::Close); }));
    // The server keeps running: a third client is served.
    int later = connect_to(address);
    ASSERT_GE(later, 0);
    EXPECT_EQ(echo_round_trip(later, {'o', 'k'}), (std::vector<uint8_t>{'o', 'k'}));
    ::close(later);
    ASSERT_TRUE(drain_until(
        *run_, [](const Event& e) { return e.actor == "outside-3" && e.is_call(CallOp::Close); }));
    ASSERT_NE(run_->record().actor("outside-1"), nullptr);
    std::vector<uint8_t> received;
    for (const auto& chunk : run_->chunks_of("outside-1"))
        if (chunk.direction == ByteDirection::Received)
            received.insert(received.end(), chunk.bytes->begin(), chunk.bytes->end());
    EXPECT_EQ(received, all);
    EXPECT_NE(run_->record().actor("outside-3"), nullptr);
    // Reset starts the lesson over but leaves the kept server open.
    run_->reset();
    ASSERT_TRUE(socketlab::test::tick_until(*run_, [&] { return run_->ready(); }));
    EXPECT_NE(run_->kept_server(), nullptr);
    int after_reset = connect_to(address);
    ASSERT_GE(after_reset, 0);
    EXPECT_EQ(echo_round_trip(after_reset, {'!'}), std::vector<uint8_t>{'!'});
    ::close(after_reset);
}

TEST_F(KeptServer, AFloodKeepsTheNewestBytesAndSaysHowManyWent) {
    const SocketAddress address = run_->kept_server()->address();
    int fd = connect_to(address);
    ASSERT_GE(fd, 0);
    const size_t total = LessonRun::kMaxEventBytes / 2 + size_t{8} * 1024 * 1024;
    // Read the echo on another thread, or the server stops reading (back-pressure).
    std::thread reader([fd, total] {
        std::vector<uint8_t> sink(1 << 16);
        size_t got = 0;
        while (got < total) {
            ssize_t n = ::recv(fd, sink.data(), sink.size(), 0);
            if (n <= 0) break;
            got += static_cast<size_t>(n);
        }
    });
    const auto chunk = random_bytes(1 << 20);
    for (size_t sent = 0; sent < total; sent += chunk.size()) {
        ASSERT_TRUE(send_all(fd, chunk));
        socketlab::test::tick(*run_);
    }
    reader.join();
    ::close(fd);
    ASSERT_TRUE(drain_until(
        *run_, [](const Event& e) { return e.actor == "outside-1" && e.is_call(CallOp::Close); }));
    // Sent and received, the flood is bigger than the UI keeps.
    size_t kept = 0;
    for (const auto& e : run_->record().events()) kept += e.bytes().size();
    EXPECT_LE(kept, LessonRun::kMaxEventBytes);
    const ActorRecord* actor = run_->record().actor("outside-1");
    ASSERT_NE(actor, nullptr);
    EXPECT_GT(actor->dropped_bytes, 0u);
    EXPECT_GT(run_->record().dropped_events(), 0u);
    // The newest events are the ones kept: the close is there.
    EXPECT_TRUE(run_->record().events().back().is_call(CallOp::Close));
}

}  // namespace
}  // namespace socketlab::ui
