#include "lesson/traced_program.h"

#include <unistd.h>

#include <algorithm>

#include "core/event.h"

namespace socketlab {

TracedProgram::TracedProgram(TracedProgramContext context, TracedProgramOptions options)
    : context_(std::move(context)), options_(std::move(options)) {
    thread_ = std::thread([this] { run(); });
}

TracedProgram::~TracedProgram() {
    stop();
    if (thread_.joinable()) thread_.join();
}

void TracedProgram::stop() {
    stop_requested_ = true;
    tracer_.stop();
}

void TracedProgram::mark_outlived_step() {
    std::lock_guard lock(mutex_);
    if (!ended_) outcome_.outlived_step = true;
}

void TracedProgram::set_ended() {
    std::lock_guard lock(mutex_);
    ended_ = true;
    ended_cv_.notify_all();
}

bool TracedProgram::wait_until_ended(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return ended_cv_.wait_for(lock, timeout, [this] { return ended_.load(); });
}

ProgramOutcome TracedProgram::outcome() const {
    std::lock_guard lock(mutex_);
    return outcome_;
}

SocketAddress TracedProgram::last_bound_address() const {
    std::lock_guard lock(mutex_);
    return last_bound_;
}

std::vector<std::string> TracedProgram::actors() const {
    std::lock_guard lock(mutex_);
    return actors_;
}

void TracedProgram::run() {
    const int64_t base_us = context_.clock ? context_.clock() : 0;
    auto note = [&](const std::string& text) {
        context_.log->append(
            make_note(context_.clock ? context_.clock() : 0, "", options_.step, text));
    };
    std::vector<std::string> argv = options_.argv;
    std::string problem;
    if (options_.resolve) problem = options_.resolve(argv);
    if (problem.empty() && stop_requested_) problem = "it was stopped before it started";
    trace::TraceOptions trace_options;
    int userns = -1, netns = -1;
    if (problem.empty() && context_.network && context_.network(userns, netns)) {
        trace_options.userns_fd = userns;
        trace_options.netns_fd = netns;
    }
    if (!problem.empty()) {
        {
            std::lock_guard lock(mutex_);
            outcome_.error = problem;
        }
        note("the program was not run: " + problem);
        set_ended();
        return;
    }
    trace_options.argv = argv;
    trace_options.time_limit_s = static_cast<double>(options_.time_limit_us) / 1e6;
    trace_options.directory = context_.directory;
    trace_options.unprivileged = options_.unprivileged;
    trace_options.on_blocking_call = [this](const std::string&, const std::string& call) {
        waiting_ = true;
        // Entered counts as made: a recv killed before it returns has no call event.
        std::lock_guard lock(mutex_);
        for (const std::string& name : traced_call_names(call)) {
            const std::pair<std::string, int> made{name, 0};
            if (std::find(outcome_.calls.begin(), outcome_.calls.end(), made) ==
                outcome_.calls.end())
                outcome_.calls.push_back(made);
        }
    };
    const trace::TraceResult result =
        tracer_.run(trace_options, [this, base_us](Event e) { on_event(std::move(e), base_us); });
    flush_output(true);
    if (userns >= 0) ::close(userns);
    if (netns >= 0) ::close(netns);
    {
        std::lock_guard lock(mutex_);
        outcome_.started = result.started;
        outcome_.error = result.error;
        outcome_.exit_code = result.exit_code;
        outcome_.timed_out = result.timed_out;
        outcome_.stopped = result.stopped && !result.timed_out;
    }
    if (!result.started) note("the program did not run: " + result.error);
    set_ended();
}

// Output arrives as the program wrote it, often a few bytes at a time (Python writes a
// traceback in pieces): it is passed on in whole lines, the rest once the program does
// something else or ends.
void TracedProgram::flush_output(bool all) {
    for (auto it = pending_output_.begin(); it != pending_output_.end();) {
        auto* p = std::get_if<ProgramRecord>(&it->payload);
        const size_t cut = all ? p->text.size() : p->text.rfind('\n');
        if (cut == std::string::npos || cut == 0) {
            ++it;
            continue;
        }
        const size_t take = all ? cut : cut + 1;
        Event line = *it;
        std::get<ProgramRecord>(line.payload).text = p->text.substr(0, take);
        p->text.erase(0, take);
        context_.log->append(std::move(line));
        it = p->text.empty() ? pending_output_.erase(it) : std::next(it);
    }
}

void TracedProgram::on_event(Event e, int64_t base_us) {
    e.t_us += base_us;
    e.step = options_.step;
    if (e.kind == EventKind::Program && e.program()->what == ProgramRecord::What::Output) {
        {
            std::lock_guard lock(mutex_);
            const std::string& text = e.program()->text;
            const size_t room = TracedProgramOptions::kKeptOutputBytes - outcome_.output.size();
            outcome_.output.append(text, 0, std::min(room, text.size()));
        }
        auto same =
            std::find_if(pending_output_.begin(), pending_output_.end(),
                         [&](const Event& p) { return p.actor == e.actor && p.note == e.note; });
        if (same == pending_output_.end()) {
            pending_output_.push_back(std::move(e));
        } else {
            std::get<ProgramRecord>(same->payload).text += e.program()->text;
        }
        flush_output(false);
        return;
    }
    flush_output(true);
    {
        std::lock_guard lock(mutex_);
        if (!e.actor.empty() && e.kind != EventKind::Note &&
            std::find(actors_.begin(), actors_.end(), e.actor) == actors_.end())
            actors_.push_back(e.actor);
        if (const CallRecord* c = e.call(); c && e.kind == EventKind::Call) {
            const std::pair<std::string, int> made{call_op_name(c->spec.op),
                                                   c->ret < 0 ? c->err : 0};
            if (std::find(outcome_.calls.begin(), outcome_.calls.end(), made) ==
                outcome_.calls.end())
                outcome_.calls.push_back(made);
            if (c->direction == Direction::Sent && c->ret > 0)
                outcome_.bytes_sent += static_cast<uint64_t>(c->ret);
            // Where it listened or bound stays known after it ends (@ACTOR of a later step).
            if ((c->spec.op == CallOp::Bind || c->spec.op == CallOp::Listen) && c->ret == 0) {
                SocketAddress a =
                    context_.directory ? context_.directory->bound_address(e.actor) : c->local;
                if (a.empty() && c->spec.address.port() > 0) a = c->spec.address;
                if (!a.empty()) last_bound_ = a;
            }
        }
    }
    if (const CallRecord* c = e.call(); c && context_.watch) {
        if (!c->spec.address.empty()) context_.watch(c->spec.address);
        if (!c->local.empty()) context_.watch(c->local);
    }
    context_.log->append(std::move(e));
}

}  // namespace socketlab
