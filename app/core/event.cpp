#include "core/event.h"

#include <nlohmann/json.hpp>

#include "core/errno_text.h"

namespace socketlab {

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

Event make_note(int64_t t_us, const std::string& actor, int step, std::string text) {
    Event note;
    note.kind = EventKind::Note;
    note.t_us = t_us;
    note.actor = actor;
    note.step = step;
    note.note = std::move(text);
    return note;
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
    }
    return "call";
}

static nlohmann::json packet_to_json(const Event& event) {
    const PacketSummary& p = event.packet;
    nlohmann::json j;
    j["kind"] = "packet";
    j["t_us"] = event.t_us;
    j["proto"] = p.proto;
    j["src"] = p.src;
    j["dst"] = p.dst;
    j["flags"] = p.flags;
    j["seq"] = p.seq;
    j["ack"] = p.ack;
    j["window"] = p.window;
    j["len"] = p.len;
    j["bytes_hex"] = to_hex(event.bytes);
    if (event.bytes_cut()) j["bytes_total"] = event.bytes_total;
    if (!p.problem.empty()) j["problem"] = p.problem;
    if (!event.note.empty()) j["note"] = event.note;
    return j;
}

nlohmann::json event_to_json(const Event& event) {
    if (event.kind == EventKind::Packet) return packet_to_json(event);
    nlohmann::json j;
    j["kind"] = kind_name(event.kind);
    j["t_us"] = event.t_us;
    j["actor"] = event.actor;
    if (event.step > 0) j["step"] = event.step;
    if (!event.socket_name.empty()) j["socket"] = event.socket_name;
    if (!event.call.empty()) j["call"] = event.call;
    if (!event.args.empty()) j["args"] = event.args;
    if (event.kind == EventKind::Call) {
        j["ret"] = event.ret;
        if (event.failed()) {
            j["errno"] = errno_name(event.err);
            j["error"] = errno_explanation(event.err);
        }
    }
    if (!event.local.empty()) j["local"] = event.local;
    if (!event.peer.empty()) j["peer"] = event.peer;
    if (event.direction != Direction::None) {
        j["direction"] = event.direction == Direction::Sent ? "sent" : "received";
        j["bytes_hex"] = to_hex(event.bytes);
        if (event.bytes_cut()) j["bytes_total"] = event.bytes_total;
    }
    if (!event.note.empty()) j["note"] = event.note;
    return j;
}

std::string event_to_text(const Event& event) {
    char time[32];
    std::snprintf(time, sizeof time, "%8.3f ms", static_cast<double>(event.t_us) / 1000.0);
    std::string line = std::string(time) + "  " + event.actor;
    if (event.kind == EventKind::Wait)
        return line + "  " + event.call + "(" + event.args + ")  ... blocked, waiting";
    if (event.kind == EventKind::Note) return line + "  note: " + event.note;
    if (event.kind == EventKind::State)
        return line + "  " + event.socket_name + " TCP state " + event.args;
    if (event.kind == EventKind::Packet) {
        const PacketSummary& p = event.packet;
        std::string text = std::string(time) + "  packet " + p.proto + " " + p.src + " > " + p.dst;
        if (!p.flags.empty()) text += " [" + p.flags + "]";
        if (p.proto == "tcp")
            text += " seq " + std::to_string(p.seq) + " ack " + std::to_string(p.ack);
        text += " len " + std::to_string(p.len);
        if (!p.problem.empty()) text += "  (" + p.problem + ")";
        return text;
    }
    if (event.kind == EventKind::Step)
        return line + "  step " + std::to_string(event.step) + ": " + event.args + "  -- " +
               event.note;
    line += "  " + event.call + "(" + event.args + ") = " + std::to_string(event.ret);
    if (event.failed()) line += "  " + errno_name(event.err) + ": " + errno_explanation(event.err);
    if (!event.local.empty() || !event.peer.empty())
        line += "  [" + (event.local.empty() ? "?" : event.local) + " <-> " +
                (event.peer.empty() ? "?" : event.peer) + "]";
    if (event.direction != Direction::None && event.ret >= 0) {
        line += event.direction == Direction::Sent ? "  sent \"" : "  received \"";
        line += to_printable(event.bytes, 64);
        line += event.bytes.size() > 64 ? "...\"" : "\"";
    }
    if (!event.note.empty()) line += "  (" + event.note + ")";
    return line;
}

}  // namespace socketlab
