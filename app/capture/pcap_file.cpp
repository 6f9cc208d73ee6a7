#include "capture/pcap_file.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "capture/error_text.h"
#include "capture/packet_decode.h"

namespace socketlab {

static_assert(kLinkRaw == DLT_RAW, "kLinkRaw must be this platform's DLT_RAW");
static_assert(kLinkEthernet == DLT_EN10MB && kLinkLinuxSll == DLT_LINUX_SLL &&
                  kLinkLinuxSll2 == DLT_LINUX_SLL2 && kLinkNull == DLT_NULL &&
                  kLinkLoop == DLT_LOOP,
              "link type numbers must match <pcap/dlt.h>");

namespace {

// tcpdump's default snapshot length: larger than any loopback packet (64 KiB MTU).
constexpr int kSnapLength = 262144;

bool fail(std::string* error, const std::string& path, const std::string& what, int err) {
    if (error) *error = "could not " + what + " " + path + ": " + system_error_text(err);
    return false;
}

}  // namespace

bool write_pcap_file(const std::string& path, const std::vector<CapturedPacket>& packets,
                     std::string* error) {
    // DLT_RAW, not LINKTYPE_RAW: pcap_open_dead takes a DLT_ value and libpcap writes the
    // matching LINKTYPE_RAW (101) into the file header, which Wireshark reads as IPv4 or IPv6
    // from each packet's version nibble.
    pcap_t* dead = pcap_open_dead(DLT_RAW, kSnapLength);
    if (dead == nullptr) return fail(error, path, "start writing", ENOMEM);
    errno = 0;
    pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
    if (dumper == nullptr) {
        const int err = errno != 0 ? errno : EIO;
        pcap_close(dead);
        return fail(error, path, "create", err);
    }
    // pcap_dump reports nothing; the stream's error flag (set when its buffer could not be
    // written, e.g. a full disk) is checked after each packet, while errno still says why.
    FILE* file = pcap_dump_file(dumper);
    int write_errno = 0;
    for (const CapturedPacket& packet : packets) {
        errno = 0;
        pcap_pkthdr header{};
        // Floor division, so times before 1970 still get 0 <= tv_usec < 1000000.
        int64_t seconds = packet.realtime_us / 1000000;
        int64_t micros = packet.realtime_us % 1000000;
        if (micros < 0) {
            micros += 1000000;
            seconds -= 1;
        }
        header.ts.tv_sec = static_cast<time_t>(seconds);
        header.ts.tv_usec = static_cast<suseconds_t>(micros);
        const size_t caplen = std::min(packet.ip_bytes.size(), size_t{kSnapLength});
        header.caplen = static_cast<bpf_u_int32>(caplen);
        header.len = std::max<bpf_u_int32>(packet.original_length != 0
                                               ? packet.original_length
                                               : static_cast<bpf_u_int32>(packet.ip_bytes.size()),
                                           header.caplen);
        pcap_dump(reinterpret_cast<u_char*>(dumper), &header, packet.ip_bytes.data());
        if (std::ferror(file)) {
            write_errno = errno != 0 ? errno : EIO;
            break;
        }
    }
    if (write_errno == 0) {
        errno = 0;
        if (pcap_dump_flush(dumper) != 0 || std::ferror(file))
            write_errno = errno != 0 ? errno : EIO;
    }
    pcap_dump_close(dumper);
    pcap_close(dead);
    if (write_errno != 0) {
        // Only a regular file: the path may be a device or a FIFO the user chose on purpose.
        struct stat st {};
        if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) std::remove(path.c_str());
        return fail(error, path, "write", write_errno);
    }
    return true;
}

namespace {

// pcapng is written in the writer's byte order; the section header's magic tells the reader.
template <typename T>
void put(std::vector<uint8_t>& out, T value) {
    const auto* b = reinterpret_cast<const uint8_t*>(&value);
    out.insert(out.end(), b, b + sizeof value);
}

void pad4(std::vector<uint8_t>& out) {
    while (out.size() % 4) out.push_back(0);
}

// One block: type, total length, body, total length again.
std::vector<uint8_t> block(uint32_t type, const std::vector<uint8_t>& body) {
    std::vector<uint8_t> out;
    const auto total = static_cast<uint32_t>(12 + body.size());
    put(out, type);
    put(out, total);
    out.insert(out.end(), body.begin(), body.end());
    put(out, total);
    return out;
}

}  // namespace

bool write_pcapng_file(const std::string& path, const std::vector<CapturedPacket>& packets,
                       std::string* error) {
    FILE* file = std::fopen(path.c_str(), "wb");
    if (!file) return fail(error, path, "create", errno);
    std::vector<uint8_t> body;
    put<uint32_t>(body, 0x1A2B3C4D);  // byte-order magic
    put<uint16_t>(body, 1);           // version 1.0
    put<uint16_t>(body, 0);
    put<int64_t>(body, -1);  // section length: not given
    auto out = block(0x0A0D0D0A, body);
    body.clear();
    put<uint16_t>(body, 101);  // LINKTYPE_RAW
    put<uint16_t>(body, 0);
    put<uint32_t>(body, kSnapLength);
    // if_tsresol 6 (microseconds) is the default; no options needed.
    auto idb = block(1, body);
    out.insert(out.end(), idb.begin(), idb.end());
    bool ok = std::fwrite(out.data(), 1, out.size(), file) == out.size();
    for (const CapturedPacket& packet : packets) {
        if (!ok) break;
        body.clear();
        const auto ts = static_cast<uint64_t>(packet.realtime_us);
        const size_t caplen = std::min(packet.ip_bytes.size(), size_t{kSnapLength});
        put<uint32_t>(body, 0);  // interface 0
        put<uint32_t>(body, static_cast<uint32_t>(ts >> 32));
        put<uint32_t>(body, static_cast<uint32_t>(ts & 0xffffffffu));
        put<uint32_t>(body, static_cast<uint32_t>(caplen));
        put<uint32_t>(
            body, std::max<uint32_t>(packet.original_length != 0 ? packet.original_length
                                                                 : static_cast<uint32_t>(caplen),
                                     static_cast<uint32_t>(caplen)));
        body.insert(body.end(), packet.ip_bytes.begin(),
                    packet.ip_bytes.begin() + static_cast<std::ptrdiff_t>(caplen));
        pad4(body);
        if (!packet.comment.empty()) {
            const size_t length = std::min<size_t>(packet.comment.size(), 60000);
            put<uint16_t>(body, 1);  // opt_comment
            put<uint16_t>(body, static_cast<uint16_t>(length));
            body.insert(body.end(), packet.comment.begin(),
                        packet.comment.begin() + static_cast<std::ptrdiff_t>(length));
            pad4(body);
            put<uint16_t>(body, 0);  // opt_endofopt
            put<uint16_t>(body, 0);
        }
        auto epb = block(6, body);
        ok = std::fwrite(epb.data(), 1, epb.size(), file) == epb.size();
    }
    const int err = ok ? 0 : (errno ? errno : EIO);
    if (std::fclose(file) != 0 && ok) return fail(error, path, "write", errno ? errno : EIO);
    if (!ok) {
        std::remove(path.c_str());
        return fail(error, path, "write", err);
    }
    return true;
}

bool write_capture_file(const std::string& path, const std::vector<CapturedPacket>& packets,
                        std::string* error) {
    const bool comments = std::any_of(packets.begin(), packets.end(),
                                      [](const CapturedPacket& p) { return !p.comment.empty(); });
    return comments ? write_pcapng_file(path, packets, error)
                    : write_pcap_file(path, packets, error);
}

}  // namespace socketlab
