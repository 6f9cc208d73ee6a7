// Probing a traced process's socket (socket_probe.h).
#include "trace/socket_probe.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace socketlab::trace {

int open_pidfd(int pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

bool probe_socket(int pidfd, int fd, SocketSnapshot& snapshot) {
    if (pidfd < 0) return false;
    // Needs the ptrace right to the process, which the tracer has.
    const int mine = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0));
    if (mine < 0) return false;
    struct stat st {};
    if (::fstat(mine, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        ::close(mine);
        return false;
    }
    snapshot.inode = st.st_ino;
    SocketAddress local;
    local.length = sizeof local.storage;
    if (::getsockname(mine, local.get(), &local.length) == 0) snapshot.local = local;
    SocketAddress peer;
    peer.length = sizeof peer.storage;
    if (::getpeername(mine, peer.get(), &peer.length) == 0) snapshot.peer = peer;
    int value = 0;
    socklen_t len = sizeof value;
    if (::getsockopt(mine, SOL_SOCKET, SO_ACCEPTCONN, &value, &len) == 0)
        snapshot.listening = value != 0;
    len = sizeof value;
    if (::getsockopt(mine, SOL_SOCKET, SO_DOMAIN, &value, &len) == 0) snapshot.family = value;
    len = sizeof value;
    if (::getsockopt(mine, SOL_SOCKET, SO_TYPE, &value, &len) == 0) snapshot.type = value;
    const int fl = ::fcntl(mine, F_GETFL);
    if (fl >= 0) snapshot.nonblocking = (fl & O_NONBLOCK) != 0;
    ::close(mine);
    return true;
}

}  // namespace socketlab::trace
