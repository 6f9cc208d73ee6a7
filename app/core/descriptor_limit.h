// The process's limit on open file descriptors (RLIMIT_NOFILE), for the servers that hold one
// per client: `socketlab --serve` and the window's kept-open servers.
#pragma once

#include <cstddef>

namespace socketlab {

// Raises the soft limit to the hard limit (any process may) and returns the new soft limit.
// Debian's default soft limit is 1024 while the hard limit is far higher: without this, about
// a thousand idle clients exhaust the descriptors. Fails quietly (the old limit stays).
size_t raise_descriptor_limit();

// The soft limit now (a large number when unlimited).
size_t descriptor_limit();

}  // namespace socketlab
