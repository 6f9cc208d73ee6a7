#include "ui/time_sequence.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace socketlab::ui {
namespace {

const PacketRecord* record_of(const std::deque<Event>& events, const FlowPacket& packet) {
    if (packet.event >= events.size()) return nullptr;
    return std::get_if<PacketRecord>(&events[packet.event].payload);
}

bool dropped_by_link(const PacketRecord& p) {
    return p.link && p.link->fate == LinkRecord::Fate::Dropped;
}

// When the sender sent it: the moment it entered the link, else when it was captured.
int64_t sent_us(const Event& e, const PacketRecord& p) {
    return p.link && p.link->entered_us > 0 ? p.link->entered_us : e.t_us;
}

// The window scale option of a SYN, or -1 when it has none.
int window_scale_of(const PacketRecord& p) {
    if (!p.decoded) return -1;
    for (const TcpOption& o : p.decoded->options)
        if (o.kind == 3 && o.length == 3 && o.offset + 2 < p.bytes.size())
            return std::min<int>(p.bytes[o.offset + 2], 14);
    return -1;
}

uint32_t read_u32(const std::vector<uint8_t>& b, size_t at) {
    return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
           uint32_t{b[at + 3]};
}

std::string byte_count(uint64_t n) {
    char text[32];
    constexpr uint64_t kKiB = 1024, kMiB = kKiB * kKiB;
    if (n < 10 * kKiB)
        std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(n));
    else if (n < 10 * kMiB)
        std::snprintf(text, sizeof text, "%llu KiB", static_cast<unsigned long long>(n / kKiB));
    else
        std::snprintf(text, sizeof text, "%llu MiB", static_cast<unsigned long long>(n / kMiB));
    return text;
}

}  // namespace

std::vector<TimeSequenceChoice> time_sequence_choices(const FlowModel& flow,
                                                      const std::deque<Event>& events) {
    std::map<std::pair<size_t, bool>, uint64_t> bytes;
    for (const FlowPacket& fp : flow.packets()) {
        const PacketRecord* p = record_of(events, fp);
        if (!p || !p->is_tcp() || p->len == 0) continue;
        bytes[{fp.connection, fp.from_client}] += p->len;
    }
    std::vector<TimeSequenceChoice> out;
    out.reserve(bytes.size());
    for (const auto& [key, n] : bytes) out.push_back({key.first, key.second, n});
    // Most data first; ties in connection order, the client's direction first.
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.data_bytes > b.data_bytes; });
    return out;
}

TimeSequence build_time_sequence(const FlowModel& flow, const std::deque<Event>& events,
                                 const TimeSequenceChoice& choice) {
    TimeSequence out;
    if (choice.connection >= flow.connections().size()) return out;
    const FlowConnection& connection = flow.connections()[choice.connection];

    // The window field is scaled only when both SYNs offered a scale, and never on a SYN.
    int sender_scale = -1, receiver_scale = -1;
    bool have_first = false;
    for (size_t i = connection.first_packet; i < flow.packets().size(); ++i) {
        const FlowPacket& fp = flow.packets()[i];
        if (fp.connection != choice.connection) continue;
        const PacketRecord* p = record_of(events, fp);
        if (!p) continue;
        if (!have_first) {
            out.first_us = sent_us(events[fp.event], *p);
            have_first = true;
        }
        if (!p->has(kTcpSyn)) continue;
        (fp.from_client == choice.from_client ? sender_scale : receiver_scale) =
            window_scale_of(*p);
    }
    out.window_scaled = sender_scale >= 0 && receiver_scale >= 0;
    out.window_shift = out.window_scaled ? receiver_scale : 0;

    uint32_t last_ack = 0;
    bool have_ack = false;
    for (size_t i = connection.first_packet; i < flow.packets().size(); ++i) {
        const FlowPacket& fp = flow.packets()[i];
        if (fp.connection != choice.connection) continue;
        const PacketRecord* p = record_of(events, fp);
        if (!p || !p->is_tcp()) continue;
        const Event& e = events[fp.event];
        if (fp.from_client == choice.from_client) {
            const bool syn = p->has(kTcpSyn), fin = p->has(kTcpFin);
            if (p->len == 0 && !syn && !fin) continue;  // a bare ACK of the other direction
            TimeSequence::Segment s;
            s.t_us = sent_us(e, *p) - out.first_us;
            s.start = flow.shown_seq(fp, *p, true);
            s.end = s.start + p->len + (syn ? 1 : 0) + (fin ? 1 : 0);
            s.packet = i;
            s.retransmission = p->analysis.retransmission;
            s.dropped = dropped_by_link(*p);
            s.syn = syn;
            s.fin = fin;
            out.top = std::max(out.top, s.end);
            out.last_us = std::max(out.last_us, s.t_us);
            out.segments.push_back(s);
            continue;
        }
        if (!p->has(kTcpAck)) continue;
        // The receiver's ACK: it reached the sender when it was delivered (captured), unless
        // the link dropped it, and then it never did (shown where it was sent, crossed out).
        TimeSequence::Ack a;
        a.dropped = dropped_by_link(*p);
        a.t_us = (a.dropped ? sent_us(e, *p) : e.t_us) - out.first_us;
        a.ack = flow.shown_ack(fp, *p, true);
        const uint32_t shift = p->has(kTcpSyn) ? 0u : static_cast<uint32_t>(out.window_shift);
        a.window_edge = a.ack + (p->window << shift);
        a.packet = i;
        a.duplicate = have_ack && a.ack == last_ack && p->len == 0 && !p->has(kTcpSyn) &&
                      !p->has(kTcpFin) && p->analysis.dup_ack > 0;
        if (!a.dropped) {
            last_ack = a.ack;
            have_ack = true;
        }
        out.top = std::max(out.top, a.ack);
        out.window_top = std::max(out.window_top, a.window_edge);
        out.last_us = std::max(out.last_us, a.t_us);
        out.acks.push_back(a);
        // SACK blocks: the byte ranges the receiver holds beyond the ACK (RFC 2018).
        if (!p->decoded || a.dropped) continue;
        const auto& isn = choice.from_client ? connection.client_isn : connection.server_isn;
        for (const TcpOption& o : p->decoded->options) {
            if (o.kind != 5 || o.length < 10 || o.offset + o.length > p->bytes.size()) continue;
            for (size_t at = o.offset + 2; at + 8 <= o.offset + o.length; at += 8) {
                TimeSequence::Sack sack;
                sack.t_us = a.t_us;
                sack.left = read_u32(p->bytes, at) - isn.value_or(0);
                sack.right = read_u32(p->bytes, at + 4) - isn.value_or(0);
                out.sacks.push_back(sack);
            }
        }
    }
    return out;
}

std::string time_sequence_label(const FlowModel& flow, const TimeSequenceChoice& choice) {
    if (choice.connection >= flow.connections().size()) return "?";
    const FlowConnection& c = flow.connections()[choice.connection];
    std::string client = c.client.to_string(), server = c.server.to_string();
    if (c.first_packet < flow.packets().size()) {
        const FlowPacket& first = flow.packets()[c.first_packet];
        const auto& lines = flow.lifelines();
        // The first packet's ends, as the ladder names them; which end is the client's.
        const size_t client_line = first.from_client ? first.from_lifeline : first.to_lifeline;
        const size_t server_line = first.from_client ? first.to_lifeline : first.from_lifeline;
        if (client_line < lines.size()) client = lines[client_line].label();
        if (server_line < lines.size()) server = lines[server_line].label();
        if (c.shares_lifelines) {
            client += ":" + std::to_string(c.client.port());
            server += ":" + std::to_string(c.server.port());
        }
    }
    const std::string& from = choice.from_client ? client : server;
    const std::string& to = choice.from_client ? server : client;
    return from + " \xE2\x86\x92 " + to + " (" + byte_count(choice.data_bytes) + ")";
}

}  // namespace socketlab::ui
