// The options family: setsockopt getsockopt setblocking getsockname getpeername.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <cerrno>

#include "core/calls/call_table.h"
#include "core/calls/socket_constants.h"
#include "core/errno_text.h"

namespace socketlab {
namespace {

std::string read_option(const std::string& word, CallSpec& spec) {
    const SocketOption* option = find_option(word);
    if (!option)
        return "unknown socket option '" + word + "' (known: " + known_option_names() + ")";
    spec.level = option->level;
    spec.option = option->option;
    return "";
}

OptionValue kind_of(const CallSpec& spec) {
    const SocketOption* option = find_option(spec.level, spec.option);
    return option ? option->kind : OptionValue::Int;
}

std::string option_name(const CallSpec& spec) {
    const SocketOption* option = find_option(spec.level, spec.option);
    return option ? option->name : std::to_string(spec.level) + "/" + std::to_string(spec.option);
}

// [SECTION] setsockopt, getsockopt
std::string parse_setsockopt(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(2, 2, "OPTION VALUE"); !error.empty()) return error;
    if (auto error = read_option(words.args[0], out.spec); !error.empty()) return error;
    long long n = 0;
    if (!parse_int(words.args[1], 0, 1 << 30, n))
        return "option value '" + words.args[1] + "' is not a whole number";
    out.spec.value = static_cast<int>(n);
    return "";
}

void run_setsockopt(CallRun& run) {
    const CallSpec& spec = run.spec;
    switch (kind_of(spec)) {
        case OptionValue::Linger: {
            const linger l{1, spec.value};
            set_result(run, ::setsockopt(run.fd(), spec.level, spec.option, &l, sizeof l));
            break;
        }
        case OptionValue::Millis: {
            const timeval tv{spec.value / 1000, static_cast<suseconds_t>(spec.value % 1000) * 1000};
            set_result(run, ::setsockopt(run.fd(), spec.level, spec.option, &tv, sizeof tv));
            if (run.out.ret == 0)
                (spec.option == SO_RCVTIMEO ? run.socket->receive_timeout_ms
                                            : run.socket->send_timeout_ms) = spec.value;
            break;
        }
        case OptionValue::Int:
            set_result(run, ::setsockopt(run.fd(), spec.level, spec.option, &spec.value,
                                         sizeof spec.value));
            break;
    }
}

std::string setsockopt_text(const CallRecord& call) {
    const std::string value = std::to_string(call.spec.value);
    switch (kind_of(call.spec)) {
        case OptionValue::Linger:
            return option_name(call.spec) + ", {on, " + value + " s}";
        case OptionValue::Millis:
            return option_name(call.spec) + ", " + value + " ms";
        case OptionValue::Int:
            break;
    }
    return option_name(call.spec) + ", " + value;
}

std::string parse_getsockopt(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(1, 1, "OPTION"); !error.empty()) return error;
    return read_option(words.args[0], out.spec);
}

void run_getsockopt(CallRun& run) {
    const CallSpec& spec = run.spec;
    int value = 0;
    socklen_t len = sizeof value;
    switch (kind_of(spec)) {
        case OptionValue::Linger: {
            linger l{};
            len = sizeof l;
            set_result(run, ::getsockopt(run.fd(), spec.level, spec.option, &l, &len));
            value = l.l_onoff ? l.l_linger : -1;
            if (run.out.ret == 0)
                run.note = l.l_onoff ? "linger on, " + std::to_string(l.l_linger) + " s"
                                     : "linger off (close returns at once)";
            break;
        }
        case OptionValue::Millis: {
            timeval tv{};
            len = sizeof tv;
            set_result(run, ::getsockopt(run.fd(), spec.level, spec.option, &tv, &len));
            value = static_cast<int>(tv.tv_sec * 1000 + tv.tv_usec / 1000);
            if (run.out.ret == 0) run.note = std::to_string(value) + " ms (0 = no timeout)";
            break;
        }
        case OptionValue::Int:
            set_result(run, ::getsockopt(run.fd(), spec.level, spec.option, &value, &len));
            break;
    }
    if (run.out.ret != 0) return;
    run.out.ret = value;  // the step's `returns N` checks the option's value
    if (spec.level == SOL_SOCKET && spec.option == SO_ERROR)
        // Reading SO_ERROR clears it: 0 says only that no error is pending now, not that an
        // earlier connect succeeded (a second read after ECONNREFUSED is 0 too).
        run.note = value == 0 ? "0: no error pending (reading SO_ERROR also clears it)"
                              : "pending error " + errno_name(value) + ": " +
                                    errno_explanation(value) + " (now cleared)";
    else if (run.note.empty())
        run.note = "value " + std::to_string(value);
}

std::string getsockopt_text(const CallRecord& call) {
    return option_name(call.spec);
}

// [SECTION] setblocking, getsockname, getpeername
std::string parse_setblocking(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(1, 1, "true or false"); !error.empty()) return error;
    if (words.args[0] != "true" && words.args[0] != "false")
        return "'setblocking' takes true or false (got '" + words.args[0] + "')";
    out.spec.blocking = words.args[0] == "true";
    return "";
}

void run_setblocking(CallRun& run) {
    const int flags = fcntl(run.fd(), F_GETFL);
    set_result(run, flags < 0
                        ? -1
                        : fcntl(run.fd(), F_SETFL,
                                run.spec.blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK));
    run.note = run.spec.blocking ? "blocking again: calls wait for the peer"
                                 : "non-blocking: calls that would wait fail with EAGAIN "
                                   "(connect: EINPROGRESS) instead";
}

std::string setblocking_text(const CallRecord& call) {
    return call.spec.blocking ? "flags & ~O_NONBLOCK" : "flags | O_NONBLOCK";
}

void run_name_query(CallRun& run) {
    SocketAddress a;
    socklen_t len = sizeof a.storage;
    set_result(run, run.spec.op == CallOp::GetSockName ? ::getsockname(run.fd(), a.get(), &len)
                                                       : ::getpeername(run.fd(), a.get(), &len));
    if (run.out.ret != 0) return;
    a.length = len;
    run.note = "returned " + a.to_string();
    const std::string text = a.to_string();
    run.out.data.assign(text.begin(), text.end());  // for `contains` / `data`
}

constexpr std::array kEntries = {
    CallEntry{CallOp::SetSockOpt, "setsockopt", "OPTION VALUE", true, false, parse_setsockopt,
              run_setsockopt, setsockopt_text},
    CallEntry{CallOp::GetSockOpt, "getsockopt", "OPTION", true, false, parse_getsockopt,
              run_getsockopt, getsockopt_text},
    CallEntry{CallOp::SetBlocking, "setblocking", "true|false", true, false, parse_setblocking,
              run_setblocking, setblocking_text},
    CallEntry{CallOp::GetSockName, "getsockname", "no arguments", true, false, parse_no_args,
              run_name_query, no_args_text},
    CallEntry{CallOp::GetPeerName, "getpeername", "no arguments", true, false, parse_no_args,
              run_name_query, no_args_text},
};

}  // namespace

std::span<const CallEntry> option_calls() {
    return kEntries;
}

}  // namespace socketlab
