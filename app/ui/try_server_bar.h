// "Try it with your own client": a bar in the live pane for lessons with a server (front matter
// try-server). Keeps a server of the lesson's kind listening on loopback and shows how to
// reach it: a shell command and a short Python program, each one click to copy. Outside
// clients then appear as their own columns (outside-1, outside-2, ...).
#pragma once

#include <string>

#include "ui/lesson_run.h"

namespace socketlab::ui {

class TryServerBar {
  public:
    void draw(LessonRun& run);

  private:
    bool show_python_ = false;
};

}  // namespace socketlab::ui
