// [SECTION] index
//   Bytes as text       to_hex, to_printable
//   Event accessors     op, bytes, failed
//   Names               TCP flags, transports, state changes
//   JSON                the documented --json form (README "Headless commands")
//   Transcript          the one-line text form
#include "core/event.h"

#include <nlohmann/json.hpp>

#include "core/errno_text.h"

namespace socketlab {

// [SECTION] Bytes as text
std::string to_hex(const std::vector<uint8_t>& bytes, size_t max_bytes) {
    static const char kDigits[] = "0123456789abcdef";
    size_t n = std::min(bytes.size(), max_bytes);
    std::string out;
    out.reserve(n * 2);
    for (size_t i = 0; i < n; ++i) {
        out.push_back(kDigits[bytes[i] >> 4]);
        out.push_back(kDigits[bytes[i] & 15]);
    }
    return out;
}

std::string to_printable(const std::vector<uint8_t>& bytes, size_t max_bytes) {
    size_t n = std::min(bytes.size(), max_bytes);
    std::string out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i)
        out.push_back(bytes[i] >= 0x20 && bytes[i] < 0x7f ? static_cast<char>(bytes[i]) : '.');
    return out;
}

// [SECTION] Event accessors
const CallOp* Event::op() const {
    if (const CallRecord* c = call()) return &c->spec.op;
    if (const StepRecord* s = step_record()) return s->program ? nullptr : &s->op;
    return nullptr;
}

bool Event::is_call(CallOp wanted) const {
    const CallOp* mine = op();
    return mine && *mine == wanted;
}

const std::vector<uint8_t>& Event::bytes() const {
    static const std::vector<uint8_t> kNone;
    if (const CallRecord* c = call()) return c->bytes;
    if (const PacketRecord* p = packet()) return p->bytes;
    return kNone;
}

std::vector<uint8_t>* Event::mutable_bytes() {
    if (CallRecord* c = call()) return &c->bytes;
    if (PacketRecord* p = packet()) return &p->bytes;
    return nullptr;
}

uint64_t Event::bytes_total() const {
    if (const CallRecord* c = call()) return std::max<uint64_t>(c->bytes_total, c->bytes.size());
    if (const PacketRecord* p = packet())
        return std::max<uint64_t>(p->bytes_total, p->bytes.size());
    return 0;
}

bool Event::failed() const {
    const CallRecord* c = call();
    return c && c->ret < 0 && c->err != 0;
}

Event make_note(int64_t t_us, const std::string& actor, int step, std::string text) {
    Event note;
    note.kind = EventKind::Note;
    note.t_us = t_us;
    note.actor = actor;
    note.step = step;
    note.note = std::move(text);
    return note;
}

// [SECTION] Names
const char* transport_name(TransportProto proto) {
    switch (proto) {
        case TransportProto::Tcp:
            return "tcp";
        case TransportProto::Udp:
            return "udp";
        case TransportProto::Other:
            break;
    }
    return "";
}

std::string state_change_text(const StateRecord& state, const std::string& socket) {
    const std::string to = tcp_state_name(state.to);
    if (state.renamed) return to + " (now " + socket + ")";
    const std::string from =
        state.from == TcpState::Unknown ? std::string("new") : tcp_state_name(state.from);
    return from + " -> " + to;
}

static const char* kind_name(EventKind kind) {
    switch (kind) {
        case EventKind::Call:
            return "call";
        case EventKind::Wait:
            return "wait";
        case EventKind::Note:
            return "note";
        case EventKind::Step:
            return "step";
        case EventKind::Packet:
            return "packet";
        case EventKind::State:
            return "state";
        case EventKind::Link:
            return "link";
        case EventKind::Program:
            return "program";
        case EventKind::TcpInfo:
            return "tcp_info";
    }
    return "call";
}

// A packet's end as text: with its port for TCP and UDP, the bare host otherwise.
static std::string endpoint_text(const PacketRecord& p, const SocketAddress& address) {
    return p.proto == TransportProto::Other ? address.host_string() : address.to_string();
}

static const char* link_fate_name(LinkRecord::Fate fate) {
    switch (fate) {
        case LinkRecord::Fate::Delivered:
            return "delivered";
        case LinkRecord::Fate::Dropped:
            return "dropped";
        case LinkRecord::Fate::Delayed:
            return "delayed";
        case LinkRecord::Fate::Duplicated:
            return "duplicated";
        case LinkRecord::Fate::Reordered:
            return "reordered";
        case LinkRecord::Fate::Corrupted:
            return "corrupted";
        case LinkRecord::Fate::Queued:
            return "queued";
    }
    return "delivered";
}

// [SECTION] JSON
static nlohmann::json packet_to_json(const Event& event, const PacketRecord& p) {
    nlohmann::json j;
    j["kind"] = "packet";
    j["t_us"] = event.t_us;
    j["proto"] = transport_name(p.proto);
    j["src"] = endpoint_text(p, p.src);
    j["dst"] = endpoint_text(p, p.dst);
    j["flags"] = tcp_flag_names(p.tcp_flags);
    j["seq"] = p.seq;
    j["ack"] = p.ack;
    j["window"] = p.window;
    j["len"] = p.len;
    j["bytes_hex"] = to_hex(p.bytes);
    if (event.bytes_cut()) j["bytes_total"] = event.bytes_total();
    if (!p.problem.empty()) j["problem"] = p.problem;
    if (p.number) j["number"] = p.number;
    if (p.link) {
        j["link"] = link_fate_name(p.link->fate);
        j["from_side"] = p.link->from;
    }
    if (p.analysis.retransmission) {
        nlohmann::json r;
        r["of_packet"] = p.analysis.original;
        r["after_us"] = p.analysis.after_us;
        r["fast"] = p.analysis.fast;
        j["retransmission"] = r;
    }
    if (p.analysis.dup_ack) j["dup_ack"] = p.analysis.dup_ack;
    if (p.analysis.sack_blocks) j["sack_blocks"] = p.analysis.sack_blocks;
    if (!event.note.empty()) j["note"] = event.note;
    return j;
}

// Numbers as the kernel gave them (times in microseconds, windows in bytes, cwnd in segments);
// a field the running kernel does not report is left out, an infinite ssthresh is null.
static void tcp_info_to_json(const TcpInfoRecord& t, nlohmann::json& j) {
    if (!t.local.empty()) j["local"] = t.local.to_string();
    if (!t.peer.empty()) j["peer"] = t.peer.to_string();
    j["cwnd"] = t.cwnd;
    j["ssthresh"] = t.ssthresh ? nlohmann::json(*t.ssthresh) : nlohmann::json(nullptr);
    j["rtt_us"] = t.rtt_us;
    j["rttvar_us"] = t.rttvar_us;
    j["rto_us"] = t.rto_us;
    j["retransmits"] = t.retransmits;
    j["backoff"] = t.backoff;
    j["in_flight"] = t.in_flight;
    j["unacked"] = t.unacked;
    if (t.peer_window) j["peer_window"] = *t.peer_window;
    j["rcv_space"] = t.rcv_space;
    j["mss"] = t.mss;
    j["ca_state"] = tcp_ca_state_name(t.ca_state);
    if (!t.congestion_control.empty()) j["congestion_control"] = t.congestion_control;
    if (t.segs_out) j["segs_out"] = *t.segs_out;
    if (t.segs_in) j["segs_in"] = *t.segs_in;
    if (t.bytes_acked) j["bytes_acked"] = *t.bytes_acked;
    if (t.bytes_received) j["bytes_received"] = *t.bytes_received;
    j["changed"] = tcp_info_change_names(t.changed);
}

nlohmann::json event_to_json(const Event& event) {
    if (const PacketRecord* p = event.packet()) return packet_to_json(event, *p);
    nlohmann::json j;
    j["kind"] = kind_name(event.kind);
    j["t_us"] = event.t_us;
    j["actor"] = event.actor;
    if (event.step > 0) j["step"] = event.step;
    if (!event.socket_name.empty()) j["socket"] = event.socket_name;
    if (const CallRecord* c = event.call()) {
        j["call"] = call_op_name(c->spec.op);
        if (auto args = call_args_text(*c); !args.empty()) j["args"] = args;
        if (event.kind == EventKind::Call) {
            j["ret"] = c->ret;
            if (event.failed()) {
                j["errno"] = errno_name(c->err);
                j["error"] = errno_explanation(c->err);
            }
        }
        if (!c->local.empty()) j["local"] = c->local.to_string();
        if (!c->peer.empty()) j["peer"] = c->peer.to_string();
        if (c->direction != Direction::None) {
            j["direction"] = c->direction == Direction::Sent ? "sent" : "received";
            j["bytes_hex"] = to_hex(c->bytes);
            if (event.bytes_cut()) j["bytes_total"] = event.bytes_total();
        }
    } else if (const StepRecord* s = event.step_record()) {
        j["call"] = s->link ? "link" : s->program ? "run" : call_op_name(s->op);
        if (!s->source.empty()) j["args"] = s->source;
        if (!s->caption.empty()) j["note"] = s->caption;
    } else if (const StateRecord* st = event.state()) {
        j["call"] = "tcp state";
        j["args"] = state_change_text(*st, event.socket_name);
        if (!st->local.empty()) j["local"] = st->local.to_string();
        if (!st->peer.empty()) j["peer"] = st->peer.to_string();
        j["note"] = tcp_state_name(st->to);
    } else if (const LinkRecord* l = event.link()) {
        j["fate"] = link_fate_name(l->fate);
        if (!l->why.empty()) j["why"] = l->why;
        if (l->delay_us) j["delay_us"] = l->delay_us;
        if (l->packet_seq) j["packet"] = l->packet_seq;
        if (!l->from.empty()) j["from"] = l->from;
        j["entered_us"] = l->entered_us;
        if (l->number) j["number"] = l->number;
    } else if (const TcpInfoRecord* ti = event.tcp_info()) {
        tcp_info_to_json(*ti, j);
    } else if (const ProgramRecord* pr = event.program()) {
        j["pid"] = pr->pid;
        if (pr->tid) j["tid"] = pr->tid;
        if (pr->what == ProgramRecord::What::Exited) j["exit_status"] = pr->exit_status;
        if (!pr->text.empty()) j["text"] = pr->text;
    }
    if (!event.note.empty()) j["note"] = event.note;
    return j;
}

// [SECTION] Transcript
std::string event_to_text(const Event& event) {
    char time[32];
    std::snprintf(time, sizeof time, "%8.3f ms", static_cast<double>(event.t_us) / 1000.0);
    std::string line = std::string(time) + "  " + event.actor;
    const CallRecord* c = event.call();
    const std::string call_name = c ? call_op_name(c->spec.op) : "";
    const std::string args = c ? call_args_text(*c) : "";
    if (event.kind == EventKind::Wait)
        return line + "  " + call_name + "(" + args + ")  ... blocked, waiting";
    if (event.kind == EventKind::Note) return line + "  note: " + event.note;
    if (const StateRecord* st = event.state())
        return line + "  " + event.socket_name + " TCP state " +
               state_change_text(*st, event.socket_name);
    if (const PacketRecord* p = event.packet()) {
        std::string text = std::string(time) + "  packet " + transport_name(p->proto) + " " +
                           endpoint_text(*p, p->src) + " > " + endpoint_text(*p, p->dst);
        if (p->tcp_flags) text += " [" + tcp_flag_names(p->tcp_flags) + "]";
        if (p->is_tcp())
            text += " seq " + std::to_string(p->seq) + " ack " + std::to_string(p->ack);
        text += " len " + std::to_string(p->len);
        if (p->analysis.retransmission)
            text += std::string(p->analysis.fast ? "  fast retransmission" : "  retransmission") +
                    (p->analysis.original ? " of #" + std::to_string(p->analysis.original) : "");
        if (p->analysis.dup_ack) text += "  duplicate ACK #" + std::to_string(p->analysis.dup_ack);
        if (p->link && p->link->fate == LinkRecord::Fate::Dropped)
            text += "  DROPPED by SocketLab's link";
        if (!p->problem.empty()) text += "  (" + p->problem + ")";
        return text;
    }
    if (const StepRecord* s = event.step_record())
        return line + "  step " + std::to_string(event.step) + ": " + s->source + "  -- " +
               s->caption;
    if (const LinkRecord* l = event.link())
        return std::string(time) + "  link: packet #" + std::to_string(l->number) + " from " +
               l->from + " " + link_fate_name(l->fate) +
               (l->why.empty() ? "" : " (" + l->why + ")");
    if (const ProgramRecord* pr = event.program())
        return line + "  program " + std::to_string(pr->pid) + ": " + pr->text;
    if (const TcpInfoRecord* ti = event.tcp_info()) {
        std::string changed;
        for (const auto& name : tcp_info_change_names(ti->changed))
            changed += (changed.empty() ? "" : ", ") + name;
        return line + "  " + event.socket_name + " TCP_INFO " + tcp_info_summary(*ti) +
               (changed.empty() ? "" : "  (" + changed + ")");
    }
    if (!c) return line + "  " + event.note;
    line += "  " + call_name + "(" + args + ") = " + std::to_string(c->ret);
    if (event.failed()) line += "  " + errno_name(c->err) + ": " + errno_explanation(c->err);
    if (!c->local.empty() || !c->peer.empty())
        line += "  [" + (c->local.empty() ? "?" : c->local.to_string()) + " <-> " +
                (c->peer.empty() ? "?" : c->peer.to_string()) + "]";
    if (c->direction != Direction::None && c->ret >= 0) {
        line += c->direction == Direction::Sent ? "  sent \"" : "  received \"";
        line += to_printable(c->bytes, 64);
        line += c->bytes.size() > 64 ? "...\"" : "\"";
    }
    if (!event.note.empty()) line += "  (" + event.note + ")";
    return line;
}

}  // namespace socketlab
