// [SECTION] index
//   Network and capture   opening the lesson network, its recorder and state watcher
//   Running steps         start, update, run_to_end, reset
//   Checking              expectations (expectation_check.h) and packets (packet_match.h)
#include "lesson/session.h"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "capture/link_relay.h"
#include "lesson/expectation_check.h"
#include "lesson/packet_match.h"
#include "lesson/program_step.h"

namespace socketlab {
namespace {

// The lowest port an ordinary user may bind (net.ipv4.ip_unprivileged_port_start; 1024 unless
// the system lowered it, as container runtimes often do).
int unprivileged_port_start() {
    int start = 1024;
    std::ifstream("/proc/sys/net/ipv4/ip_unprivileged_port_start") >> start;
    return start;
}

// "2 s", "500 ms"
std::string wait_text(int64_t us) {
    return us % 1000000 == 0 ? std::to_string(us / 1000000) + " s"
                             : std::to_string(us / 1000) + " ms";
}

int64_t realtime_now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Session::Session(const Lesson& lesson, EventLog& log, NetworkOptions network)
    : lesson_(lesson),
      log_(log),
      network_options_(std::move(network)),
      engine_(std::make_unique<Engine>(log, &directory_)) {
    statuses_.resize(lesson_.steps.size());
    // A lesson that binds the wildcard gets its private network even without `capture: yes`
    // and even as root (lesson_reach.h): there, "every interface" is the lesson's own lo.
    if (lesson_.needs_private_network) network_options_.force_namespace = true;
    if (lesson_.capture || lesson_.needs_private_network) open_network();
    attach_engine();
}

Session::~Session() {
    stop_programs();
    state_watcher_.reset();
    engine_->shutdown();
    if (network_) network_->stop();
}

// [SECTION] Network and capture
void Session::open_network() {
    if (lesson_.link) network_options_.link = lesson_.link;
    network_ = LessonNetwork::open(network_options_);
    recorder_ = std::make_unique<PacketRecorder>(
        log_, directory_, network_->mode() == LessonNetwork::Mode::HostLoopback);
    if (network_->mode() == LessonNetwork::Mode::NoCapture) {
        capture_problem_ =
            "No packets: " + network_->why_no_capture() + ". " + network_->how_to_fix();
    } else {
        std::string error;
        PacketRecorder* recorder = recorder_.get();
        if (!network_->start_capture([recorder](RawPacket p) { recorder->on_packet(std::move(p)); },
                                     &error))
            capture_problem_ = "No packets: " + error;
    }
}

void Session::attach_engine() {
    if (recorder_) recorder_->set_realtime_at_start(realtime_now_us() - engine_->now_us());
    const bool private_network =
        network_ && network_->mode() == LessonNetwork::Mode::PrivateNamespace;
    engine_->set_wildcard_bind_allowed(
        private_network,
        !network_         ? "this lesson runs on the machine's own network"
        : private_network ? ""
                          : "its private network could not be made: " + network_->why_no_capture());
    if (!network_) return;
    LessonNetwork* net = network_.get();
    engine_->set_socket_factory(
        [net](int family, int type, int protocol, const std::string& actor) {
            return net->make_socket(family, type, protocol, actor);
        });
    engine_->set_unprivileged_bind([net](int fd, const sockaddr* address, socklen_t length) {
        return net->bind_unprivileged(fd, address, length);
    });
    engine_->set_before_call([this](const CallSpec& spec) { watch_ports(spec.address); });
    Engine* engine = engine_.get();
    state_watcher_ = std::make_unique<SocketStateWatcher>(
        directory_, log_, [engine] { return engine->now_us(); },
        [net] { return net->make_diag_sockets(); });
}

void Session::watch_ports(const SocketAddress& also) {
    if (!network_) return;
    if (recorder_ && also.port() > 0) recorder_->expect_port(static_cast<uint16_t>(also.port()));
    std::set<uint16_t> ports = directory_.ports();
    if (also.port() > 0) ports.insert(static_cast<uint16_t>(also.port()));
    std::lock_guard lock(ports_mutex_);
    ports.insert(ports_.begin(), ports_.end());  // a port once watched stays (FIN, TIME_WAIT)
    if (ports == ports_) return;
    ports_ = ports;
    network_->set_ports(ports_);
}

std::vector<CapturedPacket> Session::captured_packets() const {
    return recorder_ ? recorder_->captured_packets() : std::vector<CapturedPacket>{};
}

void Session::flush_capture(std::chrono::milliseconds timeout) {
    if (!network_) return;
    if (state_watcher_) state_watcher_->poll_now();
    if (network_->mode() != LessonNetwork::Mode::NoCapture) network_->flush(timeout);
}

// [SECTION] Running steps
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
    {
        // A program still running as the next step starts "blocks" (a server, a waiting client).
        std::lock_guard lock(programs_mutex_);
        for (auto& [i, program] : programs_) program->mark_outlived_step();
    }

    if (step.wait_us > 0) {
        // No call, so no step marker (whose payload is a call): a note says what happens, and
        // time passes. Like a blocked call, it does not hold up the next step in the window
        // (the learner is the clock there); a headless run waits it out.
        status.started_us = engine_->now_us();
        status.state = StepState::Blocked;
        log_.append(make_note(status.started_us, "", static_cast<int>(index + 1),
                              step.source + ": SocketLab makes no call for " +
                                  wait_text(step.wait_us) + "; the kernels' timers go on (" +
                                  step.caption + ")"));
        return true;
    }
    Event marker;
    marker.kind = EventKind::Step;
    marker.t_us = engine_->now_us();
    status.started_us = marker.t_us;
    marker.step = static_cast<int>(index + 1);
    marker.actor = step.actor;
    marker.payload = StepRecord{step.spec.op, step.source, step.caption, step.link.has_value(),
                                step.program.has_value()};
    log_.append(std::move(marker));
    if (step.link) {
        run_link_step(index);
        return true;
    }
    if (step.program) {
        run_program_step(index);
        return true;
    }

    CallSpec spec = step.spec;
    spec.step = static_cast<int>(index + 1);
    status.state = StepState::Running;
    if (state_watcher_) state_watcher_->poke();
    // The address (@server, HOST:unused, ...) is resolved on the actor's worker.
    status.ticket = engine_->submit(step.actor, std::move(spec), step.address);
    return true;
}

// A step of SocketLab's link: applied at once, and said to be the app's doing.
void Session::run_link_step(size_t index) {
    const Step& step = lesson_.steps[index];
    StepStatus& status = statuses_[index];
    LinkRelay* link = network_ ? network_->link() : nullptr;
    status.done_us = engine_->now_us();
    if (!link) {
        status.state = StepState::Failed;
        status.message = describe_step(index) + ": this lesson's link could not be made (" +
                         (capture_problem_.empty() ? std::string("no network") : capture_problem_) +
                         ")";
        return;
    }
    link->apply(*step.link);
    status.state = StepState::Passed;
    status.note = step.link->describe();
    log_.append(make_note(status.done_us, "link", static_cast<int>(index + 1), status.note));
}

// A program of the lesson's folder, traced on its own thread (traced_program.h).
void Session::run_program_step(size_t index) {
    const Step& step = lesson_.steps[index];
    StepStatus& status = statuses_[index];
    status.state = StepState::Running;
    std::string why;
    std::string path;
    if (!programs_allowed_)
        why = programs_refused_why_;
    else
        path = program_path_inside_folder(*step.program, &why);
    if (!why.empty()) {
        status.state = StepState::Failed;
        status.done_us = engine_->now_us();
        status.message = describe_step(index) + ": the program was not run: " + why;
        log_.append(make_note(status.done_us, step.actor, static_cast<int>(index + 1),
                              "SocketLab did not run the program: " + why));
        return;
    }
    TracedProgramOptions options;
    options.argv = step.program->argv;
    options.argv[options.argv[0] == "python3" ? 1 : 0] = path;
    options.time_limit_us = step.program->time_limit_us;
    options.unprivileged = step.program->unprivileged;
    options.step = static_cast<int>(index + 1);
    ProgramStep resolved = *step.program;
    resolved.argv = options.argv;
    options.resolve = resolver(resolved);
    auto program = std::make_unique<TracedProgram>(program_context(), std::move(options));
    std::lock_guard lock(programs_mutex_);
    programs_[index] = std::move(program);
}

const TracedProgram* Session::step_program(size_t index) const {
    std::lock_guard lock(programs_mutex_);
    auto it = programs_.find(index);
    return it == programs_.end() ? nullptr : it->second.get();
}

void Session::check_program(size_t index) {
    StepStatus& status = statuses_[index];
    const TracedProgram* program = step_program(index);
    const Step& step = lesson_.steps[index];
    status.done_us = engine_->now_us();
    ProgramOutcome outcome;
    if (program) outcome = program->outcome();
    const ExpectationResult result = check_program_expectations(step, outcome);
    settle(index, result);
}

TracedProgramContext Session::program_context() {
    TracedProgramContext context;
    context.log = &log_;
    context.directory = &directory_;
    context.clock = [this] { return engine_->now_us(); };
    context.watch = [this](const SocketAddress& address) { watch_ports(address); };
    // In the lesson's private network, if it has one: its packets are captured there, and it
    // reaches the lesson's servers at the addresses the lesson shows.
    context.network = [this](int& userns_fd, int& netns_fd) {
        if (!network_ || network_->mode() != LessonNetwork::Mode::PrivateNamespace) return false;
        std::string error;
        if (network_->namespace_fds(userns_fd, netns_fd, error)) return true;
        log_.append(make_note(engine_->now_us(), "", 0,
                              "the program could not join the lesson's private network (" + error +
                                  "): it runs on the machine's own network"));
        return false;
    };
    return context;
}

SocketAddress Session::address_of_actor(const std::string& actor) const {
    if (SocketAddress a = directory_.bound_address(actor); !a.empty()) return reach_on_loopback(a);
    std::vector<std::string> names;
    SocketAddress last;  // of a program that has ended (its sockets left the directory)
    {
        std::lock_guard lock(programs_mutex_);
        for (const auto& [index, program] : programs_)
            if (lesson_.steps[index].actor == actor) {
                for (auto& name : program->actors()) names.push_back(name);
                if (SocketAddress a = program->last_bound_address(); !a.empty()) last = a;
            }
    }
    for (const auto& name : names)
        if (SocketAddress a = directory_.bound_address(name); !a.empty())
            return reach_on_loopback(a);
    return last.empty() ? last : reach_on_loopback(last);
}

int Session::unused_port(const std::string& host) const {
    const auto address = SocketAddress::parse(
        (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":0");
    if (!address) return 0;
    const int fd = engine_->make_socket(address->family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int port = 0;
    SocketAddress bound;
    bound.length = sizeof bound.storage;
    if (::bind(fd, address->get(), address->length) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound.storage), &bound.length) == 0)
        port = bound.port();
    ::close(fd);
    return port;
}

void Session::set_programs_allowed(bool allowed, std::string why) {
    programs_allowed_ = allowed;
    if (!why.empty()) programs_refused_why_ = std::move(why);
}

// The argv of a program about to run: @ACTOR words and HOST:unused resolved (on the program's
// thread: finding an unused port is a socket call), and python3 the system's.
std::function<std::string(std::vector<std::string>&)> Session::resolver(
    const ProgramStep& program) {
    return [this, program](std::vector<std::string>& argv) {
        std::string problem = resolve_program_args(
            program, [this](const std::string& actor) { return address_of_actor(actor); },
            [this](const std::string& host) { return unused_port(host); }, argv);
        // The system's Python, not whatever shim comes first on PATH (pyenv's runs a dozen
        // programs of its own first): the lessons were written against it.
        if (!argv.empty() && argv[0] == "python3" && ::access("/usr/bin/python3", X_OK) == 0)
            argv[0] = "/usr/bin/python3";
        return problem;
    };
}

void Session::start_own_program(std::vector<std::string> argv, int64_t time_limit_us) {
    TracedProgramOptions options;
    ProgramStep program;
    program.argv = argv;
    options.resolve = resolver(program);
    options.argv = std::move(argv);
    options.time_limit_us = time_limit_us;
    if (own_program_) {
        // Killed now, freed by update() once its thread has seen it end (joining never waits).
        own_program_->stop();
        retired_programs_.push_back(std::move(own_program_));
    }
    own_program_ = std::make_unique<TracedProgram>(program_context(), std::move(options));
}

void Session::stop_own_program() {
    if (own_program_) own_program_->stop();
}

void Session::stop_programs() {
    std::map<size_t, std::unique_ptr<TracedProgram>> programs;
    {
        std::lock_guard lock(programs_mutex_);
        for (auto& [index, program] : programs_) program->stop();
        programs.swap(programs_);
    }
    if (own_program_) own_program_->stop();
    own_program_.reset();
    retired_programs_.clear();
    programs.clear();  // joins, outside the lock: their threads may be looking up addresses
}

void Session::update() {
    for (size_t i = 0; i < next_; ++i) {
        StepStatus& status = statuses_[i];
        if (status.state != StepState::Running && status.state != StepState::Blocked) continue;
        if (lesson_.steps[i].program) {
            const TracedProgram* program = step_program(i);
            if (!program || program->ended())
                check_program(i);
            else if (program->waiting())
                status.state = StepState::Blocked;
            continue;
        }
        if (const int64_t wait = lesson_.steps[i].wait_us; wait > 0) {
            const int64_t now = engine_->now_us();
            if (now - status.started_us >= wait) {
                status.state = StepState::Passed;
                status.done_us = now;
            }
            continue;
        }
        TicketPhase phase = engine_->phase(status.ticket);
        if (phase == TicketPhase::Blocked) {
            status.state = StepState::Blocked;
        } else if (phase == TicketPhase::Done) {
            auto outcome = engine_->outcome(status.ticket);
            if (outcome) check(i, *outcome);
            status.done_us = engine_->now_us();
        }
    }
    std::erase_if(retired_programs_, [](const auto& p) { return p->ended(); });
    check_packets(false);
    // A headless run's steps are quicker than the watcher's beat: it reads the TCP states now,
    // on this thread. The window's thread makes no socket call: it only wakes the watcher.
    if (state_watcher_ && next_ != states_read_at_step_) {
        states_read_at_step_ = next_;
        if (headless_)
            state_watcher_->poll_now();
        else
            state_watcher_->poke();
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
    stop_programs();
    state_watcher_.reset();
    engine_->shutdown();
    engine_ = std::make_unique<Engine>(log_, &directory_);
    directory_.clear();
    // The link too starts over as the front matter set it (a replay gets the same losses),
    // once what the closing sockets sent has been through it.
    if (network_ && network_->link() && lesson_.link) {
        network_->link()->settle(std::chrono::milliseconds(200));
        network_->link()->restart(*lesson_.link);
        if (network_->link()->settings().mtu != lesson_.link->mtu)
            network_->set_link_mtu(lesson_.link->mtu);  // changed from the Link strip
    }
    if (recorder_) recorder_->clear();
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
    headless_ = true;
    size_t timed_out = SIZE_MAX;
    while (has_next()) {
        size_t index = next_;
        start_next_step();
        const StepStatus& status = statuses_[index];
        if (const int64_t wait = lesson_.steps[index].wait_us; wait > 0) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(wait);
            while (status.state == StepState::Blocked) {
                log_.wait_after(log_.last_seq(),
                                std::min(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             until - std::chrono::steady_clock::now()) +
                                             std::chrono::milliseconds(1),
                                         std::chrono::milliseconds(50)));
                update();
            }
        } else if (const auto& program = lesson_.steps[index].program) {
            // A program: until it ends or waits for a peer (its time limit bounds both).
            const auto until = std::chrono::steady_clock::now() +
                               std::chrono::microseconds(program->time_limit_us) +
                               std::chrono::seconds(5);
            update();
            while (status.state == StepState::Running && std::chrono::steady_clock::now() < until) {
                log_.wait_after(log_.last_seq(), std::chrono::milliseconds(50));
                update();
            }
            if (status.state == StepState::Running) {
                messages.push_back(describe_step(index) + ": the program neither ended nor waited");
                timed_out = index;
                break;
            }
        } else if (!engine_->wait_settled(status.ticket, step_timeout)) {
            update();
            messages.push_back(describe_step(index) + ": did not return or block within " +
                               std::to_string(step_timeout.count()) + " ms");
            timed_out = index;
            break;
        }
        update();
        // Through a link, a learner watches the kernel recover before pressing Step again; so
        // does a headless run: the next step waits (bounded) for this one's packets.
        if (lesson_.link && !lesson_.steps[index].packets.empty()) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (!statuses_[index].packets_checked &&
                   std::chrono::steady_clock::now() < deadline) {
                log_.wait_after(log_.last_seq(), std::chrono::milliseconds(50));
                update();
            }
        }
    }
    // Steps that blocked must have returned by now (their peer has acted).
    for (size_t i = 0; i < next_; ++i) {
        if (i == timed_out) continue;  // reported already
        if (statuses_[i].state != StepState::Blocked && statuses_[i].state != StepState::Running)
            continue;
        if (const auto& program = lesson_.steps[i].program) {
            // It ends by itself, or its time limit ends it.
            const auto until = std::chrono::steady_clock::now() +
                               std::chrono::microseconds(program->time_limit_us) +
                               std::chrono::seconds(5);
            while ((statuses_[i].state == StepState::Blocked ||
                    statuses_[i].state == StepState::Running) &&
                   std::chrono::steady_clock::now() < until) {
                log_.wait_after(log_.last_seq(), std::chrono::milliseconds(50));
                update();
            }
            if (statuses_[i].state == StepState::Blocked ||
                statuses_[i].state == StepState::Running)
                messages.push_back(describe_step(i) + ": its program did not end");
            continue;
        }
        if (!engine_->wait_done(statuses_[i].ticket, step_timeout)) {
            messages.push_back(describe_step(i) + ": still blocked " +
                               std::to_string(step_timeout.count()) +
                               " ms after the last step (nothing unblocked it)");
        }
    }
    update();
    flush_capture(std::chrono::milliseconds(1000));
    if (lesson_.link) {
        // Wait (bounded) for the kernels' retransmissions the last steps expect.
        auto pending = [&] {
            for (size_t i = 0; i < next_; ++i)
                if (!statuses_[i].packets_checked && !lesson_.steps[i].packets.empty()) return true;
            return false;
        };
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (pending() && std::chrono::steady_clock::now() < deadline) {
            log_.wait_after(log_.last_seq(), std::chrono::milliseconds(100));
            check_packets(false);
        }
        flush_capture(std::chrono::milliseconds(1000));
    }
    check_packets(true);
    for (const auto& s : statuses_)
        if (s.state == StepState::Failed) messages.push_back(s.message);
    if (has_next())
        messages.push_back(lesson_.steps[next_].file + ":" +
                           std::to_string(lesson_.steps[next_].line) + ": stopped before step " +
                           std::to_string(next_ + 1) + " of " +
                           std::to_string(lesson_.steps.size()));
    return messages.empty();
}

// [SECTION] Checking
// Passed, or Failed with every problem in one message.
void Session::settle(size_t index, const ExpectationResult& result) {
    StepStatus& status = statuses_[index];
    if (result.passed) {
        status.state = StepState::Passed;
        return;
    }
    status.state = StepState::Failed;
    status.message = describe_step(index) + ": ";
    for (size_t i = 0; i < result.problems.size(); ++i)
        status.message += (i ? "; " : "") + result.problems[i];
}

void Session::check(size_t index, const CallOutcome& outcome) {
    StepStatus& status = statuses_[index];
    status.outcome = outcome;
    const Step& step = lesson_.steps[index];
    ExpectationResult result = check_expectations(step, outcome, unprivileged_port_start());
    if (!result.note.empty()) {
        status.note = result.note;
        log_.append(
            make_note(engine_->now_us(), step.actor, static_cast<int>(index + 1), status.note));
    }
    settle(index, result);
}

void Session::check_packets(bool force) {
    if (!network_) return;
    const bool capturing = capture_problem_.empty();
    // Packets reach the log a little after the calls that cause them: a step's packets are
    // checked once the next step has been going for a moment, or at the end of a run after the
    // capture was flushed (force). The kernel cannot tell us when a step's last packet (a
    // delayed ACK, ~40 ms) has gone, so the moment is a guess: 300 ms.
    constexpr int64_t kSettleUs = 300000;
    // Through a link, packets come later: its delay, and the kernel's own timers (a
    // retransmission waits for the RTO, at least 200 ms, a SYN's first one 1 s). So a link
    // lesson's step looks at every packet since it started, passes as soon as they are there,
    // and fails only once this long has gone by without them.
    constexpr int64_t kLinkPatienceUs = 4000000;
    const bool through_link = lesson_.link.has_value();
    const int64_t now = engine_->now_us();
    const OwnerOf owner_of = [this](const SocketAddress& address) -> std::optional<std::string> {
        auto owner = directory_.owner_of(address);
        return owner ? std::optional<std::string>(owner->actor) : std::nullopt;
    };
    for (size_t i = 0; i < next_; ++i) {
        StepStatus& status = statuses_[i];
        const Step& step = lesson_.steps[i];
        if (status.packets_checked || step.packets.empty()) continue;
        if (status.state != StepState::Passed && status.state != StepState::Failed) continue;
        // `packets: none` means nothing until the next step, link or not.
        const bool none = step.packets.size() == 1 && step.packets[0].none;
        // Through a link, packets that are there already pass at once: more packets cannot
        // undo a match (they are looked for in order, others may come between), and those
        // still missing are waited for below. Elsewhere, and for "none", the settle applies.
        const bool settle = !through_link || none;
        if (!force && (status.done_us < 0 || (settle && now - status.done_us < kSettleUs)))
            continue;
        const bool until_next = !through_link || none;
        const int64_t end = i + 1 < next_ && until_next ? statuses_[i + 1].started_us : now + 1;
        std::string problem;
        if (capturing)
            problem = match_packets(step.packets,
                                    recorder_->packets_between(status.started_us, end), owner_of);
        else if (std::getenv("CI"))
            // In CI a lesson that says which packets it sends must show them: no capture is a
            // failure there, not a silent pass (elsewhere it is said once, where packets show).
            problem = "its packets could not be checked: " + capture_problem_;
        if (!force && through_link && capturing && !problem.empty() &&
            now - status.done_us < kLinkPatienceUs)
            continue;  // not yet: look again later
        status.packets_checked = true;
        if (problem.empty()) continue;
        const std::string message = describe_step(i) + ": " + problem;
        status.message =
            status.state == StepState::Failed ? status.message + "; " + problem : message;
        status.state = StepState::Failed;
    }
}

}  // namespace socketlab
