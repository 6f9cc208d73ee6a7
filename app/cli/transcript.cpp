#include "cli/transcript.h"

#include <nlohmann/json.hpp>
#include <ostream>

namespace socketlab {

void print_event_json(std::ostream& out, const Event& event) {
    out << event_to_json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
}

void print_event_text(std::ostream& out, const Event& event) {
    if (event.kind == EventKind::Step) out << '\n';
    out << event_to_text(event) << '\n';
}

}  // namespace socketlab
