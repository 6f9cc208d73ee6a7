// The packet decoder against real loopback captures and hand-built packets, including every
// truncation of them and malformed headers.
#include "capture/packet_decode.h"
#include "capture/packet_recorder.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace socketlab {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes from_hex(std::string_view hex) {
    Bytes out;
    std::string digits;
    for (char c : hex)
        if (c != ' ') digits += c;
    for (size_t i = 0; i + 1 < digits.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    return out;
}

Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

void put16(Bytes& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}

void put32(Bytes& b, size_t at, uint32_t v) {
    put16(b, at, static_cast<uint16_t>(v >> 16));
    put16(b, at + 2, static_cast<uint16_t>(v));
}

// Real frames captured with dumpcap on Linux "lo" (kernel 6.18, link type Ethernet with zero
// MAC addresses): a Python client connecting to 127.0.0.1:47123 and [::1]:47123, sending
// "Hello karl" / "hi", closing; UDP "ping" / "ping6" to port 47124; a connect() to 47124 that
// was refused. Values in the tests are what tshark decoded from the same bytes.
const char* kRealSyn =
    "00000000000000000000000008004500003cfdd5400040063ee47f0000017f000001d280b813c69ee2910000"
    "0000a002ffd7fe3000000204ffd70402080a3496b9ab000000000103030a";
const char* kRealSynAck =
    "00000000000000000000000008004500003c0000400040063cba7f0000017f000001b813d280d80ab45ac69e"
    "e292a012ffcbfe3000000204ffd70402080aaeb877473496b9ab0103030a";
const char* kRealPshAck =
    "00000000000000000000000008004500003efdd7400040063ee07f0000017f000001d280b813c69ee292d80a"
    "b45b80180040fe3200000101080a3496b9abaeb8774748656c6c6f206b61726c";
const char* kRealFinAck =
    "000000000000000000000000080045000034fdd8400040063ee97f0000017f000001d280b813c69ee29cd80a"
    "b45b80110040fe2800000101080a3496b9abaeb87747";
const char* kRealIpv6Syn =
    "00000000000000000000000086dd60079de60028064000000000000000000000000000000001000000000000"
    "0000000000000000000186dcb813e16bdfd600000000a002ffc4003000000204ffc40402080a39a61b250000"
    "00000103030a";
const char* kRealUdp4 =
    "00000000000000000000000008004500002000ea400040113be17f0000017f000001a8efb814000cfe1f7069"
    "6e67";
const char* kRealUdp6 =
    "00000000000000000000000086dd600eeeb6000d114000000000000000000000000000000001000000000000"
    "00000000000000000001bd5fb814000d002070696e6736";
const char* kRealRstAck =
    "0000000000000000000000000800450000280000400040063cce7f0000017f000001b814b16a00000000e77a"
    "2d1f5014000033b50000";

// The IP packet inside a real Ethernet frame.
Bytes real_ip(const char* frame_hex) {
    Bytes frame = from_hex(frame_hex);
    std::optional<size_t> offset = ip_offset_for_link(kLinkEthernet, frame.data(), frame.size());
    EXPECT_EQ(offset, std::optional<size_t>(14));
    return Bytes(frame.begin() + 14, frame.end());
}

// --- Builders for hand-made packets -----------------------------------------------------------

struct TcpSpec {
    uint16_t src_port = 43122, dst_port = 5000;
    uint32_t seq = 1000, ack = 0;
    uint8_t flags = 0x02;
    uint16_t window = 65495;
    Bytes options;  // must be a multiple of 4 bytes unless data_offset is forced
    Bytes payload;
    int data_offset = -1;  // -1: computed from the options
};

Bytes tcp_segment(const TcpSpec& spec) {
    Bytes b(20, 0);
    put16(b, 0, spec.src_port);
    put16(b, 2, spec.dst_port);
    put32(b, 4, spec.seq);
    put32(b, 8, spec.ack);
    int offset =
        spec.data_offset >= 0 ? spec.data_offset : static_cast<int>((20 + spec.options.size()) / 4);
    b[12] = static_cast<uint8_t>(offset << 4);
    b[13] = spec.flags;
    put16(b, 14, spec.window);
    b = concat(b, spec.options);
    return concat(b, spec.payload);
}

Bytes udp_datagram(uint16_t src_port, uint16_t dst_port, const Bytes& payload) {
    Bytes b(8, 0);
    put16(b, 0, src_port);
    put16(b, 2, dst_port);
    put16(b, 4, static_cast<uint16_t>(8 + payload.size()));
    return concat(b, payload);
}

uint16_t ones_complement(const Bytes& b, size_t from, size_t to, uint32_t acc = 0) {
    for (size_t i = from; i < to; i += 2) acc += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return static_cast<uint16_t>(~acc);
}

// IPv4 from 127.0.0.1 to 127.0.0.1 as Linux sends it: TTL 64, DF, a correct header checksum.
Bytes ipv4(uint8_t proto, const Bytes& l4, Bytes options = {}) {
    Bytes b(20, 0);
    b[0] = static_cast<uint8_t>(0x40 | (20 + options.size()) / 4);
    put16(b, 2, static_cast<uint16_t>(20 + options.size() + l4.size()));
    put16(b, 4, 0x1c46);
    put16(b, 6, 0x4000);
    b[8] = 64;
    b[9] = proto;
    b[12] = 127;
    b[15] = 1;
    b[16] = 127;
    b[19] = 1;
    b = concat(b, options);
    put16(b, 10, ones_complement(b, 0, b.size()));
    return concat(b, l4);
}

// IPv6 from ::1 to ::1; `rest` is extension headers and the transport header.
Bytes ipv6(uint8_t next, const Bytes& rest) {
    Bytes b(40, 0);
    b[0] = 0x60;
    b[1] = 0x01;  // flow label 0x12345
    put16(b, 2, 0x2345);
    put16(b, 4, static_cast<uint16_t>(rest.size()));
    b[6] = next;
    b[7] = 64;
    b[23] = 1;
    b[39] = 1;
    return concat(b, rest);
}

// Linux's SYN options: MSS 65495, SACK permitted, timestamps, NOP, window scale 7.
Bytes linux_syn_options() {
    return from_hex("0204ffd7 0402 080a 0001e240 00000000 01 030307");
}

DecodedPacket decode(const Bytes& b) {
    return decode_ip_packet(b.data(), b.size());
}

// Every field, option and the payload must lie inside the decoded bytes.
void expect_in_bounds(const DecodedPacket& p, size_t size) {
    for (const PacketField& f : p.fields) {
        EXPECT_GT(f.length, 0u) << f.layer << " " << f.name;
        EXPECT_LE(f.offset + f.length, size) << f.layer << " " << f.name;
        EXPECT_FALSE(f.meaning.empty()) << f.layer << " " << f.name;
    }
    for (const TcpOption& o : p.options) EXPECT_LE(o.offset + o.length, size) << o.name;
    EXPECT_LE(p.payload_offset + p.payload_length, size);
    EXPECT_LE(p.payload_length, p.payload_wire_length);
}

void expect_field(const DecodedPacket& p, const char* layer, const char* name,
                  const std::string& value, size_t offset, size_t length) {
    const PacketField* f = find_field(p, layer, name);
    ASSERT_NE(f, nullptr) << layer << " / " << name;
    EXPECT_EQ(f->value, value) << layer << " / " << name;
    EXPECT_EQ(f->offset, offset) << layer << " / " << name;
    EXPECT_EQ(f->length, length) << layer << " / " << name;
}

// --- Real packets -------------------------------------------------------------------------------

TEST(PacketDecode, RealIpv4SynFromLoopback) {
    Bytes ip = real_ip(kRealSyn);
    ASSERT_EQ(ip.size(), 60u);
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.ip_version, 4);
    EXPECT_EQ(p.proto, "tcp");
    EXPECT_EQ(p.src, "127.0.0.1:53888");
    EXPECT_EQ(p.dst, "127.0.0.1:47123");
    EXPECT_EQ(p.flags, "SYN");
    EXPECT_EQ(p.tcp_flags, 0x02);
    EXPECT_EQ(p.seq, 3332301457u);
    EXPECT_EQ(p.ack, 0u);
    EXPECT_EQ(p.window, 65495);
    EXPECT_EQ(p.ttl, 64);
    EXPECT_EQ(p.ip_header_length, 20u);
    EXPECT_EQ(p.tcp_header_length, 40u);
    EXPECT_EQ(p.payload_length, 0u);
    EXPECT_EQ(find_field(p, "Payload", "Payload"), nullptr);

    expect_field(p, "IPv4", "Version", "4", 0, 1);
    expect_field(p, "IPv4", "Header length", "20 bytes (IHL 5)", 0, 1);
    expect_field(p, "IPv4", "Total length", "60 bytes", 2, 2);
    expect_field(p, "IPv4", "Identification", "0xfdd5 (64981)", 4, 2);
    expect_field(p, "IPv4", "Flags", "0x4000 (Don't fragment)", 6, 2);
    expect_field(p, "IPv4", "Fragment offset", "0", 6, 2);
    expect_field(p, "IPv4", "TTL", "64", 8, 1);
    expect_field(p, "IPv4", "Protocol", "6 (TCP)", 9, 1);
    // The kernel always computes the IPv4 header checksum, even on loopback...
    expect_field(p, "IPv4", "Header checksum", "0x3ee4 (correct)", 10, 2);
    expect_field(p, "IPv4", "Source address", "127.0.0.1", 12, 4);
    expect_field(p, "IPv4", "Destination address", "127.0.0.1", 16, 4);
    expect_field(p, "TCP", "Source port", "53888", 20, 2);
    expect_field(p, "TCP", "Destination port", "47123", 22, 2);
    expect_field(p, "TCP", "Sequence number", "3332301457", 24, 4);
    expect_field(p, "TCP", "Header length", "40 bytes (data offset 10)", 32, 1);
    expect_field(p, "TCP", "Flags", "SYN", 33, 1);
    expect_field(p, "TCP", "Window", "65495", 34, 2);
    // ...but leaves TCP's to the (absent) hardware: the field holds only a partial sum.
    expect_field(p, "TCP", "Checksum", "0xfe30 (does not match)", 36, 2);
    expect_field(p, "TCP", "Urgent pointer", "0", 38, 2);
    EXPECT_NE(find_field(p, "TCP", "Sequence number")->meaning.find("random"), std::string::npos);

    ASSERT_EQ(p.options.size(), 5u);
    EXPECT_EQ(p.options[0].name, "MSS");
    EXPECT_EQ(p.options[0].value, "65495");
    EXPECT_EQ(p.options[1].name, "SACK permitted");
    EXPECT_EQ(p.options[2].name, "Timestamps");
    EXPECT_EQ(p.options[2].value, "TSval 882293163, TSecr 0");
    EXPECT_EQ(p.options[3].name, "NOP");
    EXPECT_EQ(p.options[4].name, "Window scale");
    EXPECT_EQ(p.options[4].value, "10 (multiply by 1024)");
    expect_field(p, "TCP option", "Window scale", "10 (multiply by 1024)", 57, 3);
    expect_in_bounds(p, ip.size());

    // Fields come in byte order.
    for (size_t i = 1; i < p.fields.size(); ++i)
        EXPECT_LE(p.fields[i - 1].offset, p.fields[i].offset) << p.fields[i].name;
}

TEST(PacketDecode, RealSynAckAcknowledgesTheSyn) {
    DecodedPacket syn = decode(real_ip(kRealSyn));
    DecodedPacket p = decode(real_ip(kRealSynAck));
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.flags, "SYN,ACK");
    EXPECT_EQ(p.tcp_flags, 0x12);
    EXPECT_EQ(p.src, "127.0.0.1:47123");
    EXPECT_EQ(p.dst, "127.0.0.1:53888");
    EXPECT_EQ(p.seq, 3624580186u);
    EXPECT_EQ(p.ack, syn.seq + 1);
    EXPECT_EQ(p.window, 65483);
    expect_field(p, "TCP option", "Timestamps", "TSval 2931324743, TSecr 882293163", 46, 10);
}

TEST(PacketDecode, RealPshAckCarriesThePayload) {
    Bytes ip = real_ip(kRealPshAck);
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.flags, "PSH,ACK");
    EXPECT_EQ(p.seq, 3332301458u);
    EXPECT_EQ(p.ack, 3624580187u);
    EXPECT_EQ(p.window, 64);  // raw: the window scale (1024) makes it 65536
    EXPECT_EQ(p.tcp_header_length, 32u);
    ASSERT_EQ(p.options.size(), 3u);
    EXPECT_EQ(p.options[0].kind, 1);
    EXPECT_EQ(p.options[0].offset, 40u);
    EXPECT_EQ(p.options[1].kind, 1);
    EXPECT_EQ(p.options[2].kind, 8);
    EXPECT_EQ(p.options[2].offset, 42u);
    EXPECT_EQ(p.payload_offset, 52u);
    EXPECT_EQ(p.payload_length, 10u);
    EXPECT_EQ(p.payload_wire_length, 10u);
    EXPECT_EQ(std::string(ip.begin() + 52, ip.end()), "Hello karl");
    expect_field(p, "Payload", "Payload", "10 bytes", 52, 10);

    PacketRecord s = packet_record_of(std::make_shared<const DecodedPacket>(p));
    EXPECT_TRUE(s.is_tcp());
    EXPECT_EQ(s.src.to_string(), "127.0.0.1:53888");
    EXPECT_EQ(s.dst.to_string(), "127.0.0.1:47123");
    EXPECT_EQ(tcp_flag_names(s.tcp_flags), "PSH,ACK");
    EXPECT_TRUE(s.has(kTcpPsh | kTcpAck));
    EXPECT_FALSE(s.has(kTcpSyn));
    ASSERT_NE(s.decoded, nullptr);
    EXPECT_EQ(s.decoded->fields.size(), p.fields.size());
    EXPECT_EQ(s.seq, 3332301458u);
    EXPECT_EQ(s.ack, 3624580187u);
    EXPECT_EQ(s.window, 64u);
    EXPECT_EQ(s.len, 10u);
    EXPECT_EQ(s.problem, "");
}

TEST(PacketDecode, RealFinAck) {
    DecodedPacket p = decode(real_ip(kRealFinAck));
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.flags, "FIN,ACK");
    EXPECT_EQ(p.tcp_flags, 0x11);
    EXPECT_EQ(p.seq, 3332301468u);  // 10 bytes after the first data byte
    EXPECT_EQ(p.payload_length, 0u);
    EXPECT_NE(find_field(p, "TCP", "Sequence number")->meaning.find("FIN"), std::string::npos);
}

TEST(PacketDecode, RealRstAckHasAComputedChecksum) {
    DecodedPacket p = decode(real_ip(kRealRstAck));
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.flags, "RST,ACK");
    EXPECT_EQ(p.tcp_flags, 0x14);
    EXPECT_EQ(p.seq, 0u);
    EXPECT_EQ(p.ack, 3883543839u);
    EXPECT_EQ(p.window, 0);
    EXPECT_TRUE(p.options.empty());
    EXPECT_EQ(p.tcp_header_length, 20u);
    // The kernel builds resets itself and fills in the whole checksum: checks our arithmetic.
    expect_field(p, "TCP", "Checksum", "0x33b5 (correct)", 36, 2);
    expect_field(p, "IPv4", "Header checksum", "0x3cce (correct)", 10, 2);
}

TEST(PacketDecode, RealIpv6Syn) {
    Bytes ip = real_ip(kRealIpv6Syn);
    ASSERT_EQ(ip.size(), 80u);
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.ip_version, 6);
    EXPECT_EQ(p.proto, "tcp");
    EXPECT_EQ(p.src, "[::1]:34524");
    EXPECT_EQ(p.dst, "[::1]:47123");
    EXPECT_EQ(p.flags, "SYN");
    EXPECT_EQ(p.seq, 3781943254u);
    EXPECT_EQ(p.window, 65476);
    EXPECT_EQ(p.ttl, 64);
    EXPECT_EQ(p.ip_header_length, 40u);
    expect_field(p, "IPv6", "Version", "6", 0, 1);
    expect_field(p, "IPv6", "Traffic class", "0x00 (DSCP 0, Not ECN-capable)", 0, 2);
    expect_field(p, "IPv6", "Flow label", "0x79de6", 1, 3);
    expect_field(p, "IPv6", "Payload length", "40 bytes", 4, 2);
    expect_field(p, "IPv6", "Next header", "6 (TCP)", 6, 1);
    expect_field(p, "IPv6", "Hop limit", "64", 7, 1);
    expect_field(p, "IPv6", "Source address", "::1", 8, 16);
    expect_field(p, "IPv6", "Destination address", "::1", 24, 16);
    expect_field(p, "TCP", "Source port", "34524", 40, 2);
    expect_field(p, "TCP option", "MSS", "65476", 60, 4);
    expect_in_bounds(p, ip.size());
}

TEST(PacketDecode, RealUdpIpv4AndIpv6) {
    DecodedPacket p4 = decode(real_ip(kRealUdp4));
    EXPECT_EQ(p4.problem, "");
    EXPECT_EQ(p4.proto, "udp");
    EXPECT_EQ(p4.src, "127.0.0.1:43247");
    EXPECT_EQ(p4.dst, "127.0.0.1:47124");
    EXPECT_EQ(p4.udp_length, 12);
    EXPECT_EQ(p4.udp_checksum, 0xfe1f);
    EXPECT_EQ(p4.flags, "");
    expect_field(p4, "UDP", "Length", "12 bytes", 24, 2);
    expect_field(p4, "UDP", "Checksum", "0xfe1f (does not match)", 26, 2);
    expect_field(p4, "Payload", "Payload", "4 bytes", 28, 4);
    EXPECT_EQ(packet_record_of(std::make_shared<const DecodedPacket>(p4)).len, 4u);

    DecodedPacket p6 = decode(real_ip(kRealUdp6));
    EXPECT_EQ(p6.problem, "");
    EXPECT_EQ(p6.proto, "udp");
    EXPECT_EQ(p6.src, "[::1]:48479");
    EXPECT_EQ(p6.dst, "[::1]:47124");
    EXPECT_EQ(p6.udp_length, 13);
    expect_field(p6, "UDP", "Source port", "48479", 40, 2);
    expect_field(p6, "Payload", "Payload", "5 bytes", 48, 5);
    EXPECT_EQ(p6.payload_offset, 48u);
    EXPECT_EQ(p6.payload_length, 5u);
}

// --- Hand-built packets -------------------------------------------------------------------------

TEST(PacketDecode, SynOptionValuesAndOffsets) {
    TcpSpec spec;
    spec.seq = 123456789;
    spec.options = linux_syn_options();
    Bytes ip = ipv4(6, tcp_segment(spec));
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.src, "127.0.0.1:43122");
    EXPECT_EQ(p.dst, "127.0.0.1:5000");
    EXPECT_EQ(p.seq, 123456789u);
    ASSERT_EQ(p.options.size(), 5u);
    struct Expected {
        uint8_t kind;
        const char* name;
        const char* value;
        size_t offset, length;
    } expected[] = {
        {2, "MSS", "65495", 40, 4},
        {4, "SACK permitted", "yes", 44, 2},
        {8, "Timestamps", "TSval 123456, TSecr 0", 46, 10},
        {1, "NOP", "(padding)", 56, 1},
        {3, "Window scale", "7 (multiply by 128)", 57, 3},
    };
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(p.options[i].kind, expected[i].kind);
        EXPECT_EQ(p.options[i].name, expected[i].name);
        EXPECT_EQ(p.options[i].value, expected[i].value);
        EXPECT_EQ(p.options[i].offset, expected[i].offset);
        EXPECT_EQ(p.options[i].length, expected[i].length);
        expect_field(p, "TCP option", expected[i].name, expected[i].value, expected[i].offset,
                     expected[i].length);
    }
    const PacketField* checksum = find_field(p, "IPv4", "Header checksum");
    ASSERT_NE(checksum, nullptr);
    EXPECT_NE(checksum->value.find("(correct)"), std::string::npos) << checksum->value;
}

TEST(PacketDecode, SackBlocksUnknownOptionsAndEndOfList) {
    TcpSpec spec;
    spec.flags = 0x10;
    // NOP NOP SACK(2 blocks) | kind 30 (MPTCP) len 4 | kind 99 len 2 | EOL + 1 byte padding
    spec.options = from_hex("0101 0512 000003e8 000007d0 00000bb8 00000fa0 1e04abcd 6302 0000");
    ASSERT_EQ(spec.options.size() % 4, 0u);
    Bytes ip = ipv4(6, tcp_segment(spec));
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.flags, "ACK");
    ASSERT_EQ(p.options.size(), 6u);
    EXPECT_EQ(p.options[2].name, "SACK");
    EXPECT_EQ(p.options[2].value, "1000-2000, 3000-4000");
    EXPECT_EQ(p.options[2].offset, 42u);
    EXPECT_EQ(p.options[2].length, 18u);
    EXPECT_EQ(p.options[3].name, "Multipath TCP (kind 30)");
    EXPECT_EQ(p.options[3].value, "ab cd");
    EXPECT_EQ(p.options[4].name, "Unknown option (kind 99)");
    EXPECT_EQ(p.options[4].value, "(no data)");
    EXPECT_EQ(p.options[4].offset, 64u);
    EXPECT_EQ(p.options[5].kind, 0);
    EXPECT_EQ(p.options[5].offset, 66u);
    expect_field(p, "TCP option", "Padding", "1 bytes", 67, 1);
    expect_in_bounds(p, ip.size());
}

TEST(PacketDecode, FlagNames) {
    EXPECT_EQ(tcp_flag_names(0x00), "");
    EXPECT_EQ(tcp_flag_names(0x02), "SYN");
    EXPECT_EQ(tcp_flag_names(0x12), "SYN,ACK");
    EXPECT_EQ(tcp_flag_names(0x18), "PSH,ACK");
    EXPECT_EQ(tcp_flag_names(0x11), "FIN,ACK");
    EXPECT_EQ(tcp_flag_names(0x14), "RST,ACK");
    EXPECT_EQ(tcp_flag_names(0x19), "FIN,PSH,ACK");
    EXPECT_EQ(tcp_flag_names(0xff), "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR");

    TcpSpec spec;
    spec.flags = 0xc2;  // SYN offering ECN
    DecodedPacket p = decode(ipv4(6, tcp_segment(spec)));
    EXPECT_EQ(p.flags, "SYN,ECE,CWR");
    const PacketField* f = find_field(p, "TCP", "Flags");
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->meaning.find("ECE"), std::string::npos);
    EXPECT_NE(f->meaning.find("CWR"), std::string::npos);
}

TEST(PacketDecode, HandBuiltTcpIpv6WithPayload) {
    TcpSpec spec;
    spec.flags = 0x18;
    spec.ack = 77;
    spec.payload = {'h', 'i', '!'};
    Bytes ip = ipv6(6, tcp_segment(spec));
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.src, "[::1]:43122");
    EXPECT_EQ(p.dst, "[::1]:5000");
    EXPECT_EQ(p.flags, "PSH,ACK");
    EXPECT_EQ(p.ack, 77u);
    expect_field(p, "IPv6", "Flow label", "0x12345", 1, 3);
    expect_field(p, "TCP", "Acknowledgment number", "77", 48, 4);
    expect_field(p, "Payload", "Payload", "3 bytes", 60, 3);
}

TEST(PacketDecode, HandBuiltUdp) {
    Bytes ip = ipv4(17, udp_datagram(40000, 53, {1, 2, 3}));
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.proto, "udp");
    EXPECT_EQ(p.src, "127.0.0.1:40000");
    EXPECT_EQ(p.dst, "127.0.0.1:53");
    expect_field(p, "UDP", "Checksum", "0x0000 (not computed: allowed over IPv4)", 26, 2);
    EXPECT_EQ(p.payload_length, 3u);

    DecodedPacket p6 = decode(ipv6(17, udp_datagram(40000, 53, {})));
    EXPECT_EQ(p6.problem, "");
    expect_field(p6, "UDP", "Checksum", "0x0000 (missing: IPv6 requires one)", 46, 2);
    EXPECT_EQ(p6.payload_length, 0u);
    EXPECT_EQ(find_field(p6, "Payload", "Payload"), nullptr);
}

TEST(PacketDecode, EthernetPaddingAfterTheIpPacketIsIgnored) {
    // Ethernet pads frames to 60 bytes; the IP total length says where the packet ends.
    Bytes frame = concat(from_hex(kRealUdp4), Bytes(14, 0xee));
    std::optional<size_t> offset = ip_offset_for_link(kLinkEthernet, frame.data(), frame.size());
    ASSERT_EQ(offset, std::optional<size_t>(14));
    DecodedPacket p = decode_ip_packet(frame.data() + 14, frame.size() - 14);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.payload_length, 4u);
    EXPECT_EQ(p.payload_wire_length, 4u);
    expect_in_bounds(p, 32);
}

TEST(PacketDecode, TotalLengthBiggerThanCaptured) {
    Bytes ip = real_ip(kRealPshAck);
    ip.erase(ip.end() - 3, ip.end());  // lose "a", "r", "l" of the payload
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "truncated: IPv4 total length says 62 bytes, 59 captured");
    EXPECT_EQ(p.flags, "PSH,ACK");  // the rest is still decoded
    EXPECT_EQ(p.payload_length, 7u);
    EXPECT_EQ(p.payload_wire_length, 10u);
    expect_field(p, "Payload", "Payload", "10 bytes (7 captured)", 52, 7);
    expect_field(p, "TCP", "Checksum", "0xfe32 (not checked: segment not fully captured)", 36, 2);
    EXPECT_EQ(packet_record_of(std::make_shared<const DecodedPacket>(p)).len, 10u);
    EXPECT_EQ(packet_record_of(std::make_shared<const DecodedPacket>(p)).problem, p.problem);
}

TEST(PacketDecode, TruncationSaysWhichHeaderIsCut) {
    const Bytes full = real_ip(kRealSyn);
    auto problem_at = [&](size_t n) {
        Bytes cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));
        return decode(cut).problem;
    };
    EXPECT_EQ(problem_at(10), "truncated: IPv4 header needs 20 bytes, 10 captured");
    EXPECT_EQ(problem_at(32), "truncated: TCP header needs 20 bytes, 12 captured");
    EXPECT_EQ(problem_at(50), "truncated: TCP header (with options) needs 40 bytes, 30 captured");

    const Bytes full6 = real_ip(kRealIpv6Syn);
    Bytes cut6(full6.begin(), full6.begin() + 30);
    EXPECT_EQ(decode(cut6).problem, "truncated: IPv6 header needs 40 bytes, 30 captured");
}

TEST(PacketDecode, IpLengthTooShortForTheTcpHeader) {
    Bytes ip = ipv4(6, Bytes(10, 0));  // a "TCP header" of 10 bytes, fully captured
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem,
              "bad length: TCP header needs 20 bytes, but the IP packet has only 10 left");
    EXPECT_EQ(p.proto, "tcp");
}

TEST(PacketDecode, BadIpv4HeaderLength) {
    Bytes ip = real_ip(kRealSyn);
    ip[0] = 0x43;
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.ip_version, 4);
    EXPECT_EQ(p.problem.rfind("bad IPv4 header length 3", 0), 0u) << p.problem;
    EXPECT_EQ(p.proto, "");
    EXPECT_EQ(p.src, "127.0.0.1");  // no ports: the TCP header was not found
    expect_field(p, "IPv4", "Header length", "12 bytes (IHL 3)", 0, 1);
}

TEST(PacketDecode, IpTotalLengthSmallerThanHeader) {
    Bytes ip = real_ip(kRealSyn);
    put16(ip, 2, 12);
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem.rfind("bad IPv4 total length 12", 0), 0u) << p.problem;
    expect_in_bounds(p, ip.size());
}

TEST(PacketDecode, ZeroTotalLengthMeansTakeTheCapturedLength) {
    Bytes ip = real_ip(kRealPshAck);
    put16(ip, 2, 0);  // what segmentation offload (BIG TCP) leaves in packets over 64 KiB
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.payload_length, 10u);
    expect_field(p, "IPv4", "Total length", "0 (not filled in by offload; 62 captured)", 2, 2);
}

TEST(PacketDecode, Ipv4OptionsAreSkippedButShown) {
    TcpSpec spec;
    Bytes ip = ipv4(6, tcp_segment(spec), from_hex("94040000"));  // router alert
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.ip_header_length, 24u);
    expect_field(p, "IPv4", "Header length", "24 bytes (IHL 6)", 0, 1);
    expect_field(p, "IPv4", "Options", "4 bytes (not decoded)", 20, 4);
    expect_field(p, "TCP", "Source port", "43122", 24, 2);
}

TEST(PacketDecode, BadTcpDataOffset) {
    TcpSpec spec;
    spec.data_offset = 3;
    DecodedPacket p = decode(ipv4(6, tcp_segment(spec)));
    EXPECT_EQ(p.problem.rfind("bad TCP data offset 3", 0), 0u) << p.problem;
    EXPECT_EQ(p.proto, "tcp");
    EXPECT_EQ(p.src, "127.0.0.1:43122");
    EXPECT_EQ(p.payload_length, 0u);
}

TEST(PacketDecode, DataOffsetBeyondThePacket) {
    TcpSpec spec;
    spec.data_offset = 15;  // 60-byte header, but only 20 bytes follow
    DecodedPacket p = decode(ipv4(6, tcp_segment(spec)));
    EXPECT_EQ(p.problem,
              "bad length: TCP header (with options) needs 60 bytes, but the IP packet has only "
              "20 left");
}

TEST(PacketDecode, OptionLengthZeroStopsOptionParsing) {
    TcpSpec spec;
    spec.options = from_hex("01 0200 0204ffd7 010101");  // MSS with length 0, then junk
    spec.data_offset = 7;
    Bytes ip = ipv4(6, tcp_segment(spec));
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem.rfind("bad TCP option length 0 (kind 2 at byte 41)", 0), 0u) << p.problem;
    ASSERT_EQ(p.options.size(), 1u);  // the NOP before it
    EXPECT_EQ(p.options[0].kind, 1);
    EXPECT_EQ(p.payload_offset, 48u);  // the header length still places the payload
    expect_in_bounds(p, ip.size());
}

TEST(PacketDecode, OptionLengthOneIsBad) {
    TcpSpec spec;
    spec.options = from_hex("08010000");
    DecodedPacket p = decode(ipv4(6, tcp_segment(spec)));
    EXPECT_EQ(p.problem.rfind("bad TCP option length 1", 0), 0u) << p.problem;
    EXPECT_TRUE(p.options.empty());
}

TEST(PacketDecode, OptionRunningPastTheHeader) {
    TcpSpec spec;
    spec.options = from_hex("0204ffd7 080a0000");  // timestamps need 10, header has 4 left
    spec.payload = from_hex("0102030405060708");   // bytes there, but not header bytes
    DecodedPacket p = decode(ipv4(6, tcp_segment(spec)));
    EXPECT_EQ(p.problem,
              "bad TCP option: kind 8 at byte 44 says 10 bytes, but the TCP header ends after 4");
    ASSERT_EQ(p.options.size(), 1u);
    EXPECT_EQ(p.options[0].name, "MSS");
    EXPECT_EQ(p.payload_length, 8u);
}

TEST(PacketDecode, OptionKindWithoutLengthByte) {
    TcpSpec spec;
    spec.options = from_hex("01010102");  // the last byte is MSS's kind, no room for a length
    DecodedPacket p = decode(ipv4(6, tcp_segment(spec)));
    EXPECT_EQ(p.problem.rfind("bad TCP option: kind 2 at byte 43 has no length byte", 0), 0u)
        << p.problem;
    EXPECT_EQ(p.options.size(), 3u);
}

TEST(PacketDecode, KnownOptionWithWrongLength) {
    TcpSpec spec;
    spec.options = from_hex("0203ff01");  // MSS with length 3
    DecodedPacket p = decode(ipv4(6, tcp_segment(spec)));
    EXPECT_EQ(p.problem, "bad TCP option length 3 for MSS (should be 4)");
    ASSERT_EQ(p.options.size(), 2u);
    EXPECT_EQ(p.options[0].value, "bad length 3 (should be 4)");
    EXPECT_EQ(p.options[1].kind, 1);
}

TEST(PacketDecode, Ipv6ExtensionHeaderChain) {
    TcpSpec spec;
    spec.flags = 0x18;
    spec.payload = {'x'};
    // Hop-by-hop (8 bytes, PadN) -> destination options (16 bytes) -> fragment (offset 0) -> TCP
    Bytes chain = from_hex("3c00 0104 00000000");
    chain = concat(chain, from_hex("2c01 010c 000000000000 000000000000"));
    chain = concat(chain, from_hex("0600 0000 deadbeef"));
    Bytes ip = ipv6(0, concat(chain, tcp_segment(spec)));
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "");
    EXPECT_EQ(p.proto, "tcp");
    EXPECT_EQ(p.ip_header_length, 72u);
    expect_field(p, "IPv6", "Next header", "0 (Hop-by-hop options)", 6, 1);
    expect_field(p, "IPv6 extension", "Hop-by-hop options",
                 "8 bytes, next header 60 (Destination options)", 40, 8);
    expect_field(p, "IPv6 extension", "Destination options",
                 "16 bytes, next header 44 (Fragment header)", 48, 16);
    expect_field(p, "IPv6 extension", "Fragment header", "8 bytes, next header 6 (TCP)", 64, 8);
    expect_field(p, "IPv6 extension", "Fragment identification", "0xdeadbeef", 68, 4);
    expect_field(p, "TCP", "Source port", "43122", 72, 2);
    expect_field(p, "Payload", "Payload", "1 bytes", 92, 1);
    expect_in_bounds(p, ip.size());
}

TEST(PacketDecode, Ipv6LaterFragmentHasNoTcpHeader) {
    Bytes rest = concat(from_hex("0600 0059 00000001"), Bytes(16, 0xab));  // offset 11*8
    DecodedPacket p = decode(ipv6(44, rest));
    EXPECT_EQ(p.problem.rfind("fragment: this is a later piece (offset 88 bytes)", 0), 0u)
        << p.problem;
    EXPECT_EQ(p.proto, "");
    EXPECT_EQ(p.payload_offset, 48u);
    EXPECT_EQ(p.payload_length, 16u);
}

TEST(PacketDecode, Ipv4LaterFragmentHasNoTcpHeader) {
    Bytes ip = ipv4(6, Bytes(24, 0xab));
    put16(ip, 6, 0x2003);  // More fragments, offset 3*8
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem.rfind("fragment: this is a later piece (offset 24 bytes)", 0), 0u)
        << p.problem;
    expect_field(p, "IPv4", "Flags", "0x2000 (More fragments)", 6, 2);
    expect_field(p, "IPv4", "Fragment offset", "3 (24 bytes)", 6, 2);
    EXPECT_EQ(p.payload_length, 24u);
}

TEST(PacketDecode, Ipv6ExtensionHeaderRunningPastThePacket) {
    // Routing header claiming (3 + 1) * 8 = 32 bytes, but the payload length leaves 8.
    DecodedPacket p = decode(ipv6(43, from_hex("0603000000000000")));
    EXPECT_EQ(p.problem,
              "bad length: IPv6 Routing header needs 32 bytes, but the IP packet has only 8 left");
    EXPECT_EQ(p.proto, "");
}

TEST(PacketDecode, Ipv6NoNextHeaderAndOtherProtocols) {
    DecodedPacket none = decode(ipv6(59, {}));
    EXPECT_EQ(none.problem, "");
    EXPECT_EQ(none.src, "::1");  // no ports: address only

    DecodedPacket icmp = decode(ipv6(58, from_hex("8000f00d00010001")));
    EXPECT_EQ(icmp.problem, "not decoded: protocol 58 (ICMPv6) (SocketLab decodes TCP and UDP)");
    EXPECT_EQ(icmp.proto, "");
    EXPECT_EQ(icmp.payload_offset, 40u);
    EXPECT_EQ(icmp.payload_length, 8u);
}

TEST(PacketDecode, UdpLengthLies) {
    Bytes ip = ipv4(17, udp_datagram(1, 2, {9, 9}));
    put16(ip, 24, 4);
    EXPECT_EQ(decode(ip).problem, "bad UDP length 4: less than its own 8-byte header");
    put16(ip, 24, 100);
    DecodedPacket p = decode(ip);
    EXPECT_EQ(p.problem, "bad UDP length 100: the IP packet has only 10 bytes for it");
    EXPECT_EQ(p.payload_length, 2u);
}

TEST(PacketDecode, NotIp) {
    DecodedPacket empty = decode_ip_packet(nullptr, 0);
    EXPECT_EQ(empty.ip_version, 0);
    EXPECT_EQ(empty.problem, "truncated: no bytes captured");

    Bytes junk = from_hex("5000000000000000000000000000000000000000");
    DecodedPacket p = decode(junk);
    EXPECT_EQ(p.ip_version, 0);
    EXPECT_EQ(p.proto, "");
    EXPECT_TRUE(p.fields.empty());
    EXPECT_EQ(p.problem, "not IP: the version field is 5 (IPv4 is 4, IPv6 is 6)");
}

TEST(PacketDecode, TruncatedAtEveryLength) {
    TcpSpec spec;
    spec.options = linux_syn_options();
    spec.payload = {'a', 'b', 'c'};
    Bytes chain6 = concat(from_hex("0600 0000 00000001"), tcp_segment(spec));
    const std::vector<Bytes> packets = {
        real_ip(kRealSyn),  real_ip(kRealPshAck),       real_ip(kRealIpv6Syn), real_ip(kRealUdp4),
        real_ip(kRealUdp6), ipv4(6, tcp_segment(spec)), ipv6(44, chain6),
    };
    for (const Bytes& full : packets) {
        ASSERT_EQ(decode(full).problem, "");
        for (size_t n = 0; n < full.size(); ++n) {
            // An exact-size heap copy, so AddressSanitizer catches any read past the end.
            Bytes cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));
            DecodedPacket p = decode_ip_packet(n == 0 ? nullptr : cut.data(), n);
            SCOPED_TRACE("length " + std::to_string(n) + " of " + std::to_string(full.size()));
            EXPECT_EQ(p.problem.rfind("truncated", 0), 0u) << p.problem;
            if (n > 0) {
                EXPECT_EQ(p.ip_version, full[0] >> 4);
            }
            expect_in_bounds(p, n);
        }
    }
}

TEST(PacketDecode, LinkLayerOffsets) {
    Bytes v4 = real_ip(kRealUdp4);
    Bytes v6 = real_ip(kRealUdp6);
    auto offset = [](int link, const Bytes& b) {
        return ip_offset_for_link(link, b.data(), b.size());
    };
    const std::optional<size_t> none;

    // Ethernet: IPv4, IPv6, a VLAN tag, ARP, too short.
    EXPECT_EQ(offset(kLinkEthernet, from_hex(kRealUdp6)), std::optional<size_t>(14));
    Bytes vlan = concat(from_hex("000000000000000000000000 8100 0064 0800"), v4);
    EXPECT_EQ(offset(kLinkEthernet, vlan), std::optional<size_t>(18));
    EXPECT_EQ(offset(kLinkEthernet, from_hex("ffffffffffff000000000000 0806 0001")), none);
    EXPECT_EQ(offset(kLinkEthernet, from_hex("000000000000000000000000 08")), none);

    // BSD loopback: the address family, host order (NULL) or network order (LOOP).
    EXPECT_EQ(offset(kLinkNull, concat(from_hex("02000000"), v4)), std::optional<size_t>(4));
    EXPECT_EQ(offset(kLinkNull, concat(from_hex("0000001e"), v6)), std::optional<size_t>(4));
    EXPECT_EQ(offset(kLinkLoop, concat(from_hex("00000002"), v4)), std::optional<size_t>(4));
    EXPECT_EQ(offset(kLinkLoop, concat(from_hex("07000000"), v4)), none);
    EXPECT_EQ(offset(kLinkNull, from_hex("020000")), none);

    // Raw IP, and the version-specific link types.
    EXPECT_EQ(offset(kLinkRaw, v4), std::optional<size_t>(0));
    EXPECT_EQ(offset(kLinkRawFile, v6), std::optional<size_t>(0));
    EXPECT_EQ(offset(kLinkIpv4, v4), std::optional<size_t>(0));
    EXPECT_EQ(offset(kLinkIpv4, v6), none);
    EXPECT_EQ(offset(kLinkIpv6, v6), std::optional<size_t>(0));
    EXPECT_EQ(offset(kLinkRaw, Bytes{}), none);
    EXPECT_EQ(offset(kLinkRaw, from_hex("55")), none);

    // Linux cooked captures ("any" device).
    Bytes sll = concat(from_hex("0000 0304 0006 0000000000000000 86dd"), v6);
    EXPECT_EQ(offset(kLinkLinuxSll, sll), std::optional<size_t>(16));
    Bytes sll2 = concat(from_hex("0800 0000 00000001 0304 00 06 0000000000000000"), v4);
    EXPECT_EQ(offset(kLinkLinuxSll2, sll2), std::optional<size_t>(20));
    EXPECT_EQ(offset(kLinkLinuxSll2, Bytes(sll2.begin(), sll2.begin() + 19)), none);

    EXPECT_EQ(offset(147, v4), none);  // a link type we do not know
    EXPECT_EQ(ip_offset_for_link(kLinkEthernet, nullptr, 0), none);

    // Through to the decoder, as the capture code does it.
    std::optional<size_t> at = offset(kLinkLinuxSll2, sll2);
    ASSERT_TRUE(at);
    EXPECT_EQ(decode_ip_packet(sll2.data() + *at, sll2.size() - *at).src, "127.0.0.1:43247");
}

// The recorder decodes a packet once and keeps only the lesson's own (both ends of a socket).
TEST(PacketRecorder, LogsTheLessonsPacketsDecodedOnceAndIgnoresOthers) {
    EventLog log;
    SocketDirectory directory;
    PacketRecorder on_host(log, directory, /*filter_by_owner=*/true);
    on_host.set_realtime_at_start(1000);
    RawPacket raw;
    raw.realtime_us = 5000;
    raw.ip_bytes = real_ip(kRealPshAck);
    raw.original_length = static_cast<uint32_t>(raw.ip_bytes.size());
    on_host.on_packet(raw);  // nobody in the directory owns 53888 <-> 47123
    EXPECT_EQ(on_host.recorded(), 0u);
    EXPECT_EQ(on_host.ignored(), 1u);

    SocketSnapshot client;
    client.name = "sock";
    client.local = *SocketAddress::parse("127.0.0.1:53888");
    client.peer = *SocketAddress::parse("127.0.0.1:47123");
    client.bound = true;
    directory.publish(SocketSource::Engine, "client", {client});
    on_host.on_packet(raw);
    EXPECT_EQ(on_host.recorded(), 1u);
    std::vector<Event> events;
    log.drain(events);
    ASSERT_EQ(events.size(), 1u);
    const PacketRecord* p = events[0].packet();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(events[0].t_us, 4000);
    EXPECT_TRUE(p->has(kTcpPsh | kTcpAck));
    EXPECT_EQ(p->len, 10u);
    ASSERT_NE(p->decoded, nullptr);
    EXPECT_EQ(p->decoded->payload_length, 10u);
    EXPECT_EQ(p->bytes, raw.ip_bytes);
    EXPECT_EQ(on_host.packets_between(0, 10000).size(), 1u);
    EXPECT_EQ(on_host.packets_between(4001, 10000).size(), 0u);
    EXPECT_EQ(on_host.captured_packets().size(), 1u);

    // In a private namespace every packet is the lesson's.
    SocketDirectory empty;
    PacketRecorder private_net(log, empty, /*filter_by_owner=*/false);
    private_net.on_packet(raw);
    EXPECT_EQ(private_net.recorded(), 1u);
}

}  // namespace
}  // namespace socketlab
