// The messages between SocketLab and socketlab-net-helper, the small process that owns the
// private user + network namespace in which an ordinary user can capture (see
// lesson_network.h for why it exists). Shared by the app and the helper; no other code uses it.
//
// Two SOCK_SEQPACKET socketpairs join them (one message per send, boundaries kept, and file
// descriptors can ride along with SCM_RIGHTS):
//   control (fd 3 in the helper): request -> one Reply, strictly in turn. The app serialises
//                                 its requests, so a reply always answers the latest request
//                                 (ids catch a late answer to a request that timed out).
//   packets (fd 4 in the helper): helper -> app only: Packet, Stats, Flushed, Stopped, in
//                                 capture order. Kept apart from the control channel so a
//                                 make_socket call never waits behind a burst of packets, and
//                                 so Flushed is ordered after every packet it covers.
// The helper's first message on the control channel is Ready (values[0] = 0 or -errno, the
// text = what failed), sent once the namespace is set up or could not be.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <pcap/pcap.h>

namespace socketlab::nethelper {

inline constexpr int kControlFd = 3;
inline constexpr int kPacketFd = 4;

// A packet larger than this is cut (its original length is still reported). An AF_UNIX
// datagram must fit in the sender's buffer (net.core.wmem_default, 208 KiB on Debian), and a
// loopback packet is at most 64 KiB plus headers unless someone raised lo's GSO size.
inline constexpr size_t kMaxPacketBytes = size_t{128} * 1024;
// The largest message either side sends (a packet plus its header).
inline constexpr size_t kMaxMessageBytes = kMaxPacketBytes + 256;

enum class MsgType : uint32_t {
    // helper -> app, control channel
    Ready = 1,  // values[0]: 0 or -errno; text: the failing step ("creating ...: ...")
    Reply,      // values[0]: result (>= 0 or -errno); text: error detail; may carry an fd
    // app -> helper, control channel
    MakeSocket,        // values[0..2]: family, type, protocol -> Reply with the socket's fd
    BindUnprivileged,  // fd + payload = sockaddr -> Reply values[0] = 0 or -errno
    StartCapture,      // -> Reply; packets then flow on the packet channel
    Flush,             // id -> Reply; then Stats and Flushed(id) on the packet channel
    StopCapture,       // -> Reply; then Stats and Stopped on the packet channel
    LinkPackets,       // values[0]: 0 client, 1 server -> Reply with the link's AF_PACKET fd
    SetLinkMtu,        // values[0]: the MTU (1280..9000) -> Reply values[0] = 0 or -errno
    // helper -> app, packet channel
    Packet,   // values[0]: realtime_us, values[1]: original length of the IP packet; payload:
              // the IP packet (link header already removed), at most kMaxPacketBytes
    Stats,    // values[0]: ps_recv, values[1]: ps_drop, values[2]: ps_ifdrop
    Flushed,  // id: the Flush request it answers
    Stopped,  // capture ended; nothing more comes on the packet channel
};

struct MessageHeader {
    uint32_t type = 0;
    uint32_t id = 0;
    int64_t values[4] = {0, 0, 0, 0};
};

// A received message.
struct Message {
    MessageHeader header;
    std::vector<uint8_t> payload;
    int fd = -1;  // a passed file descriptor (the receiver owns it), or -1
    MsgType type() const { return static_cast<MsgType>(header.type); }
    std::string text() const { return std::string(payload.begin(), payload.end()); }
};

// Sends one message; pass_fd >= 0 rides along with SCM_RIGHTS. flags: extra MSG_* flags
// (MSG_DONTWAIT). Returns 0, or -errno (-EAGAIN when non-blocking and the peer is full).
int send_message(int socket_fd, const MessageHeader& header, const void* payload,
                 size_t payload_size, int pass_fd = -1, int flags = 0);
inline int send_message(int socket_fd, const MessageHeader& header, const std::string& text) {
    return send_message(socket_fd, header, text.data(), text.size());
}

// Receives one message. A passed fd arrives close-on-exec. Returns 1 with *out filled, 0 at
// end of file (the other side is gone), or -errno. A message that is not a whole header is
// -EBADMSG.
int receive_message(int socket_fd, Message* out, int flags = 0);

// Where the IP header starts in a captured frame of link type dlt (pcap_datalink), or -1 when
// the frame does not carry IPv4/IPv6 (or is too short). Linux lo is DLT_EN10MB: a 14-byte
// Ethernet header with zero addresses.
int ip_offset(int dlt, const uint8_t* frame, size_t caplen);

// Compiles a libpcap filter expression for p (activated) and attaches it to the capture socket
// in the kernel ourselves, with SO_ATTACH_FILTER, instead of pcap_setfilter(). Why: after
// pcap_setfilter() libpcap also runs the filter in userland on the frames that were in the
// ring at that moment (plus one), and its userland BPF cannot evaluate Linux's ancillary loads
// such as "inbound", so it would silently reject the next packet (the lesson's SYN). Packets
// already in the ring are kept, which is what we want: they passed the filter of their time.
// Returns true, or false with *error.
bool attach_kernel_filter(pcap_t* p, const std::string& expression, std::string* error);

}  // namespace socketlab::nethelper
