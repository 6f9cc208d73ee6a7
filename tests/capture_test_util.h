// Capture tests where capture cannot work: skipped on a developer's machine, failed in CI.
// CI (CI=true in the environment) must capture, or it would not notice capture breaking
// everywhere (issue 8). Usage, where a test finds it cannot capture:
//     if (!captured) SKIP_OR_FAIL_WITHOUT_CAPTURE("why not: " << details);
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace socketlab {

inline bool capture_required() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace socketlab

// Returns from the test: a failure in CI, a skip elsewhere. REASON is what follows `<<`, and
// may chain more: SKIP_OR_FAIL_WITHOUT_CAPTURE("no namespace: " << net->why_no_capture()).
#define SKIP_OR_FAIL_WITHOUT_CAPTURE(REASON)                                                  \
    do {                                                                                      \
        if (::socketlab::capture_required())                                                  \
            FAIL() << "CI=true, so capture is required; but it cannot work here: " << REASON; \
        GTEST_SKIP() << REASON;                                                               \
    } while (0)
