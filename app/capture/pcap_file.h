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
};

// Writes the packets as raw IP (LINKTYPE_RAW: IPv4 and IPv6 both decode), microsecond
// timestamps. Returns false and sets *error (naming the path and the system's reason) on failure;
// a file that could not be completely written is removed.
bool write_pcap_file(const std::string& path, const std::vector<CapturedPacket>& packets,
                     std::string* error);

}  // namespace socketlab
