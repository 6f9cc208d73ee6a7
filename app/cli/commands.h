// The headless commands. Each returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace socketlab {

int list_lessons_command(const std::string& lessons_dir);
// pcap_path: also write the lesson's captured packets there ("" = no file).
// Steps whose `packets:` cannot be checked (no capture here, or a lesson without
// `capture: yes`) are always named in the summary; require_capture makes them failures, so
// the exit status never says a packet expectation held that was not compared (CI uses it).
// A lesson with `run` steps runs programs from its folder: only SocketLab's own lessons folder,
// or any other with allow_programs (the learner has read them: they run with the user's rights).
int run_lesson_command(const std::string& lessons_dir, const std::string& id, bool json,
                       const std::string& pcap_path = "", bool require_capture = false,
                       bool allow_programs = false);

struct ServeOptions {
    std::string kind = "tcp-echo";  // or "udp-echo"
    std::string host = "127.0.0.1";
    int port = 0;
    bool allow_remote = false;
    bool json = false;
};
int serve_command(const ServeOptions& options);

struct TraceCommandOptions {
    std::vector<std::string> argv;  // the program and its arguments
    bool json = false;
    double time_limit_s = 0;  // 0 = none
    // Run it beside this lesson, in the lesson's network (its packets captured too).
    std::string lesson_id;
    std::string lessons_dir;
};
// Runs the program under the tracer, prints each event as it happens (text or JSON lines), and
// returns the program's exit status (127: it could not be run; 128+N: killed by signal N).
int trace_command(const TraceCommandOptions& options);

}  // namespace socketlab
