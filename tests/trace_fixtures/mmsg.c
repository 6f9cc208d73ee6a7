// sendmmsg and recvmmsg on a UDP pair on loopback: three messages in one call each, the last
// longer than the tracer is told to keep. Prints what the calls returned.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (a < 0 || b < 0 || bind(a, (struct sockaddr*)&addr, sizeof addr) != 0 ||
        getsockname(a, (struct sockaddr*)&addr, &len) != 0) {
        perror("setup");
        return 1;
    }
    static char big[5000];
    memset(big, 'z', sizeof big);
    struct iovec iov[3] = {{"one", 3}, {"two", 3}, {big, sizeof big}};
    struct mmsghdr out[3];
    memset(out, 0, sizeof out);
    for (int i = 0; i < 3; ++i) {
        out[i].msg_hdr.msg_iov = &iov[i];
        out[i].msg_hdr.msg_iovlen = 1;
        out[i].msg_hdr.msg_name = &addr;
        out[i].msg_hdr.msg_namelen = sizeof addr;
    }
    const int sent = sendmmsg(b, out, 3, 0);
    static char bufs[4][6000];
    struct iovec riov[4];
    struct mmsghdr in[4];
    struct sockaddr_in from[4];
    memset(in, 0, sizeof in);
    for (int i = 0; i < 4; ++i) {
        riov[i].iov_base = bufs[i];
        riov[i].iov_len = sizeof bufs[i];
        in[i].msg_hdr.msg_iov = &riov[i];
        in[i].msg_hdr.msg_iovlen = 1;
        in[i].msg_hdr.msg_name = &from[i];
        in[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    // MSG_WAITFORONE: after the first message take only what is already there.
    const int got = recvmmsg(a, in, 4, MSG_WAITFORONE, NULL);
    printf("sent %d got %d", sent, got);
    for (int i = 0; i < got; ++i) printf(" %u", in[i].msg_len);
    printf("\n");
    return sent == 3 && got == 3 ? 0 : 1;
}
