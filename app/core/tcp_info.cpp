#include "core/tcp_info.h"

// The kernel's struct tcp_info: glibc's <netinet/tcp.h> stops at tcpi_total_retrans (no
// segs_out, no snd_wnd), and the two headers cannot be included together.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace socketlab {

namespace {

// The kernel's "no threshold yet" (TCP_INFINITE_SSTHRESH); ss prints nothing for it either.
constexpr uint32_t kInfiniteSsthresh = 0x7fffffff;

// Whether the kernel's reply reaches the end of the field at `offset` of `size` bytes.
constexpr bool reaches(size_t length, size_t offset, size_t size) {
    return length >= offset + size;
}

TcpCaState ca_state_from_kernel(uint8_t value) {
    switch (value) {
        case 0:
            return TcpCaState::Open;
        case 1:
            return TcpCaState::Disorder;
        case 2:
            return TcpCaState::Cwr;
        case 3:
            return TcpCaState::Recovery;
        case 4:
            return TcpCaState::Loss;
        default:
            return TcpCaState::Unknown;
    }
}

// |a - b| >= 10% of b (and b was known): a move worth showing.
bool moved_by_a_tenth(uint32_t before, uint32_t now) {
    const uint64_t diff = before > now ? before - now : now - before;
    return diff * 10 >= before && diff > 0;
}

}  // namespace

bool parse_tcp_info(const void* data, size_t length, TcpInfoRecord* out) {
    if (!reaches(length, offsetof(tcp_info, tcpi_total_retrans), sizeof(uint32_t))) return false;
    tcp_info info{};
    std::memcpy(&info, data, std::min(length, sizeof info));
    TcpInfoRecord r;
    r.local = out->local;
    r.peer = out->peer;
    r.congestion_control = out->congestion_control;
    r.cwnd = info.tcpi_snd_cwnd;
    if (info.tcpi_snd_ssthresh < kInfiniteSsthresh) r.ssthresh = info.tcpi_snd_ssthresh;
    r.rtt_us = info.tcpi_rtt;
    r.rttvar_us = info.tcpi_rttvar;
    r.rto_us = info.tcpi_rto;
    r.retransmits = info.tcpi_total_retrans;
    r.backoff = info.tcpi_backoff;
    r.unacked = info.tcpi_unacked;
    // tcp_packets_in_flight(): packets_out - (sacked_out + lost_out) + retrans_out.
    const int64_t in_flight =
        int64_t{info.tcpi_unacked} - info.tcpi_sacked - info.tcpi_lost + info.tcpi_retrans;
    r.in_flight = static_cast<uint32_t>(std::max<int64_t>(in_flight, 0));
    r.rcv_space = info.tcpi_rcv_space;
    r.mss = info.tcpi_snd_mss;
    r.ca_state = ca_state_from_kernel(info.tcpi_ca_state);
    if (reaches(length, offsetof(tcp_info, tcpi_segs_in), sizeof(uint32_t))) {
        r.segs_out = info.tcpi_segs_out;
        r.segs_in = info.tcpi_segs_in;
        r.bytes_acked = info.tcpi_bytes_acked;
        r.bytes_received = info.tcpi_bytes_received;
    }
    if (reaches(length, offsetof(tcp_info, tcpi_snd_wnd), sizeof(uint32_t)))
        r.peer_window = info.tcpi_snd_wnd;
    *out = r;
    return true;
}

std::optional<TcpInfoRecord> tcp_info_of_fd(int fd) {
    int protocol = 0;
    socklen_t len = sizeof protocol;
    if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0 || protocol != IPPROTO_TCP)
        return std::nullopt;
    tcp_info info{};
    len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return std::nullopt;
    TcpInfoRecord record;
    if (!parse_tcp_info(&info, len, &record)) return std::nullopt;
    char name[16] = {};  // TCP_CA_NAME_MAX
    len = sizeof name;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) == 0)
        record.congestion_control.assign(name, strnlen(name, len));
    return record;
}

uint32_t tcp_info_changes(const TcpInfoRecord* before, const TcpInfoRecord& now) {
    if (!before) return kTcpInfoFirst;
    uint32_t changed = 0;
    if (before->cwnd != now.cwnd) changed |= kTcpInfoCwnd;
    if (before->ssthresh != now.ssthresh) changed |= kTcpInfoSsthresh;
    // From 0 (no sample yet) to the first measured RTT counts as a move.
    if (moved_by_a_tenth(before->rtt_us, now.rtt_us)) changed |= kTcpInfoRtt;
    if (moved_by_a_tenth(before->rto_us, now.rto_us)) changed |= kTcpInfoRto;
    if (before->retransmits != now.retransmits) changed |= kTcpInfoRetransmits;
    if (before->ca_state != now.ca_state) changed |= kTcpInfoCaState;
    const bool was_zero = before->peer_window == 0u;
    const bool is_zero = now.peer_window == 0u;
    if (was_zero != is_zero) changed |= kTcpInfoZeroWindow;
    return changed;
}

std::vector<std::string> tcp_info_change_names(uint32_t changed) {
    static const std::pair<uint32_t, const char*> kNames[] = {
        {kTcpInfoFirst, "first"},       {kTcpInfoCwnd, "cwnd"},
        {kTcpInfoSsthresh, "ssthresh"}, {kTcpInfoRtt, "rtt"},
        {kTcpInfoRto, "rto"},           {kTcpInfoRetransmits, "retransmits"},
        {kTcpInfoCaState, "ca_state"},  {kTcpInfoZeroWindow, "zero_window"},
    };
    std::vector<std::string> names;
    for (const auto& [bit, name] : kNames)
        if (changed & bit) names.emplace_back(name);
    return names;
}

const char* tcp_ca_state_name(TcpCaState state) {
    switch (state) {
        case TcpCaState::Open:
            return "open";
        case TcpCaState::Disorder:
            return "disorder";
        case TcpCaState::Cwr:
            return "cwr";
        case TcpCaState::Recovery:
            return "recovery";
        case TcpCaState::Loss:
            return "loss";
        case TcpCaState::Unknown:
            break;
    }
    return "unknown";
}

std::string duration_text(uint32_t us) {
    char text[32];
    if (us < 1000)
        std::snprintf(text, sizeof text, "%u us", us);
    else if (us < 100000)
        std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(us) / 1000.0);
    else
        std::snprintf(text, sizeof text, "%u ms", (us + 500) / 1000);
    return text;
}

std::string tcp_info_summary(const TcpInfoRecord& info, const char* none) {
    std::string text = "cwnd " + std::to_string(info.cwnd) + "  ssthresh " +
                       (info.ssthresh ? std::to_string(*info.ssthresh) : std::string(none)) +
                       "  rtt " + (info.rtt_us ? duration_text(info.rtt_us) : std::string(none)) +
                       "  rto " + duration_text(info.rto_us) + "  retrans " +
                       std::to_string(info.retransmits) + "  in flight " +
                       std::to_string(info.in_flight);
    if (info.peer_window == 0u) text += "  peer window 0";
    if (info.ca_state != TcpCaState::Open)
        text += "  (" + std::string(tcp_ca_state_name(info.ca_state)) + ")";
    return text;
}

}  // namespace socketlab
