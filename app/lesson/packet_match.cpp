#include "lesson/packet_match.h"

namespace socketlab {

std::string describe_packet(const PacketRecord& p, const OwnerOf& owner_of) {
    const auto owner = owner_of(p.src);
    std::string text = (p.is_udp() ? std::string("UDP") : tcp_flag_names(p.tcp_flags)) + " from " +
                       (owner ? *owner : p.src.to_string());
    if (p.is_tcp()) text += " seq " + std::to_string(p.seq) + " ack " + std::to_string(p.ack);
    text += " len " + std::to_string(p.len);
    if (p.link && p.link->fate == LinkRecord::Fate::Dropped)
        text += p.link->why.rfind("queue full", 0) == 0 ? " dropped (queue full)" : " dropped";
    if (p.analysis.retransmission)
        text += p.analysis.fast ? " fast retransmission" : " retransmission";
    if (p.analysis.dup_ack) text += " dup-ack";
    if (p.analysis.zero_window) text += " zero-window";
    if (p.analysis.window_probe) text += " window-probe";
    if (p.analysis.window_update) text += " window-update";
    return text;
}

std::string match_packets(const std::vector<PacketExpectation>& expected,
                          const std::vector<RecordedPacket>& seen, const OwnerOf& owner_of) {
    auto all = [&] {
        std::string out;
        for (const auto& p : seen)
            out += (out.empty() ? "" : "; ") + describe_packet(p.packet, owner_of);
        return out.empty() ? std::string("no packets") : out;
    };
    if (expected.size() == 1 && expected[0].none) {
        if (seen.empty()) return "";
        return "expected no packets, but the capture saw: " + all();
    }
    std::vector<const PacketRecord*> matched;
    const RecordedPacket* last = nullptr;  // the packet matched last
    // How long after `from` did `to` leave its sender? Through the link: when each entered it
    // (a delivered packet is captured when the link delivers it, a dropped one when it came).
    auto sent_after = [](const RecordedPacket& from, const RecordedPacket& to) {
        if (from.packet.link && to.packet.link)
            return to.packet.link->entered_us - from.packet.link->entered_us;
        return to.t_us - from.t_us;
    };
    size_t next = 0;
    for (const auto& want : expected) {
        auto value_of = [&](const PacketExpectation::Ref& ref) -> int64_t {
            if (ref.packet == 0) return ref.add;
            const PacketRecord* p = matched[static_cast<size_t>(ref.packet - 1)];
            return (static_cast<int64_t>(ref.of_ack ? p->ack : p->seq) + ref.add) %
                   (int64_t{1} << 32);
        };
        bool found = false;
        for (; next < seen.size(); ++next) {
            const PacketRecord& p = seen[next].packet;
            if (want.udp ? !p.is_udp()
                         : (!p.is_tcp() || (!want.any_tcp && p.tcp_flags != want.tcp_flags)))
                continue;
            const bool dropped = p.link && p.link->fate == LinkRecord::Fate::Dropped;
            if (dropped != want.dropped) continue;
            if (want.retransmission && !p.analysis.retransmission) continue;
            if (want.fast && !p.analysis.fast) continue;
            if (want.dup_ack && !p.analysis.dup_ack) continue;
            if (want.zero_window && !p.analysis.zero_window) continue;
            if (want.window_probe && !p.analysis.window_probe) continue;
            if (want.window_update && !p.analysis.window_update) continue;
            if (want.queue_full && (!dropped || p.link->why.rfind("queue full", 0) != 0)) continue;
            if (want.min_gap_us && last && sent_after(*last, seen[next]) < want.min_gap_us)
                continue;
            if (!want.from.empty()) {
                const auto owner = owner_of(p.src);
                if (!owner || *owner != want.from) continue;
            }
            if (want.len && static_cast<int64_t>(p.len) != *want.len) continue;
            if (want.seq && static_cast<int64_t>(p.seq) != value_of(*want.seq)) continue;
            if (want.ack && static_cast<int64_t>(p.ack) != value_of(*want.ack)) continue;
            matched.push_back(&p);
            last = &seen[next];
            ++next;
            found = true;
            break;
        }
        if (!found)
            return "expected a packet '" + want.text + "'" +
                   (matched.empty() ? "" : " after the ones matched before it") +
                   ", but the capture saw: " + all();
    }
    return "";
}

}  // namespace socketlab
