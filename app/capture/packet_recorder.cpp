#include "capture/packet_recorder.h"

#include <algorithm>

#include "capture/packet_decode.h"

namespace socketlab {

PacketRecord packet_record_of(std::shared_ptr<const DecodedPacket> decoded) {
    PacketRecord p;
    p.proto = decoded->proto == "tcp"   ? TransportProto::Tcp
              : decoded->proto == "udp" ? TransportProto::Udp
                                        : TransportProto::Other;
    p.src = decoded->src_address;
    p.dst = decoded->dst_address;
    p.tcp_flags = decoded->tcp_flags;
    p.seq = decoded->seq;
    p.ack = decoded->ack;
    p.window = decoded->window;
    p.len = static_cast<uint32_t>(decoded->payload_wire_length);
    p.problem = decoded->problem;
    p.decoded = std::move(decoded);
    return p;
}

PacketRecorder::PacketRecorder(EventLog& log, const SocketDirectory& directory,
                               bool filter_by_owner)
    : log_(log), directory_(directory), filter_by_owner_(filter_by_owner) {}

void PacketRecorder::set_realtime_at_start(int64_t realtime_us) {
    realtime_at_start_us_ = realtime_us;
}

bool PacketRecorder::is_lesson_packet(const PacketRecord& p) const {
    if (!filter_by_owner_) return true;
    if (!p.is_tcp() && !p.is_udp()) return false;
    if (directory_.owner_of_packet(p.src, p.dst, p.is_tcp())) return true;
    // A connection still being made (connect() has not returned, so its socket is not in the
    // directory yet) is known by a lesson port of the same protocol.
    const auto src_port = static_cast<uint16_t>(std::max(0, p.src.port()));
    const auto dst_port = static_cast<uint16_t>(std::max(0, p.dst.port()));
    if (directory_.has_port(src_port, p.is_tcp()) || directory_.has_port(dst_port, p.is_tcp()))
        return true;
    std::lock_guard lock(mutex_);
    return expected_ports_.count(src_port) > 0 || expected_ports_.count(dst_port) > 0;
}

void PacketRecorder::expect_port(uint16_t port) {
    std::lock_guard lock(mutex_);
    expected_ports_.insert(port);
}

void PacketRecorder::on_packet(RawPacket raw) {
    const int64_t t_us = raw.realtime_us - realtime_at_start_us_.load();
    if (t_us < 0) return;  // the RSTs and FINs of a run that was just reset
    auto decoded = std::make_shared<const DecodedPacket>(
        decode_ip_packet(raw.ip_bytes.data(), raw.ip_bytes.size()));
    PacketRecord record = packet_record_of(std::move(decoded));
    if (!is_lesson_packet(record)) {
        std::lock_guard lock(mutex_);
        ++ignored_;
        return;
    }
    record.realtime_us = raw.realtime_us;
    record.bytes_total = std::max<uint64_t>(raw.original_length, raw.ip_bytes.size());
    std::string comment;
    if (raw.link) {
        record.link = raw.link;
        record.link->entered_us = raw.link->entered_us - realtime_at_start_us_.load();
        if (raw.link->fate == LinkRecord::Fate::Dropped)
            comment = "dropped by SocketLab's link (not by a kernel): " + raw.link->why;
        else if (raw.link->fate != LinkRecord::Fate::Delivered &&
                 raw.link->fate != LinkRecord::Fate::Delayed)
            comment = "SocketLab's link: " + raw.link->why;
    }
    std::optional<LinkRecord> link_event;
    {
        std::lock_guard lock(mutex_);
        record.number = ++packet_number_;
        analyzer_.analyze(record, record.number, t_us);
        seen_.push_back({t_us, record});  // before the bytes go into the event
        if (seen_.size() > kMaxKeptPackets) seen_.pop_front();
        packets_.push_back({raw.realtime_us, raw.ip_bytes, raw.original_length, comment});
        if (packets_.size() > kMaxKeptPackets) packets_.pop_front();
        if (!comment.empty()) has_comments_ = true;
        ++recorded_;
    }
    link_event = record.link;
    const uint64_t number = record.number;
    record.bytes = std::move(raw.ip_bytes);
    Event ev;
    ev.kind = EventKind::Packet;
    ev.t_us = t_us;
    ev.payload = std::move(record);
    const uint64_t seq = log_.append(std::move(ev));
    if (link_event) {
        Event link;
        link.kind = EventKind::Link;
        link.t_us = t_us;
        link.actor = "link";
        link_event->packet_seq = seq;
        link_event->number = number;
        link.payload = *link_event;
        log_.append(std::move(link));
    }
}

bool PacketRecorder::has_comments() const {
    std::lock_guard lock(mutex_);
    return has_comments_;
}

void PacketRecorder::clear() {
    std::lock_guard lock(mutex_);
    expected_ports_.clear();
    analyzer_.clear();
    packet_number_ = 0;
    has_comments_ = false;
    packets_.clear();
    seen_.clear();
}

std::vector<CapturedPacket> PacketRecorder::captured_packets() const {
    std::lock_guard lock(mutex_);
    return {packets_.begin(), packets_.end()};
}

std::vector<RecordedPacket> PacketRecorder::packets_between(int64_t from_us, int64_t to_us) const {
    std::lock_guard lock(mutex_);
    std::vector<RecordedPacket> out;
    for (const auto& p : seen_)
        if (p.t_us >= from_us && p.t_us < to_us) out.push_back(p);
    return out;
}

uint64_t PacketRecorder::recorded() const {
    std::lock_guard lock(mutex_);
    return recorded_;
}

uint64_t PacketRecorder::ignored() const {
    std::lock_guard lock(mutex_);
    return ignored_;
}

}  // namespace socketlab
