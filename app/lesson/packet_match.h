// Matches a step's `packets:` expectations against the packets captured while it ran. Pure:
// the packets and who owns each address are passed in.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capture/packet_recorder.h"
#include "core/event.h"
#include "lesson/lesson.h"

namespace socketlab {

// The actor that sends from an address, if it is one of the lesson's.
using OwnerOf = std::function<std::optional<std::string>(const SocketAddress& address)>;

// "" when the expected packets are there, in order (others may come between them); else what
// was expected and what the capture saw.
std::string match_packets(const std::vector<PacketExpectation>& expected,
                          const std::vector<RecordedPacket>& seen, const OwnerOf& owner_of);

// "SYN,ACK from server seq 1 ack 2 len 0"
std::string describe_packet(const PacketRecord& packet, const OwnerOf& owner_of);

}  // namespace socketlab
