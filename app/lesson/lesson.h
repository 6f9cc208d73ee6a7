// A lesson as loaded from its Markdown file: front matter, prose, and the step script.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capture/link_rules.h"
#include "core/calls/call_args.h"
#include "core/calls/call_spec.h"

namespace socketlab {

// A problem in a lesson file, reported as FILE:LINE: message.
struct LessonError {
    std::string file;
    int line = 0;
    std::string message;
    // FILE:LINE: message, with control characters escaped and the whole cut to a few hundred
    // characters: the message quotes the file's own words, and the file may be hostile.
    std::string to_string() const;
};

// What a step claims the kernel will do; checked when the call returns.
struct Expectation {
    enum class Kind {
        Ok,        // the call succeeded (ret >= 0)
        Returns,   // ret == number
        Fails,     // ret < 0 and errno == err
        Data,      // the bytes received equal data
        Contains,  // the bytes received (or the result's text) contain data
        Blocks,    // the call had to wait for the peer before returning
    };
    Kind kind = Kind::Ok;
    int64_t number = 0;
    int err = 0;
    std::vector<uint8_t> data;
    std::vector<PatternRun> pattern_runs;  // bytes:N of data, built when it is checked
    std::string text;                      // as written, for messages
};

// A packet the step's calls make the kernel send (lessons with `capture: yes`), checked
// against the real capture: "SYN,ACK from server ack=1.seq+1".
struct PacketExpectation {
    bool none = false;            // `packets: none`: the step sends nothing at all
    uint8_t tcp_flags = 0;        // exactly these TCP flag bits (core/event.h TcpFlag)
    bool udp = false;             // a UDP datagram instead
    std::string from;             // the actor whose socket sent it ("" = either)
    std::optional<int64_t> len;   // payload bytes
    bool any_tcp = false;         // `TCP`: any TCP segment, whatever its flags
    bool dropped = false;         // `dropped`: one SocketLab's link dropped (else: not dropped)
    bool retransmission = false;  // `retransmission`: its bytes were sent before
    bool fast = false;            // `fast`: a retransmission asked for by duplicate ACKs
    bool dup_ack = false;         // `dup-ack`: a duplicate ACK
    bool zero_window = false;     // `zero-window`: it advertises a window of 0
    bool window_probe = false;    // `window-probe`: a zero-window probe
    bool window_update = false;   // `window-update`: an ACK that only opens the window
    bool queue_full = false;      // `queue-full`: dropped by the link because its queue was full
    int64_t min_gap_us = 0;       // `gap>=400ms`: at least this long after the clause before it
    // seq=/ack= : a number, or a field of an earlier packet of this step plus a number.
    struct Ref {
        int packet = 0;       // 1-based index into the step's expected packets; 0 = literal
        bool of_ack = false;  // N.ack rather than N.seq
        int64_t add = 0;      // the literal, or what to add
    };
    std::optional<Ref> seq, ack;
    std::string text;  // as written
};

// `learner: run python3 examples/echo_client.py @server`: a program from the lesson's folder,
// run traced (trace/tracer.h); its calls, bytes and packets join the lesson's.
struct ProgramStep {
    std::vector<std::string> argv;  // as written: @ACTOR words are resolved when it runs
    std::string script;             // the lesson-folder file it runs, as written
    std::string folder;             // the lesson file's folder (the program's working folder)
    int64_t time_limit_us = 10'000'000;
    bool unprivileged = false;  // `unprivileged: yes`: no binding below 1024, even as root
    static constexpr int64_t kMaxTimeLimitUs = 60'000'000;
};

// What a run step says its program will do; checked when it has ended.
struct ProgramExpectation {
    enum class Kind {
        Exits,         // exit status == number
        ExitsNonzero,  // exit status != 0
        TimedOut,      // the time limit ended it
        Contains,      // its output (stdout and stderr) contains text
        Calls,         // it made the call `call` (failing with err, when err != 0)
        Sends,         // it sent `number` bytes over sockets in all
        Blocks,        // it was still running when the next step started (a server)
    };
    Kind kind = Kind::Exits;
    int64_t number = 0;
    std::string call;  // Calls: "connect", "sendto", ...
    int err = 0;
    std::string data;  // Contains
    std::string text;  // as written, for messages
};

struct Step {
    std::string file;
    int line = 0;        // where the step starts in the file
    std::string actor;   // "server", "client", "client2"
    std::string source;  // the step line as written, after "actor:"
    CallSpec spec;       // everything but the address
    std::optional<StepAddress> address;
    std::string caption;
    std::string python;                      // may hold several lines
    std::string c;                           // may hold several lines
    std::vector<Expectation> expectations;   // empty means "ok"
    std::vector<PacketExpectation> packets;  // in order; others may come between them
    int packets_line = 0;
    // `link: drop next from client`: a step of SocketLab's own link, not a socket call.
    std::optional<LinkCommand> link;
    // `wait 2s`: a pause of this long, no call at all (the kernels' timers go on); 0 = not one.
    int64_t wait_us = 0;
    // `run PROGRAM ARGS`: a traced program instead of one call (expectations below).
    std::optional<ProgramStep> program;
    std::vector<ProgramExpectation> program_expectations;
};

// One multiple-choice question of a ```quiz block.
struct QuizQuestion {
    std::string id;        // stable key for saved answers: "q1", "q2", ... in file order
    int line = 0;          // where the question starts in the file
    std::string question;  // Markdown (inline)
    std::vector<std::string> choices;  // Markdown (inline)
    size_t correct = 0;                // index into choices
    std::string explanation;           // why the right answer is right (Markdown)
};

// A quiz block: a prediction when steps follow it, the lesson's "Check yourself" at the end.
struct Quiz {
    size_t first_question = 0;  // into Lesson::questions
    size_t question_count = 0;
    size_t before_step = 0;      // the steps that have run before it is asked (its position)
    bool is_prediction = false;  // steps follow it: asked before they run
};

// The server a learner can keep open and talk to with their own client (front matter
// "try-server: KIND [HOST]").
struct TryServer {
    std::string kind;  // "tcp-echo", "udp-echo", "http", "text-protocol"; "" = none
    std::string host = "127.0.0.1";
};

// The lesson text in order: prose, then (where a steps block stood) a run of steps.
struct LessonBlock {
    enum class Kind { Prose, Steps, Quiz };
    Kind kind = Kind::Prose;
    std::string markdown;   // Prose
    int first_line = 0;     // Prose: line of the first line of markdown in the file
    size_t first_step = 0;  // Steps
    size_t step_count = 0;  // Steps
    size_t quiz = 0;        // Quiz: index into Lesson::quizzes
};

struct Lesson {
    std::string id;
    std::string title;
    int order = 0;
    std::string summary;
    std::string file;
    std::vector<LessonBlock> blocks;
    std::vector<Step> steps;
    std::vector<QuizQuestion> questions;
    std::vector<Quiz> quizzes;
    TryServer try_server;
    bool capture = false;  // front matter "capture: yes": show the packets the steps cause
    // Front matter "link: delay 20ms ...": client and server sides joined by SocketLab's link
    // (implies capture).
    std::optional<LinkSettings> link;
    // A step binds the wildcard (0.0.0.0, [::]): the lesson runs in its private network
    // namespace, as root too (lesson_reach.h).
    bool needs_private_network = false;
    // Front matter "python-prelude:" / "c-prelude:" lines, for the test that compiles each
    // actor's snippets: names the snippets take from earlier lessons (C: at file scope).
    std::string python_prelude;
    std::string c_prelude;
    // Some step runs a program from the lesson's folder (`run`): that folder must be trusted.
    bool runs_programs() const;
};

}  // namespace socketlab
