// A captured IP packet as the decoder (capture/packet_decode.h) reads it: every header field
// with its offset and meaning. Plain data, here in core so a packet Event can carry the one
// decoding made where the packet was captured; nothing in core decodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/address.h"

namespace socketlab {

// TCP header flag bits, as on the wire.
enum TcpFlag : uint8_t {
    kTcpFin = 0x01,
    kTcpSyn = 0x02,
    kTcpRst = 0x04,
    kTcpPsh = 0x08,
    kTcpAck = 0x10,
    kTcpUrg = 0x20,
    kTcpEce = 0x40,
    kTcpCwr = 0x80,
};

// "SYN", "SYN,ACK", "FIN,PSH,ACK": the set bits in Wireshark's order (FIN, SYN, RST, PSH, ACK,
// URG, ECE, CWR); "" when none is set. Inline: the fuzzer builds the decoder without core.
inline std::string tcp_flag_names(uint8_t flags) {
    static const char* const kNames[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    std::string out;
    for (unsigned bit = 0; bit < 8; ++bit) {
        if (!(flags & (1u << bit))) continue;
        if (!out.empty()) out += ',';
        out += kNames[bit];
    }
    return out;
}

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
    SocketAddress src_address, dst_address;  // the same as socket addresses (port 0 if none)
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

}  // namespace socketlab
