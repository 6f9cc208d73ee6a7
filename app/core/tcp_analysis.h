// Retransmissions, duplicate ACKs and the receive window (zero windows, the sender's probes, the
// window opening again), worked out from the TCP segments of each connection in
// capture order, much as Wireshark's TCP analysis does. Pure: no sockets, no clock. One
// analyzer per run. A retransmission carries bytes already seen on its connection; a packet
// seen late (it waited in the link's queue, or the link reordered it) carries new bytes and is
// none (one the link reordered is marked out_of_order).
#pragma once

#include <cstdint>
#include <map>
#include <tuple>

#include "core/event.h"

namespace socketlab {

class TcpAnalyzer {
  public:
    // Fills packet.analysis. number: the packet number (PacketRecord::number); t_us: its time.
    void analyze(PacketRecord& packet, uint64_t number, int64_t t_us);
    void clear() { flows_.clear(); }

  private:
    struct Flow {  // one direction of one connection
        bool seen = false;
        uint32_t next_seq = 0;  // highest seq + len (+SYN/FIN) sent so far
        uint32_t isn = 0;       // the first seq seen: offsets below are from it
        struct Sent {
            uint32_t stop = 0;    // offset one past its last byte
            uint64_t number = 0;  // the packet that first carried these bytes
            int64_t t_us = 0;
        };
        std::map<uint32_t, Sent> sent;  // first transmissions, by offset of their first byte
        uint32_t last_ack = 0;
        uint32_t last_window = 0;
        bool last_was_pure_ack = false;
        bool sent_ack = false;  // last_ack and last_window hold something
        int dup_acks = 0;
    };
    using Key = std::tuple<std::string, std::string>;  // src, dst as text
    std::map<Key, Flow> flows_;
};

}  // namespace socketlab
