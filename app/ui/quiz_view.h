// A quiz block drawn where it stands in the lesson text: each question with its choices; once
// the learner picks one, the right answer, their mark and the explanation of why.
//
// Usage (inside the lesson text panel):
//   QuizView view;                       // one per lesson on screen
//   if (view.draw(lesson, quiz, picks)) save_progress(...);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lesson/lesson.h"
#include "lesson/markdown_doc.h"

namespace socketlab::ui {

// How many questions of a lesson the learner answered, and how many of them rightly.
struct QuizScore {
    int answered = 0;
    int right = 0;
    int total = 0;
    bool check_yourself_done = false;  // every question of the final quiz answered
};
QuizScore quiz_score(const Lesson& lesson, const std::map<std::string, int>& picks);
// The one meaning of "finished", for the lesson list's ✓ and the step controls alike: every
// step ran as the text says (steps_done) and the Check yourself quiz, if any, is answered.
bool lesson_finished(bool steps_done, const QuizScore& score);

// The order a question's n choices are shown in (a permutation of 0..n-1): shuffled so that
// the file's order gives nothing away, and the same for one user and question on every run
// (seed: quiz_order_seed()). Saved answers keep the file's indices.
std::vector<size_t> choice_order(const std::string& lesson_id, const std::string& question_id,
                                 size_t n, uint64_t seed);

class QuizView {
  public:
    // picks: question id -> chosen index (the learner's saved answers for this lesson).
    // Returns true when the learner picked or cleared an answer (the caller saves).
    bool draw(const Lesson& lesson, const Quiz& quiz, std::map<std::string, int>& picks);

  private:
    struct Parsed {
        MarkdownDoc question;
        MarkdownDoc explanation;
        std::vector<std::string> choices;
        std::vector<size_t> order;  // display position -> index into choices
    };
    const Parsed& parsed(const QuizQuestion& q);
    std::string lesson_id_;
    std::map<std::string, Parsed> cache_;  // question id -> parsed Markdown
};

}  // namespace socketlab::ui
