// The network of a link lesson, made by socketlab-net-helper inside its user namespace (so it
// needs no privilege): a client namespace and a server namespace, each with an interface
// "eth0" whose veth peer ("sl-client", "sl-server") stays in the helper's own namespace, where
// an AF_PACKET socket on each peer hands every frame to SocketLab's relay (link_relay.h).
// Addresses are from ranges reserved for testing and private use, never routed anywhere:
//   client side 198.18.0.1/24  fd53:4c::1/64      server side 198.18.0.2/24  fd53:4c::2/64
// Neighbours are static (no ARP), segmentation and checksum offloads are off, so each frame is
// one real segment of at most the MTU. Used by the helper only (single-threaded: setns).
#pragma once

#include <string>

namespace socketlab::nethelper {

inline constexpr const char* kClientAddress4 = "198.18.0.1";
inline constexpr const char* kServerAddress4 = "198.18.0.2";
inline constexpr const char* kClientAddress6 = "fd53:4c::1";
inline constexpr const char* kServerAddress6 = "fd53:4c::2";

struct LinkTopology {
    int middle_ns = -1;  // the helper's own network namespace
    int client_ns = -1;
    int server_ns = -1;
    int client_packets = -1;  // AF_PACKET on sl-client (frames the client side sent)
    int server_packets = -1;  // AF_PACKET on sl-server
};

// 0 or -errno, with *error naming the step that failed.
int make_link_topology(int mtu, LinkTopology* out, std::string* error);
// A new MTU on all four ends of the link, while it runs. 0 or -errno, with *error.
int set_link_mtu(const LinkTopology& topology, int mtu, std::string* error);

}  // namespace socketlab::nethelper
