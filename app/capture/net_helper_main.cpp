// [SECTION] index
//   Setting up       the namespace: unshare, uid/gid maps, loopback up
//   Capturing        libpcap on the namespace's lo, the outbox of packets to the parent
//   Requests         one message at a time from the parent: sockets, binds, ports, stats
//   Main             the poll loop
// socketlab-net-helper: gives an ordinary user a network of their own to capture on.
//
// SocketLab starts this program when it lacks CAP_NET_RAW (see capture/lesson_network.h). It
// must be a separate process: unshare(CLONE_NEWUSER) refuses a multi-threaded caller, and
// SocketLab has threads long before a lesson starts. Here, single-threaded, it
//   1. makes a new user namespace and a new network namespace (owned by that user namespace),
//      in which it holds every capability, CAP_NET_RAW included;
//   2. maps the caller's uid and gid to 0 there ("deny" to setgroups first, as the kernel
//      requires of an unprivileged writer of gid_map);
//   3. brings the namespace's own loopback up (the kernel gives it 127.0.0.1 and ::1);
//   4. opens libpcap on that lo: everything on it is the lesson's, so there is no port filter
//      (only "inbound", see open_capture);
//   5. reports Ready, then serves requests on fd 3 until the app closes it:
//      - MakeSocket: socket() here, so the socket belongs to this network namespace for its
//        whole life, whichever process then uses it; the fd goes back with SCM_RIGHTS and our
//        copy is closed (holding it would keep the lesson's sockets open after the app closed
//        them: no FIN, a listener still listening);
//      - BindUnprivileged: bind() with CAP_NET_BIND_SERVICE dropped (see lesson_network.h);
//      - Start/Stop/Flush capture: packets go to the app on fd 4.
//
// It never blocks on the app: the packet channel is written with MSG_DONTWAIT; while it is
// full, we stop reading libpcap, so the kernel's ring buffer absorbs bursts and counts what it
// had to drop (reported as ps_drop). It dies with the app: end of file on fd 3 (the app's ends
// are close-on-exec, so only the app holds them) and PR_SET_PDEATHSIG as a second guard.
//
// Nothing here is specific to one namespace holding both client and server. A later link
// between them (loss, delay, reordering) can make one namespace per side joined by a veth
// pair and let MakeSocket say which side; the protocol has room for that (values[3]).
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture/error_text.h"
#include "capture/link_topology.h"
#include "capture/net_helper_protocol.h"

using namespace socketlab::nethelper;

namespace {

int g_control = kControlFd;
int g_packets = kPacketFd;

std::string errno_text(int err) {
    return socketlab::system_error_text(err);
}

// Closes every inherited fd but 0-2 and our two channels. The app's sockets are mostly not
// close-on-exec (lessons make them with plain socket()); a copy here would keep them open.
void close_inherited_fds() {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 5u, ~0u, 0u) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = 5; fd < max; ++fd) ::close(fd);
}

// Returns 0 or errno; *error names the step.
int write_file(const char* path, const std::string& text, std::string* error) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        *error = std::string("opening ") + path + " failed: " + errno_text(err);
        return err;
    }
    ssize_t n = ::write(fd, text.data(), text.size());
    int err = n < 0 ? errno : EIO;
    ::close(fd);
    if (n == static_cast<ssize_t>(text.size())) return 0;
    *error = std::string("writing \"") + text.substr(0, text.size() - 1) + "\" to " + path +
             " failed: " + errno_text(err);
    return err;
}

// Returns 0 or -errno, with *error naming the step that failed.
// [SECTION] Setting up
int make_namespace(std::string* error) {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
        int err = errno;
        *error = "creating a user namespace failed: " + errno_text(err);
        return -err;
    }
    // "deny" is required before an unprivileged process may write gid_map (Linux >= 3.19;
    // older kernels have no such file, which is fine).
    int err = write_file("/proc/self/setgroups", "deny\n", error);
    if (err != 0 && err != ENOENT) return -err;
    error->clear();
    if ((err = write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n", error)) ||
        (err = write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n", error)))
        return -err;
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        err = errno;
        *error = "making a socket in the new network namespace failed: " + errno_text(err);
        return -err;
    }
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = ::ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ::ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    err = errno;
    ::close(s);
    if (rc != 0) {
        *error = "bringing up the private loopback (lo) failed: " + errno_text(err);
        return -err;
    }
    return 0;
}

// [SECTION] Capturing
int64_t realtime_us(const timeval& tv) {
    return static_cast<int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
}

struct Capture {
    pcap_t* pcap = nullptr;
    int dlt = -1;
    int fd = -1;
    bool running = false;                     // StartCapture received, StopCapture not yet
    std::deque<std::vector<uint8_t>> outbox;  // whole messages waiting for the packet channel
    pcap_stat last_sent{};
    bool stats_sent = false;
    timespec last_stats_time{};
};
Capture g_capture;
LinkTopology g_link;  // a link lesson's two sides (--link MTU); fds -1 otherwise
bool g_has_link = false;

[[noreturn]] void quit() {
    ::_exit(0);
}  // _exit: no atexit work in a namespace helper

std::vector<uint8_t> encode(const MessageHeader& header, const uint8_t* data = nullptr,
                            size_t size = 0) {
    std::vector<uint8_t> bytes(sizeof header + size);
    std::memcpy(bytes.data(), &header, sizeof header);
    if (size) std::memcpy(bytes.data() + sizeof header, data, size);
    return bytes;
}

void on_packet(u_char*, const pcap_pkthdr* h, const u_char* frame) {
    int at = ip_offset(g_capture.dlt, frame, h->caplen);
    if (at < 0) return;  // not IP (nothing else travels on lo, but be safe)
    MessageHeader m;
    m.type = static_cast<uint32_t>(MsgType::Packet);
    m.values[0] = realtime_us(h->ts);
    m.values[1] = static_cast<int64_t>(h->len) - at;
    size_t size = h->caplen - static_cast<size_t>(at);
    if (size > kMaxPacketBytes) size = kMaxPacketBytes;
    g_capture.outbox.push_back(encode(m, frame + at, size));
}

// Sends what the outbox holds until the app's side is full.
void send_outbox() {
    while (!g_capture.outbox.empty()) {
        const auto& bytes = g_capture.outbox.front();
        MessageHeader header;
        std::memcpy(&header, bytes.data(), sizeof header);
        int rc = send_message(g_packets, header, bytes.data() + sizeof header,
                              bytes.size() - sizeof header, -1, MSG_DONTWAIT);
        if (rc == -EAGAIN || rc == -ENOBUFS) return;
        if (rc < 0) quit();  // the app is gone
        g_capture.outbox.pop_front();
    }
}

void queue_stats(bool always) {
    if (!g_capture.pcap) return;
    pcap_stat st{};
    if (pcap_stats(g_capture.pcap, &st) != 0) return;
    clock_gettime(CLOCK_MONOTONIC, &g_capture.last_stats_time);
    if (!always && !g_capture.outbox.empty()) return;  // the app is behind; keep the outbox small
    if (!always && g_capture.stats_sent && st.ps_drop == g_capture.last_sent.ps_drop &&
        st.ps_ifdrop == g_capture.last_sent.ps_ifdrop)
        return;
    g_capture.last_sent = st;
    g_capture.stats_sent = true;
    MessageHeader m;
    m.type = static_cast<uint32_t>(MsgType::Stats);
    m.values[0] = st.ps_recv;
    m.values[1] = st.ps_drop;
    m.values[2] = st.ps_ifdrop;
    g_capture.outbox.push_back(encode(m));
}

// Reads everything the kernel has captured so far into the outbox.
void drain_pcap() {
    if (!g_capture.pcap) return;
    while (pcap_dispatch(g_capture.pcap, -1, on_packet, nullptr) > 0) {
    }
}

// [SECTION] Requests
void reply(uint32_t id, int64_t result, const std::string& text = "", int fd = -1) {
    MessageHeader m;
    m.type = static_cast<uint32_t>(MsgType::Reply);
    m.id = id;
    m.values[0] = result;
    if (send_message(g_control, m, text.data(), text.size(), fd) < 0) quit();
}

bool set_effective_cap(int cap, bool on) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    uint32_t bit = 1u << (cap % 32);
    if (on)
        data[cap / 32].effective |= bit;
    else
        data[cap / 32].effective &= ~bit;
    return syscall(SYS_capset, &header, data) == 0;
}

void handle(Message& req) {
    const uint32_t id = req.header.id;
    switch (req.type()) {
        case MsgType::MakeSocket: {
            // values[3]: the side of the link (1 client, 2 server); 0 = our own namespace. A
            // socket belongs for life to the namespace it was made in.
            const int64_t side = req.header.values[3];
            const int ns = side == 1 ? g_link.client_ns : side == 2 ? g_link.server_ns : -1;
            if (side != 0 && ns < 0) {
                reply(id, -EINVAL, "this lesson has no link, so no client or server side");
                return;
            }
            if (ns >= 0 && ::setns(ns, CLONE_NEWNET) != 0) {
                reply(id, -errno, "entering the side's namespace failed");
                return;
            }
            int fd = ::socket(static_cast<int>(req.header.values[0]),
                              static_cast<int>(req.header.values[1]),
                              static_cast<int>(req.header.values[2]));
            const int err = errno;
            if (ns >= 0 && ::setns(g_link.middle_ns, CLONE_NEWNET) != 0) quit();
            if (fd < 0) {
                reply(id, -err);
                return;
            }
            reply(id, 0, "", fd);
            ::close(fd);
            return;
        }
        case MsgType::BindUnprivileged: {
            if (req.fd < 0 || req.payload.empty() ||
                req.payload.size() > sizeof(sockaddr_storage)) {
                reply(id, -EINVAL, "BindUnprivileged needs a socket and an address");
                return;
            }
            sockaddr_storage addr{};
            std::memcpy(&addr, req.payload.data(), req.payload.size());
            // We are root in our namespace; drop the capability an ordinary user lacks.
            set_effective_cap(CAP_NET_BIND_SERVICE, false);
            int rc = ::bind(req.fd, reinterpret_cast<sockaddr*>(&addr),
                            static_cast<socklen_t>(req.payload.size()));
            int err = errno;
            set_effective_cap(CAP_NET_BIND_SERVICE, true);
            reply(id, rc == 0 ? 0 : -err);
            return;
        }
        case MsgType::LinkPackets: {
            const int fd =
                req.header.values[0] == 0 ? g_link.client_packets : g_link.server_packets;
            if (!g_has_link || fd < 0) {
                reply(id, -ENODEV, "this helper made no link");
                return;
            }
            reply(id, 0, "", fd);
            return;
        }
        case MsgType::SetLinkMtu: {
            const int64_t mtu = req.header.values[0];
            if (!g_has_link) {
                reply(id, -ENODEV, "this helper made no link");
                return;
            }
            if (mtu < 1280 || mtu > 9000) {
                reply(id, -EINVAL, "the link's MTU must be from 1280 to 9000 bytes");
                return;
            }
            std::string error;
            const int rc = set_link_mtu(g_link, static_cast<int>(mtu), &error);
            reply(id, rc, error);
            return;
        }
        case MsgType::StartCapture:
            if (!g_capture.pcap) {
                reply(id, -ENODEV, "the capture was already stopped");
                return;
            }
            g_capture.running = true;
            queue_stats(true);
            reply(id, 0);
            return;
        case MsgType::Flush: {
            if (g_capture.running) drain_pcap();
            queue_stats(true);
            MessageHeader m;
            m.type = static_cast<uint32_t>(MsgType::Flushed);
            m.id = id;
            g_capture.outbox.push_back(encode(m));
            reply(id, 0);
            return;
        }
        case MsgType::StopCapture: {
            if (g_capture.running) drain_pcap();
            queue_stats(true);
            g_capture.running = false;
            if (g_capture.pcap) pcap_close(g_capture.pcap);
            g_capture.pcap = nullptr;
            g_capture.fd = -1;
            MessageHeader m;
            m.type = static_cast<uint32_t>(MsgType::Stopped);
            m.id = id;
            g_capture.outbox.push_back(encode(m));
            reply(id, 0);
            return;
        }
        default:
            reply(id, -EOPNOTSUPP, "unknown request");
            return;
    }
}

int open_capture(std::string* error) {
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t* p = pcap_create("lo", errbuf);
    if (!p) {
        *error = std::string("opening the capture on the private lo failed: ") + errbuf;
        return -ENODEV;
    }
    pcap_set_snaplen(p, 262144);
    pcap_set_immediate_mode(p, 1);  // each packet as soon as it arrives
    pcap_set_buffer_size(p, 8 * 1024 * 1024);
    int rc = pcap_activate(p);
    if (rc < 0) {
        *error = std::string("starting the capture on the private lo failed: ") + pcap_geterr(p);
        pcap_close(p);
        return rc == PCAP_ERROR_PERM_DENIED ? -EPERM : -ENODEV;
    }
    if (pcap_setnonblock(p, 1, errbuf) != 0) {
        *error = std::string("making the capture non-blocking failed: ") + errbuf;
        pcap_close(p);
        return -EIO;
    }
    // On lo the kernel hands each packet to a capture twice (leaving and arriving); libpcap
    // drops the outgoing copy only after it took a ring slot, and a full ring would count both
    // copies as dropped. So keep only the arriving copy, in the kernel.
    if (!attach_kernel_filter(p, "inbound", error)) {
        pcap_close(p);
        return -EIO;
    }
    g_capture.pcap = p;
    g_capture.dlt = pcap_datalink(p);
    g_capture.fd = pcap_get_selectable_fd(p);
    return 0;
}

// [SECTION] Main
double seconds_since(const timespec& then) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<double>(now.tv_sec - then.tv_sec) +
           static_cast<double>(now.tv_nsec - then.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    close_inherited_fds();
    std::signal(SIGPIPE, SIG_IGN);
    pid_t parent = 0;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--parent") == 0)
            parent = static_cast<pid_t>(std::atoi(argv[i + 1]));
    if (fcntl(g_control, F_GETFD) < 0 || fcntl(g_packets, F_GETFD) < 0) {
        std::fprintf(stderr,
                     "socketlab-net-helper: started by SocketLab only (it expects its channels "
                     "on fds 3 and 4)\n");
        return 2;
    }

    std::string error;
    int rc = make_namespace(&error);
    bool want_capture = true;
    int link_mtu = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--no-capture") == 0) want_capture = false;
        if (std::strcmp(argv[i], "--link") == 0 && i + 1 < argc) link_mtu = std::atoi(argv[i + 1]);
    }
    if (rc == 0 && link_mtu > 0) {
        // The link is the capture point of a link lesson: no pcap on our lo.
        rc = make_link_topology(link_mtu, &g_link, &error);
        g_has_link = rc == 0;
        want_capture = false;
    }
    if (rc == 0 && want_capture) rc = open_capture(&error);

    // Set after the namespace: a change of credentials clears the parent-death signal. The
    // parent is the app thread that spawned us, which lives as long as we do (see
    // lesson_network.cpp). If the app died before this line, getppid() has already changed.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (parent > 0 && ::getppid() != parent) quit();

    MessageHeader ready;
    ready.type = static_cast<uint32_t>(MsgType::Ready);
    ready.values[0] = rc;
    if (send_message(g_control, ready, error) < 0 || rc != 0) quit();

    for (;;) {
        pollfd fds[3];
        int n = 0;
        fds[n++] = {g_control, POLLIN, 0};
        fds[n++] = {g_packets, static_cast<short>(g_capture.outbox.empty() ? 0 : POLLOUT), 0};
        // Read the capture only when the app keeps up; otherwise the kernel buffers.
        const bool read_pcap = g_capture.running && g_capture.outbox.empty() && g_capture.fd >= 0;
        if (read_pcap) fds[n++] = {g_capture.fd, POLLIN, 0};
        int timeout = g_capture.running ? 1000 : -1;
        int ready_count = ::poll(fds, static_cast<nfds_t>(n), timeout);
        if (ready_count < 0) {
            if (errno == EINTR) continue;
            quit();
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            Message req;
            int got = receive_message(g_control, &req);
            if (got == 0 || (got < 0 && got != -EAGAIN && got != -EBADMSG)) quit();  // app gone
            if (got == 1) {
                handle(req);
                if (req.fd >= 0) ::close(req.fd);
            }
        }
        if (fds[1].revents & (POLLHUP | POLLERR)) quit();
        // (A request above may have stopped the capture: check again.)
        if (read_pcap && (fds[2].revents & POLLIN) && g_capture.running && g_capture.pcap) {
            // A bounded batch, so requests stay responsive under a flood.
            pcap_dispatch(g_capture.pcap, 256, on_packet, nullptr);
        }
        if (g_capture.running && seconds_since(g_capture.last_stats_time) >= 1.0)
            queue_stats(false);
        send_outbox();
    }
}
