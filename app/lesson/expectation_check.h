// Checks what a step said the kernel would do against what the call returned. Pure: no
// sockets, no clock; the one system setting it needs is passed in.
#pragma once

#include <string>
#include <vector>

#include "core/calls/call_spec.h"
#include "lesson/lesson.h"

namespace socketlab {

struct ExpectationResult {
    bool passed = false;
    std::vector<std::string> problems;  // each one sentence: "expected fails EACCES, but ..."
    // Something true of this system the text did not say (then passed is true).
    std::string note;
};

// unprivileged_port_start: net.ipv4.ip_unprivileged_port_start (1024 on most systems).
ExpectationResult check_expectations(const Step& step, const CallOutcome& outcome,
                                     int unprivileged_port_start);

// "\"hello\" (5 bytes)"
std::string show_bytes(const std::vector<uint8_t>& bytes);

}  // namespace socketlab
