// The window's LessonRun never waits: opening a lesson (its network helper), Reset and closing
// run on BackgroundJobs, so no frame (a tick) takes more than 50 ms, even when the helper never
// answers; and closing gives up a helper request still under way.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>

#include "lesson/lesson_library.h"
#include "lesson_run_util.h"
#include "ui/lesson_run.h"

namespace socketlab::ui {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
constexpr auto kFrameBudget = 50ms;

// A "network helper" that starts and then never says a word. In a folder of its own: one
// that others can write to (TempDir() is /tmp) is refused.
std::string silent_helper() {
    static const std::string dir = [] {
        std::string pattern = ::testing::TempDir() + "/socketlab-silent-helper.XXXXXX";
        return ::mkdtemp(pattern.data()) ? pattern : ::testing::TempDir();
    }();
    const std::string path = dir + "/socketlab-silent-helper.sh";
    std::ofstream(path) << "#!/bin/sh\nexec sleep 600\n";
    ::chmod(path.c_str(), 0755);
    return path;
}

NetworkOptions silent_network(std::chrono::milliseconds helper_timeout) {
    NetworkOptions options;
    options.helper_path = silent_helper();
    options.force_namespace = true;  // use the helper even when privileged (root in CI)
    options.helper_timeout = helper_timeout;
    return options;
}

// Ticks (frames) until pred holds; every tick must be within the frame budget.
void frames_until(LessonRun& run, const std::function<bool()>& pred, std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    int frames = 0;
    for (;;) {
        const auto start = Clock::now();
        socketlab::test::tick(run);
        const auto took = Clock::now() - start;
        ++frames;
        ASSERT_LT(took, kFrameBudget) << "frame " << frames << " waited";
        if (pred()) return;
        ASSERT_LT(Clock::now(), deadline) << "still not there after " << frames << " frames";
        std::this_thread::sleep_for(5ms);  // about a frame at 200 Hz
    }
}

const Lesson& capture_lesson(const LessonLibrary& library) {
    const Lesson* lesson = library.find("tcp-handshake");
    EXPECT_NE(lesson, nullptr);
    EXPECT_TRUE(lesson->capture);
    return *lesson;
}

TEST(LessonRunBackground, OpeningAndResettingWithASilentHelperNeverBlockAFrame) {
    const LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    BackgroundJobs jobs;
    const auto opened_at = Clock::now();
    LessonRun run(capture_lesson(library), jobs, silent_network(600ms));
    EXPECT_LT(Clock::now() - opened_at, kFrameBudget);
    EXPECT_EQ(run.phase(), LessonRun::Phase::Opening);
    EXPECT_FALSE(run.busy_text().empty());
    EXPECT_EQ(run.session(), nullptr);
    // The helper never answers: the opening gives up after its timeout, in the background,
    // and the lesson runs without packets.
    frames_until(
        run, [&] { return run.ready(); }, 20s);
    ASSERT_NE(run.session(), nullptr);
    EXPECT_NE(run.session()->capture_problem(), "");
    // A few steps, then Reset: also in the background.
    for (int i = 0; i < 3; ++i) {
        frames_until(
            run, [&] { return run.session()->ready_for_next(); }, 20s);
        EXPECT_TRUE(run.step());
    }
    frames_until(
        run, [&] { return run.session()->next_step() == 3; }, 20s);
    const auto reset_at = Clock::now();
    run.reset();
    EXPECT_LT(Clock::now() - reset_at, kFrameBudget);
    EXPECT_EQ(run.phase(), LessonRun::Phase::Resetting);
    EXPECT_EQ(run.session(), nullptr);
    frames_until(
        run, [&] { return run.ready(); }, 20s);
    EXPECT_EQ(run.session()->next_step(), 0u);
    EXPECT_TRUE(run.record().events().empty() || run.record().events().front().t_us >= 0);
}

TEST(LessonRunBackground, ClosingWhileTheHelperIsAwaitedGivesUpAtOnce) {
    const LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    BackgroundJobs jobs;
    {
        // The helper would be waited for 30 s; the lesson is closed after a few frames.
        LessonRun run(capture_lesson(library), jobs, silent_network(30000ms));
        for (int i = 0; i < 5; ++i) {
            const auto start = Clock::now();
            socketlab::test::tick(run);
            EXPECT_LT(Clock::now() - start, kFrameBudget);
            EXPECT_FALSE(run.ready());
            std::this_thread::sleep_for(10ms);
        }
        // ~LessonRun: cancels, and queues the closing.
    }
    // The jobs' thread finishes the opening (cancelled) and the closing well before 30 s.
    const auto start = Clock::now();
    std::promise<void> done;
    jobs.post([&] { done.set_value(); });
    EXPECT_EQ(done.get_future().wait_for(3s), std::future_status::ready);
    EXPECT_LT(Clock::now() - start, 3s);
}

// Play stops at a prediction box (an unanswered prediction before the next step) and says so;
// once the learner answers and presses Play again, it goes on past it.
TEST(LessonRunPlay, PlayStopsAtAPredictionUntilItIsAnswered) {
    const LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    const Lesson* lesson = nullptr;
    const Quiz* prediction = nullptr;
    for (const auto& candidate : library.lessons)
        for (const auto& quiz : candidate.quizzes)
            if (quiz.is_prediction && quiz.before_step > 0 && !candidate.capture && !lesson) {
                lesson = &candidate;
                prediction = &quiz;
            }
    ASSERT_NE(lesson, nullptr) << "no lesson asks a prediction before a step";
    BackgroundJobs jobs;
    LessonRun run(*lesson, jobs);
    std::map<std::string, int> answers;
    double now = 0.0;
    auto frame = [&] { run.tick(now, answers, 0.0); };  // no delay between Play's steps
    const auto deadline = Clock::now() + 20s;
    while (!run.ready() && Clock::now() < deadline) {
        frame();
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(run.ready());
    run.toggle_play(now);
    while (run.playing() && Clock::now() < deadline) {
        now += 1.0;
        frame();
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_FALSE(run.playing());
    EXPECT_EQ(run.session()->next_step(), prediction->before_step);
    EXPECT_TRUE(run.paused_at_prediction());
    EXPECT_FALSE(run.pending_prediction().empty());
    // More frames: still there (Play does not start itself again).
    for (int i = 0; i < 5; ++i) frame();
    EXPECT_EQ(run.session()->next_step(), prediction->before_step);
    // Answered: the box goes, and Play pressed again runs past it.
    for (size_t q = prediction->first_question;
         q < prediction->first_question + prediction->question_count; ++q)
        answers[lesson->questions[q].id] = 0;
    frame();
    EXPECT_TRUE(run.pending_prediction().empty());
    EXPECT_FALSE(run.paused_at_prediction());
    run.toggle_play(now);
    while (run.session()->next_step() == prediction->before_step && Clock::now() < deadline) {
        now += 1.0;
        frame();
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_GT(run.session()->next_step(), prediction->before_step);
}

bool has_step_event(const LessonRun& run, size_t step) {
    const auto& events = run.record().events();
    return std::any_of(events.begin(), events.end(),
                       [&](const Event& e) { return e.step == static_cast<int>(step); });
}

// Step back: the lesson is replayed on fresh sockets up to the step before, in the background
// (no frame waits), and the record holds the replay's steps 1..N-1 and nothing of step N; the
// window says it was replayed; forward again runs step N on the replayed sockets.
TEST(LessonRunStepBack, ReplaysToTheStepBeforeOnFreshSockets) {
    const LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    const Lesson* lesson = library.find("tcp-echo");
    ASSERT_NE(lesson, nullptr);
    ASSERT_FALSE(lesson->capture);
    ASSERT_GE(lesson->steps.size(), 4u);
    BackgroundJobs jobs;
    LessonRun run(*lesson, jobs);
    frames_until(
        run, [&] { return run.ready(); }, 20s);
    EXPECT_FALSE(run.step_back()) << "no step has run: nothing to go back to";
    for (size_t i = 0; i < 3; ++i) {
        frames_until(
            run, [&] { return run.session()->ready_for_next(); }, 20s);
        ASSERT_TRUE(run.step());
    }
    frames_until(
        run, [&] { return has_step_event(run, 3); }, 20s);
    const uint64_t first_run_last_seq = run.record().events().back().seq;

    ASSERT_TRUE(run.step_back());
    EXPECT_EQ(run.phase(), LessonRun::Phase::Replaying);
    EXPECT_NE(run.busy_text().find("Replaying steps 1\xE2\x80\x93"
                                   "2"),
              std::string::npos)
        << run.busy_text();
    frames_until(
        run, [&] { return run.ready(); }, 20s);
    frames_until(
        run, [&] { return has_step_event(run, 2); }, 20s);
    EXPECT_EQ(run.session()->next_step(), 2u);
    EXPECT_TRUE(has_step_event(run, 1));
    EXPECT_FALSE(has_step_event(run, 3)) << "step 3 is the first run's, and was let go";
    for (size_t i = 0; i < 2; ++i)
        EXPECT_NE(run.session()->statuses()[i].state, StepState::Pending) << "step " << i + 1;
    EXPECT_NE(run.replay_note().find("fresh sockets"), std::string::npos);
    // The replay's events are new ones (the first run's were let go with its sockets).
    EXPECT_GT(run.record().events().front().seq, first_run_last_seq);

    // Forward again: step 3 runs on the replayed sockets.
    frames_until(
        run, [&] { return run.session()->ready_for_next(); }, 20s);
    ASSERT_TRUE(run.step());
    frames_until(
        run, [&] { return has_step_event(run, 3); }, 20s);
    EXPECT_EQ(run.session()->next_step(), 3u);
    EXPECT_EQ(run.session()->failures(), 0);
}

}  // namespace
}  // namespace socketlab::ui
