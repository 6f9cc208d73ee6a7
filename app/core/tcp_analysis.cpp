#include "core/tcp_analysis.h"

#include <iterator>

namespace socketlab {
namespace {

// Serial-number arithmetic (RFC 1982): is a before b, with wrap-around?
bool seq_before(uint32_t a, uint32_t b) {
    return static_cast<int32_t>(a - b) < 0;
}

}  // namespace

void TcpAnalyzer::analyze(PacketRecord& p, uint64_t number, int64_t t_us) {
    if (!p.is_tcp()) return;
    Flow& flow = flows_[{p.src.to_string(), p.dst.to_string()}];
    Flow& reverse = flows_[{p.dst.to_string(), p.src.to_string()}];
    if (p.decoded)
        for (const auto& option : p.decoded->options)
            if (option.kind == 5 && option.length >= 2)
                p.analysis.sack_blocks = static_cast<int>((option.length - 2) / 8);

    const uint32_t span =
        p.len + (p.has(kTcpSyn) ? 1 : 0) + (p.has(kTcpFin) ? 1 : 0);  // sequence space used
    const bool out_of_order_by_link = p.link && p.link->fate == LinkRecord::Fate::Reordered;
    const bool copy_by_link = p.link && p.link->fate == LinkRecord::Fate::Duplicated;
    if (span > 0) {
        if (!flow.seen) flow.isn = p.seq;
        // Sent before? Not "below the highest byte sent so far": through a rate-limited link a
        // packet the link's full queue dropped is seen at once, while earlier ones still wait
        // in its queue and are seen after it; they are new bytes, not a retransmission. So:
        // do these bytes overlap bytes already seen? (Offsets from the first seq: no wrap.)
        const uint32_t start = p.seq - flow.isn;
        const uint32_t stop = start + span;
        auto after = flow.sent.upper_bound(start);
        const Flow::Sent* overlap = nullptr;
        if (after != flow.sent.begin() && std::prev(after)->second.stop > start)
            overlap = &std::prev(after)->second;
        else if (after != flow.sent.end() && after->first < stop)
            overlap = &after->second;
        if (flow.seen && !p.has(kTcpRst) && overlap) {
            if (!copy_by_link) {
                p.analysis.retransmission = true;
                p.analysis.original = overlap->number;
                p.analysis.after_us = t_us - overlap->t_us;
                // Asked for by duplicate ACKs (the receiver acks exactly this seq, twice or more).
                p.analysis.fast = reverse.dup_acks >= 2 && reverse.last_ack == p.seq;
            }
        } else {
            p.analysis.out_of_order = out_of_order_by_link && seq_before(p.seq, flow.next_seq);
            if (flow.sent.size() > 4096) flow.sent.erase(flow.sent.begin());
            flow.sent.emplace(start, Flow::Sent{stop, number, t_us});
        }
        const uint32_t end = p.seq + span;
        if (!flow.seen || seq_before(flow.next_seq, end)) flow.next_seq = end;
        flow.seen = true;
    }
    const bool pure_ack = span == 0 && p.has(kTcpAck) && !p.has(kTcpRst);
    const bool plain = p.has(kTcpAck) && !p.has(kTcpSyn) && !p.has(kTcpFin) && !p.has(kTcpRst);
    // A zero window: this side has no room left in its receive buffer.
    p.analysis.zero_window = plain && p.window == 0;
    // A zero-window probe: the other side's last word was "window 0", and this segment asks
    // whether that is still so. Linux sends an ACK one byte before the first unacknowledged
    // byte (no data: the peer must answer it); other stacks send one byte of new data.
    if (plain && span <= 1 && reverse.sent_ack && reverse.last_window == 0) {
        const bool below = span == 0 && p.seq == reverse.last_ack - 1;
        const bool one_byte = p.len == 1 && p.seq == reverse.last_ack;
        p.analysis.window_probe = below || one_byte;
        if (one_byte) p.analysis.retransmission = p.analysis.fast = false;
    }
    // A window update: an ACK with nothing new but a bigger window (the reader made room).
    p.analysis.window_update =
        pure_ack && plain && flow.sent_ack && p.ack == flow.last_ack && p.window > flow.last_window;
    // A duplicate ACK: no data, no SYN/FIN/RST, the same ack and (non-zero) window as the last
    // ACK this side sent, while the other side has data out.
    if (pure_ack && !p.analysis.window_probe && p.window != 0 && flow.last_was_pure_ack &&
        p.ack == flow.last_ack && p.window == flow.last_window && reverse.seen &&
        seq_before(p.ack, reverse.next_seq)) {
        p.analysis.dup_ack = ++flow.dup_acks;
    } else if (p.has(kTcpAck)) {
        flow.dup_acks = 0;
    }
    if (p.has(kTcpAck)) {
        flow.last_ack = p.ack;
        flow.last_window = p.window;
        flow.last_was_pure_ack = pure_ack;
        flow.sent_ack = true;
    }
}

}  // namespace socketlab
