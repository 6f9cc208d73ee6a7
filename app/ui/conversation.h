// The conversation view's data (Wireshark's "Follow TCP stream", but from the calls): for each
// connection, or each pair of UDP addresses, the bytes that went each way, in the order they
// were sent, with who sent them. Built from the calls' own bytes, so it needs no capture and
// works in every lesson. A direction whose sender is not one of the run's actors (an outside
// client of the kept-open server) is read from the receiving side's calls instead.
//
// Usage:
//   auto conversations = build_conversations(run.record());
//   for (const auto& chunk : conversations[0].chunks) draw(events[chunk.event]);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/socket_directory.h"
#include "lesson/run_record.h"

namespace socketlab::ui {

struct Conversation {
    SocketAddress first, second;  // first: the end that sent the first bytes
    std::string first_actor, second_actor;
    bool tcp = true;
    struct Chunk {
        size_t event = 0;  // index into RunRecord::events(): a send or a receive call
        bool from_first = true;
    };
    std::vector<Chunk> chunks;  // in time order
    uint64_t bytes_from_first = 0, bytes_from_second = 0;
    bool same_ends_as_another = false;  // the label then adds both ports to tell them apart
    // "client ↔ server, TCP"; "client ↔ server, TCP, :40000 ↔ :5000" beside another such.
    std::string label() const;
};

// directory: tells TCP from UDP (a socket's kind is not in its send and receive calls).
std::vector<Conversation> build_conversations(const RunRecord& record,
                                              const SocketDirectory& directory);

// The bytes as a learner reads a text protocol: printable ASCII as it is, each line on its own
// line ("\r\n" and "\n" end a line), anything else as '.'.
std::string conversation_text(const std::vector<uint8_t>& bytes);

}  // namespace socketlab::ui
