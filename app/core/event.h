// One thing that happened: a socket call, a lesson step starting, a captured packet, a TCP state
// change, the kernel's TCP_INFO of a connection, what the app's own link did to a packet, and a
// traced program's life.
// Immutable once logged. Events hold typed facts (the call as CallOp, addresses as
// SocketAddress, TCP flags as bits, states as TcpState); text is made only where an event is
// shown or written (event_to_json, event_to_text, the panels).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/address.h"
#include "core/calls/call_spec.h"
#include "core/decoded_packet.h"
#include "core/tcp_info.h"
#include "core/tcp_state.h"

namespace socketlab {

enum class EventKind {
    Call,     // a socket call returned
    Wait,     // an actor is now blocked inside a call (it will return later)
    Note,     // something the engine wants the learner to know (not a system call)
    Step,     // a lesson step starts
    Packet,   // a packet captured on the lesson's network
    State,    // a TCP socket's kernel state changed
    Link,     // the app's own link did something to a packet (dropped, delayed, ...)
    Program,  // a traced program started, wrote output, or exited
    TcpInfo,  // the kernel's view of a TCP connection (cwnd, RTT, ...) changed: TcpInfoRecord
};

enum class Direction { None, Sent, Received };

// Call, Wait, and a Note about a call that was not made (not_called).
struct CallRecord {
    CallSpec spec;  // the arguments, typed; data cut to kArgPreviewBytes (bytes holds the rest)
    int64_t ret = 0;
    int err = 0;  // errno when ret < 0, else 0
    SocketAddress local;
    SocketAddress peer;
    Direction direction = Direction::None;
    std::vector<uint8_t> bytes;  // data sent or received (may be cut, see bytes_total)
    uint64_t bytes_total = 0;    // how many bytes the call really moved
    bool not_called = false;     // the engine could not make the call (see the note)
    // Names resolved when the call ran, for the text of its arguments (poll's sockets).
    std::vector<std::string> socket_names;
    static constexpr size_t kArgPreviewBytes = 41;
};

struct StepRecord {
    CallOp op = CallOp::Socket;
    std::string source;    // the step as written ("recv 30 on conn")
    std::string caption;   // what the lesson says about it
    bool link = false;     // a step of SocketLab's own link ("link: drop next"), not a call
    bool program = false;  // `run`: a traced program, whose processes are its actors
};

// What the app's own link did to one packet (the link lessons). Never the kernel's doing.
struct LinkRecord {
    enum class Fate { Delivered, Dropped, Delayed, Duplicated, Reordered, Corrupted, Queued };
    Fate fate = Fate::Delivered;
    std::string why;          // "you asked", "20% random loss", "queue full"
    int64_t delay_us = 0;     // how long the packet spent in the link
    uint64_t packet_seq = 0;  // the Packet event this is about
    std::string from;         // the side it entered from: "client" or "server"
    int64_t entered_us = 0;   // engine time it entered the link (realtime in RawPacket)
    uint64_t number = 0;      // the packet's number (PacketRecord::number)
};

// The sender's view of a TCP segment, worked out from the segments before it on its connection
// (core/tcp_analysis.h): what Wireshark's TCP analysis would say.
struct TcpAnalysis {
    bool retransmission = false;  // its bytes (or SYN/FIN) were sent before
    bool fast = false;            // ... after duplicate ACKs asked for them
    uint64_t original = 0;        // the packet number that first sent them (0: unknown)
    int64_t after_us = 0;         // how long after that first one
    int dup_ack = 0;              // a duplicate ACK: the Nth in a row (0: not one)
    int sack_blocks = 0;          // SACK blocks it carries
    bool out_of_order = false;    // the link delivered it after a later one
    bool zero_window = false;     // it says "no room": its window is 0 (not SYN/FIN/RST)
    bool window_probe = false;   // a zero-window probe: the peer's window is 0, and this asks again
    bool window_update = false;  // a pure ACK that only opens the window (same ack, bigger window)
};

enum class TransportProto { Other, Tcp, Udp };

struct PacketRecord {
    TransportProto proto = TransportProto::Other;
    SocketAddress src;
    SocketAddress dst;
    uint8_t tcp_flags = 0;  // TcpFlag bits
    uint32_t seq = 0;       // absolute, as on the wire
    uint32_t ack = 0;
    uint32_t window = 0;
    uint32_t len = 0;            // payload bytes on the wire
    std::string problem;         // "truncated: ..." when the packet could not be fully decoded
    std::vector<uint8_t> bytes;  // the whole IP packet as captured
    uint64_t bytes_total = 0;    // its length on the wire
    int64_t realtime_us = 0;     // wall-clock capture time (pcap files)
    std::shared_ptr<const DecodedPacket> decoded;  // every field, decoded once at capture
    std::optional<LinkRecord> link;                // link lessons: what SocketLab's link did to it
    TcpAnalysis analysis;
    uint64_t number = 0;  // 1, 2, ...: the lesson's packets in capture order since its start

    bool has(uint8_t flag) const { return (tcp_flags & flag) == flag; }
    bool is_tcp() const { return proto == TransportProto::Tcp; }
    bool is_udp() const { return proto == TransportProto::Udp; }
};

struct StateRecord {
    TcpState from = TcpState::Unknown;  // Unknown: first seen
    TcpState to = TcpState::Unknown;
    bool renamed = false;  // the same state, now on another socket (accept took it)
    SocketAddress local;
    SocketAddress peer;  // empty for a listening socket
};

// A traced program's life (pid and thread: the actor names them too).
struct ProgramRecord {
    enum class What { Started, Output, Exited };
    What what = What::Started;
    int pid = 0;
    int tid = 0;
    int exit_status = 0;  // Exited: as waitpid reports it
    std::string text;     // Output: the bytes written; Started: the command line
};

using EventPayload = std::variant<std::monostate, CallRecord, StepRecord, PacketRecord, StateRecord,
                                  LinkRecord, ProgramRecord, TcpInfoRecord>;

struct Event {
    EventKind kind = EventKind::Call;
    uint64_t seq = 0;         // order in the log, from 1
    int step = 0;             // the lesson step (from 1) that made this; 0 = none
    int64_t t_us = 0;         // microseconds since the engine (run) started
    std::string actor;        // "server", "client", "client2", "outside-1", ...
    std::string socket_name;  // the actor's name for the socket ("sock", "conn")
    std::string note;         // extra words ("returned the datagram's full length: MSG_TRUNC")
    EventPayload payload;

    const CallRecord* call() const { return std::get_if<CallRecord>(&payload); }
    CallRecord* call() { return std::get_if<CallRecord>(&payload); }
    const StepRecord* step_record() const { return std::get_if<StepRecord>(&payload); }
    const PacketRecord* packet() const { return std::get_if<PacketRecord>(&payload); }
    PacketRecord* packet() { return std::get_if<PacketRecord>(&payload); }
    const StateRecord* state() const { return std::get_if<StateRecord>(&payload); }
    const LinkRecord* link() const { return std::get_if<LinkRecord>(&payload); }
    const ProgramRecord* program() const { return std::get_if<ProgramRecord>(&payload); }
    const TcpInfoRecord* tcp_info() const { return std::get_if<TcpInfoRecord>(&payload); }

    // The call this event is about (Call, Wait, a Note about a call, Step); nullptr if none.
    const CallOp* op() const;
    bool is_call(CallOp op) const;
    // The bytes this event carries (a call's data, a packet's IP bytes), and how many there were.
    const std::vector<uint8_t>& bytes() const;
    std::vector<uint8_t>* mutable_bytes();
    uint64_t bytes_total() const;
    bool failed() const;  // a call that returned -1 with an errno
    bool bytes_cut() const { return bytes_total() > bytes().size(); }
};

// A Note event: something the learner should know that is not a system call's result.
Event make_note(int64_t t_us, const std::string& actor, int step, std::string text);

// "socket", "bind", ... (the call table's name).
const char* call_op_name(CallOp op);
// The call's arguments as the learner would write them: "AF_INET, SOCK_STREAM, 0".
std::string call_args_text(const CallRecord& call);
// "ESTABLISHED -> FIN_WAIT1", "new -> LISTEN", "ESTABLISHED (now conn)".
std::string state_change_text(const StateRecord& state, const std::string& socket);
const char* transport_name(TransportProto proto);  // "tcp", "udp", ""

// The documented JSON form: {"kind":"call","t_us":..,"actor":..,"call":..,"ret":..,...}.
nlohmann::json event_to_json(const Event& event);
// A one-line human transcript form.
std::string event_to_text(const Event& event);

std::string to_hex(const std::vector<uint8_t>& bytes, size_t max_bytes = SIZE_MAX);
// Printable ASCII with other bytes shown as '.'.
std::string to_printable(const std::vector<uint8_t>& bytes, size_t max_bytes = SIZE_MAX);

}  // namespace socketlab
