// A program run traced beside a lesson: a lesson's `run` step, or the learner's own program
// from the window's "Your program" panel. Its thread resolves the arguments, runs the tracer
// (trace/tracer.h) and puts every event into the lesson's log, on the lesson's clock, so its
// calls, bytes and packets sit beside the lesson's actors'. Nothing here blocks the caller:
// start() returns at once, stop() only signals, the destructor joins (after stop, quickly).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/event_log.h"
#include "core/socket_directory.h"
#include "lesson/program_step.h"
#include "trace/tracer.h"

namespace socketlab {

struct TracedProgramContext {
    EventLog* log = nullptr;
    SocketDirectory* directory = nullptr;
    std::function<int64_t()> clock;  // the lesson's time base (Engine::now_us)
    // A port the program binds or reaches: the capture filter follows it (host mode).
    std::function<void(const SocketAddress&)> watch;
    // The lesson's private network, if it has one: fills the two fds (the caller of run closes
    // them). Null or false: the program runs on the machine's own network.
    std::function<bool(int& userns_fd, int& netns_fd)> network;
};

struct TracedProgramOptions {
    std::vector<std::string> argv;
    int64_t time_limit_us = 10'000'000;
    bool unprivileged = false;
    int step = 0;  // the lesson step its events belong to (0: the learner's own run)
    // Runs first, on the program's thread (it may make socket calls: HOST:unused): the final
    // argv, or a problem that keeps the program from running.
    std::function<std::string(std::vector<std::string>& argv)> resolve;
    static constexpr size_t kKeptOutputBytes = 64 * 1024;
};

class TracedProgram {
  public:
    TracedProgram(TracedProgramContext context, TracedProgramOptions options);
    ~TracedProgram();  // stops the program if it still runs, and joins
    TracedProgram(const TracedProgram&) = delete;
    TracedProgram& operator=(const TracedProgram&) = delete;

    void stop();  // kills it and everything it started; returns at once
    bool ended() const { return ended_; }
    // It is inside a call that waits for a peer (accept, recv, poll ...), or has ended.
    bool waiting() const { return waiting_ || ended_; }
    // The next lesson step started while it ran (a server that keeps running).
    void mark_outlived_step();
    ProgramOutcome outcome() const;
    // Waits (bounded) until it has ended; for headless callers, never the UI thread.
    bool wait_until_ended(std::chrono::milliseconds timeout) const;
    // The actors its processes are named by ("client.py[4121]"), in order of appearance.
    std::vector<std::string> actors() const;
    const TracedProgramOptions& options() const { return options_; }
    // The address its last successful bind or listen had (kept after it has ended).
    SocketAddress last_bound_address() const;

  private:
    void run();
    void on_event(Event e, int64_t base_us);
    void flush_output(bool all);
    void set_ended();

    TracedProgramContext context_;
    TracedProgramOptions options_;
    trace::Tracer tracer_;
    std::atomic<bool> ended_{false};
    std::atomic<bool> waiting_{false};
    std::atomic<bool> stop_requested_{false};
    mutable std::mutex mutex_;
    mutable std::condition_variable ended_cv_;
    ProgramOutcome outcome_;             // guarded by mutex_
    std::vector<std::string> actors_;    // guarded by mutex_
    SocketAddress last_bound_;           // guarded by mutex_
    std::vector<Event> pending_output_;  // the tracer's thread only (its sink is serialised)
    std::thread thread_;
};

}  // namespace socketlab
