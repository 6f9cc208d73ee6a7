// Centre panel: the lesson's text, with each steps block shown where it stands in the prose
// as a list of its steps and how far the live pane has got.
#pragma once

#include "ui/lesson_run.h"

namespace socketlab::ui {

class LessonTextPanel {
  public:
    void draw(LessonRun& run);

  private:
    void draw_steps_block(LessonRun& run, const LessonBlock& block);
    size_t last_scrolled_step_ = SIZE_MAX;
};

}  // namespace socketlab::ui
