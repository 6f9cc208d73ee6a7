// Decodes captured IP packets (IPv4/IPv6 with TCP or UDP) into fields a learner can read, each
// located in the packet's bytes so a hex view can highlight it. Pure functions: no libpcap, no
// ImGui, no allocation beyond the result. Safe on any bytes (fuzzed: fuzz/packet_decode_fuzz.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/decoded_packet.h"
#include "core/event.h"

namespace socketlab {

// libpcap link-layer types, as numbers so this file needs no <pcap.h> (the fuzzer builds without
// libpcap). pcap_datalink() returns the DLT_ value; files store the LINKTYPE_ value, and libpcap
// maps one to the other when reading and writing.
inline constexpr int kLinkNull = 0;         // DLT_NULL: 4-byte address family, host byte order
inline constexpr int kLinkEthernet = 1;     // DLT_EN10MB: also Linux "lo" (zero MAC addresses)
inline constexpr int kLinkRaw = 12;         // DLT_RAW on Linux: the packet starts with IP
inline constexpr int kLinkRawOpenBsd = 14;  // DLT_RAW on OpenBSD
inline constexpr int kLinkRawFile = 101;    // LINKTYPE_RAW (what DLT_RAW is stored as in files)
inline constexpr int kLinkLoop = 108;       // DLT_LOOP: like DLT_NULL, network byte order
inline constexpr int kLinkLinuxSll = 113;   // DLT_LINUX_SLL: "any" device, 16-byte header
inline constexpr int kLinkIpv4 = 228;       // LINKTYPE_IPV4: raw IPv4 only
inline constexpr int kLinkIpv6 = 229;       // LINKTYPE_IPV6: raw IPv6 only
inline constexpr int kLinkLinuxSll2 = 276;  // DLT_LINUX_SLL2: "any" device, 20-byte header

// Decodes an IP packet (IPv4 or IPv6, with TCP or UDP). Never crashes or reads out of bounds,
// whatever the bytes; anything it cannot decode is reported in `problem`, the rest still filled
// in. Bytes past the IP length (Ethernet padding) are ignored.
DecodedPacket decode_ip_packet(const uint8_t* data, size_t size);

// Where the IP header starts for a libpcap link type (see kLink* above: Ethernet, as Linux
// loopback captures are; NULL/LOOP; RAW/IPV4/IPV6; LINUX_SLL, LINUX_SLL2). nullopt if the link
// header is truncated or does not carry IPv4/IPv6.
std::optional<size_t> ip_offset_for_link(int link_type, const uint8_t* data, size_t size);

// The first field with this layer and name, or nullptr.
const PacketField* find_field(const DecodedPacket& packet, std::string_view layer,
                              std::string_view name);

}  // namespace socketlab
