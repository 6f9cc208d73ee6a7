// The window's Link strip acts through LessonRun::apply_link: at once, on the real link, logged
// as the learner's doing; a command that does not parse is refused with the reason; Reset
// brings back the link the lesson's front matter asked for.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "capture/link_relay.h"
#include "capture_test_util.h"
#include "lesson/lesson_library.h"
#include "lesson_run_util.h"
#include "ui/lesson_run.h"

namespace socketlab::ui {
namespace {

using namespace std::chrono_literals;

LinkRelay* link_of(LessonRun& run) {
    const LessonNetwork* network = run.session() ? run.session()->network() : nullptr;
    return network ? network->link() : nullptr;
}

TEST(LessonRunLink, TheStripDropsTheNextSynAndAResetRestoresTheLessonsLink) {
    const LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    const Lesson* lesson = library.find("tcp-reliability");
    ASSERT_NE(lesson, nullptr);
    ASSERT_TRUE(lesson->link.has_value());
    BackgroundJobs jobs;
    LessonRun run(*lesson, jobs);
    ASSERT_TRUE(test::tick_until(run, [&] { return run.ready(); }));
    if (!run.session()->capture_problem().empty())
        SKIP_OR_FAIL_WITHOUT_CAPTURE(run.session()->capture_problem());
    LinkRelay* link = link_of(run);
    ASSERT_NE(link, nullptr);

    EXPECT_NE(run.apply_link("drop next from nowhere"), "") << "a bad side is refused";
    EXPECT_NE(run.apply_link("loss 140%"), "");
    EXPECT_EQ(run.apply_link("loss 30%"), "");
    EXPECT_DOUBLE_EQ(link->settings().loss_percent, 30.0);
    EXPECT_EQ(run.apply_link("loss 0%"), "");
    ASSERT_EQ(run.apply_link("drop next syn from client"), "");
    EXPECT_NE(link->pending_text().find("drop"), std::string::npos) << link->pending_text();

    // The lesson's steps up to the client's connect(): its first SYN is the strip's to drop,
    // and the kernel sends it again about a second later.
    const size_t connect_step = 5;
    ASSERT_EQ(lesson->steps[connect_step - 1].spec.op, CallOp::Connect);
    for (size_t i = 0; i < connect_step; ++i) {
        ASSERT_TRUE(test::tick_until(run, [&] { return run.session()->ready_for_next(); }));
        ASSERT_TRUE(run.step());
    }
    EXPECT_TRUE(test::tick_until_event(run, [](const Event& e) {
        const PacketRecord* p = e.packet();
        return p && p->has(kTcpSyn) && !p->has(kTcpAck) && p->link &&
               p->link->fate == LinkRecord::Fate::Dropped &&
               p->link->why.find("you asked") != std::string::npos;
    })) << "the SYN was not dropped by the link";
    EXPECT_TRUE(test::tick_until_event(run, [](const Event& e) {
        const PacketRecord* p = e.packet();
        return p && p->has(kTcpSyn) && !p->has(kTcpAck) && p->analysis.retransmission;
    })) << "the kernel did not send the SYN again";
    const auto& events = run.record().events();
    EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const Event& e) {
        return e.kind == EventKind::Note && e.actor == "link" &&
               e.note.find("Link strip") != std::string::npos;
    })) << "the strip's command is logged as the learner's doing";

    // The MTU, changed in the background; a frame never waits for it.
    run.set_link_mtu(1280);
    EXPECT_TRUE(run.link_mtu_busy());
    ASSERT_TRUE(test::tick_until(run, [&] { return !run.link_mtu_busy(); }));
    EXPECT_EQ(run.link_mtu_error(), "");
    EXPECT_EQ(link->settings().mtu, 1280);

    // Reset: the link as the front matter made it, nothing pending.
    ASSERT_EQ(run.apply_link("delay 300ms"), "");
    ASSERT_EQ(run.apply_link("hold from server"), "");
    run.reset();
    ASSERT_TRUE(test::tick_until(run, [&] { return run.ready(); }));
    link = link_of(run);
    ASSERT_NE(link, nullptr);
    EXPECT_EQ(link->settings().delay_us, lesson->link->delay_us);
    EXPECT_EQ(link->settings().mtu, lesson->link->mtu);
    EXPECT_EQ(link->pending_text(), "");
}

}  // namespace
}  // namespace socketlab::ui
