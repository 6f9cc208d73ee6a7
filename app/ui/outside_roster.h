// Outside clients (those of the kept-open server) as a roster, not a column each: one line per
// client (its name, bytes in and out, its TCP state and last call), and the one the learner
// picked expanded below as a full column. Fifty clients stay one column wide.
//
// Usage (inside the roster's child window):
//   roster.draw(run, clients, column, height);
#pragma once

#include <string>
#include <vector>

#include "lesson/run_record.h"
#include "ui/actor_column.h"
#include "ui/lesson_run.h"

namespace socketlab::ui {

// Whether an actor is an outside client ("outside-1", ...), shown in the roster.
bool is_outside_client(const std::string& actor);

class OutsideRoster {
  public:
    void draw(LessonRun& run, const std::vector<const ActorRecord*>& clients, ActorColumn& column,
              float height);
    const std::string& expanded() const { return expanded_; }

  private:
    std::string expanded_;  // "" = the newest client
};

}  // namespace socketlab::ui
