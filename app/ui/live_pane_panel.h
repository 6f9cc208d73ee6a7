// Right panel: the step controls, then one column per actor (server, client, ...).
#pragma once

#include <vector>

#include "ui/actor_column.h"
#include "ui/step_controls.h"
#include "ui/try_server_bar.h"

namespace socketlab::ui {

class LivePanePanel {
  public:
    // Returns true when the learner asks for the next lesson.
    bool draw(LessonRun& run, Settings& settings, double now, bool has_next_lesson);

  private:
    StepControls controls_;
    TryServerBar try_server_;
    ActorColumn column_;
};

}  // namespace socketlab::ui
