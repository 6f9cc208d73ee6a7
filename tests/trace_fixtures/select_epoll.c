// select and pselect6 on a socketpair (and on a pipe alone, which is no socket's business), then
// epoll_wait, epoll_pwait and epoll_pwait2 on a TCP connection on loopback. Prints the fds.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
    if (write(sv[0], "x", 1) != 1) return 1;
    fd_set r, w;
    FD_ZERO(&r);
    FD_SET(sv[0], &r);
    FD_SET(sv[1], &r);
    struct timeval tv = {5, 0};
    // The select system call itself (the C library's select() is pselect6 nowadays).
    const int n1 = (int)syscall(SYS_select, sv[1] + 1, &r, NULL, NULL, &tv);  // sv[1] can read
    FD_ZERO(&w);
    FD_SET(sv[0], &w);
    struct timespec ts = {5, 0};
    const int n2 = pselect(sv[0] + 1, NULL, &w, NULL, &ts, NULL);
    int p[2];
    if (pipe(p) != 0) return 1;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval zero = {0, 0};
    const int n3 = select(p[0] + 1, &r, NULL, NULL, &zero);  // no socket: not reported

    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (bind(l, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(l, 4) != 0 ||
        getsockname(l, (struct sockaddr*)&addr, &len) != 0)
        return 1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr*)&addr, sizeof addr) != 0) return 1;
    struct epoll_event got[4];
    const int n4 = epoll_wait(ep, got, 4, 5000);  // the listener: a connection to accept
    int k = accept(l, NULL, NULL);
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = 1000;  // not the fd: the tracer must find whose data this is
    epoll_ctl(ep, EPOLL_CTL_ADD, k, &ev);
    if (write(c, "hi", 2) != 2) return 1;
    const int n5 = epoll_pwait(ep, got, 4, 5000, NULL);
    char buf[8];
    if (read(k, buf, sizeof buf) != 2) return 1;
    if (write(c, "again", 5) != 5) return 1;
    const int n6 = (int)syscall(SYS_epoll_pwait2, ep, got, 4, &ts, NULL, 0);
    printf("fds %d %d %d %d results %d %d %d %d %d %d\n", sv[0], sv[1], l, k, n1, n2, n3, n4, n5,
           n6);
    return 0;
}
