// What the packet views share: the selection, and how a packet or a TCP state is coloured and
// labelled, so the ladder, the list and the detail agree (a RST is the same red everywhere).
#pragma once

#include <cstdint>
#include <string>

#include <imgui.h>

#include "core/event.h"
#include "ui/packet_flow.h"
#include "ui/theme.h"

namespace socketlab::ui {

// Shared by the packet views of one live pane.
struct PacketSelection {
    uint64_t event_seq = 0;         // Event::seq of the selected packet; 0 = none
    bool relative = true;           // seq/ack relative to each direction's first (Wireshark's way)
    bool reveal_in_ladder = false;  // the list picked a packet: scroll the ladder to it
    bool reveal_in_list = false;    // the ladder picked one: scroll the list to it
    bool show_detail = false;       // a click asks for the packet's detail to be shown
};

// Colour says what kind of packet it is; the flags are always printed too (colour is never
// the only cue). Opening and closing a connection stand out from the data and the plain ACKs.
inline ImVec4 packet_color(const PacketRecord& p) {
    if (p.is_tcp() && p.has(kTcpRst)) return theme::error();
    if (p.is_tcp() && p.has(kTcpSyn)) return theme::ok();
    if (p.is_tcp() && p.has(kTcpFin)) return theme::waiting();
    if (p.len > 0 || p.is_udp()) return theme::sent();
    return theme::muted();  // a bare ACK
}

// "SYN,ACK" for TCP, "UDP" for a datagram.
inline std::string packet_kind(const PacketRecord& p) {
    if (p.is_udp()) return "UDP";
    return p.tcp_flags == 0 ? std::string("(no flags)") : tcp_flag_names(p.tcp_flags);
}

// "127.0.0.1:43122", "[::1]:5000"; the bare address for a packet without ports.
inline std::string packet_endpoint(const PacketRecord& p, const SocketAddress& address) {
    return p.is_tcp() || p.is_udp() ? address.to_string() : address.host_string();
}

// "seq=0 ack=1 len=0" (ack only when the ACK flag makes it meaningful); "len=5" for UDP.
inline std::string packet_numbers(const FlowModel& flow, const FlowPacket& packet,
                                  const PacketRecord& p, bool relative) {
    std::string text;
    if (p.is_tcp()) {
        text = "seq=" + std::to_string(flow.shown_seq(packet, p, relative));
        if (p.has(kTcpAck)) text += " ack=" + std::to_string(flow.shown_ack(packet, p, relative));
        text += " ";
    }
    return text + "len=" + std::to_string(p.len);
}

// Colour of a kernel TCP state: open and working, on the way, closing, gone.
inline ImVec4 tcp_state_color(TcpState state) {
    if (state == TcpState::Established || state == TcpState::Listen) return theme::ok();
    if (state == TcpState::Close) return theme::muted();
    return theme::waiting();  // SYN_SENT, SYN_RECV, FIN_WAIT1/2, CLOSE_WAIT, LAST_ACK, TIME_WAIT
}

}  // namespace socketlab::ui
