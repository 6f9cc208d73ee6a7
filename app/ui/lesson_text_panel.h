// Centre panel: the lesson's text, with each steps block shown where it stands in the prose
// as a list of its steps and how far the live pane has got, and each quiz where it stands.
#pragma once

#include <map>
#include <string>

#include "ui/panel.h"
#include "ui/quiz_view.h"

namespace socketlab::ui {

class LessonTextPanel : public Panel {
  public:
    const char* name() const override { return "Lesson text"; }
    const char* id() const override { return "lesson-text"; }
    float width_share() const override { return 0.36f; }
    // Answering a quiz changes the saved answers (context.progress_changed).
    void draw(PanelContext& context) override;

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
