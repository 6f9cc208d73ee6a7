// Linked with -static: no C library to load, the same system calls.
#include <stdio.h>
#include <sys/socket.h>

int main(void) {
    int sv[2];
    char buf[16];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
    if (send(sv[0], "static", 6, 0) != 6) return 1;
    const ssize_t n = recv(sv[1], buf, sizeof buf, 0);
    printf("%.*s\n", (int)n, buf);
    return n == 6 ? 0 : 1;
}
