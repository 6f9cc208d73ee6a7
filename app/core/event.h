// One thing that happened: a socket call (later also a captured packet). Immutable once logged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace socketlab {

enum class EventKind {
    Call,    // a socket call returned
    Wait,    // an actor is now blocked inside a call (it will return later)
    Note,    // something the engine wants the learner to know (not a system call)
    Step,    // a lesson step starts (actor, call, args = the step as written, note = caption)
    Packet,  // a packet captured on the lesson's loopback (see PacketSummary)
    State,   // a TCP socket's kernel state changed (note = "SYN_SENT", args = "CLOSED -> ...")
};

// What a captured packet's event carries besides its bytes (the whole IP packet in bytes).
struct PacketSummary {
    std::string proto;  // "tcp" or "udp"
    std::string src;    // "127.0.0.1:43122" / "[::1]:5000"
    std::string dst;
    std::string flags;  // TCP flag names joined with commas ("SYN,ACK"); empty for UDP
    uint32_t seq = 0;   // absolute, as on the wire
    uint32_t ack = 0;
    uint32_t window = 0;
    uint32_t len = 0;     // payload bytes
    std::string problem;  // "truncated: ..." when the packet could not be fully decoded
};

enum class Direction { None, Sent, Received };

struct Event {
    EventKind kind = EventKind::Call;
    uint64_t seq = 0;         // order in the log, from 1
    int step = 0;             // the lesson step (from 1) that made this call; 0 = none
    int64_t t_us = 0;         // microseconds since the engine (run) started
    std::string actor;        // "server", "client", "client2", "outside #1", ...
    std::string socket_name;  // the actor's name for the socket ("sock", "conn")
    std::string call;         // "socket", "bind", "recv", ...
    std::string args;         // the arguments, as the learner would write them
    int64_t ret = 0;          // the call's return value (-1 on failure)
    int err = 0;              // errno when ret < 0, else 0
    std::string local;        // "127.0.0.1:5000" when known
    std::string peer;         // "127.0.0.1:40312" when known
    Direction direction = Direction::None;
    std::vector<uint8_t> bytes;  // data sent or received (may be cut, see bytes_total)
    uint64_t bytes_total = 0;    // how many bytes the call really moved
    std::string note;            // extra words ("returned the datagram's full length: MSG_TRUNC")
    PacketSummary packet;        // Packet events only

    bool failed() const { return ret < 0 && err != 0; }
    bool bytes_cut() const { return bytes_total > bytes.size(); }
};

// A Note event: something the learner should know that is not a system call's result.
Event make_note(int64_t t_us, const std::string& actor, int step, std::string text);

// The documented JSON form: {"kind":"call","t_us":..,"actor":..,"call":..,"ret":..,...}.
nlohmann::json event_to_json(const Event& event);
// A one-line human transcript form.
std::string event_to_text(const Event& event);

std::string to_hex(const std::vector<uint8_t>& bytes, size_t max_bytes = SIZE_MAX);
// Printable ASCII with other bytes shown as '.'.
std::string to_printable(const std::vector<uint8_t>& bytes, size_t max_bytes = SIZE_MAX);

}  // namespace socketlab
