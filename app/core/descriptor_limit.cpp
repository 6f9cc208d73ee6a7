#include "core/descriptor_limit.h"

#include <sys/resource.h>

namespace socketlab {

namespace {
constexpr size_t kUnlimited = size_t{1} << 20;

size_t soft_of(const rlimit& limit) {
    return limit.rlim_cur == RLIM_INFINITY ? kUnlimited : static_cast<size_t>(limit.rlim_cur);
}
}  // namespace

size_t raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return kUnlimited;
    if (limit.rlim_cur != limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        // An unlimited hard limit is refused (nr_open caps it): then stay where we are.
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return soft_of(raised);
    }
    return soft_of(limit);
}

size_t descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return kUnlimited;
    return soft_of(limit);
}

}  // namespace socketlab
