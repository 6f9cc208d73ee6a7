// Centre panel: the lesson's text, with each steps block shown where it stands in the prose
// as a list of its steps and how far the live pane has got, and each quiz where it stands.
#pragma once

#include <map>
#include <string>

#include "ui/lesson_run.h"
#include "ui/quiz_view.h"

namespace socketlab::ui {

class LessonTextPanel {
  public:
    // quiz_picks: the learner's saved answers for this lesson; returns true when they changed.
    bool draw(LessonRun& run, std::map<std::string, int>& quiz_picks);

  private:
    void draw_steps_block(LessonRun& run, const LessonBlock& block);
    // Follow the lesson as it advances: scroll when the next step changes, not on every frame
    // (the learner may be reading elsewhere), and not when a lesson opens (its top shows).
    QuizView quiz_view_;
    std::string shown_lesson_;
    size_t shown_next_step_ = 0;
    bool scroll_to_next_ = false;
};

}  // namespace socketlab::ui
