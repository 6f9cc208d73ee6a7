// Runs a lesson's steps, one real call each, against a live Engine, and checks what each step
// expects. The UI drives it a step at a time; --run and --screenshot run it to the end.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/engine.h"
#include "lesson/lesson.h"

namespace socketlab {

enum class StepState { Pending, Running, Blocked, Passed, Failed };

struct StepStatus {
    StepState state = StepState::Pending;
    uint64_t ticket = 0;
    std::string message;                 // why it failed
    std::string note;                    // something true of this system the text did not say
    std::optional<CallOutcome> outcome;  // once it returned
};

class Session {
  public:
    Session(const Lesson& lesson, EventLog& log);
    ~Session();

    const Lesson& lesson() const { return lesson_; }
    Engine& engine() { return *engine_; }
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

    // Headless: runs all steps, waiting for each to settle; then waits for blocked ones.
    // Returns true when every step ran and every expectation held; messages say what did not.
    bool run_to_end(std::chrono::milliseconds step_timeout, std::vector<std::string>& messages);

    // "tcp-echo.md:42: step 7 (server: recv 30)"
    std::string describe_step(size_t index) const;

  private:
    void check(size_t index, const CallOutcome& outcome);

    Lesson lesson_;
    EventLog& log_;
    std::unique_ptr<Engine> engine_;
    std::vector<StepStatus> statuses_;
    size_t next_ = 0;
};

}  // namespace socketlab
