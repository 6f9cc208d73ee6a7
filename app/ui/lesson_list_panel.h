// Left panel: the lessons in course order, a mark on the finished ones, and the files that
// failed to load with their FILE:LINE errors.
#pragma once

#include <string>

#include "lesson/lesson_library.h"
#include "ui/settings.h"

namespace socketlab::ui {

class LessonListPanel {
  public:
    // Returns the id of a lesson the user picked this frame, or "".
    std::string draw(const LessonLibrary& library, const Progress& progress,
                     const std::string& current_id);
};

}  // namespace socketlab::ui
