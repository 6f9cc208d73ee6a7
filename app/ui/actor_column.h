// One actor's column in the live pane: its sockets, its calls as a timeline, the selected
// call's details (result, errno and what it means), and the bytes it sent and received.
#pragma once

#include <deque>

#include "core/engine.h"
#include "ui/lesson_run.h"

namespace socketlab::ui {

class ActorColumn {
  public:
    void draw(ActorView& actor, const std::deque<Event>& events,
              const std::vector<SocketSnapshot>& sockets, float height);

  private:
    void draw_sockets(const std::vector<SocketSnapshot>& sockets);
    void draw_timeline(ActorView& actor, const std::deque<Event>& events, float height);
    void draw_details(const ActorView& actor, const std::deque<Event>& events, float height);
};

}  // namespace socketlab::ui
