// The readiness family: poll.
#include <poll.h>

#include <array>
#include <cerrno>

#include "core/calls/call_table.h"
#include "core/calls/socket_constants.h"

namespace socketlab {
namespace {

std::string parse_poll(const StepCallWords& words, ParsedStepCall& out) {
    if (auto error = words.want(2, 2, "EVENTS TIMEOUT_MS (e.g. poll POLLIN 1000)"); !error.empty())
        return error;
    CallSpec& spec = out.spec;
    const std::string& events = words.args[0];
    size_t start = 0;
    while (start <= events.size()) {
        const size_t bar = events.find('|', start);
        const std::string name = events.substr(start, bar == std::string::npos ? bar : bar - start);
        auto bit = value_of(poll_event_bits(), name);
        if (!bit || !(*bit & (POLLIN | POLLOUT | POLLPRI | POLLRDHUP)))
            return "unknown poll event '" + name + "' (POLLIN, POLLOUT, POLLPRI, POLLRDHUP)";
        spec.poll_events = static_cast<short>(spec.poll_events | *bit);
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    long long n = 0;
    if (!parse_int(words.args[1], -1, 600000, n))
        return "poll timeout '" + words.args[1] + "' is not a number of ms from -1 to 600000";
    spec.timeout_ms = static_cast<int>(n);
    // "on a,b,c" polls several sockets at once.
    if (spec.socket.find(',') != std::string::npos) {
        const std::string list = spec.socket;
        spec.socket.clear();
        size_t from = 0;
        while (from <= list.size()) {
            const size_t comma = list.find(',', from);
            std::string name = list.substr(from, comma == std::string::npos ? comma : comma - from);
            if (name.empty()) return "empty socket name in 'on " + list + "'";
            spec.poll_sockets.push_back(std::move(name));
            if (comma == std::string::npos) break;
            from = comma + 1;
        }
    }
    return "";
}

std::string events_text(int events) {
    std::string text = bit_names(poll_event_bits(), events);
    return text.empty() ? "0" : text;
}

void run_poll(CallRun& run) {
    const CallSpec& spec = run.spec;
    std::vector<pollfd> fds;
    std::vector<std::string>& names = run.record.socket_names;
    if (spec.poll_sockets.empty()) {
        fds.push_back({run.fd(), spec.poll_events, 0});
        names.push_back(run.socket->name);
    }
    for (const auto& name : spec.poll_sockets) {
        ActorSocket* s = run.context.find_socket(name);
        if (!s) {
            run.refuse(run.context.actor() + " has no socket named '" + name + "'");
            return;
        }
        fds.push_back({s->fd, spec.poll_events, 0});
        names.push_back(s->name);
    }
    if (spec.timeout_ms != 0) {
        std::vector<pollfd> probe = fds;
        if (::poll(probe.data(), probe.size(), 0) == 0) run.context.announce_wait();
    }
    run.out.ret = ::poll(fds.data(), fds.size(), spec.timeout_ms);
    run.out.err = run.out.ret < 0 ? errno : 0;
    std::string ready;
    for (size_t i = 0; i < fds.size(); ++i)
        if (fds[i].revents) ready += names[i] + ": " + events_text(fds[i].revents) + "\n";
    run.out.data.assign(ready.begin(), ready.end());
    if (run.out.ret == 0)
        run.note = "timed out: no socket became ready";
    else if (run.out.ret > 0)
        run.note = "ready: " + ready.substr(0, ready.size() - 1);
}

std::string poll_text(const CallRecord& call) {
    std::string which;
    for (const auto& name : call.socket_names) which += (which.empty() ? "" : ", ") + name;
    return "[" + which + "], " + events_text(call.spec.poll_events) + ", " +
           std::to_string(call.spec.timeout_ms) + " ms";
}

constexpr std::array kEntries = {
    CallEntry{CallOp::Poll, "poll", "EVENTS TIMEOUT_MS", true, false, parse_poll, run_poll,
              poll_text},
};

}  // namespace

std::span<const CallEntry> readiness_calls() {
    return kEntries;
}

}  // namespace socketlab
