// Saving captured packets as a classic pcap file that Wireshark and tshark open.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace socketlab {

// One captured packet: the IP packet's bytes (no link-layer header) and when it was seen.
struct CapturedPacket {
    int64_t realtime_us = 0;        // wall-clock time, microseconds since the Unix epoch
    std::vector<uint8_t> ip_bytes;  // what was captured, starting at the IP header
    uint32_t original_length = 0;   // the packet's length on the wire; 0 = ip_bytes.size()
    std::string comment;            // pcapng only: "dropped by SocketLab's link: you asked"
};

// Writes the packets as raw IP (LINKTYPE_RAW: IPv4 and IPv6 both decode), microsecond
// timestamps. Returns false and sets *error (naming the path and the system's reason) on failure;
// a file that could not be completely written is removed.
bool write_pcap_file(const std::string& path, const std::vector<CapturedPacket>& packets,
                     std::string* error);

// The same packets as pcapng, where each packet may carry a comment (a link lesson says which
// packets its link dropped; Wireshark shows the comment, and its TCP analysis still sees the
// dropped original before the kernel's retransmission). One interface, LINKTYPE_RAW, microsecond
// timestamps. libpcap reads pcapng but cannot write it, hence our own few blocks.
bool write_pcapng_file(const std::string& path, const std::vector<CapturedPacket>& packets,
                       std::string* error);

// pcapng when a packet has a comment to keep (a link lesson's drops), else classic pcap.
bool write_capture_file(const std::string& path, const std::vector<CapturedPacket>& packets,
                        std::string* error);

}  // namespace socketlab
