// Printing events for people (a transcript) and for programs (JSON lines).
#pragma once

#include <iosfwd>
#include <vector>

#include "core/event.h"

namespace socketlab {

void print_event_json(std::ostream& out, const Event& event);
void print_event_text(std::ostream& out, const Event& event);

}  // namespace socketlab
