// Typed events built by hand for tests, from the short text a test reads best:
// addresses as "127.0.0.1:5000", calls by name, TCP flags as "SYN,ACK", states by name.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/calls/call_table.h"
#include "core/event.h"
#include "core/tcp_state.h"

namespace socketlab::test {

// "" = no address.
inline SocketAddress addr(const std::string& text) {
    if (text.empty()) return {};
    auto parsed = SocketAddress::parse(text);
    EXPECT_TRUE(parsed) << text;
    return parsed ? *parsed : SocketAddress{};
}

inline std::string str(const SocketAddress& a) {
    return a.to_string();
}

// "SYN,ACK" -> kTcpSyn | kTcpAck.
inline uint8_t flag_bits(const std::string& names) {
    uint8_t bits = 0;
    for (unsigned bit = 0; bit < 8; ++bit) {
        const uint8_t flag = static_cast<uint8_t>(1u << bit);
        const std::string name = tcp_flag_names(flag);
        size_t start = 0;
        while (start <= names.size()) {
            size_t end = names.find(',', start);
            if (end == std::string::npos) end = names.size();
            if (names.compare(start, end - start, name) == 0 && end - start == name.size())
                bits = static_cast<uint8_t>(bits | flag);
            start = end + 1;
        }
    }
    return bits;
}

inline CallOp op_named(const std::string& name) {
    const CallEntry* entry = find_call(name);
    EXPECT_TRUE(entry) << name;
    return entry ? entry->op : CallOp::Socket;
}

inline TcpState state_named(const std::string& name) {
    for (int value = 0; value <= 12; ++value) {
        const TcpState s = static_cast<TcpState>(value);
        if (name == tcp_state_name(s)) return s;
    }
    ADD_FAILURE() << "no TCP state " << name;
    return TcpState::Unknown;
}

inline Event packet_event(int64_t t_us, const std::string& src, const std::string& dst,
                          const std::string& flags, uint32_t seq, uint32_t ack, uint32_t len = 0,
                          TransportProto proto = TransportProto::Tcp) {
    Event e;
    e.kind = EventKind::Packet;
    e.t_us = t_us;
    PacketRecord p;
    p.proto = proto;
    p.src = addr(src);
    p.dst = addr(dst);
    p.tcp_flags = flag_bits(flags);
    p.seq = seq;
    p.ack = ack;
    p.len = len;
    p.decoded = std::make_shared<const DecodedPacket>();
    e.payload = std::move(p);
    return e;
}

// target: where connect/sendto/bind went (CallSpec::address), "" = none.
inline Event call_event(int64_t t_us, const std::string& actor, const std::string& name,
                        const std::string& local = "", const std::string& peer = "", int step = 0,
                        int64_t ret = 0, int err = 0, const std::string& target = "") {
    Event e;
    e.kind = EventKind::Call;
    e.t_us = t_us;
    e.actor = actor;
    e.step = step;
    CallRecord c;
    c.spec.op = op_named(name);
    c.spec.step = step;
    if (!target.empty()) c.spec.address = addr(target);
    c.local = addr(local);
    c.peer = addr(peer);
    c.ret = ret;
    c.err = err;
    e.payload = std::move(c);
    return e;
}

inline Event step_event(int64_t t_us, const std::string& actor, int step) {
    Event e;
    e.kind = EventKind::Step;
    e.t_us = t_us;
    e.actor = actor;
    e.step = step;
    e.payload = StepRecord{};
    return e;
}

inline Event state_event(int64_t t_us, const std::string& actor, const std::string& local,
                         const std::string& peer, const std::string& state_name,
                         const std::string& socket = "", const std::string& from = "") {
    Event e;
    e.kind = EventKind::State;
    e.t_us = t_us;
    e.actor = actor;
    e.socket_name = socket;
    StateRecord s;
    s.local = addr(local);
    s.peer = addr(peer);
    s.to = state_named(state_name);
    if (!from.empty()) s.from = state_named(from);
    e.payload = std::move(s);
    return e;
}

// A call that moved data: bytes sent (or received) by actor.
inline Event data_event(int64_t t_us, const std::string& actor, const std::string& name,
                        const std::string& text, Direction direction) {
    Event e = call_event(t_us, actor, name);
    CallRecord& c = *e.call();
    c.direction = direction;
    c.bytes.assign(text.begin(), text.end());
    c.bytes_total = text.size();
    c.ret = static_cast<int64_t>(text.size());
    return e;
}

}  // namespace socketlab::test
