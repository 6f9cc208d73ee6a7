// Every lesson shipped in lessons/ parses, and its steps run against the real kernel with
// every expectation holding.
#include <gtest/gtest.h>

#include "lesson/lesson_library.h"
#include "lesson/session.h"

namespace socketlab {
namespace {

TEST(ShippedLessons, AllParseWithoutErrors) {
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    for (const auto& e : library.errors) ADD_FAILURE() << e.to_string();
    EXPECT_GE(library.lessons.size(), 15u);
    for (const char* id : {"sockets", "tcp-echo", "udp-datagrams"})
        EXPECT_NE(library.find(id), nullptr) << id;
}

// Every lesson ends with a Check yourself quiz of at least three questions, points to the
// next lesson, and (if it has one) its kept-open server is a kind the app can run.
TEST(ShippedLessons, EachHasACheckYourselfQuizAndANextLesson) {
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    for (size_t i = 0; i < library.lessons.size(); ++i) {
        const Lesson& lesson = library.lessons[i];
        ASSERT_FALSE(lesson.quizzes.empty()) << lesson.id;
        const Quiz& last = lesson.quizzes.back();
        EXPECT_FALSE(last.is_prediction) << lesson.id << ": the last quiz must follow every step";
        EXPECT_GE(last.question_count, 3u) << lesson.id;
        if (i + 1 < library.lessons.size()) {
            const std::string& next_title = library.lessons[i + 1].title;
            bool mentions_next = false;
            for (const auto& block : lesson.blocks)
                mentions_next |= block.kind == LessonBlock::Kind::Prose &&
                                 block.markdown.find(next_title) != std::string::npos;
            EXPECT_TRUE(mentions_next)
                << lesson.id << " does not point to the next lesson, '" << next_title << "'";
        }
    }
}

TEST(ShippedLessons, EveryExpectationHoldsAgainstTheKernel) {
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    for (const auto& lesson : library.lessons) {
        EventLog log;
        Session session(lesson, log);
        session.set_programs_allowed(true);  // the shipped lessons' own programs
        std::vector<std::string> messages;
        EXPECT_TRUE(session.run_to_end(std::chrono::milliseconds(5000), messages)) << lesson.id;
        for (const auto& m : messages) ADD_FAILURE() << m;
        EXPECT_TRUE(session.finished()) << lesson.id;
    }
}

TEST(ShippedLessons, ResetStartsOverCleanly) {
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    const Lesson* lesson = library.find("tcp-echo");
    ASSERT_NE(lesson, nullptr);
    EventLog log;
    Session session(*lesson, log);
    // Run part of the way (some calls may be blocked), reset, then run to the end.
    for (int i = 0; i < 6 && session.has_next(); ++i) {
        ASSERT_TRUE(session.start_next_step());
        const auto& status = session.statuses()[session.next_step() - 1];
        if (status.ticket) {
            ASSERT_TRUE(
                session.engine().wait_settled(status.ticket, std::chrono::milliseconds(5000)));
        }
        session.update();
    }
    session.reset();
    EXPECT_EQ(session.next_step(), 0u);
    std::vector<std::string> messages;
    EXPECT_TRUE(session.run_to_end(std::chrono::milliseconds(5000), messages));
    for (const auto& m : messages) ADD_FAILURE() << m;
}

}  // namespace
}  // namespace socketlab
