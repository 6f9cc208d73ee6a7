// The kernel's own view of one TCP connection, from its struct tcp_info: the congestion window,
// the slow-start threshold, the round-trip time and the retransmission timeout it measured,
// how often it retransmitted, what is in flight, and the windows. Read with sock_diag
// (INET_DIAG_INFO, any socket of a namespace, no fd needed: socket_state_watcher) or
// getsockopt(TCP_INFO) on an fd. Never computed by SocketLab: these are the kernel's numbers.
//
// The kernel's struct only ever grows at its end, and an older kernel sends a shorter one:
// fields past the length it sent are left out (nullopt), never read as zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"

namespace socketlab {

// The sender's congestion-avoidance state (tcpi_ca_state; enum tcp_ca_state in the kernel).
enum class TcpCaState { Open, Disorder, Cwr, Recovery, Loss, Unknown };

// What made a TcpInfo event worth logging (TcpInfoRecord::changed): bits.
enum TcpInfoChange : uint32_t {
    kTcpInfoFirst = 1u << 0,        // the first report of this connection
    kTcpInfoCwnd = 1u << 1,         // the congestion window changed
    kTcpInfoSsthresh = 1u << 2,     // the slow-start threshold changed
    kTcpInfoRtt = 1u << 3,          // the smoothed RTT moved by 10% or more
    kTcpInfoRto = 1u << 4,          // the retransmission timeout moved by 10% or more
    kTcpInfoRetransmits = 1u << 5,  // the kernel retransmitted (again)
    kTcpInfoCaState = 1u << 6,      // it entered or left recovery / loss
    kTcpInfoZeroWindow = 1u << 7,   // the peer's receive window became zero, or opened again
};

struct TcpInfoRecord {
    SocketAddress local;
    SocketAddress peer;
    uint32_t cwnd = 0;  // congestion window, in segments (tcpi_snd_cwnd)
    // Segments; nullopt: "infinite": no loss seen yet, or a congestion control that keeps
    // none (BBR).
    std::optional<uint32_t> ssthresh;
    uint32_t rtt_us = 0;       // smoothed round-trip time (tcpi_rtt)
    uint32_t rttvar_us = 0;    // its variation (tcpi_rttvar)
    uint32_t rto_us = 0;       // retransmission timeout (tcpi_rto)
    uint32_t retransmits = 0;  // segments retransmitted so far (tcpi_total_retrans)
    uint8_t backoff = 0;       // times the timeout doubled in a row (tcpi_backoff)
    // Segments sent and not yet acknowledged, less those the receiver has (SACK) or the
    // kernel counts lost, plus their retransmissions: the kernel's tcp_packets_in_flight().
    uint32_t in_flight = 0;
    uint32_t unacked = 0;                 // segments sent, not acknowledged (tcpi_unacked)
    std::optional<uint32_t> peer_window;  // the peer's receive window, bytes (tcpi_snd_wnd)
    uint32_t rcv_space = 0;  // the receive space this side works with, bytes (tcpi_rcv_space)
    uint32_t mss = 0;        // the largest segment it sends, bytes (tcpi_snd_mss)
    TcpCaState ca_state = TcpCaState::Open;
    std::optional<uint32_t> segs_out;        // segments sent, retransmissions included
    std::optional<uint32_t> segs_in;         // segments received
    std::optional<uint64_t> bytes_acked;     // bytes the peer acknowledged
    std::optional<uint64_t> bytes_received;  // bytes received in order
    std::string congestion_control;          // "cubic", "bbr", "reno"; "" if not reported
    uint32_t changed = 0;                    // TcpInfoChange bits
};

// Reads the kernel's struct tcp_info of `length` bytes (as getsockopt or INET_DIAG_INFO gave
// it). False if it is too short to hold even the oldest kernels' fields.
bool parse_tcp_info(const void* data, size_t length, TcpInfoRecord* out);
// getsockopt(TCP_INFO) on a TCP socket; nullopt for any other fd or on failure.
std::optional<TcpInfoRecord> tcp_info_of_fd(int fd);

// What a learner should see changed between two reports (TcpInfoChange bits); `before` null:
// kTcpInfoFirst. The RTT and RTO count only when they move by 10% or more, so a steady
// connection is not reported on every sample.
uint32_t tcp_info_changes(const TcpInfoRecord* before, const TcpInfoRecord& now);
std::vector<std::string> tcp_info_change_names(uint32_t changed);  // "first", "cwnd", ...

const char* tcp_ca_state_name(TcpCaState state);  // "open", "disorder", "cwr", "recovery", "loss"

// "cwnd 10  ssthresh none  rtt 40.2 ms  rto 240 ms  retrans 1  in flight 3"; `none` is what an
// infinite ssthresh shows as.
std::string tcp_info_summary(const TcpInfoRecord& info, const char* none = "none");
// "40.2 ms", "240 ms", "85 us": a duration in microseconds as a learner reads it.
std::string duration_text(uint32_t us);

}  // namespace socketlab
