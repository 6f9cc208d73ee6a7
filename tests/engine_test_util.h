// Helpers for driving the Engine from tests: make a call and wait (with a timeout) for it.
#pragma once

#include <gtest/gtest.h>

#include "core/engine.h"

namespace socketlab::test {

inline constexpr auto kWait = std::chrono::milliseconds(5000);

inline CallOutcome call(Engine& engine, const std::string& actor, CallSpec spec) {
    uint64_t ticket = engine.submit(actor, std::move(spec));
    EXPECT_TRUE(engine.wait_done(ticket, kWait)) << "call did not return in time";
    auto out = engine.outcome(ticket);
    return out ? *out : CallOutcome{-1, 0, {}, {}, {}, {}, "no outcome", false};
}

inline CallSpec make(CallOp op) {
    CallSpec s;
    s.op = op;
    return s;
}
inline CallSpec make_socket(int family = AF_INET, int type = SOCK_STREAM, std::string name = "") {
    CallSpec s = make(CallOp::Socket);
    s.family = family;
    s.type = type;
    s.new_name = std::move(name);
    return s;
}
inline CallSpec make_addr(CallOp op, const SocketAddress& address) {
    CallSpec s = make(op);
    s.address = address;
    return s;
}
inline CallSpec make_bind(const std::string& text, bool unprivileged = false) {
    CallSpec s = make(CallOp::Bind);
    s.address = *SocketAddress::parse(text);
    s.unprivileged = unprivileged;
    return s;
}
inline CallSpec make_listen(int backlog) {
    CallSpec s = make(CallOp::Listen);
    s.backlog = backlog;
    return s;
}
inline CallSpec make_send(const std::string& text, int flags = 0) {
    CallSpec s = make(CallOp::Send);
    s.data.assign(text.begin(), text.end());
    s.flags = flags;
    return s;
}
inline CallSpec make_recv(size_t size, int flags = 0, CallOp op = CallOp::Recv) {
    CallSpec s = make(op);
    s.buffer_size = size;
    s.flags = flags;
    return s;
}
inline std::string text_of(const std::vector<uint8_t>& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace socketlab::test
