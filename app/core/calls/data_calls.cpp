// The data family: send recv sendto recvfrom sendall.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "core/calls/call_table.h"
#include "core/calls/socket_constants.h"

namespace socketlab {
namespace {

constexpr size_t kMaxRecvBuffer = size_t{16} * 1024 * 1024;

std::string read_flags(const std::vector<std::string>& args, size_t from, CallSpec& spec) {
    for (size_t i = from; i < args.size(); ++i) {
        auto flag = value_of(message_flags(), args[i]);
        if (!flag || !step_may_use_flag(*flag))
            return "unknown flag '" + args[i] +
                   "' (known: MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC)";
        spec.flags |= *flag;
    }
    return "";
}

std::string flags_suffix(int flags) {
    return flags ? ", " + bit_names(message_flags(), flags) : "";
}

// What was asked to be sent, as the event keeps it (the preview; bytes holds what was taken).
bool preview_is_cut(const CallRecord& call) {
    return call.spec.data.size() >= CallRecord::kArgPreviewBytes;
}

// [SECTION] send, sendto, sendall
std::string parse_send(const StepCallWords& words, ParsedStepCall& out) {
    if (words.args.empty()) return "'" + words.call + "' takes DATA [FLAGS] (got nothing to send)";
    size_t used = 0;
    std::string error;
    if (!parse_data_words(words.args, 0, out.spec.data, out.spec.pattern_runs, used, error))
        return error;
    if (out.spec.op == CallOp::SendAll && used < words.args.size())
        return "'sendall' takes DATA only (no flags)";
    return read_flags(words.args, used, out.spec);
}

// Says what really happened when the errno alone could mean two things.
void explain_failure(CallRun& run, bool sending) {
    if (run.out.ret >= 0 || !run.socket) return;
    const bool nonblocking =
        (fcntl(run.fd(), F_GETFL) & O_NONBLOCK) || (run.spec.flags & MSG_DONTWAIT);
    const int timeout = sending ? run.socket->send_timeout_ms : run.socket->receive_timeout_ms;
    if (run.out.err == EAGAIN && !nonblocking && timeout > 0)
        run.note = std::string("the socket is blocking, but its ") +
                   (sending ? "SO_SNDTIMEO" : "SO_RCVTIMEO") + " of " + std::to_string(timeout) +
                   " ms ran out: the call waited that long, then gave up";
    else if (run.out.err == EAGAIN && nonblocking)
        run.note =
            "the socket is non-blocking: nothing could be done at once, so it returned "
            "at once";
    else if (run.out.err == EPIPE && run.socket->shut_write)
        run.note =
            "this side shut down its own sending half (shutdown SHUT_WR) earlier: "
            "nothing more can be sent on it";
    else if (run.out.err == EPIPE)
        run.note =
            "the peer has closed the connection (its RST arrived), so nothing more can be "
            "sent on it";
}

void record_sent(CallRun& run, ssize_t n) {
    run.out.ret = n;
    run.out.err = n < 0 ? errno : 0;
    run.record.direction = Direction::Sent;
    if (n > 0) run.record.bytes.assign(run.spec.data.begin(), run.spec.data.begin() + n);
    explain_failure(run, true);
}

void run_send(CallRun& run) {
    const CallSpec& spec = run.spec;
    if (run.would_block(POLLOUT)) run.context.announce_wait();
    run.context.watch();
    const ssize_t n =
        ::send(run.fd(), spec.data.data(), spec.data.size(), spec.flags | MSG_NOSIGNAL);
    record_sent(run, n);
    if (n >= 0 && static_cast<size_t>(n) < spec.data.size())
        run.note = "partial send: only " + std::to_string(n) + " of " +
                   std::to_string(spec.data.size()) + " bytes were taken";
}

std::string send_text(const CallRecord& call) {
    return quoted_preview(call.spec.data, preview_is_cut(call)) + flags_suffix(call.spec.flags);
}

std::string parse_sendto(const StepCallWords& words, ParsedStepCall& out) {
    if (words.args.size() < 2) return "'sendto' takes DATA ADDRESS [FLAGS]";
    size_t used = 0;
    std::string error;
    if (!parse_data_words(words.args, 0, out.spec.data, out.spec.pattern_runs, used, error))
        return error;
    if (used >= words.args.size()) return "'sendto' needs an ADDRESS after the data";
    StepAddress address;
    if (!parse_step_address(words.args[used], address, error)) return error;
    out.address = address;
    return read_flags(words.args, used + 1, out.spec);
}

void run_sendto(CallRun& run) {
    const CallSpec& spec = run.spec;
    run.context.watch();
    const ssize_t n = ::sendto(run.fd(), spec.data.data(), spec.data.size(),
                               spec.flags | MSG_NOSIGNAL, spec.address.get(), spec.address.length);
    record_sent(run, n);
    run.out.peer = spec.address;
}

std::string sendto_text(const CallRecord& call) {
    return quoted_preview(call.spec.data, preview_is_cut(call)) + ", " +
           call.spec.address.to_string() + flags_suffix(call.spec.flags);
}

void run_sendall(CallRun& run) {
    const CallSpec& spec = run.spec;
    if (run.would_block(POLLOUT)) run.context.announce_wait();
    run.context.watch();
    size_t sent = 0;
    std::string calls;
    int count = 0;
    run.out.ret = 0;
    while (sent < spec.data.size()) {
        const ssize_t n =
            ::send(run.fd(), spec.data.data() + sent, spec.data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR && !run.context.stopping()) continue;
        if (n < 0) {
            run.out.ret = -1;
            run.out.err = errno;
            explain_failure(run, true);
            break;
        }
        ++count;
        if (count <= 8) calls += (calls.empty() ? "" : " + ") + std::to_string(n);
        sent += static_cast<size_t>(n);
    }
    if (run.out.ret == 0) run.out.ret = static_cast<int64_t>(sent);
    run.record.direction = Direction::Sent;
    run.record.bytes.assign(spec.data.begin(),
                            spec.data.begin() + static_cast<std::ptrdiff_t>(sent));
    const std::string times = std::to_string(count) + " time" + (count == 1 ? "" : "s");
    const std::string amounts = " (" + calls + (count > 8 ? " + ..." : "") + " bytes)";
    if (run.out.ret < 0)
        run.note = "send() took " + std::to_string(sent) + " bytes" +
                   (count ? " in " + times + amounts : std::string()) +
                   ", then a send() failed: sendall() gives up";
    else
        run.note = "send() was called " + times + amounts + " until every byte was taken";
}

std::string sendall_text(const CallRecord& call) {
    return quoted_preview(call.spec.data, preview_is_cut(call));
}

// [SECTION] recv, recvfrom
std::string parse_recv(const StepCallWords& words, ParsedStepCall& out) {
    if (words.args.empty()) return "'" + words.call + "' takes SIZE [FLAGS]";
    long long n = 0;
    if (!parse_int(words.args[0], 0, static_cast<long long>(kMaxRecvBuffer), n))
        return "buffer size '" + words.args[0] + "' is not a number from 0 to 16777216";
    out.spec.buffer_size = static_cast<size_t>(n);
    return read_flags(words.args, 1, out.spec);
}

void run_recv(CallRun& run) {
    const CallSpec& spec = run.spec;
    const size_t size = std::min(spec.buffer_size, kMaxRecvBuffer);
    if (run.would_block(POLLIN)) run.context.announce_wait();
    run.context.watch();
    std::vector<uint8_t> buffer(size);
    ssize_t n;
    if (spec.op == CallOp::Recv) {
        n = ::recv(run.fd(), buffer.data(), size, spec.flags);
    } else {
        SocketAddress from;
        socklen_t len = sizeof from.storage;
        n = ::recvfrom(run.fd(), buffer.data(), size, spec.flags, from.get(), &len);
        if (n >= 0) {
            from.length = len;
            run.out.peer = from;
        }
    }
    run.out.ret = n;
    run.out.err = n < 0 ? errno : 0;
    explain_failure(run, false);
    run.record.direction = Direction::Received;
    if (n > 0) {
        const size_t copied = std::min(static_cast<size_t>(n), size);
        run.out.data.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(copied));
        run.record.bytes = run.out.data;
        if (static_cast<size_t>(n) > size)
            run.note = "MSG_TRUNC: the datagram was " + std::to_string(n) + " bytes, only " +
                       std::to_string(size) + " fitted in the buffer; the rest is gone";
    }
    if (n == 0 && run.socket->type == SOCK_STREAM && size > 0)
        run.note = "0 bytes: the peer has closed its side (end of stream)";
}

std::string recv_text(const CallRecord& call) {
    return std::to_string(std::min(call.spec.buffer_size, kMaxRecvBuffer)) +
           flags_suffix(call.spec.flags);
}

constexpr std::array kEntries = {
    CallEntry{CallOp::Send, "send", "DATA [FLAGS]", true, true, parse_send, run_send, send_text},
    CallEntry{CallOp::Recv, "recv", "SIZE [FLAGS]", true, true, parse_recv, run_recv, recv_text},
    CallEntry{CallOp::SendTo, "sendto", "DATA ADDRESS [FLAGS]", true, true, parse_sendto,
              run_sendto, sendto_text},
    CallEntry{CallOp::RecvFrom, "recvfrom", "SIZE [FLAGS]", true, true, parse_recv, run_recv,
              recv_text},
    CallEntry{CallOp::SendAll, "sendall", "DATA", true, true, parse_send, run_sendall,
              sendall_text},
};

}  // namespace

std::span<const CallEntry> data_calls() {
    return kEntries;
}

}  // namespace socketlab
