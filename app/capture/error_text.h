// The system's text for an errno value, safe from any thread (std::strerror may share one
// buffer between threads). Header-only: the network helper program uses it too.
#pragma once

#include <cstring>
#include <string>

namespace socketlab {

inline std::string system_error_text(int err) {
    char buffer[256];
    // The GNU strerror_r: returns a constant string, or the text written into buffer.
    return ::strerror_r(err, buffer, sizeof buffer);
}

}  // namespace socketlab
