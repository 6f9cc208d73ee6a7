// Top of the live pane: Step / Play / Reset, the delay, the running step's caption with its
// Python and C lines, and a field to send your own text as the client.
#pragma once

#include <map>
#include <string>

#include "ui/lesson_run.h"
#include "ui/settings.h"

namespace socketlab::ui {

class StepControls {
  public:
    // now: glfwGetTime() seconds, for Play's timer. Returns true when the learner asks for the
    // next lesson (offered once this one has finished).
    // answers: the learner's quiz answers for this lesson (finished = steps ran + quiz answered).
    bool draw(LessonRun& run, Settings& settings, const std::map<std::string, int>& answers,
              double now, bool has_next_lesson);
    // "Your text": the learner's own bytes, sent by the client (shown with the actor columns).
    void draw_own_text(LessonRun& run);
    // Presenter mode's few lines instead of the whole block: what the step that ran last
    // came to when it is more than a tick (a note, blocked, not what the lesson expected), the
    // prediction to ask the class, and a replay's note.
    static void draw_outcome(const LessonRun& run);

  private:
    std::string own_text_ = "Hello from me";
    float details_height_ = 0.0f;  // the step details' lines, measured last frame
};

}  // namespace socketlab::ui
