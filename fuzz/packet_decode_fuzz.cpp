// libFuzzer target for the packet decoder. Whatever the bytes, decode_ip_packet and
// ip_offset_for_link must not crash, read out of bounds (ASan) or hit undefined behaviour
// (UBSan), and every field they report must lie inside the bytes they were given.
//
// Input: byte 0 picks a link type, the rest is a frame of that type. The whole input is also
// decoded as a bare IP packet.
//
// `packet_decode_fuzz --write-seeds DIR` writes a few real packets as a starting corpus, so the
// fuzzer begins from valid TCP/UDP over IPv4/IPv6 instead of having to discover them.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "capture/packet_decode.h"

using namespace socketlab;

namespace {

const int kLinkTypes[] = {kLinkRaw,      kLinkEthernet,  kLinkNull, kLinkLoop,
                          kLinkLinuxSll, kLinkLinuxSll2, kLinkIpv4, kLinkIpv6};
constexpr size_t kLinkTypeCount = sizeof kLinkTypes / sizeof kLinkTypes[0];

void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "packet_decode invariant broken: %s\n", what);
    std::abort();
}

bool inside(size_t offset, size_t length, size_t size) {
    return offset <= size && length <= size - offset;
}

void decode_checked(const uint8_t* data, size_t size) {
    const DecodedPacket p = decode_ip_packet(data, size);
    for (const PacketField& f : p.fields) {
        check(inside(f.offset, f.length, size), "field outside the packet");
        check(f.length > 0, "empty field");
        check(!f.name.empty() && !f.meaning.empty(), "field without name or meaning");
    }
    for (const TcpOption& o : p.options) check(inside(o.offset, o.length, size), "option outside");
    check(inside(p.payload_offset, p.payload_length, size), "payload outside the packet");
    check(p.payload_length <= p.payload_wire_length, "more payload captured than sent");
    check(p.ip_version == 0 || p.ip_version == 4 || p.ip_version == 6, "odd IP version");
    check(p.proto.empty() || p.proto == "tcp" || p.proto == "udp", "odd protocol");
    check(p.ip_version != 0 || p.fields.empty(), "fields for a packet that is not IP");
    // A packet cut short must say so.
    if (size < 20) check(!p.problem.empty(), "a packet under 20 bytes with no problem");
    check(p.src_address.empty() == p.src.empty(), "source address typed and as text disagree");
}

// --- Seeds ------------------------------------------------------------------------------------

std::vector<uint8_t> from_hex(const char* hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2) {
        char byte[3] = {hex[i], hex[i + 1], '\0'};
        out.push_back(static_cast<uint8_t>(std::strtoul(byte, nullptr, 16)));
    }
    return out;
}

// Ethernet frames captured on Linux "lo" (same as tests/packet_decode_test.cpp).
const char* kSeedFrames[] = {
    // IPv4 SYN with MSS, SACK permitted, timestamps, NOP, window scale
    "00000000000000000000000008004500003cfdd5400040063ee47f0000017f000001d280b813c69ee2910000"
    "0000a002ffd7fe3000000204ffd70402080a3496b9ab000000000103030a",
    // IPv4 PSH,ACK "Hello karl"
    "00000000000000000000000008004500003efdd7400040063ee07f0000017f000001d280b813c69ee292d80a"
    "b45b80180040fe3200000101080a3496b9abaeb8774748656c6c6f206b61726c",
    // IPv6 SYN
    "00000000000000000000000086dd60079de600280640000000000000000000000000000000010000000000"
    "000000000000000000000186dcb813e16bdfd600000000a002ffc4003000000204ffc40402080a39a61b2500"
    "0000000103030a",
    // IPv4 UDP "ping"
    "00000000000000000000000008004500002000ea400040113be17f0000017f000001a8efb814000cfe1f7069"
    "6e67",
    // IPv6 UDP "ping6"
    "00000000000000000000000086dd600eeeb6000d11400000000000000000000000000000000100000000000"
    "000000000000000000001bd5fb814000d002070696e6736",
    // IPv6 hop-by-hop -> fragment -> TCP ACK with a SACK block
    "00000000000000000000000086dd600000000030004000000000000000000000000000000001000000000000"
    "000000000000000000012c0001040000000006000000deadbeefa8721388000003e800000001801001000000"
    "00000101050a000003e8000007d0",
};

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
        std::perror(path.c_str());
        std::exit(1);
    }
    std::fclose(f);
}

// Each frame twice: as Ethernet (link byte 1) and as raw IP (link byte 0).
void write_seeds(const std::string& dir) {
    int n = 0;
    for (const char* hex : kSeedFrames) {
        std::vector<uint8_t> frame = from_hex(hex);
        std::vector<uint8_t> ethernet = {1};
        ethernet.insert(ethernet.end(), frame.begin(), frame.end());
        std::vector<uint8_t> raw = {0};
        raw.insert(raw.end(), frame.begin() + 14, frame.end());
        write_file(dir + "/seed-ethernet-" + std::to_string(n), ethernet);
        write_file(dir + "/seed-raw-" + std::to_string(n), raw);
        ++n;
    }
    std::printf("wrote %d seeds to %s\n", 2 * n, dir.c_str());
}

}  // namespace

// Runs before libFuzzer reads its own flags, so --write-seeds never reaches it.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    for (int i = 1; i + 1 < *argc; ++i) {
        if (std::strcmp((*argv)[i], "--write-seeds") == 0) {
            write_seeds((*argv)[i + 1]);
            std::exit(0);
        }
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    decode_checked(data, size);
    if (size == 0) return 0;
    const int link_type = kLinkTypes[data[0] % kLinkTypeCount];
    const uint8_t* frame = data + 1;
    const size_t frame_size = size - 1;
    const std::optional<size_t> offset = ip_offset_for_link(link_type, frame, frame_size);
    if (offset) {
        check(*offset <= frame_size, "IP offset past the frame");
        decode_checked(frame + *offset, frame_size - *offset);
    }
    return 0;
}
