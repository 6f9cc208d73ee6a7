// [SECTION] index
//   Reading      the step line, its keys, its expectations
//   Running      the folder rule, resolving the arguments
//   Checking     the expectations against what the program did
#include "lesson/program_step.h"

#include <limits.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/calls/call_args.h"
#include "core/errno_text.h"
#include "core/event.h"
#include "lesson/step_parser.h"

namespace socketlab {
namespace {

std::string folder_of(const std::string& file) {
    const auto slash = file.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : file.substr(0, slash);
}

// A path a lesson may name: relative, inside its folder by its words alone (no "..").
std::string check_relative_path(const std::string& path) {
    if (path.empty()) return "an empty path";
    if (path[0] == '/')
        return "'" + path + "' is an absolute path: a step runs only files of its lesson's folder";
    size_t from = 0;
    while (from <= path.size()) {
        const size_t slash = path.find('/', from);
        const std::string part =
            path.substr(from, slash == std::string::npos ? std::string::npos : slash - from);
        if (part == "..")
            return "'" + path + "' leaves the lesson's folder ('..'): a step runs only files of " +
                   "its lesson's folder";
        if (slash == std::string::npos) break;
        from = slash + 1;
    }
    for (const char c : path)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "a path with a control character in it";
    return "";
}

// A quoted word is the text between its quotes, C escapes read; others are as written.
bool unquote(const std::string& word, std::string& out, std::string& error) {
    if (word.size() < 2 || word.front() != '"') {
        out = word;
        return true;
    }
    std::vector<uint8_t> bytes;
    std::vector<PatternRun> runs;
    size_t used = 0;
    if (!parse_data_words({word}, 0, bytes, runs, used, error)) return false;
    out.assign(bytes.begin(), bytes.end());
    return true;
}

// "@server", "@server:port", "@server:host" -> actor and part; false if not that form.
bool split_actor_word(const std::string& word, std::string& actor, std::string& part) {
    if (word.size() < 2 || word[0] != '@') return false;
    const auto colon = word.find(':');
    actor = word.substr(1, colon == std::string::npos ? std::string::npos : colon - 1);
    part = colon == std::string::npos ? "" : word.substr(colon + 1);
    return true;
}

}  // namespace

// [SECTION] Reading
std::string parse_program_step(const std::vector<std::string>& words,
                               const std::string& lesson_file, Step& step) {
    if (words.size() < 2)
        return "'run' needs a program: 'run python3 examples/client.py' or 'run ./examples/tool'";
    ProgramStep program;
    program.folder = folder_of(lesson_file);
    size_t first_arg = 2;
    if (words[1] == "python3" || words[1] == "python") {
        if (words.size() < 3) return "'run " + words[1] + "' needs a script of the lesson's folder";
        program.script = words[2];
        program.argv = {"python3", words[2]};
        first_arg = 3;
    } else if (words[1].find('/') != std::string::npos) {
        program.script = words[1];
        program.argv = {words[1]};
    } else {
        return "'run " + words[1] +
               "': a step runs python3 SCRIPT or a program of the lesson's folder "
               "(./NAME), not a program of the system";
    }
    if (std::string why = check_relative_path(program.script); !why.empty()) return why;
    struct stat st {};
    const std::string path = program.folder + "/" + program.script;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return "'" + program.script + "': no such file in the lesson's folder (" + program.folder +
               ")";
    for (size_t i = first_arg; i < words.size(); ++i) {
        std::string arg, error;
        if (words[i] == ";") return "';' in a run step's arguments (quote it: \";\")";
        if (!unquote(words[i], arg, error)) return error;
        std::string actor, part;
        if (words[i][0] != '"' && split_actor_word(arg, actor, part)) {
            if (!is_actor_name(actor))
                return "'" + arg + "': after @ comes an actor's name (@server, @server:port)";
            if (!part.empty() && part != "port" && part != "host")
                return "'" + arg + "': write @" + actor + ", @" + actor + ":port or @" + actor +
                       ":host";
        }
        program.argv.push_back(words[i][0] == '"' ? "\"" + arg : arg);
    }
    step.spec.op = CallOp::Socket;  // unused: a run step makes no call of its own
    step.program = std::move(program);
    return "";
}

bool parse_program_key(const std::string& key, const std::string& value, Step& step,
                       std::string* problem) {
    problem->clear();
    if (key != "time-limit" && key != "unprivileged") return false;
    if (!step.program) {
        *problem = "'" + key + ":' belongs to a 'run' step";
        return true;
    }
    if (key == "time-limit") {
        if (!parse_duration(value, 100'000, ProgramStep::kMaxTimeLimitUs,
                            step.program->time_limit_us))
            *problem =
                "'time-limit: " + value + "': write a whole number of ms or s, from 100ms to 60s";
    } else if (value == "yes" || value == "no") {
        step.program->unprivileged = value == "yes";
    } else {
        *problem = "'unprivileged:' is yes or no";
    }
    return true;
}

std::string parse_program_expectations(const std::vector<std::string>& words, Step& step) {
    size_t i = 0;
    auto number_after = [&](long long& n) {
        return i + 1 < words.size() && parse_int(words[i + 1], 0, 1LL << 40, n);
    };
    while (i < words.size()) {
        if (words[i] == ";" || words[i] == ",") {
            ++i;
            continue;
        }
        ProgramExpectation e;
        const std::string& w = words[i];
        long long n = 0;
        if (w == "exits") {
            if (i + 1 < words.size() && words[i + 1] == "nonzero") {
                e.kind = ProgramExpectation::Kind::ExitsNonzero;
            } else if (number_after(n) && n <= 255) {
                e.kind = ProgramExpectation::Kind::Exits;
                e.number = n;
            } else {
                return "'exits' needs a status (0 to 255) or 'nonzero' after it";
            }
            e.text = "exits " + words[i + 1];
            i += 2;
        } else if (w == "timed-out") {
            e.kind = ProgramExpectation::Kind::TimedOut;
            e.text = w;
            ++i;
        } else if (w == "blocks") {
            e.kind = ProgramExpectation::Kind::Blocks;
            e.text = w;
            ++i;
        } else if (w == "sends") {
            if (!number_after(n)) return "'sends' needs a number of bytes after it";
            e.kind = ProgramExpectation::Kind::Sends;
            e.number = n;
            e.text = "sends " + words[i + 1];
            i += 2;
        } else if (w == "contains") {
            std::vector<uint8_t> bytes;
            std::vector<PatternRun> runs;
            size_t used = 0;
            std::string error;
            if (i + 1 >= words.size()) return "'contains' needs the text after it";
            if (!parse_data_words(words, i + 1, bytes, runs, used, error)) return error;
            if (!runs.empty()) return "'contains' of a program's output takes text, not bytes:N";
            e.kind = ProgramExpectation::Kind::Contains;
            e.data.assign(bytes.begin(), bytes.end());
            e.text = "contains";
            for (size_t k = 0; k < used; ++k) e.text += " " + words[i + 1 + k];
            i += 1 + used;
        } else if (w == "calls") {
            if (i + 1 >= words.size() || traced_call_names(words[i + 1]).empty())
                return "'calls' needs a socket call's name after it (socket, connect, accept4, "
                       "sendto, ...)";
            e.kind = ProgramExpectation::Kind::Calls;
            e.call = words[i + 1];
            e.text = "calls " + e.call;
            i += 2;
            if (i < words.size() && words[i] == "fails") {
                if (i + 1 >= words.size()) return "'fails' needs an errno name after it";
                auto err = errno_from_name(words[i + 1]);
                if (!err) return "unknown errno name '" + words[i + 1] + "'";
                e.err = *err;
                e.text += " fails " + words[i + 1];
                i += 2;
            }
        } else {
            return "cannot read expectation '" + w +
                   "' of a run step (use exits N, exits nonzero, timed-out, contains \"...\", "
                   "calls NAME [fails ENAME], sends N, blocks)";
        }
        step.program_expectations.push_back(std::move(e));
    }
    if (step.program_expectations.empty()) return "'expect:' is empty";
    return "";
}

std::vector<std::string> traced_call_names(const std::string& written) {
    static const std::vector<std::pair<std::string, std::vector<std::string>>> kAliases = {
        {"accept4", {"accept"}},
        {"sendto", {"send", "sendto"}},
        {"sendmsg", {"send", "sendto"}},
        {"sendmmsg", {"send", "sendto"}},
        {"write", {"send"}},
        {"recvfrom", {"recv", "recvfrom"}},
        {"recvmsg", {"recv", "recvfrom"}},
        {"recvmmsg", {"recv", "recvfrom"}},
        {"read", {"recv"}},
        {"ppoll", {"poll"}},
        {"select", {"poll"}},
        {"pselect6", {"poll"}},
        {"epoll_wait", {"poll"}},
        {"fcntl", {"setblocking"}},
    };
    for (const auto& [name, names] : kAliases)
        if (written == name) return names;
    for (int op = 0; op <= static_cast<int>(CallOp::Handoff); ++op)
        if (written == call_op_name(static_cast<CallOp>(op))) return {written};
    return {};
}

// [SECTION] Running
std::string program_path_inside_folder(const ProgramStep& program, std::string* why) {
    const std::string joined = program.folder + "/" + program.script;
    std::unique_ptr<char, decltype(&std::free)> folder(::realpath(program.folder.c_str(), nullptr),
                                                       &std::free);
    std::unique_ptr<char, decltype(&std::free)> file(::realpath(joined.c_str(), nullptr),
                                                     &std::free);
    if (!folder || !file) {
        *why = "'" + program.script + "' is not in the lesson's folder any more (" +
               program.folder + ")";
        return "";
    }
    const std::string base = std::string(folder.get()) + "/";
    std::string real = file.get();
    if (real.compare(0, base.size(), base) != 0) {
        *why = "'" + program.script + "' leads out of the lesson's folder (to " + real +
               "): a step runs only files of its lesson's folder";
        return "";
    }
    return real;
}

std::string resolve_program_args(const ProgramStep& program,
                                 const std::function<SocketAddress(const std::string&)>& address_of,
                                 const std::function<int(const std::string&)>& unused_port,
                                 std::vector<std::string>& argv) {
    argv.clear();
    const size_t first_arg = program.argv.size() > 1 && program.argv[0] == "python3" ? 2 : 1;
    for (size_t i = 0; i < program.argv.size(); ++i) {
        const std::string& word = program.argv[i];
        if (i < first_arg) {
            argv.push_back(word);
            continue;
        }
        if (!word.empty() && word[0] == '"') {  // quoted: as written, never resolved
            argv.push_back(word.substr(1));
            continue;
        }
        std::string actor, part;
        if (split_actor_word(word, actor, part)) {
            const SocketAddress a = address_of(actor);
            if (a.empty())
                return "'" + word + "': " + actor +
                       " has no address yet (it has not bound a socket, or is not an actor of "
                       "this lesson)";
            argv.push_back(part == "port"   ? std::to_string(a.port())
                           : part == "host" ? a.host_string()
                                            : a.to_string());
            continue;
        }
        static const std::string kUnused = ":unused";
        if (word.size() > kUnused.size() &&
            word.compare(word.size() - kUnused.size(), kUnused.size(), kUnused) == 0) {
            std::string host = word.substr(0, word.size() - kUnused.size());
            if (host.size() > 2 && host.front() == '[' && host.back() == ']')
                host = host.substr(1, host.size() - 2);
            const int port = unused_port(host);
            if (port <= 0) return "'" + word + "': no unused port could be found on " + host;
            const auto a = SocketAddress::parse(
                (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                std::to_string(port));
            argv.push_back(a ? a->to_string() : host + ":" + std::to_string(port));
            continue;
        }
        argv.push_back(word);
    }
    return "";
}

// [SECTION] Checking
ExpectationResult check_program_expectations(const Step& step, const ProgramOutcome& outcome) {
    ExpectationResult result;
    if (!outcome.started) {
        result.problems.push_back("the program did not run: " + outcome.error);
        return result;
    }
    auto ended = [&]() -> std::string {
        if (outcome.timed_out) return "the time limit ended it";
        if (outcome.stopped) return "it was stopped";
        return "it exited with status " + std::to_string(outcome.exit_code);
    };
    auto expects = [&](ProgramExpectation::Kind kind) {
        return std::any_of(step.program_expectations.begin(), step.program_expectations.end(),
                           [&](const ProgramExpectation& e) { return e.kind == kind; });
    };
    // Without a word on how it ends, a program is expected to succeed.
    if (!expects(ProgramExpectation::Kind::Exits) &&
        !expects(ProgramExpectation::Kind::ExitsNonzero) &&
        !expects(ProgramExpectation::Kind::TimedOut) &&
        (outcome.timed_out || outcome.stopped || outcome.exit_code != 0)) {
        std::string problem = "expected the program to exit with 0, but " + ended();
        if (!outcome.output.empty()) {
            std::string last = outcome.output.substr(
                outcome.output.size() > 200 ? outcome.output.size() - 200 : 0);
            while (!last.empty() && (last.back() == '\n' || last.back() == '\r')) last.pop_back();
            problem += "; its output ends: " + to_printable({last.begin(), last.end()});
        }
        result.problems.push_back(problem);
    }
    for (const ProgramExpectation& e : step.program_expectations) {
        using Kind = ProgramExpectation::Kind;
        switch (e.kind) {
            case Kind::Exits:
                if (outcome.timed_out || outcome.stopped || outcome.exit_code != e.number)
                    result.problems.push_back("expected it to " + e.text + ", but " + ended());
                break;
            case Kind::ExitsNonzero:
                if (outcome.timed_out || outcome.stopped || outcome.exit_code == 0)
                    result.problems.push_back("expected it to exit with an error, but " + ended());
                break;
            case Kind::TimedOut:
                if (!outcome.timed_out)
                    result.problems.push_back("expected it to run until its time limit, but " +
                                              ended());
                break;
            case Kind::Contains:
                if (outcome.output.find(e.data) == std::string::npos)
                    result.problems.push_back(
                        "expected its output to contain " +
                        show_bytes({e.data.begin(), e.data.end()}) + ", but it was " +
                        show_bytes({outcome.output.begin(), outcome.output.end()}));
                break;
            case Kind::Calls: {
                const auto names = traced_call_names(e.call);
                bool made = false, failed_so = false;
                for (const auto& [name, err] : outcome.calls) {
                    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
                    made = true;
                    failed_so = failed_so || (e.err != 0 && err == e.err);
                }
                if (!made)
                    result.problems.push_back("expected it to call " + e.call +
                                              ", but it never did");
                else if (e.err != 0 && !failed_so)
                    result.problems.push_back("expected its " + e.call + " to fail with " +
                                              errno_name(e.err) + ", but none did");
                break;
            }
            case Kind::Sends:
                if (outcome.bytes_sent != static_cast<uint64_t>(e.number))
                    result.problems.push_back("expected it to send " + std::to_string(e.number) +
                                              " bytes, but it sent " +
                                              std::to_string(outcome.bytes_sent));
                break;
            case Kind::Blocks:
                if (!outcome.outlived_step)
                    result.problems.push_back(
                        "expected it to keep running while the next step started, but it had "
                        "ended");
                break;
        }
    }
    result.passed = result.problems.empty();
    return result;
}

}  // namespace socketlab
