// Runs a lesson's steps, one real call each, against a live Engine, and checks what each step
// expects. The UI drives it a step at a time; --run and --screenshot run it to the end.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "capture/lesson_network.h"
#include "capture/packet_recorder.h"
#include "capture/pcap_file.h"
#include "core/engine.h"
#include "core/socket_directory.h"
#include "lesson/lesson.h"
#include "lesson/socket_state_watcher.h"
#include "lesson/traced_program.h"

namespace socketlab {

enum class StepState { Pending, Running, Blocked, Passed, Failed };

struct StepStatus {
    StepState state = StepState::Pending;
    uint64_t ticket = 0;
    std::string message;                 // why it failed
    std::string note;                    // something true of this system the text did not say
    std::optional<CallOutcome> outcome;  // once it returned
    int64_t started_us = -1;             // engine time the step started
    int64_t done_us = -1;                // engine time the session saw it return
    bool packets_checked = false;        // its `packets:` were compared with the capture
};

class Session {
  public:
    // network: how the lesson network is opened (lessons with `capture: yes`); its cancel
    // flag, once set, makes the opening and every helper request give up (closing a lesson).
    Session(const Lesson& lesson, EventLog& log, NetworkOptions network = {});
    ~Session();

    const Lesson& lesson() const { return lesson_; }
    Engine& engine() { return *engine_; }
    // Who owns which socket, address and port in this run (the engine's actors and others).
    SocketDirectory& directory() { return directory_; }
    const SocketDirectory& directory() const { return directory_; }
    size_t next_step() const { return next_; }  // == steps().size() when all have started
    bool has_next() const { return next_ < lesson_.steps.size(); }
    // True when the previous step has returned or is blocked waiting for a peer.
    bool ready_for_next() const;
    // Starts the next step (never blocks). False when there is none or it is not ready.
    bool start_next_step();
    // Reads the engine's progress and checks the expectations of steps that returned.
    void update();

    const std::vector<StepStatus>& statuses() const { return statuses_; }
    bool finished() const;  // every step started and returned
    int failures() const;

    // Closes every socket, ends the workers, and starts over at step 1.
    void reset();

    // The learner's own text, sent by actor on its current socket (outside the script).
    uint64_t send_own_bytes(const std::string& actor, const std::vector<uint8_t>& bytes);

    // `run` steps run programs from the lesson's folder: only once that folder is trusted (the
    // shipped lessons, or the learner said yes). Until then such a step fails with `why`.
    void set_programs_allowed(bool allowed, std::string why = "");
    // The program a `run` step started (null if none, or not yet).
    const TracedProgram* step_program(size_t index) const;
    // The learner's own program (the window's "Your program"), traced beside the lesson in its
    // network; argv[0] is found on PATH, and @ACTOR / HOST:unused words are resolved as in a
    // run step. Replaces (stops) the previous one. Never blocks.
    void start_own_program(std::vector<std::string> argv, int64_t time_limit_us);
    void stop_own_program();
    const TracedProgram* own_program() const { return own_program_.get(); }

    // Headless: runs all steps, waiting for each to settle; then waits for blocked ones.
    // Returns true when every step ran and every expectation held; messages say what did not.
    bool run_to_end(std::chrono::milliseconds step_timeout, std::vector<std::string>& messages);

    // "tcp-echo.md:42: step 7 (server: recv 30)"
    std::string describe_step(size_t index) const;

    // Packets (lessons with `capture: yes`). The lesson network is opened with the session and
    // kept across resets; nullptr for lessons without capture.
    const LessonNetwork* network() const { return network_.get(); }
    LessonNetwork* network() { return network_.get(); }
    // "" when capturing; else why not and what would fix it (shown where the packets would be).
    std::string capture_problem() const { return capture_problem_; }
    // The packets of this run so far, for a pcap file (bounded: the newest kMaxKeptPackets).
    std::vector<CapturedPacket> captured_packets() const;
    static constexpr size_t kMaxKeptPackets = PacketRecorder::kMaxKeptPackets;
    // Waits (bounded) until the packets and TCP states so far are in the log.
    void flush_capture(std::chrono::milliseconds timeout);

  private:
    void check(size_t index, const CallOutcome& outcome);
    void settle(size_t index, const ExpectationResult& result);
    void open_network();
    void run_link_step(size_t index);
    void run_program_step(size_t index);
    void check_program(size_t index);
    // Where a run step's @ACTOR points: a lesson actor's bound address, or that of a program
    // an earlier run step of that actor started. Any thread.
    SocketAddress address_of_actor(const std::string& actor) const;
    int unused_port(const std::string& host) const;  // on the program's thread
    TracedProgramContext program_context();
    std::function<std::string(std::vector<std::string>&)> resolver(const ProgramStep& program);
    void stop_programs();
    void attach_engine();  // a new engine (start, reset) uses the lesson network
    // The capture filter follows the lesson's ports (the directory's, and where a call goes).
    void watch_ports(const SocketAddress& also);
    // Checks the `packets:` of steps whose packets are all in (force: at the end of a run).
    void check_packets(bool force);

    Lesson lesson_;
    EventLog& log_;
    NetworkOptions network_options_;
    SocketDirectory directory_;  // before engine_: the engine publishes into it
    std::unique_ptr<Engine> engine_;
    std::vector<StepStatus> statuses_;
    size_t next_ = 0;

    std::unique_ptr<LessonNetwork> network_;
    std::string capture_problem_;
    std::unique_ptr<PacketRecorder> recorder_;
    std::unique_ptr<SocketStateWatcher> state_watcher_;
    std::mutex ports_mutex_;    // watch_ports runs on workers (before a call) and here
    std::set<uint16_t> ports_;  // guarded by ports_mutex_
    size_t states_read_at_step_ = SIZE_MAX;
    bool headless_ = false;  // run_to_end: may make calls on the caller's thread
    bool programs_allowed_ = false;
    std::string programs_refused_why_ = "this lesson's folder is not trusted to run programs";
    // Each run step's program, by step index; guarded by programs_mutex_ (the programs' own
    // threads look up @ACTOR addresses in it).
    mutable std::mutex programs_mutex_;
    std::map<size_t, std::unique_ptr<TracedProgram>> programs_;
    std::unique_ptr<TracedProgram> own_program_;
    std::vector<std::unique_ptr<TracedProgram>> retired_programs_;  // stopped, not yet ended
};

}  // namespace socketlab
