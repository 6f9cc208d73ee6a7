// Turns the lesson network's captured packets into Packet events: each packet is decoded once,
// here, and the event carries the result (the panels never decode again). Keeps only the
// lesson's own packets (SocketDirectory::owner_of_packet: both ends of a lesson socket, not a
// port alone), a bounded copy of them for pcap files, and a light copy for `packets:` checks.
// on_packet runs on the capture's delivery thread; the rest may be called from any thread.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <vector>

#include "capture/lesson_network.h"
#include "capture/pcap_file.h"
#include "core/event_log.h"
#include "core/socket_directory.h"
#include "core/tcp_analysis.h"

namespace socketlab {

struct RecordedPacket {
    int64_t t_us = 0;
    PacketRecord packet;  // without its bytes
};

class PacketRecorder {
  public:
    // filter_by_owner: false when the network holds only the lesson's sockets (a private
    // namespace), true on the host's loopback, where other programs' packets pass too.
    PacketRecorder(EventLog& log, const SocketDirectory& directory, bool filter_by_owner);

    // Engine time of a packet = its wall-clock time - this (set when an engine starts).
    void set_realtime_at_start(int64_t realtime_us);
    void on_packet(RawPacket packet);
    void clear();
    // A call is about to go to this port (connect, sendto): its packets are the lesson's even
    // before any socket of the directory has the address (connect() to an unused port: the
    // SYN and the RST come and go before connect returns).
    void expect_port(uint16_t port);

    std::vector<CapturedPacket> captured_packets() const;  // for a pcap file
    std::vector<RecordedPacket> packets_between(int64_t from_us, int64_t to_us) const;
    uint64_t recorded() const;  // how many packets were logged so far, ever
    uint64_t ignored() const;   // other programs' packets left out
    // Some packet carries a comment (a link lesson's drops): write pcapng, not pcap.
    bool has_comments() const;

    static constexpr size_t kMaxKeptPackets = 100000;

  private:
    bool is_lesson_packet(const PacketRecord& packet) const;

    EventLog& log_;
    const SocketDirectory& directory_;
    const bool filter_by_owner_;
    std::atomic<int64_t> realtime_at_start_us_{0};
    mutable std::mutex mutex_;
    std::deque<CapturedPacket> packets_;
    std::deque<RecordedPacket> seen_;
    std::set<uint16_t> expected_ports_;  // guarded by mutex_
    TcpAnalyzer analyzer_;               // the delivery thread's (and clear's, under mutex_)
    uint64_t recorded_ = 0;
    uint64_t ignored_ = 0;
    bool has_comments_ = false;
    uint64_t packet_number_ = 0;  // the lesson's packets since the last clear
};

// A decoded packet as an event's payload (decoded once, kept with it).
PacketRecord packet_record_of(std::shared_ptr<const DecodedPacket> decoded);

}  // namespace socketlab
