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

// One header field, located in the packet's bytes so the UI can highlight it in a hex view.
struct PacketField {
    std::string layer;    // "IPv4", "IPv6", "IPv6 extension", "TCP", "TCP option", "UDP", "Payload"
    std::string name;     // "Source port", "Flags", "Sequence number", "MSS", ...
    std::string value;    // "43122", "SYN,ACK", "0x4000 (Don't fragment)"
    std::string meaning;  // plain English for a learner: what this field is for
    size_t offset = 0;    // first byte of the field in the IP packet
    size_t length = 0;    // bytes it occupies (bit fields: the whole byte(s) holding the bits)
};

struct TcpOption {
    uint8_t kind = 0;   // 0 EOL, 1 NOP, 2 MSS, 3 window scale, 4 SACK permitted, 5 SACK, 8 TS
    std::string name;   // "MSS", "Window scale", "SACK permitted", "SACK", "Timestamps", ...
    std::string value;  // "65495", "7 (multiply by 128)", "TSval 882293163, TSecr 0"
    size_t offset = 0;  // first byte (the kind byte) in the IP packet
    size_t length = 0;  // whole option, kind and length bytes included
};

struct DecodedPacket {
    int ip_version = 0;    // 4 or 6; 0 if not IP
    std::string proto;     // "tcp", "udp", or "" (other / undecodable)
    std::string src, dst;  // "127.0.0.1:43122", "[::1]:5000" (address only if no ports)
    uint16_t src_port = 0, dst_port = 0;
    uint8_t ttl = 0;                 // IPv4 TTL or IPv6 hop limit
    size_t ip_header_length = 0;     // IPv4 header with options; IPv6 40 + extension headers
    uint8_t tcp_flags = 0;           // raw bits (FIN=0x01 ... CWR=0x80)
    std::string flags;               // "SYN", "SYN,ACK", "PSH,ACK", "FIN,ACK", "RST,ACK"
    uint32_t seq = 0, ack = 0;       // absolute, as on the wire
    uint16_t window = 0;             // raw window field (not multiplied by the scale)
    size_t tcp_header_length = 0;    // from the data offset, options included
    std::vector<TcpOption> options;  // in the order they appear
    uint16_t udp_length = 0, udp_checksum = 0;
    // The payload's captured bytes: data[payload_offset, payload_offset + payload_length) is
    // always inside the buffer that was decoded.
    size_t payload_offset = 0, payload_length = 0;
    // The payload's length on the wire, from the IP/UDP lengths; larger than payload_length when
    // the capture was cut short (then `problem` says "truncated").
    size_t payload_wire_length = 0;
    std::vector<PacketField> fields;  // every header field in order, with offsets
    // Empty when well formed; else e.g. "truncated: TCP header needs 20 bytes, 12 captured" or
    // "bad IPv4 header length 3 ...". Only the first problem found is kept.
    std::string problem;
};

// Decodes an IP packet (IPv4 or IPv6, with TCP or UDP). Never crashes or reads out of bounds,
// whatever the bytes; anything it cannot decode is reported in `problem`, the rest still filled
// in. Bytes past the IP length (Ethernet padding) are ignored.
DecodedPacket decode_ip_packet(const uint8_t* data, size_t size);

// Where the IP header starts for a libpcap link type (see kLink* above: Ethernet, as Linux
// loopback captures are; NULL/LOOP; RAW/IPV4/IPV6; LINUX_SLL, LINUX_SLL2). nullopt if the link
// header is truncated or does not carry IPv4/IPv6.
std::optional<size_t> ip_offset_for_link(int link_type, const uint8_t* data, size_t size);

// The short form for an Event (core/event.h PacketSummary); len is the payload on the wire.
PacketSummary summarize(const DecodedPacket& packet);

// "SYN", "SYN,ACK", "FIN,PSH,ACK": names of the set bits in Wireshark's order (FIN, SYN, RST,
// PSH, ACK, URG, ECE, CWR); "" when none is set.
std::string tcp_flag_names(uint8_t flags);

// The first field with this layer and name, or nullptr.
const PacketField* find_field(const DecodedPacket& packet, std::string_view layer,
                              std::string_view name);

}  // namespace socketlab
