// The Python and C lines the lessons show beside each step are real code: each actor's
// `python:` lines, in step order, compile with Python 3, and each actor's `c:` lines, inside
// one function with the usual headers, compile with `cc -fsyntax-only`. A lesson's front
// matter may add prelude lines (python-prelude, c-prelude) for names from earlier lessons.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "lesson/lesson_library.h"

namespace socketlab {
namespace {

namespace fs = std::filesystem;

// Runs a shell command, returns its exit status and what it printed (stdout and stderr).
int run(const std::string& command, std::string& output) {
    output.clear();
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return -1;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool have_tool(const std::string& name) {
    std::string out;
    return run("command -v " + name, out) == 0;
}

std::string scratch_dir() {
    char tmpl[] = "/tmp/socketlab-snippets-XXXXXX";
    const char* dir = mkdtemp(tmpl);
    return dir ? dir : "";
}

// Actors in the order they first act, each with its steps in script order.
std::vector<std::pair<std::string, std::vector<const Step*>>> steps_by_actor(const Lesson& l) {
    std::vector<std::pair<std::string, std::vector<const Step*>>> actors;
    for (const auto& step : l.steps) {
        auto it = std::find_if(actors.begin(), actors.end(),
                               [&](const auto& a) { return a.first == step.actor; });
        if (it == actors.end()) it = actors.insert(actors.end(), {step.actor, {}});
        it->second.push_back(&step);
    }
    return actors;
}

// Actor names as C identifiers (and file names).
std::string c_safe(const std::string& actor) {
    std::string name;
    for (char ch : actor) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return name;
}

int count_lines(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// Compiles each file named on the command line (one process for all: Python starts slowly);
// prints "INDEX LINE message" for each that does not compile.
const char* kPythonCheck =
    "import sys\n"
    "for i, path in enumerate(sys.argv[1:]):\n"
    "    try:\n"
    "        compile(open(path).read(), path, 'exec')\n"
    "    except SyntaxError as e:\n"
    "        print(i, e.lineno or 0, e.msg)\n";

TEST(LessonSnippets, EachActorsPythonCompiles) {
    if (!have_tool("python3")) GTEST_SKIP() << "python3 not found";
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    ASSERT_FALSE(library.lessons.empty());
    const std::string dir = scratch_dir();
    ASSERT_FALSE(dir.empty());
    const std::string checker = dir + "/check.py";
    std::ofstream(checker) << kPythonCheck;
    struct Source {
        std::string where;  // "lessons/x.md", actor
        std::string actor;
        std::vector<int> origin;  // source line -> the lesson line of its step
    };
    std::vector<Source> sources;
    std::string command = "python3 " + checker;
    for (const auto& lesson : library.lessons) {
        for (const auto& [actor, steps] : steps_by_actor(lesson)) {
            Source source{lesson.file, actor, {}};
            std::string src = lesson.python_prelude;
            source.origin.assign(count_lines(src), 0);
            for (const Step* step : steps) {
                if (step->python.empty()) continue;
                src += step->python + "\n";
                source.origin.resize(count_lines(src), step->line);
            }
            const std::string path =
                dir + "/" + std::to_string(sources.size()) + "-" + c_safe(actor) + ".py";
            std::ofstream(path) << src;
            command += " " + path;
            sources.push_back(std::move(source));
        }
    }
    EXPECT_GT(sources.size(), 30u);
    std::string out;
    ASSERT_EQ(run(command, out), 0) << out;
    std::istringstream lines(out);
    size_t index = 0;
    int line = 0;
    std::string message;
    while (lines >> index >> line && std::getline(lines, message)) {
        ASSERT_LT(index, sources.size()) << out;
        const Source& s = sources[index];
        const int at =
            line >= 1 && line <= static_cast<int>(s.origin.size()) ? s.origin[line - 1] : 0;
        ADD_FAILURE() << s.where << ":" << at << ": actor " << s.actor
                      << "'s python: lines do not compile:" << message;
    }
    fs::remove_all(dir);
}

const char* kCHeaders =
    "#include <arpa/inet.h>\n#include <errno.h>\n#include <fcntl.h>\n#include <netdb.h>\n"
    "#include <netinet/in.h>\n#include <netinet/tcp.h>\n#include <poll.h>\n#include <pthread.h>\n"
    "#include <signal.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n#include "
    "<stdlib.h>\n"
    "#include <string.h>\n#include <sys/socket.h>\n#include <sys/time.h>\n"
    "#include <sys/types.h>\n#include <sys/un.h>\n#include <unistd.h>\n";

TEST(LessonSnippets, EachActorsCCompiles) {
    if (!have_tool("cc")) GTEST_SKIP() << "cc not found";
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    ASSERT_FALSE(library.lessons.empty());
    const std::string dir = scratch_dir();
    ASSERT_FALSE(dir.empty());
    for (const auto& lesson : library.lessons) {
        // #line points the compiler's messages at the lesson file's steps.
        std::string src = kCHeaders;
        src += "#line 1 \"" + lesson.file + " (c-prelude)\"\n" + lesson.c_prelude;
        for (const auto& [actor, steps] : steps_by_actor(lesson)) {
            src += "int actor_" + c_safe(actor) + "(void) {\n";
            for (const Step* step : steps) {
                if (step->c.empty()) continue;
                src += "#line " + std::to_string(step->line) + " \"" + lesson.file + "\"\n";
                src += step->c + "\n";
            }
            src += "return 0;\n}\n";
        }
        const std::string path = dir + "/" + lesson.id + ".c";
        std::ofstream(path) << src;
        std::string out;
        // Undeclared functions (a `sendall()` in C) must fail, as they do in modern C.
        const int rc =
            run("cc -std=gnu11 -fsyntax-only -Werror=implicit-function-declaration "
                "-Werror=implicit-int -Werror=int-conversion " +
                    path,
                out);
        EXPECT_EQ(rc, 0) << lesson.id << "'s c: lines do not compile:\n" << out;
    }
    fs::remove_all(dir);
}

// Where a lesson shows a call failing, its C shows at least once how a program sees that:
// the -1 result and errno, not only a comment.
TEST(LessonSnippets, FailingCallsShowTheErrorCheckOncePerLesson) {
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    const std::regex check(R"((==\s*-1|<\s*0)[^\n]*)");
    for (const auto& lesson : library.lessons) {
        bool has_errno_failure = false;
        bool shows_check = false;
        for (const auto& step : lesson.steps) {
            bool fails = false;
            for (const auto& e : step.expectations)
                fails |=
                    e.kind == Expectation::Kind::Fails && e.text.find("EAI_") == std::string::npos;
            if (!fails) continue;
            has_errno_failure = true;
            shows_check |=
                std::regex_search(step.c, check) && (step.c.find("errno") != std::string::npos ||
                                                     step.c.find("perror") != std::string::npos);
        }
        if (has_errno_failure) {
            EXPECT_TRUE(shows_check) << lesson.file
                                     << ": no failing step's c: lines test the -1 result and "
                                        "errno (e.g. `if (bind(...) == -1) perror(\"bind\");`)";
        }
    }
}

}  // namespace
}  // namespace socketlab
