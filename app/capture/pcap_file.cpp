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

}  // namespace socketlab
