// Top of the live pane: Step / Play / Reset, the delay, the running step's caption with its
// Python and C lines, and a field to send your own text as the client.
#pragma once

#include "ui/lesson_run.h"
#include "ui/settings.h"

namespace socketlab::ui {

class StepControls {
  public:
    // now: glfwGetTime() seconds, for Play's timer.
    void draw(LessonRun& run, Settings& settings, double now);
};

}  // namespace socketlab::ui
