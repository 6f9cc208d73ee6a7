// [SECTION] index
//   Helpers       numbers as text, name tables, the Internet checksum
//   Decoder       one pass over the bytes: IPv4, IPv6 (extension headers), TCP, TCP options,
//                 UDP, payload; every field located, every problem named
//   Link layers   where the IP header starts for each libpcap link type
#include "capture/packet_decode.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace socketlab {

namespace {

// [SECTION] Helpers
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

std::string hex(uint32_t value, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", digits, static_cast<unsigned>(value));
    return buf;
}

std::string num(uint64_t value) {
    return std::to_string(value);
}

// "de ad be ef", cut after 16 bytes so one odd option cannot flood the UI.
std::string bytes_hex(const uint8_t* data, size_t size) {
    std::string out;
    char buf[4];
    for (size_t i = 0; i < size && i < 16; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", data[i]);
        if (!out.empty()) out += ' ';
        out += buf;
    }
    if (size > 16) out += " ...";
    return out;
}

struct NumberName {
    int number;
    const char* name;
};

const char* lookup(const NumberName* table, size_t count, int number, const char* otherwise) {
    for (size_t i = 0; i < count; ++i)
        if (table[i].number == number) return table[i].name;
    return otherwise;
}

// IP protocol numbers (IANA), as IPv4's Protocol and IPv6's Next header use them.
const NumberName kProtocols[] = {
    {0, "Hop-by-hop options"},
    {1, "ICMP"},
    {2, "IGMP"},
    {4, "IPv4 in IP"},
    {6, "TCP"},
    {17, "UDP"},
    {41, "IPv6 in IP"},
    {43, "Routing header"},
    {44, "Fragment header"},
    {47, "GRE"},
    {50, "ESP"},
    {51, "Authentication header"},
    {58, "ICMPv6"},
    {59, "No next header"},
    {60, "Destination options"},
    {132, "SCTP"},
    {135, "Mobility header"},
    {139, "HIP"},
    {140, "Shim6"},
};

// TCP option kinds decoded only by name (IANA).
const NumberName kOtherTcpOptions[] = {
    {19, "MD5 signature"}, {28, "User timeout"},         {29, "TCP-AO authentication"},
    {30, "Multipath TCP"}, {34, "TCP Fast Open cookie"}, {253, "Experimental"},
    {254, "Experimental"},
};

std::string protocol_name(uint8_t proto) {
    return lookup(kProtocols, std::size(kProtocols), proto, "unknown");
}

std::string protocol_text(uint8_t proto) {
    return num(proto) + " (" + protocol_name(proto) + ")";
}

const char* ecn_name(unsigned ecn) {
    switch (ecn & 3) {
        case 0:
            return "Not ECN-capable";
        case 1:
            return "ECT(1), ECN-capable";
        case 2:
            return "ECT(0), ECN-capable";
        default:
            return "CE, congestion experienced";
    }
}

// The ones'-complement sum used by the IPv4, TCP and UDP checksums (RFC 1071), not yet folded.
uint64_t sum16(const uint8_t* data, size_t size, uint64_t acc = 0) {
    size_t i = 0;
    for (; i + 1 < size; i += 2) acc += static_cast<uint64_t>(data[i] << 8 | data[i + 1]);
    if (i < size) acc += static_cast<uint64_t>(data[i]) << 8;
    return acc;
}

uint16_t fold(uint64_t acc) {
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return static_cast<uint16_t>(acc);
}

const char* kLoopbackChecksumNote =
    " On loopback Linux does not finish TCP and UDP checksums (no wire can corrupt a copy in "
    "memory), so a capture on lo usually shows a value that does not match.";

// [SECTION] Decoder
class Decoder {
  public:
    Decoder(const uint8_t* data, size_t size, DecodedPacket& out)
        : data_(data), captured_(size), end_(size), claimed_end_(size), out_(out) {}

    void run() {
        if (captured_ == 0) {
            problem("truncated: no bytes captured");
            return;
        }
        unsigned version = data_[0] >> 4;
        if (version == 4) {
            ipv4();
        } else if (version == 6) {
            ipv6();
        } else {
            problem("not IP: the version field is " + num(version) + " (IPv4 is 4, IPv6 is 6)");
        }
        // A cut short capture is reported last: if a header is missing, saying which one is
        // more useful than "the IP length says more than was captured".
        if (out_.problem.empty()) out_.problem = ip_cut_;
    }

  private:
    bool has(size_t offset, size_t length) const {
        return offset <= end_ && length <= end_ - offset;
    }
    // Reads return 0 outside the usable bytes; fields there are dropped by add(), and the
    // problem is reported separately, so a zero never reaches the learner as a real value.
    uint8_t u8(size_t offset) const { return has(offset, 1) ? data_[offset] : 0; }
    uint16_t u16(size_t offset) const {
        return has(offset, 2) ? static_cast<uint16_t>(data_[offset] << 8 | data_[offset + 1]) : 0;
    }
    uint32_t u32(size_t offset) const {
        return has(offset, 4) ? static_cast<uint32_t>(u16(offset)) << 16 | u16(offset + 2) : 0;
    }

    void add(const char* layer, std::string name, std::string value, std::string meaning,
             size_t offset, size_t length) {
        if (!has(offset, length)) return;
        out_.fields.push_back(PacketField{layer, std::move(name), std::move(value),
                                          std::move(meaning), offset, length});
    }

    void problem(std::string text) {
        if (out_.problem.empty()) out_.problem = std::move(text);
    }

    // `what` at `offset` needs `needed` bytes that are not there: "truncated" when the capture
    // was cut short, "bad length" when the IP length itself leaves too little room.
    void too_short(const std::string& what, size_t offset, size_t needed) {
        const size_t in_packet = claimed_end_ > offset ? claimed_end_ - offset : 0;
        if (in_packet < needed) {
            problem("bad length: " + what + " needs " + num(needed) +
                    " bytes, but the IP packet has only " + num(in_packet) + " left");
        } else {
            problem("truncated: " + what + " needs " + num(needed) + " bytes, " +
                    num(available_from(offset)) + " captured");
        }
    }
    size_t available_from(size_t offset) const { return offset < end_ ? end_ - offset : 0; }

    std::string address(const std::string& host, bool with_port, uint16_t port) const {
        if (!with_port) return host;
        return out_.ip_version == 6 ? "[" + host + "]:" + num(port) : host + ":" + num(port);
    }

    // The source and destination addresses, each `size` bytes, source first at `offset`.
    void read_hosts(int family, size_t offset, size_t size) {
        if (!has(offset, 2 * size)) return;
        char buf[INET6_ADDRSTRLEN] = {0};
        inet_ntop(family, data_ + offset, buf, sizeof buf);
        src_host_ = buf;
        inet_ntop(family, data_ + offset + size, buf, sizeof buf);
        dst_host_ = buf;
        set_endpoints(false);
    }

    void set_endpoints(bool ports_known) {
        out_.src = address(src_host_, ports_known, out_.src_port);
        out_.dst = address(dst_host_, ports_known, out_.dst_port);
        auto typed = [](const std::string& host, int port) {
            auto a = SocketAddress::from_host_port(host, port);
            return a ? *a : SocketAddress{};
        };
        out_.src_address = typed(src_host_, ports_known ? out_.src_port : 0);
        out_.dst_address = typed(dst_host_, ports_known ? out_.dst_port : 0);
    }

    // Limits decoding to the length the IP header claims (dropping Ethernet padding), or to
    // what was captured when the packet was cut short.
    void set_ip_end(size_t claimed, const char* what) {
        claimed_end_ = claimed;
        if (claimed > captured_) {
            ip_cut_ = "truncated: " + std::string(what) + " says " + num(claimed) + " bytes, " +
                      num(captured_) + " captured";
            end_ = captured_;
        } else {
            end_ = claimed;
        }
    }

    void ipv4() {
        out_.ip_version = 4;
        const uint8_t b0 = u8(0);
        const size_t ihl = b0 & 0x0f;
        const size_t header_length = ihl * 4;
        const uint16_t total_length = u16(2);
        // 0 means "not filled in": a segment larger than 64 KiB handed to segmentation offload
        // (BIG TCP). As Wireshark does, the capture's length is taken instead.
        const size_t ip_length = total_length != 0 ? total_length : captured_;
        const uint16_t frag_word = u16(6);
        const size_t frag_offset = (frag_word & 0x1fff) * size_t{8};
        const uint8_t proto = u8(9);
        out_.ttl = u8(8);
        out_.ip_header_length = header_length;

        add("IPv4", "Version", "4",
            "Which version of IP this is: 4 (32-bit addresses) or 6. It tells the receiver how to "
            "read the rest of the header.",
            0, 1);
        add("IPv4", "Header length", num(header_length) + " bytes (IHL " + num(ihl) + ")",
            "The length of this IPv4 header in 4-byte words: 5 words (20 bytes) unless options "
            "follow. The TCP or UDP header starts right after it.",
            0, 1);
        const uint8_t tos = u8(1);
        add("IPv4", "DSCP", num(tos >> 2) + (tos >> 2 == 0 ? " (default, best effort)" : ""),
            "Differentiated services: a priority class routers may use to queue this packet; 0 "
            "is ordinary best-effort traffic.",
            1, 1);
        add("IPv4", "ECN", num(tos & 3) + " (" + ecn_name(tos) + ")",
            "Explicit congestion notification: lets a busy router mark the packet instead of "
            "dropping it, if both ends support it.",
            1, 1);
        add("IPv4", "Total length",
            total_length != 0 ? num(total_length) + " bytes"
                              : "0 (not filled in by offload; " + num(ip_length) + " captured)",
            "The size of the whole IP packet, this header included. It tells the receiver where "
            "the packet ends (Ethernet may add padding after it).",
            2, 2);
        add("IPv4", "Identification", hex(u16(4), 4) + " (" + num(u16(4)) + ")",
            "Ties the pieces together if the packet is ever split into fragments; with Don't "
            "fragment set it is never needed.",
            4, 2);
        std::string flag_text;
        if (frag_word & 0x8000) flag_text += "Reserved bit, ";
        if (frag_word & 0x4000) flag_text += "Don't fragment, ";
        if (frag_word & 0x2000) flag_text += "More fragments, ";
        flag_text = flag_text.empty() ? "none" : flag_text.substr(0, flag_text.size() - 2);
        add("IPv4", "Flags", hex(frag_word & 0xe000, 4) + " (" + flag_text + ")",
            "Don't fragment (DF): a router must drop the packet rather than split it (Linux sets "
            "it by default, to discover the path's MTU). More fragments (MF): more pieces follow.",
            6, 2);
        add("IPv4", "Fragment offset",
            frag_offset == 0 ? "0" : num(frag_offset / 8) + " (" + num(frag_offset) + " bytes)",
            "Where this piece's data belongs in the original packet, in units of 8 bytes; 0 for a "
            "packet that was not fragmented.",
            6, 2);
        add("IPv4", "TTL", num(out_.ttl),
            "Time to live: every router subtracts 1 and drops the packet at 0, so a packet caught "
            "in a routing loop cannot circle forever. Linux starts at 64.",
            8, 1);
        add("IPv4", "Protocol", protocol_text(proto),
            "Which protocol's header follows this one: 6 is TCP, 17 is UDP.", 9, 1);
        std::string checksum_text = hex(u16(10), 4);
        if (ihl >= 5 && has(0, header_length)) {
            checksum_text +=
                fold(sum16(data_, header_length)) == 0xffff ? " (correct)" : " (does not match)";
        }
        add("IPv4", "Header checksum", checksum_text,
            "Protects this header (not the data) against corruption; each router recomputes it "
            "because it changes the TTL.",
            10, 2);
        read_hosts(AF_INET, 12, 4);
        const bool loopback = has(12, 1) && data_[12] == 127;
        add("IPv4", "Source address", src_host_,
            std::string("The sender's IP address.") +
                (loopback ? " 127.x.x.x is loopback: this packet never left the machine." : ""),
            12, 4);
        add("IPv4", "Destination address", dst_host_,
            "The IP address of the machine this packet is for.", 16, 4);

        if (captured_ < 20) {
            problem("truncated: IPv4 header needs 20 bytes, " + num(captured_) + " captured");
            return;
        }
        if (ihl < 5) {
            problem("bad IPv4 header length " + num(ihl) +
                    " (IHL counts 4-byte words; the minimum is 5 = 20 bytes)");
            return;
        }
        if (ip_length < header_length) {
            problem("bad IPv4 total length " + num(ip_length) + ": smaller than its own " +
                    num(header_length) + "-byte header");
            return;
        }
        set_ip_end(ip_length, "IPv4 total length");
        if (!has(0, header_length)) {
            too_short("IPv4 header (with options)", 0, header_length);
            return;
        }
        if (header_length > 20) {
            add("IPv4", "Options", num(header_length - 20) + " bytes (not decoded)",
                "IPv4 options, rare today (record route, timestamps, ...): extra header words "
                "that SocketLab skips.",
                20, header_length - 20);
        }
        if (frag_offset != 0) {
            problem("fragment: this is a later piece (offset " + num(frag_offset) +
                    " bytes) of a split packet, so it has no " + protocol_name(proto) + " header");
            payload(header_length, claimed_end_ - header_length);
            return;
        }
        transport(proto, header_length);
    }

    void ipv6() {
        out_.ip_version = 6;
        const uint8_t b0 = u8(0), b1 = u8(1);
        const unsigned traffic_class = static_cast<unsigned>((b0 & 0x0f) << 4 | b1 >> 4);
        const uint32_t flow_label = (b1 & 0x0fu) << 16 | u16(2);
        const uint16_t payload_length = u16(4);
        uint8_t next = u8(6);
        out_.ttl = u8(7);
        add("IPv6", "Version", "6",
            "Which version of IP this is: 6 (128-bit addresses). IPv6's header is a fixed 40 "
            "bytes; optional parts go in extension headers after it.",
            0, 1);
        add("IPv6", "Traffic class",
            hex(traffic_class, 2) + " (DSCP " + num(traffic_class >> 2) + ", " +
                ecn_name(traffic_class) + ")",
            "A priority class and congestion marks, the same as IPv4's DSCP and ECN.", 0, 2);
        add("IPv6", "Flow label", hex(flow_label, 5),
            "Marks the packets of one flow so routers can keep them on one path; Linux sets one "
            "for each connection.",
            1, 3);
        add("IPv6", "Payload length", num(payload_length) + " bytes",
            "The bytes after this 40-byte header (extension headers and data). Unlike IPv4's "
            "total length it does not count the header itself.",
            4, 2);
        add("IPv6", "Next header", protocol_text(next),
            "Which header follows: an extension header, or the transport protocol (6 TCP, 17 "
            "UDP).",
            6, 1);
        add("IPv6", "Hop limit", num(out_.ttl),
            "IPv6's TTL: every router subtracts 1 and drops the packet at 0. Linux starts at 64.",
            7, 1);
        read_hosts(AF_INET6, 8, 16);
        add("IPv6", "Source address", src_host_,
            std::string("The sender's IP address.") +
                (src_host_ == "::1" ? " ::1 is loopback: this packet never left the machine." : ""),
            8, 16);
        add("IPv6", "Destination address", dst_host_,
            "The IP address of the machine this packet is for.", 24, 16);
        if (captured_ < 40) {
            problem("truncated: IPv6 header needs 40 bytes, " + num(captured_) + " captured");
            return;
        }
        set_ip_end(40 + size_t{payload_length}, "IPv6 payload length (+ 40-byte header)");

        // Extension headers: each names the next, so walk the chain. Every step moves forward
        // by at least 8 bytes, so the loop ends.
        size_t offset = 40;
        for (;;) {
            out_.ip_header_length = offset;
            size_t length = 0;
            const char* name = nullptr;
            const char* meaning = nullptr;
            switch (next) {
                case 0:
                    name = "Hop-by-hop options";
                    meaning =
                        "Options every router on the path must read (jumbograms, router "
                        "alert).";
                    break;
                case 43:
                    name = "Routing header";
                    meaning = "Lists routers the packet must pass through (segment routing).";
                    break;
                case 60:
                    name = "Destination options";
                    meaning = "Options only the final receiver reads.";
                    break;
                case 135:
                    name = "Mobility header";
                    meaning = "Mobile IPv6 signalling (a host keeping its address while moving).";
                    break;
                case 44:
                    name = "Fragment header";
                    meaning =
                        "This packet is one piece of a larger one: the sender split it "
                        "(IPv6 routers never do).";
                    break;
                case 51:
                    name = "Authentication header";
                    meaning = "IPsec: proves who sent the packet and that it was not changed.";
                    break;
                default:
                    break;
            }
            if (name == nullptr) break;
            if (!has(offset, 2)) {
                too_short("IPv6 " + std::string(name), offset, 8);
                return;
            }
            if (next == 44) {
                length = 8;
            } else if (next == 51) {
                length = (size_t{u8(offset + 1)} + 2) * 4;
            } else {
                length = (size_t{u8(offset + 1)} + 1) * 8;
            }
            if (!has(offset, length)) {
                too_short("IPv6 " + std::string(name), offset, length);
                return;
            }
            const uint8_t following = u8(offset);
            add("IPv6 extension", name,
                num(length) + " bytes, next header " + protocol_text(following), meaning, offset,
                length);
            if (next == 44) {
                const uint16_t word = u16(offset + 2);
                const size_t frag_offset = (word >> 3) * size_t{8};
                add("IPv6 extension", "Fragment offset",
                    num(frag_offset) + " bytes" + ((word & 1) ? ", more fragments follow" : ""),
                    "Where this piece's data belongs in the original packet.", offset + 2, 2);
                add("IPv6 extension", "Fragment identification", hex(u32(offset + 4), 8),
                    "The same number on every piece of one original packet.", offset + 4, 4);
                if (frag_offset != 0) {
                    out_.ip_header_length = offset + length;
                    problem("fragment: this is a later piece (offset " + num(frag_offset) +
                            " bytes) of a split packet, so it has no " + protocol_name(following) +
                            " header");
                    payload(offset + length, claimed_end_ - (offset + length));
                    return;
                }
            }
            next = following;
            offset += length;
        }
        if (next == 59) {  // "No next header": nothing follows, by design.
            return;
        }
        transport(next, offset);
    }

    void transport(uint8_t proto, size_t offset) {
        if (proto == kProtoTcp) {
            tcp(offset);
        } else if (proto == kProtoUdp) {
            udp(offset);
        } else {
            problem("not decoded: protocol " + protocol_text(proto) +
                    " (SocketLab decodes TCP and UDP)");
            payload(offset, claimed_end_ > offset ? claimed_end_ - offset : 0);
        }
    }

    // The payload field. wire_length comes from the headers; the field covers what was captured.
    void payload(size_t offset, size_t wire_length) {
        out_.payload_offset = offset;
        out_.payload_wire_length = wire_length;
        out_.payload_length = std::min(wire_length, available_from(offset));
        if (out_.payload_length == 0) return;
        std::string value = num(wire_length) + " bytes";
        if (out_.payload_length < wire_length)
            value += " (" + num(out_.payload_length) + " captured)";
        std::string meaning =
            out_.proto.empty()
                ? "Bytes SocketLab does not decode."
                : "The application's data: exactly the bytes a send() call handed to the kernel "
                  "(TCP may split or combine sends; the receiver's recv() gets them as a stream).";
        if (out_.proto == "udp") {
            meaning =
                "The application's data: one sendto() call's bytes, delivered whole to one "
                "recvfrom() or not at all.";
        }
        add("Payload", "Payload", std::move(value), std::move(meaning), offset,
            out_.payload_length);
    }

    // The TCP or UDP checksum over the pseudo-header and the segment, when all of it was
    // captured: nullopt when it cannot be checked, else whether it matches.
    std::optional<bool> transport_checksum_ok(size_t offset, size_t length, uint8_t proto) const {
        if (!has(offset, length) || claimed_end_ > captured_) return std::nullopt;
        uint64_t acc = 0;
        if (out_.ip_version == 4) {
            acc = sum16(data_ + 12, 8);
        } else {
            acc = sum16(data_ + 8, 32);
            acc += length >> 16;
        }
        acc += proto;
        acc += length & 0xffff;
        acc = sum16(data_ + offset, length, acc);
        return fold(acc) == 0xffff;
    }

    std::string checksum_value(uint16_t value, std::optional<bool> ok) const {
        std::string text = hex(value, 4);
        if (!ok) return text + " (not checked: segment not fully captured)";
        return text + (*ok ? " (correct)" : " (does not match)");
    }

    void tcp(size_t t) {
        out_.proto = "tcp";
        const size_t available = available_from(t);
        out_.src_port = u16(t);
        out_.dst_port = u16(t + 2);
        out_.seq = u32(t + 4);
        out_.ack = u32(t + 8);
        const uint8_t offset_byte = u8(t + 12);
        const size_t data_offset = offset_byte >> 4;
        const size_t header_length = data_offset * 4;
        out_.tcp_flags = u8(t + 13);
        out_.flags = tcp_flag_names(out_.tcp_flags);
        out_.window = u16(t + 14);
        if (has(t, 4)) set_endpoints(true);
        if (has(t + 12, 1)) out_.tcp_header_length = header_length;

        const uint8_t f = out_.tcp_flags;
        const bool syn = f & 0x02, ack = f & 0x10, fin = f & 0x01;
        const bool header_ok = available >= 20 && data_offset >= 5 && header_length <= available;
        const size_t wire_payload =
            header_ok && claimed_end_ >= t + header_length ? claimed_end_ - t - header_length : 0;

        add("TCP", "Source port", num(out_.src_port),
            "The sending socket's port. A client's port is usually ephemeral: the kernel picks a "
            "free one (32768-60999 on Linux) at connect() unless the program called bind().",
            t, 2);
        add("TCP", "Destination port", num(out_.dst_port),
            syn && !ack ? "The port the client is connecting to: the one the server's socket "
                          "called bind() and listen() on."
                        : "The receiving socket's port. Ports let one machine run many "
                          "connections at once.",
            t + 2, 2);
        std::string seq_meaning;
        if (syn) {
            seq_meaning =
                "The sender's initial sequence number: chosen at random by the kernel for each "
                "connection, so old or forged packets do not fit. The SYN itself counts as one "
                "byte, so data will start at this number + 1.";
        } else if (wire_payload > 0) {
            seq_meaning =
                "The position of this segment's first data byte in the sender's byte "
                "stream (counting from its random initial sequence number). The "
                "receiver uses it to put the bytes back in order.";
        } else if (fin) {
            seq_meaning =
                "The sender's position in its byte stream. The FIN counts as one byte, "
                "so the other side acknowledges it with this number + 1.";
        } else {
            seq_meaning =
                "The sender's position in its byte stream; this segment carries no "
                "data, so it uses up no sequence numbers.";
        }
        add("TCP", "Sequence number", num(out_.seq), std::move(seq_meaning), t + 4, 4);
        std::string ack_meaning;
        if (!ack) {
            ack_meaning =
                "Not used: the ACK flag is off (only a connection's first SYN, and "
                "some resets, have no ACK).";
        } else if (syn) {
            ack_meaning =
                "The client's initial sequence number + 1: the server acknowledges the "
                "SYN and says it expects the client's data to start there.";
        } else {
            ack_meaning =
                "The next byte this side expects from the other: everything before it "
                "has arrived, so the sender may forget it.";
        }
        add("TCP", "Acknowledgment number", num(out_.ack), std::move(ack_meaning), t + 8, 4);
        add("TCP", "Header length",
            num(header_length) + " bytes (data offset " + num(data_offset) + ")",
            "The TCP header's length in 4-byte words: 5 (20 bytes) plus any options. The data "
            "starts right after it.",
            t + 12, 1);
        if (offset_byte & 0x0f) {
            add("TCP", "Reserved bits", hex(offset_byte & 0x0f, 1),
                "Bits kept for future use; the lowest was once the ECN nonce (NS), now the AE "
                "flag of accurate ECN.",
                t + 12, 1);
        }
        add("TCP", "Flags", out_.flags.empty() ? "none" : out_.flags, flags_meaning(f), t + 13, 1);
        add("TCP", "Window", num(out_.window),
            syn ? "How many more bytes the sender can receive right now. In a SYN or SYN-ACK it "
                  "is never scaled: the window scale option only applies after the handshake."
                : "How many more bytes the sender can receive right now, in units of 2^(window "
                  "scale) bytes agreed in the handshake. 0 means: stop, my buffer is full.",
            t + 14, 2);
        const std::optional<bool> checksum_ok =
            header_ok ? transport_checksum_ok(t, claimed_end_ - t, kProtoTcp) : std::nullopt;
        add("TCP", "Checksum", checksum_value(u16(t + 16), checksum_ok),
            std::string("Lets the receiver detect damaged bytes: covers the TCP header, the data "
                        "and the IP addresses.") +
                kLoopbackChecksumNote,
            t + 16, 2);
        add("TCP", "Urgent pointer", num(u16(t + 18)),
            "Where urgent data ends, only with the URG flag (almost never used today).", t + 18, 2);

        if (available < 20) {
            too_short("TCP header", t, 20);
            return;
        }
        if (data_offset < 5) {
            problem("bad TCP data offset " + num(data_offset) + " (" + num(header_length) +
                    " bytes; the minimum is 5 = 20 bytes)");
            return;
        }
        if (header_length > available) {
            too_short("TCP header (with options)", t, header_length);
        }
        tcp_options(t + 20, t + header_length);
        if (header_ok) payload(t + header_length, wire_payload);
    }

    static std::string flags_meaning(uint8_t f) {
        std::string text = "Control bits.";
        if (f & 0x02) text += " SYN: opens a connection (the three-way handshake).";
        if (f & 0x10)
            text +=
                " ACK: the acknowledgment number is valid (every segment but the "
                "first SYN has it).";
        if (f & 0x08) text += " PSH: hand the data to the application now.";
        if (f & 0x01)
            text +=
                " FIN: the sender has no more data (it called close() or "
                "shutdown()); the other side may still send.";
        if (f & 0x04)
            text +=
                " RST: abort the connection at once (nobody listening on that "
                "port, or closed with unread data).";
        if (f & 0x20) text += " URG: the urgent pointer is valid.";
        if (f & 0x40) text += " ECE: ECN echo (congestion seen, or ECN offered in a SYN).";
        if (f & 0x80) text += " CWR: the sender slowed down after an ECN echo.";
        return text;
    }

    void option(uint8_t kind, std::string name, std::string value, std::string meaning,
                size_t offset, size_t length) {
        out_.options.push_back(TcpOption{kind, name, value, offset, length});
        add("TCP option", std::move(name), std::move(value), std::move(meaning), offset, length);
    }

    // Options live in [from, to), the header as the data offset describes it; bytes past the
    // capture (already reported as truncated) are not read.
    void tcp_options(size_t from, size_t to) {
        const size_t stop = std::min(to, end_);
        size_t i = from;
        while (i < stop) {
            const uint8_t kind = data_[i];
            if (kind == 0) {
                option(0, "End of options", "(end)",
                       "Marks the end of the option list; the rest of the header is padding.", i,
                       1);
                ++i;
                if (i < stop) {
                    add("TCP option", "Padding", num(stop - i) + " bytes",
                        "Zero bytes that round the header up to a multiple of 4 bytes.", i,
                        stop - i);
                }
                return;
            }
            if (kind == 1) {
                option(1, "NOP", "(padding)",
                       "No-operation: one byte of padding that lines the next option up on a "
                       "4-byte boundary.",
                       i, 1);
                ++i;
                continue;
            }
            if (i + 1 >= stop) {
                if (i + 1 >= to) {
                    problem("bad TCP option: kind " + num(kind) + " at byte " + num(i) +
                            " has no length byte before the header ends");
                }
                return;
            }
            const size_t length = data_[i + 1];
            if (length < 2) {
                problem("bad TCP option length " + num(length) + " (kind " + num(kind) +
                        " at byte " + num(i) + "): it must count its own 2 bytes");
                return;
            }
            if (length > to - i) {
                problem("bad TCP option: kind " + num(kind) + " at byte " + num(i) + " says " +
                        num(length) + " bytes, but the TCP header ends after " + num(to - i));
                return;
            }
            if (length > stop - i) return;  // cut by the capture; already reported
            decode_option(kind, i, length);
            i += length;
        }
    }

    // Checks a known option's fixed length; reports and returns false if it is wrong.
    bool expect_length(const char* name, uint8_t kind, size_t offset, size_t length,
                       size_t expected) {
        if (length == expected) return true;
        problem("bad TCP option length " + num(length) + " for " + name + " (should be " +
                num(expected) + ")");
        option(kind, name, "bad length " + num(length) + " (should be " + num(expected) + ")",
               "This option's length byte does not match its kind, so its value is not read.",
               offset, length);
        return false;
    }

    void decode_option(uint8_t kind, size_t i, size_t length) {
        const uint8_t* body = data_ + i + 2;
        const size_t body_length = length - 2;
        switch (kind) {
            case 2:
                if (!expect_length("MSS", kind, i, length, 4)) return;
                option(kind, "MSS", num(u16(i + 2)),
                       "Maximum segment size: the most data bytes the sender of this SYN is "
                       "willing to receive in one segment. Loopback's 64 KiB MTU makes it large "
                       "(65495 for IPv4, 65476 for IPv6); Ethernet's 1500-byte MTU gives 1460.",
                       i, length);
                return;
            case 3: {
                if (!expect_length("Window scale", kind, i, length, 3)) return;
                const unsigned shift = u8(i + 2);
                const unsigned used = std::min(shift, 14u);
                std::string value = num(shift) + " (multiply by " + num(uint64_t{1} << used) + ")";
                if (shift > 14) value += ", more than 14: treated as 14";
                option(kind, "Window scale", std::move(value),
                       "The sender's window fields after the handshake must be multiplied by "
                       "2^n, so windows larger than 64 KiB fit in 16 bits. Used only if both "
                       "SYNs carry it.",
                       i, length);
                return;
            }
            case 4:
                if (!expect_length("SACK permitted", kind, i, length, 2)) return;
                option(kind, "SACK permitted", "yes",
                       "The sender can handle selective acknowledgments (SACK), so after a loss "
                       "only the missing bytes need to be sent again.",
                       i, length);
                return;
            case 5: {
                if (body_length < 8 || body_length % 8 != 0) {
                    problem("bad TCP option length " + num(length) +
                            " for SACK (should be 2 + 8 per block)");
                    option(kind, "SACK", "bad length " + num(length),
                           "This option's length byte does not match its kind, so its value is "
                           "not read.",
                           i, length);
                    return;
                }
                std::string value;
                for (size_t b = 0; b < body_length; b += 8) {
                    if (!value.empty()) value += ", ";
                    value += num(u32(i + 2 + b)) + "-" + num(u32(i + 6 + b));
                }
                option(kind, "SACK", std::move(value),
                       "Selective acknowledgment: byte ranges (left edge to right edge) that "
                       "arrived after a gap, so the sender resends only what is missing.",
                       i, length);
                return;
            }
            case 8:
                if (!expect_length("Timestamps", kind, i, length, 10)) return;
                option(kind, "Timestamps",
                       "TSval " + num(u32(i + 2)) + ", TSecr " + num(u32(i + 6)),
                       "TSval is the sender's clock tick; TSecr echoes the last TSval it "
                       "received (0 in a first SYN). They measure the round-trip time and "
                       "reject very old duplicate segments.",
                       i, length);
                return;
            default:
                break;
        }
        std::string name =
            lookup(kOtherTcpOptions, std::size(kOtherTcpOptions), kind, "Unknown option");
        name += " (kind " + num(kind) + ")";
        option(kind, std::move(name), body_length == 0 ? "(no data)" : bytes_hex(body, body_length),
               "An option SocketLab does not decode; its length byte lets every receiver skip "
               "it safely.",
               i, length);
    }

    void udp(size_t u) {
        out_.proto = "udp";
        const size_t available = available_from(u);
        out_.src_port = u16(u);
        out_.dst_port = u16(u + 2);
        out_.udp_length = u16(u + 4);
        out_.udp_checksum = u16(u + 6);
        if (has(u, 4)) set_endpoints(true);
        const size_t ip_room = claimed_end_ > u ? claimed_end_ - u : 0;
        const size_t udp_length = out_.udp_length;
        const bool length_ok = available >= 8 && udp_length >= 8 && udp_length <= ip_room;

        add("UDP", "Source port", num(out_.src_port),
            "The sending socket's port; the kernel picks a free ephemeral one at the first "
            "sendto() if the program never called bind(). Replies go back to it.",
            u, 2);
        add("UDP", "Destination port", num(out_.dst_port),
            "The port of the socket this datagram is for. If no socket is bound there, the "
            "kernel answers with an ICMP \"port unreachable\".",
            u + 2, 2);
        add("UDP", "Length", num(udp_length) + " bytes",
            "The size of this datagram, the 8-byte header included: one sendto() makes exactly "
            "one datagram.",
            u + 4, 2);
        std::string checksum_text;
        if (out_.udp_checksum == 0) {
            checksum_text = out_.ip_version == 4 ? "0x0000 (not computed: allowed over IPv4)"
                                                 : "0x0000 (missing: IPv6 requires one)";
        } else {
            checksum_text = checksum_value(out_.udp_checksum,
                                           length_ok && udp_length == ip_room
                                               ? transport_checksum_ok(u, udp_length, kProtoUdp)
                                               : std::nullopt);
        }
        add("UDP", "Checksum", std::move(checksum_text),
            std::string("Lets the receiver detect damaged bytes: covers the UDP header, the data "
                        "and the IP addresses (0 means none over IPv4).") +
                kLoopbackChecksumNote,
            u + 6, 2);

        if (available < 8) {
            too_short("UDP header", u, 8);
            return;
        }
        if (udp_length < 8) {
            problem("bad UDP length " + num(udp_length) + ": less than its own 8-byte header");
            return;
        }
        if (udp_length > ip_room) {
            problem("bad UDP length " + num(udp_length) + ": the IP packet has only " +
                    num(ip_room) + " bytes for it");
            payload(u + 8, ip_room - 8);
            return;
        }
        payload(u + 8, udp_length - 8);
    }

    const uint8_t* data_;
    size_t captured_;     // bytes we were given
    size_t end_;          // bytes we may read: the IP length or the capture, whichever is less
    size_t claimed_end_;  // where the IP header says the packet ends
    DecodedPacket& out_;
    std::string src_host_, dst_host_;
    std::string ip_cut_;  // "truncated: IPv4 total length says ...", reported if nothing else is
};

}  // namespace

DecodedPacket decode_ip_packet(const uint8_t* data, size_t size) {
    DecodedPacket out;
    if (data == nullptr) size = 0;
    Decoder(data, size, out).run();
    return out;
}

namespace {

// [SECTION] Link layers
bool ip_version_matches(const uint8_t* data, size_t size, size_t offset, int wanted) {
    if (offset >= size) return false;
    const int version = data[offset] >> 4;
    return wanted == 0 ? version == 4 || version == 6 : version == wanted;
}

// The address families BSD-style loopback headers use for IPv4 and IPv6 (IPv6's number
// differs between systems: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30).
bool is_ip_family(uint32_t family) {
    return family == 2 || family == 10 || family == 24 || family == 28 || family == 30;
}

bool is_ip_ethertype(uint16_t type) {
    return type == 0x0800 || type == 0x86dd;
}

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

}  // namespace

std::optional<size_t> ip_offset_for_link(int link_type, const uint8_t* data, size_t size) {
    if (data == nullptr) return std::nullopt;
    switch (link_type) {
        case kLinkEthernet: {
            // Destination MAC, source MAC, EtherType; up to two VLAN tags (802.1Q / 802.1ad).
            size_t type_at = 12;
            for (int tags = 0; tags <= 2; ++tags) {
                if (size < type_at + 2) return std::nullopt;
                const uint16_t type = be16(data + type_at);
                if (is_ip_ethertype(type)) return type_at + 2;
                if (type != 0x8100 && type != 0x88a8) return std::nullopt;
                type_at += 4;
            }
            return std::nullopt;
        }
        case kLinkNull:
        case kLinkLoop: {
            if (size < 4) return std::nullopt;
            const uint32_t big = static_cast<uint32_t>(be16(data)) << 16 | be16(data + 2);
            const uint32_t little = static_cast<uint32_t>(data[3]) << 24 |
                                    static_cast<uint32_t>(data[2]) << 16 |
                                    static_cast<uint32_t>(data[1]) << 8 | data[0];
            // DLT_NULL is in the capturing host's byte order, which may not be ours.
            const bool ip = link_type == kLinkLoop ? is_ip_family(big)
                                                   : is_ip_family(big) || is_ip_family(little);
            return ip ? std::optional<size_t>(4) : std::nullopt;
        }
        case kLinkRaw:
        case kLinkRawOpenBsd:
        case kLinkRawFile:
            if (!ip_version_matches(data, size, 0, 0)) return std::nullopt;
            return 0;
        case kLinkIpv4:
            if (!ip_version_matches(data, size, 0, 4)) return std::nullopt;
            return 0;
        case kLinkIpv6:
            if (!ip_version_matches(data, size, 0, 6)) return std::nullopt;
            return 0;
        case kLinkLinuxSll:
            // Packet type, ARPHRD type, address length, 8 address bytes, protocol.
            if (size < 16 || !is_ip_ethertype(be16(data + 14))) return std::nullopt;
            return 16;
        case kLinkLinuxSll2:
            // Protocol first, then reserved, interface index, ARPHRD type, ... (20 bytes).
            if (size < 20 || !is_ip_ethertype(be16(data))) return std::nullopt;
            return 20;
        default:
            return std::nullopt;
    }
}

const PacketField* find_field(const DecodedPacket& packet, std::string_view layer,
                              std::string_view name) {
    for (const PacketField& field : packet.fields) {
        if (field.layer == layer && field.name == name) return &field;
    }
    return nullptr;
}

}  // namespace socketlab
