// The network a lesson's sockets live on, and the capture of its packets.
//
// Capturing needs CAP_NET_RAW. LessonNetwork::open() picks one of three modes:
//
//   HostLoopback      The process has CAP_NET_RAW (root, or `setcap cap_net_raw+ep` on the
//                     binary). Sockets are plain socket() calls; libpcap captures on the host's
//                     lo with a kernel (BPF) filter for the lesson's ports (set_ports), so a busy
//                     host loopback never floods our buffers, and Wireshark or tcpdump on lo see
//                     the same packets.
//   PrivateNamespace  No CAP_NET_RAW: the helper program socketlab-net-helper (a separate
//                     process, because unshare(CLONE_NEWUSER) refuses a multi-threaded caller)
//                     makes a user + network namespace in which it holds CAP_NET_RAW, brings
//                     its own lo up and captures there. The lesson's sockets are made by the
//                     helper in that namespace and passed back (SCM_RIGHTS): a socket stays in
//                     the network it was made in, so the app's threads use them as usual, and
//                     127.0.0.1 / ::1 reach only the lesson's own sockets. Needs no privilege
//                     (unprivileged user namespaces are on by default on Debian). Outside
//                     tools cannot see this network.
//   NoCapture         Neither worked. why_no_capture() says exactly what failed and
//                     how_to_fix() what would fix it; make_socket() gives plain host sockets,
//                     so lessons still run, only without packets.
//
// Threads: make_socket(), bind_unprivileged(), set_ports(), flush() and stats() may be called
// from any thread (the engine's actor threads among them). The sink runs on one delivery
// thread of ours; between the capture and the sink sits a bounded queue (10000 packets or
// 32 MiB by default): if the sink falls behind, packets are dropped and counted, never
// buffered without limit. The kernel's capture buffer is bounded too; what it drops is counted
// (CaptureStats::dropped_kernel).
//
// Usage:
//   auto net = LessonNetwork::open({});
//   ui_line = net->describe();
//   net->start_capture([&](RawPacket p) { log.append(decode(p)); }, &error);
//   int fd = net->make_socket(AF_INET, SOCK_STREAM, 0);   // instead of socket()
//   ... bind port 0, then: net->set_ports({port});        // host mode filters on these
//   ... at the end of a headless run: net->flush(1s); net->stop();
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "capture/link_rules.h"
#include "core/event.h"

#include <sys/socket.h>
#include <sys/types.h>

namespace socketlab {

// One captured packet.
struct RawPacket {
    int64_t realtime_us = 0;        // when the kernel saw it (CLOCK_REALTIME, microseconds)
    uint32_t original_length = 0;   // the IP packet's full length (ip_bytes may be cut)
    std::vector<uint8_t> ip_bytes;  // starting at the IP header (IPv4 or IPv6)
    // Link lessons: what SocketLab's link did (realtime_us is when it left the link, or when
    // the link dropped it; link->entered_us is the wall-clock time it entered, here).
    std::optional<LinkRecord> link;
};

struct CaptureStats {
    uint64_t captured = 0;        // packets that reached the sink
    uint64_t dropped_kernel = 0;  // dropped by the kernel: its capture buffer was full
                                  // (libpcap's ps_drop + ps_ifdrop)
    uint64_t dropped_queue = 0;   // dropped by us: the sink fell behind and our queue was full
    uint64_t queued = 0;          // waiting in our queue for the sink right now
};

struct NetworkOptions {
    bool want_capture = true;  // false: NoCapture with plain host sockets, no helper
    // The helper program. "" = the default: $SOCKETLAB_NET_HELPER (ignored in a set-uid or
    // file-capability process), else next to /proc/self/exe (the build tree), else
    // ../libexec/socketlab/ from the executable's folder (installed, relocatable).
    std::string helper_path;
    bool force_namespace = false;  // tests: use the namespace even when privileged
    // How long open() waits for the helper to report that its namespace is ready.
    std::chrono::milliseconds helper_timeout{5000};
    // Set (from any thread) when whoever opened the network is shutting down: open() stops
    // waiting for the helper, and requests to it (make_socket, bind_unprivileged) give up
    // with -ECANCELED, within about kCancelCheck. Null: never cancelled.
    std::shared_ptr<const std::atomic<bool>> cancel;
    static constexpr std::chrono::milliseconds kCancelCheck{20};
    // The bounds of the queue between the capture and the sink (tests make them small).
    size_t queue_packets = 10000;
    size_t queue_bytes = size_t{32} * 1024 * 1024;
    // A link lesson: the client side and the server side each get a network namespace, joined
    // by SocketLab's own link (link_relay.h), which is then the capture point. Always through
    // the helper, as root too (root gets the same private namespaces).
    std::optional<LinkSettings> link;
};

class LinkRelay;

class LessonNetwork {
  public:
    enum class Mode { HostLoopback, PrivateNamespace, NoCapture };

    // The default bounds of the queue between the capture and the sink (NetworkOptions).
    static constexpr size_t kQueuePackets = 10000;
    static constexpr size_t kQueueBytes = size_t{32} * 1024 * 1024;

    // Decides the mode and sets it up; never throws, never blocks for long (the helper start
    // has a timeout: options.helper_timeout).
    static std::unique_ptr<LessonNetwork> open(const NetworkOptions& options);
    ~LessonNetwork();
    LessonNetwork(const LessonNetwork&) = delete;
    LessonNetwork& operator=(const LessonNetwork&) = delete;

    Mode mode() const;
    // NoCapture: exactly why, e.g. "creating a user namespace failed: Operation not permitted"
    // (every path tried, joined by "; "). Otherwise "".
    std::string why_no_capture() const;
    // NoCapture: what would fix it (setcap, the sysctl to change, ...). Otherwise "".
    std::string how_to_fix() const;
    // One line for the UI: "capturing on the host loopback (lo) as root", ...
    std::string describe() const;

    // Makes a socket in the lesson's network (host mode and NoCapture: plain socket()). Same
    // arguments and flags as socket(2), including SOCK_NONBLOCK and SOCK_CLOEXEC. Returns the
    // fd (the caller owns it), or -errno; -ENETDOWN if the helper has died.
    //
    // actor: who will use the socket ("server", "client"). Ignored today: there is one
    // network. It is the seam for a later link between client and server (loss, delay,
    // reordering), where each side gets its own namespace joined by a link the app controls.
    int make_socket(int family, int type, int protocol, const std::string& actor = "");

    // Binds fd as an ordinary user would, without CAP_NET_BIND_SERVICE. In namespace mode the
    // app's own threads cannot show the EACCES of binding port 80: the app's user owns the
    // user namespace, and the kernel grants the owner every capability in it whatever the
    // thread's capability sets say. So the helper, which dropped the capability, makes the
    // call. Returns 0 or -errno; -ENOSYS in the other modes (there, dropping the capability in
    // the calling thread, as the engine does, is enough).
    int bind_unprivileged(int fd, const sockaddr* address, socklen_t length);

    // Starts capturing; the sink is called on our delivery thread for each packet, in capture
    // order. In namespace mode, packets since open() are kept by the kernel (up to its buffer)
    // and come first. Returns false (with *error) in NoCapture mode or if it cannot start.
    // Only once per LessonNetwork.
    bool start_capture(std::function<void(RawPacket)> sink, std::string* error);

    // Host mode: the ports to capture (TCP, UDP, IPv4 and IPv6, either direction), replacing
    // the previous set; the kernel filter is changed before this returns, so a packet sent
    // afterwards is seen. Give every port the lesson uses: the ports it binds and the ports it
    // connects or sends to. Empty = capture nothing. Namespace mode: everything on the
    // private lo is the lesson's, so this is ignored.
    void set_ports(const std::set<uint16_t>& ports);

    // Waits (bounded) until every packet the kernel has captured so far has reached the sink,
    // so a headless run can stop after its last step without losing the final FIN/ACK.
    // Returns false on timeout (or when nothing is capturing).
    bool flush(std::chrono::milliseconds timeout);

    CaptureStats stats() const;

    // Stops the capture: whatever was captured reaches the sink first. Sockets keep working.
    // The destructor also stops, then ends and reaps the helper.
    void stop();

    // The helper's process id (namespace mode), or -1. For tests and diagnostics.
    pid_t helper_pid() const;
    // Namespace mode: opens the helper's user and network namespaces (O_RDONLY|O_CLOEXEC; the
    // caller closes both), so a traced program can run inside the lesson's network. False
    // (with error) in the other modes or if either cannot be opened.
    bool namespace_fds(int& userns_fd, int& netns_fd, std::string& error) const;

    // A link lesson's link (null otherwise, or before start_capture). The controls' way in.
    LinkRelay* link() const;
    bool has_link() const;
    // A new MTU for the link's four interfaces, now (it waits for the helper: call it off the
    // UI thread). "" or why not. Connections made after it use it from their handshake on.
    std::string set_link_mtu(int mtu);
    // Which side of the link an actor's sockets live on: actors whose name contains "server"
    // are on the server side (198.18.0.2), every other actor on the client side (198.18.0.1).
    static LinkSide side_of_actor(const std::string& actor);
    // The NETLINK_SOCK_DIAG sockets that see every TCP socket of the lesson: one per namespace.
    std::vector<int> make_diag_sockets();

  private:
    struct Impl;
    LessonNetwork();
    std::unique_ptr<Impl> impl_;
};

const char* mode_name(LessonNetwork::Mode mode);  // "host-loopback", "private-namespace", "none"

}  // namespace socketlab
