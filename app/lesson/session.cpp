#include "lesson/session.h"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <thread>

#include "capture/packet_decode.h"
#include "core/errno_text.h"

namespace socketlab {
namespace {

// A port nobody listens on: bind port 0, read the kernel's choice, close. Used by
// "HOST:unused" so a lesson can show ECONNREFUSED without a fixed port.
SocketAddress unused_port(const Engine& engine, const std::string& host, std::string& error) {
    auto addr = SocketAddress::from_host_port(host, 0, &error);
    if (!addr) return {};
    // From the engine's socket factory: in the lesson's own network, if it has one.
    // Free for TCP and for UDP: the port may be used either way. A few tries, in case another
    // program holds the UDP port the kernel picked for TCP.
    for (int attempt = 0; attempt < 20; ++attempt) {
        int fd = engine.make_socket(addr->family(), SOCK_STREAM, 0);
        if (fd < 0 || ::bind(fd, addr->get(), addr->length) != 0) {
            error = "could not find an unused port on " + host + ": " +
                    errno_name(fd < 0 ? -fd : errno);
            if (fd >= 0) ::close(fd);
            return {};
        }
        SocketAddress chosen = local_address_of(fd);
        int udp = engine.make_socket(addr->family(), SOCK_DGRAM, 0);
        const bool udp_free = udp >= 0 && ::bind(udp, chosen.get(), chosen.length) == 0;
        if (udp >= 0) ::close(udp);
        ::close(fd);
        if (udp_free) return chosen;
    }
    error = "could not find a port on " + host + " that is free for both TCP and UDP";
    return {};
}

// A socket bound to 0.0.0.0 or :: (a UDP client's automatic bind) is reached on loopback at
// 127.0.0.1 or ::1: the address its peer's recvfrom reports, and what a learner would write.
void reach_wildcard_on_loopback(SocketAddress& address) {
    const std::string host = address.host_string();
    if (host != "0.0.0.0" && host != "::") return;
    int port = address.port();
    if (auto loopback = SocketAddress::from_host_port(host == "::" ? "::1" : "127.0.0.1", port))
        address = *loopback;
}

std::string show_bytes(const std::vector<uint8_t>& bytes) {
    std::string text = to_printable(bytes, 60);
    return "\"" + text + (bytes.size() > 60 ? "...\"" : "\"") + " (" +
           std::to_string(bytes.size()) + " bytes)";
}

}  // namespace

Session::Session(const Lesson& lesson, EventLog& log)
    : lesson_(lesson), log_(log), engine_(std::make_unique<Engine>(log)) {
    statuses_.resize(lesson_.steps.size());
    if (lesson_.capture) open_network();
    attach_engine();
}

Session::~Session() {
    if (state_watcher_) state_watcher_->stop();
    engine_->shutdown();
    if (network_) network_->stop();
}

// [SECTION] Packets and TCP states
void Session::open_network() {
    network_ = LessonNetwork::open({});
    if (network_->mode() == LessonNetwork::Mode::NoCapture) {
        capture_problem_ =
            "No packets: " + network_->why_no_capture() + ". " + network_->how_to_fix();
    } else {
        std::string error;
        if (!network_->start_capture([this](RawPacket p) { on_packet(std::move(p)); }, &error))
            capture_problem_ = "No packets: " + error;
    }
}

void Session::attach_engine() {
    const auto realtime = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    realtime_at_engine_start_us_ = realtime - engine_->now_us();
    if (!network_) return;
    LessonNetwork* net = network_.get();
    engine_->set_socket_factory(
        [net](int family, int type, int protocol, const std::string& actor) {
            return net->make_socket(family, type, protocol, actor);
        });
    engine_->set_unprivileged_bind([net](int fd, const sockaddr* address, socklen_t length) {
        return net->bind_unprivileged(fd, address, length);
    });
    const int diag = net->make_socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (diag >= 0) {
        state_watcher_ = std::make_unique<SocketStateWatcher>(*engine_, log_, diag);
        state_watcher_->set_ports(ports_);
    }
}

void Session::watch_ports(const SocketAddress& also) {
    if (!network_) return;
    std::set<uint16_t> ports = ports_;
    if (also.port() > 0) ports.insert(static_cast<uint16_t>(also.port()));
    for (const auto& actor : engine_->actor_names())
        for (const auto& s : engine_->sockets_of(actor))
            if (auto local = SocketAddress::parse(s.local); local && local->port() > 0) {
                ports.insert(static_cast<uint16_t>(local->port()));
                address_owner_[s.local] = actor;
                // A wildcard-bound socket (a UDP client's automatic bind) sends from loopback.
                const std::string host = local->host_string();
                if (host == "0.0.0.0" || host == "::")
                    address_owner_[(host == "::" ? "[::1]:" : "127.0.0.1:") +
                                   std::to_string(local->port())] = actor;
            }
    if (ports == ports_) return;
    ports_ = ports;
    network_->set_ports(ports_);
    if (state_watcher_) state_watcher_->set_ports(ports_);
}

void Session::on_packet(RawPacket raw) {
    // Runs on the capture's delivery thread.
    const int64_t t_us = raw.realtime_us - realtime_at_engine_start_us_.load();
    if (t_us < 0) return;  // the RSTs and FINs of a run that was just reset
    DecodedPacket decoded = decode_ip_packet(raw.ip_bytes.data(), raw.ip_bytes.size());
    Event ev;
    ev.kind = EventKind::Packet;
    ev.t_us = t_us;
    ev.packet = summarize(decoded);
    ev.bytes = raw.ip_bytes;
    ev.bytes_total = std::max<uint64_t>(raw.original_length, raw.ip_bytes.size());
    {
        std::lock_guard lock(packets_mutex_);
        packets_.push_back({raw.realtime_us, std::move(raw.ip_bytes), raw.original_length});
        if (packets_.size() > kMaxKeptPackets) packets_.pop_front();
        if (seen_packets_.size() < kMaxKeptPackets) seen_packets_.push_back({t_us, ev.packet});
    }
    log_.append(std::move(ev));
}

std::vector<CapturedPacket> Session::captured_packets() const {
    std::lock_guard lock(packets_mutex_);
    return {packets_.begin(), packets_.end()};
}

void Session::flush_capture(std::chrono::milliseconds timeout) {
    if (!network_) return;
    if (state_watcher_) state_watcher_->poll_now();
    if (network_->mode() != LessonNetwork::Mode::NoCapture) network_->flush(timeout);
}

std::string Session::describe_step(size_t index) const {
    const Step& step = lesson_.steps[index];
    return step.file + ":" + std::to_string(step.line) + ": step " + std::to_string(index + 1) +
           " (" + step.actor + ": " + step.source + ")";
}

bool Session::ready_for_next() const {
    if (!has_next()) return false;
    if (next_ == 0) return true;
    StepState s = statuses_[next_ - 1].state;
    return s != StepState::Pending && s != StepState::Running;
}

bool Session::start_next_step() {
    if (!ready_for_next()) return false;
    const size_t index = next_++;
    const Step& step = lesson_.steps[index];
    StepStatus& status = statuses_[index];

    Event marker;
    marker.kind = EventKind::Step;
    marker.t_us = engine_->now_us();
    status.started_us = marker.t_us;
    marker.step = static_cast<int>(index + 1);
    marker.actor = step.actor;
    marker.call = call_op_name(step.spec.op);
    marker.args = step.source;
    marker.note = step.caption;
    log_.append(std::move(marker));

    CallSpec spec = step.spec;
    spec.step = static_cast<int>(index + 1);
    if (step.address) {
        std::string error;
        switch (step.address->kind) {
            case StepAddress::Kind::Literal:
                spec.address = step.address->literal;
                break;
            case StepAddress::Kind::ActorSocket:
                spec.address = engine_->bound_address(step.address->actor, step.address->socket);
                reach_wildcard_on_loopback(spec.address);
                if (spec.address.empty()) {
                    error = step.address->text + " has no bound address yet (has " +
                            step.address->actor + " called bind?)";
                } else if (!step.address->host.empty()) {
                    // [::1]:@server: the server's port on another of this machine's addresses.
                    auto other = SocketAddress::from_host_port(step.address->host,
                                                               spec.address.port(), &error);
                    spec.address = other ? *other : SocketAddress{};
                }
                break;
            case StepAddress::Kind::UnusedPort:
                spec.address = unused_port(*engine_, step.address->host, error);
                break;
            case StepAddress::Kind::UnixPath:
                spec.address = SocketAddress::from_unix_path(
                    step.address->abstract
                        ? std::string(1, '\0') + engine_->abstract_name(step.address->host)
                        : engine_->unix_path(step.address->host));
                break;
        }
        if (!error.empty()) {
            status.state = StepState::Failed;
            status.message = describe_step(index) + ": " + error;
            Event note = make_note(engine_->now_us(), step.actor, static_cast<int>(index + 1),
                                   error + "; no system call was made");
            note.ret = -1;  // shown as "not called"
            log_.append(std::move(note));
            return true;
        }
    }
    status.state = StepState::Running;
    // The capture filter must know the port before the first packet goes to it.
    watch_ports(spec.address);
    if (state_watcher_) state_watcher_->poke();
    status.ticket = engine_->submit(step.actor, std::move(spec));
    return true;
}

void Session::update() {
    for (size_t i = 0; i < next_; ++i) {
        StepStatus& status = statuses_[i];
        if (status.state != StepState::Running && status.state != StepState::Blocked) continue;
        TicketPhase phase = engine_->phase(status.ticket);
        if (phase == TicketPhase::Blocked) {
            status.state = StepState::Blocked;
        } else if (phase == TicketPhase::Done) {
            auto outcome = engine_->outcome(status.ticket);
            if (outcome) check(i, *outcome);
            status.done_us = engine_->now_us();
        }
    }
    watch_ports({});
    check_packets(false);
    // Also read the TCP states now: a headless run's steps are quicker than the watcher's beat.
    if (state_watcher_ && next_ != states_read_at_step_) {
        states_read_at_step_ = next_;
        state_watcher_->poll_now();
    }
}

// The lowest port an ordinary user may bind (net.ipv4.ip_unprivileged_port_start; 1024 unless
// the system lowered it, as container runtimes often do).
static int unprivileged_port_start() {
    int start = 1024;
    std::ifstream("/proc/sys/net/ipv4/ip_unprivileged_port_start") >> start;
    return start;
}

void Session::check(size_t index, const CallOutcome& outcome) {
    StepStatus& status = statuses_[index];
    status.outcome = outcome;
    const Step& step = lesson_.steps[index];
    std::vector<std::string> problems;
    auto got = [&]() -> std::string {
        if (outcome.ret < 0)
            return "it failed with " + errno_name(outcome.err) + " (" +
                   errno_explanation(outcome.err) + ")";
        return "it returned " + std::to_string(outcome.ret);
    };
    auto expects = [&](Expectation::Kind kind) {
        return std::any_of(step.expectations.begin(), step.expectations.end(),
                           [&](const Expectation& e) { return e.kind == kind; });
    };
    if (!outcome.engine_error.empty()) {
        status.state = StepState::Failed;
        status.message = describe_step(index) + ": " + outcome.engine_error;
        return;
    }
    // "Ports below 1024 need privileges" is a system setting, not a law: where the system lets
    // everyone bind this port, say so instead of failing the lesson.
    if (step.spec.op == CallOp::Bind && step.spec.unprivileged && outcome.ret == 0 &&
        expects(Expectation::Kind::Fails) && step.address &&
        step.address->kind == StepAddress::Kind::Literal) {
        const int first_free = unprivileged_port_start();
        if (step.address->literal.port() >= first_free) {
            status.state = StepState::Passed;
            status.note = "On this system every user may bind ports from " +
                          std::to_string(first_free) +
                          " up (net.ipv4.ip_unprivileged_port_start), so the kernel allowed "
                          "this bind; with the usual setting, 1024, it fails with EACCES.";
            log_.append(
                make_note(engine_->now_us(), step.actor, static_cast<int>(index + 1), status.note));
            return;
        }
    }
    // Success is implied unless the step says the call fails.
    const bool may_fail =
        expects(Expectation::Kind::Fails) ||
        std::any_of(step.expectations.begin(), step.expectations.end(), [](const Expectation& e) {
            return e.kind == Expectation::Kind::Returns && e.number < 0;
        });
    if (!may_fail && outcome.ret < 0) problems.push_back("expected success, but " + got());
    for (const Expectation& e : step.expectations) {
        switch (e.kind) {
            case Expectation::Kind::Ok:
                break;  // covered above
            case Expectation::Kind::Returns:
                if (outcome.ret != e.number)
                    problems.push_back("expected " + e.text + ", but " + got());
                break;
            case Expectation::Kind::Fails:
                if (outcome.ret >= 0 || outcome.err != e.err)
                    problems.push_back("expected " + e.text + ", but " + got());
                break;
            case Expectation::Kind::Data:
                if (outcome.data != e.data)
                    problems.push_back("expected to receive " + show_bytes(e.data) + ", but got " +
                                       show_bytes(outcome.data));
                break;
            case Expectation::Kind::Contains:
                if (std::search(outcome.data.begin(), outcome.data.end(), e.data.begin(),
                                e.data.end()) == outcome.data.end())
                    problems.push_back("expected the result to contain " + show_bytes(e.data) +
                                       ", but got " + show_bytes(outcome.data));
                break;
            case Expectation::Kind::Blocks:
                if (!outcome.waited)
                    problems.push_back("expected the call to block, but it returned at once");
                break;
        }
    }
    if (problems.empty()) {
        status.state = StepState::Passed;
        return;
    }
    status.state = StepState::Failed;
    status.message = describe_step(index) + ": ";
    for (size_t i = 0; i < problems.size(); ++i) status.message += (i ? "; " : "") + problems[i];
}

// A packet's flags as a `packets:` clause writes them: sorted names, or UDP.
static std::string sorted_flags(const PacketSummary& p) {
    if (p.proto == "udp") return "UDP";
    std::vector<std::string> names;
    size_t from = 0;
    while (from < p.flags.size()) {
        size_t comma = p.flags.find(',', from);
        names.push_back(p.flags.substr(from, comma == std::string::npos ? comma : comma - from));
        if (comma == std::string::npos) break;
        from = comma + 1;
    }
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
    return out;
}

std::string Session::check_step_packets(size_t index, int64_t from_us, int64_t to_us) {
    const Step& step = lesson_.steps[index];
    std::vector<SeenPacket> window;
    {
        std::lock_guard lock(packets_mutex_);
        for (const auto& p : seen_packets_)
            if (p.t_us >= from_us && p.t_us < to_us) window.push_back(p);
    }
    auto describe = [&](const SeenPacket& p) {
        auto owner = address_owner_.find(p.summary.src);
        std::string text = (p.summary.flags.empty() ? "UDP" : p.summary.flags) + " from " +
                           (owner != address_owner_.end() ? owner->second : p.summary.src);
        if (p.summary.proto == "tcp")
            text +=
                " seq " + std::to_string(p.summary.seq) + " ack " + std::to_string(p.summary.ack);
        return text + " len " + std::to_string(p.summary.len);
    };
    auto all = [&] {
        std::string out;
        for (const auto& p : window) out += (out.empty() ? "" : "; ") + describe(p);
        return out.empty() ? std::string("no packets") : out;
    };
    if (step.packets.size() == 1 && step.packets[0].none) {
        if (window.empty()) return "";
        return "expected no packets, but the capture saw: " + all();
    }
    std::vector<const SeenPacket*> matched;
    size_t next = 0;
    for (const auto& want : step.packets) {
        auto value_of = [&](const PacketExpectation::Ref& ref) -> int64_t {
            if (ref.packet == 0) return ref.add;
            const SeenPacket* p = matched[static_cast<size_t>(ref.packet - 1)];
            return (static_cast<int64_t>(ref.of_ack ? p->summary.ack : p->summary.seq) + ref.add) %
                   (int64_t{1} << 32);
        };
        bool found = false;
        for (; next < window.size(); ++next) {
            const SeenPacket& p = window[next];
            if (sorted_flags(p.summary) != want.flags) continue;
            if (!want.from.empty()) {
                auto owner = address_owner_.find(p.summary.src);
                if (owner == address_owner_.end() || owner->second != want.from) continue;
            }
            if (want.len && static_cast<int64_t>(p.summary.len) != *want.len) continue;
            if (want.seq && static_cast<int64_t>(p.summary.seq) != value_of(*want.seq)) continue;
            if (want.ack && static_cast<int64_t>(p.summary.ack) != value_of(*want.ack)) continue;
            matched.push_back(&p);
            ++next;
            found = true;
            break;
        }
        if (!found)
            return "expected a packet '" + want.text + "'" +
                   (matched.empty() ? "" : " after the ones matched before it") +
                   ", but the capture saw: " + all();
    }
    return "";
}

void Session::check_packets(bool force) {
    if (!network_) return;
    const bool capturing = capture_problem_.empty();
    // Packets reach the log a little after the calls that cause them: a step's packets are
    // checked once the next step has been going for a moment (or at the end of a run).
    constexpr int64_t kSettleUs = 300000;
    const int64_t now = engine_->now_us();
    for (size_t i = 0; i < next_; ++i) {
        StepStatus& status = statuses_[i];
        const Step& step = lesson_.steps[i];
        if (status.packets_checked || step.packets.empty()) continue;
        if (status.state != StepState::Passed && status.state != StepState::Failed) continue;
        if (!force && (status.done_us < 0 || now - status.done_us < kSettleUs)) continue;
        const int64_t end = i + 1 < next_ ? statuses_[i + 1].started_us : now + 1;
        status.packets_checked = true;
        if (!capturing) continue;  // said once, where the packets would be shown
        std::string problem = check_step_packets(i, status.started_us, end);
        if (problem.empty()) continue;
        const std::string message = describe_step(i) + ": " + problem;
        status.message =
            status.state == StepState::Failed ? status.message + "; " + problem : message;
        status.state = StepState::Failed;
    }
}

bool Session::finished() const {
    if (has_next()) return false;
    for (const auto& s : statuses_)
        if (s.state != StepState::Passed && s.state != StepState::Failed) return false;
    return true;
}

int Session::failures() const {
    int n = 0;
    for (const auto& s : statuses_) n += s.state == StepState::Failed;
    return n;
}

void Session::reset() {
    state_watcher_.reset();
    engine_->shutdown();
    engine_ = std::make_unique<Engine>(log_);
    {
        std::lock_guard lock(packets_mutex_);
        packets_.clear();
        seen_packets_.clear();
    }
    address_owner_.clear();
    attach_engine();
    statuses_.assign(lesson_.steps.size(), StepStatus{});
    next_ = 0;
}

uint64_t Session::send_own_bytes(const std::string& actor, const std::vector<uint8_t>& bytes) {
    CallSpec spec;
    spec.op = CallOp::Send;
    spec.data = bytes;
    return engine_->submit(actor, std::move(spec));
}

bool Session::run_to_end(std::chrono::milliseconds step_timeout,
                         std::vector<std::string>& messages) {
    size_t timed_out = SIZE_MAX;
    while (has_next()) {
        size_t index = next_;
        start_next_step();
        const StepStatus& status = statuses_[index];
        if (status.state == StepState::Failed) continue;  // failed before any call
        if (!engine_->wait_settled(status.ticket, step_timeout)) {
            update();
            messages.push_back(describe_step(index) + ": did not return or block within " +
                               std::to_string(step_timeout.count()) + " ms");
            timed_out = index;
            break;
        }
        update();
    }
    // Steps that blocked must have returned by now (their peer has acted).
    for (size_t i = 0; i < next_; ++i) {
        if (i == timed_out) continue;  // reported already
        if (statuses_[i].state != StepState::Blocked && statuses_[i].state != StepState::Running)
            continue;
        if (!engine_->wait_done(statuses_[i].ticket, step_timeout)) {
            messages.push_back(describe_step(i) + ": still blocked " +
                               std::to_string(step_timeout.count()) +
                               " ms after the last step (nothing unblocked it)");
        }
    }
    update();
    flush_capture(std::chrono::milliseconds(1000));
    check_packets(true);
    for (const auto& s : statuses_)
        if (s.state == StepState::Failed) messages.push_back(s.message);
    if (has_next())
        messages.push_back("stopped before step " + std::to_string(next_ + 1) + " of " +
                           std::to_string(lesson_.steps.size()));
    return messages.empty();
}

}  // namespace socketlab
