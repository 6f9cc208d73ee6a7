// Right panel: the step controls, then one column per actor (server, client, ...).
#pragma once

#include <vector>

#include "ui/actor_column.h"
#include "ui/step_controls.h"

namespace socketlab::ui {

class LivePanePanel {
  public:
    void draw(LessonRun& run, Settings& settings, double now);

  private:
    StepControls controls_;
    ActorColumn column_;
};

}  // namespace socketlab::ui
