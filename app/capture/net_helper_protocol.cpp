#include "capture/net_helper_protocol.h"

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/filter.h>
#include <pcap/dlt.h>

#include "capture/error_text.h"

namespace socketlab::nethelper {

int send_message(int socket_fd, const MessageHeader& header, const void* payload,
                 size_t payload_size, int pass_fd, int flags) {
    MessageHeader copy = header;  // iovec wants non-const
    iovec parts[2];
    parts[0].iov_base = &copy;
    parts[0].iov_len = sizeof copy;
    parts[1].iov_base = const_cast<void*>(payload);
    parts[1].iov_len = payload ? payload_size : 0;

    msghdr msg{};
    msg.msg_iov = parts;
    msg.msg_iovlen = 2;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (pass_fd >= 0) {
        std::memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    for (;;) {
        ssize_t n = ::sendmsg(socket_fd, &msg, flags | MSG_NOSIGNAL);
        if (n >= 0) return 0;  // SOCK_SEQPACKET: all or nothing
        if (errno == EINTR) continue;
        return -errno;
    }
}

int receive_message(int socket_fd, Message* out, int flags) {
    // One buffer per thread with room for the largest message; the payload is then copied out
    // at its real size (a packet of 60 bytes must not keep 128 KiB alive in a queue).
    thread_local std::vector<uint8_t> buffer(kMaxMessageBytes);
    out->fd = -1;
    iovec parts[2];
    parts[0].iov_base = &out->header;
    parts[0].iov_len = sizeof out->header;
    parts[1].iov_base = buffer.data();
    parts[1].iov_len = buffer.size();

    msghdr msg{};
    msg.msg_iov = parts;
    msg.msg_iovlen = 2;
    // Room for a few fds: we expect at most one, but must close any extra the peer sent.
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;

    ssize_t n;
    do {
        n = ::recvmsg(socket_fd, &msg, flags | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    if (n == 0) return 0;

    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (out->fd < 0)
                out->fd = fd;
            else
                ::close(fd);
        }
    }
    if (static_cast<size_t>(n) < sizeof out->header || (msg.msg_flags & MSG_TRUNC)) {
        if (out->fd >= 0) ::close(out->fd);
        out->fd = -1;
        return -EBADMSG;
    }
    out->payload.assign(buffer.begin(), buffer.begin() + (static_cast<long>(n) -
                                                          static_cast<long>(sizeof out->header)));
    return 1;
}

int ip_offset(int dlt, const uint8_t* frame, size_t caplen) {
    auto is_ip_version = [&](size_t at) {
        return caplen > at && ((frame[at] >> 4) == 4 || (frame[at] >> 4) == 6);
    };
    switch (dlt) {
        case DLT_EN10MB: {  // dst(6) src(6) ethertype(2)
            if (caplen < 14) return -1;
            uint16_t type = static_cast<uint16_t>(frame[12] << 8 | frame[13]);
            return (type == 0x0800 || type == 0x86DD) ? 14 : -1;
        }
        case DLT_LINUX_SLL: {  // ... protocol at 14
            if (caplen < 16) return -1;
            uint16_t type = static_cast<uint16_t>(frame[14] << 8 | frame[15]);
            return (type == 0x0800 || type == 0x86DD) ? 16 : -1;
        }
        case DLT_LINUX_SLL2: {  // protocol at 0
            if (caplen < 20) return -1;
            uint16_t type = static_cast<uint16_t>(frame[0] << 8 | frame[1]);
            return (type == 0x0800 || type == 0x86DD) ? 20 : -1;
        }
        case DLT_NULL:  // 4-byte address family in host order
            return is_ip_version(4) ? 4 : -1;
        case DLT_RAW:
#ifdef DLT_IPV4
        case DLT_IPV4:
        case DLT_IPV6:
#endif
            return is_ip_version(0) ? 0 : -1;
        default:
            return -1;
    }
}

bool attach_kernel_filter(pcap_t* p, const std::string& expression, std::string* error) {
    bpf_program program;
    if (pcap_compile(p, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        *error = std::string("compiling the capture filter failed: ") + pcap_geterr(p);
        return false;
    }
    // struct bpf_insn and the kernel's struct sock_filter have the same layout.
    static_assert(sizeof(bpf_insn) == sizeof(sock_filter));
    sock_fprog kernel{static_cast<unsigned short>(program.bf_len),
                      reinterpret_cast<sock_filter*>(program.bf_insns)};
    int rc = ::setsockopt(pcap_fileno(p), SOL_SOCKET, SO_ATTACH_FILTER, &kernel, sizeof kernel);
    int err = errno;
    pcap_freecode(&program);
    if (rc != 0) {
        *error = std::string("setting the capture filter failed: ") + system_error_text(err);
        return false;
    }
    return true;
}

}  // namespace socketlab::nethelper
