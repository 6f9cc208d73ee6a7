// Left panel: the lessons in course order, a mark on the finished ones, and the files that
// failed to load with their FILE:LINE errors.
#pragma once

#include <string>

#include "ui/panel.h"

namespace socketlab::ui {

class LessonListPanel : public Panel {
  public:
    const char* name() const override { return "Lesson list"; }
    const char* id() const override { return "lesson-list"; }
    float width_share() const override { return 0.17f; }
    char toggle_key() const override { return 'L'; }
    // Picking a lesson asks for it (context.open_lesson).
    void draw(PanelContext& context) override;
};

}  // namespace socketlab::ui
