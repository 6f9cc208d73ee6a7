// The words the panels show for an event: which call, its arguments, its result. The text
// itself comes from core (call_op_name, call_args_text, state_change_text, tcp_info_summary);
// this only picks.
#pragma once

#include <string>

#include "core/errno_text.h"
#include "core/event.h"

namespace socketlab::ui {

// "recv"; "" for an event about no call (a bare note, a TCP state, a packet).
inline std::string event_call_name(const Event& e) {
    const CallRecord* call = e.call();
    return call ? call_op_name(call->spec.op) : "";
}

// "AF_INET, SOCK_STREAM, 0"; a TCP state's change ("SYN_SENT -> ESTABLISHED"); the kernel's
// TCP_INFO ("cwnd 10  ssthresh —  rtt 40.2 ms  rto 240 ms  retrans 1  in flight 3").
inline std::string event_args_text(const Event& e) {
    if (const CallRecord* call = e.call()) return call_args_text(*call);
    if (const StateRecord* state = e.state()) return state_change_text(*state, e.socket_name);
    if (const TcpInfoRecord* info = e.tcp_info()) return tcp_info_summary(*info, "\xE2\x80\x94");
    return "";
}

inline int64_t event_ret(const Event& e) {
    const CallRecord* call = e.call();
    return call ? call->ret : 0;
}

inline int event_errno(const Event& e) {
    const CallRecord* call = e.call();
    return call ? call->err : 0;
}

// "-1 ECONNREFUSED" or the value returned.
inline std::string call_result_text(const Event& e) {
    if (e.failed()) return "-1 " + errno_name(event_errno(e));
    return std::to_string(event_ret(e));
}

// A Note about a call the engine could not make (the lesson named a socket that is not there).
inline bool is_not_called(const Event& e) {
    const CallRecord* call = e.call();
    return e.kind == EventKind::Note && call && call->not_called;
}

}  // namespace socketlab::ui
