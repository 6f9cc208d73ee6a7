// Quizzes that cannot be guessed: the shipped questions do not give their answer away by its
// length or its place in the file, and the window shows choices in a shuffled order that is
// stable for one user.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "lesson/lesson_library.h"
#include "ui/quiz_view.h"

namespace socketlab {
namespace {

TEST(QuizOrder, ChoiceOrderIsAStablePermutation) {
    for (size_t n = 2; n <= 6; ++n) {
        auto order = ui::choice_order("tcp-echo", "q3", n, 42);
        ASSERT_EQ(order.size(), n);
        std::vector<size_t> sorted = order;
        std::sort(sorted.begin(), sorted.end());
        for (size_t i = 0; i < n; ++i) EXPECT_EQ(sorted[i], i);
        EXPECT_EQ(order, ui::choice_order("tcp-echo", "q3", n, 42)) << "a reload reshuffled";
    }
}

// Different users (seeds) and different questions see different orders.
TEST(QuizOrder, ChoiceOrderDependsOnSeedAndQuestion) {
    std::set<std::vector<size_t>> by_seed, by_question;
    for (uint64_t seed = 1; seed <= 20; ++seed)
        by_seed.insert(ui::choice_order("sockets", "q1", 4, seed));
    for (int q = 1; q <= 20; ++q)
        by_question.insert(ui::choice_order("sockets", "q" + std::to_string(q), 4, 7));
    EXPECT_GT(by_seed.size(), 5u);
    EXPECT_GT(by_question.size(), 5u);
}

struct Shipped {
    int questions = 0;
    int right_is_longest = 0;
    std::map<size_t, int> right_at;  // file position of the right answer -> questions
};

Shipped shipped_questions() {
    Shipped s;
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    for (const auto& lesson : library.lessons)
        for (const auto& q : lesson.questions) {
            ++s.questions;
            ++s.right_at[q.correct];
            size_t longest_other = 0;
            for (size_t i = 0; i < q.choices.size(); ++i)
                if (i != q.correct) longest_other = std::max(longest_other, q.choices[i].size());
            s.right_is_longest += q.choices[q.correct].size() > longest_other;
        }
    return s;
}

TEST(QuizOrder, RightAnswerIsNotUsuallyTheLongest) {
    Shipped s = shipped_questions();
    ASSERT_GT(s.questions, 50);
    EXPECT_LT(s.right_is_longest * 2, s.questions)
        << s.right_is_longest << " of " << s.questions
        << " questions have the right answer as their longest choice: make a wrong one longer "
           "or the right one shorter";
}

TEST(QuizOrder, RightAnswerIsNotAtOnePlaceInTheFile) {
    Shipped s = shipped_questions();
    ASSERT_GT(s.questions, 50);
    for (const auto& [position, count] : s.right_at)
        EXPECT_LT(count * 2, s.questions) << "the right answer is choice " << position + 1 << " in "
                                          << count << " of " << s.questions << " questions";
}

// Even a file where every right answer came first would be shown spread out.
TEST(QuizOrder, ShownPositionsOfTheFirstChoiceAreSpread) {
    std::map<size_t, int> shown_at;
    const int n = 300;
    for (int q = 0; q < n; ++q) {
        auto order = ui::choice_order("lesson", "q" + std::to_string(q), 3, 12345);
        ++shown_at[std::find(order.begin(), order.end(), 0) - order.begin()];
    }
    for (size_t pos = 0; pos < 3; ++pos) {
        EXPECT_GT(shown_at[pos], n / 6) << pos;
        EXPECT_LT(shown_at[pos], n / 2) << pos;
    }
}

// "Finished" is one state: the steps ran and the Check yourself quiz is answered.
TEST(LessonFinished, NeedsTheStepsAndTheQuiz) {
    ui::QuizScore unanswered;
    unanswered.total = 3;
    EXPECT_FALSE(ui::lesson_finished(true, unanswered));
    ui::QuizScore answered = unanswered;
    answered.answered = 3;
    answered.check_yourself_done = true;
    EXPECT_TRUE(ui::lesson_finished(true, answered));
    EXPECT_FALSE(ui::lesson_finished(false, answered));
    EXPECT_TRUE(ui::lesson_finished(true, ui::QuizScore{}));  // a lesson without a quiz
}

}  // namespace
}  // namespace socketlab
