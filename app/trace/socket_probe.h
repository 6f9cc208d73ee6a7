// A traced process's socket as the kernel has it: its descriptor is duplicated into the tracer
// (pidfd_getfd), asked for its addresses, inode and flags, and closed again.
#pragma once

#include "core/socket_directory.h"

namespace socketlab::trace {

// A pidfd for the process (pidfd_open), or -1.
int open_pidfd(int pid);
// Fills snapshot's local, peer, inode, listening, nonblocking (and family, type) from the
// process's descriptor fd. False (snapshot unchanged) if it could not be duplicated.
bool probe_socket(int pidfd, int fd, SocketSnapshot& snapshot);

}  // namespace socketlab::trace
