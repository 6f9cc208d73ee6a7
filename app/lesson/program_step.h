// A lesson step that runs a program: `learner: run python3 examples/echo_client.py @server`.
// Reading it (parse_program_step and its keys), the rule of what it may run (a file of the
// lesson's own folder, by python3 or as an executable there), its arguments resolved when it
// runs (@ACTOR, @ACTOR:port, @ACTOR:host, HOST:unused), and its expectations checked against
// what the traced program did. Pure: no sockets, no threads (the session runs the program).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/address.h"
#include "lesson/expectation_check.h"
#include "lesson/lesson.h"

namespace socketlab {

// words: the step line after "ACTOR:", starting with "run". lesson_file: where the step is
// (its folder is the program's folder). "" or the problem.
std::string parse_program_step(const std::vector<std::string>& words,
                               const std::string& lesson_file, Step& step);
// The keys only run steps take: `time-limit: 5s`, `unprivileged: yes`. Returns false if key is
// not one of them; else *problem is "" or what is wrong with the value.
bool parse_program_key(const std::string& key, const std::string& value, Step& step,
                       std::string* problem);
// `expect:` of a run step: exits N; exits nonzero; timed-out; contains "..."; calls NAME
// [fails ENAME]; sends N; blocks. "" or the problem.
std::string parse_program_expectations(const std::vector<std::string>& words, Step& step);

// The program's file, checked again when it runs (the folder may have changed since it was
// read): its real path, inside the real path of the lesson's folder. "" with *why set if not.
std::string program_path_inside_folder(const ProgramStep& program, std::string* why);

// The argv to run: @ACTOR words replaced by address_of(actor) (empty: not bound yet), and
// HOST:unused by a port unused_port(host) found free (0: none). "" or the problem.
std::string resolve_program_args(const ProgramStep& program,
                                 const std::function<SocketAddress(const std::string&)>& address_of,
                                 const std::function<int(const std::string&)>& unused_port,
                                 std::vector<std::string>& argv);

// What a traced program did, as the session saw it.
struct ProgramOutcome {
    bool started = false;
    std::string error;  // it could not be run: why
    int exit_code = 0;  // the shell's form: the status, or 128 + signal
    bool timed_out = false;
    bool stopped = false;                            // the learner (or a reset) stopped it
    bool outlived_step = false;                      // still running when the next step started
    std::string output;                              // stdout and stderr, as far as kept
    std::vector<std::pair<std::string, int>> calls;  // (call table name, errno or 0), distinct
    uint64_t bytes_sent = 0;
};

ExpectationResult check_program_expectations(const Step& step, const ProgramOutcome& outcome);

// "accept4" -> {"accept"}, "sendto" -> {"send", "sendto"}: the call table names under which
// the tracer reports a system call a lesson names (the table's own names map to themselves).
std::vector<std::string> traced_call_names(const std::string& written);

}  // namespace socketlab
