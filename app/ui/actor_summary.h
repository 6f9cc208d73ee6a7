// An actor's column folded to a few lines, for when the live pane cannot show every actor in
// full (many-clients at 1x, three actors at 3x, a crowd of outside clients): its name, each
// open socket with its kernel TCP state, the bytes it sent and received, and its last call with
// the result. Clicking it asks for the full column.
//
// Usage (inside the column's cell):
//   if (draw_actor_summary(run.record(), actor, sockets, acting)) expand(actor.name);
#pragma once

#include <vector>

#include "core/socket_directory.h"
#include "lesson/run_record.h"

namespace socketlab::ui {

// acting: this actor makes the current step (drawn highlighted). True when clicked.
bool draw_actor_summary(const RunRecord& record, const ActorRecord& actor,
                        const std::vector<SocketSnapshot>& sockets, bool acting);

// "recv(1024) = 12", "connect(…) … blocked", "" when the actor has made no call yet.
std::string last_call_text(const RunRecord& record, const ActorRecord& actor);

}  // namespace socketlab::ui
