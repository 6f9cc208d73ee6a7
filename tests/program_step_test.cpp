// Lesson steps that run a program (lesson/program_step.h): reading them, the folder rule, and a
// real traced program run by the session, checked against its expectations.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/event_log.h"
#include "lesson/lesson_parser.h"
#include "lesson/program_step.h"
#include "lesson/session.h"

namespace socketlab {
namespace {

namespace fs = std::filesystem;

struct LessonFolder {
    fs::path dir;
    LessonFolder() {
        char name[] = "/tmp/socketlab-program-step-XXXXXX";
        dir = ::mkdtemp(name);
        fs::create_directories(dir / "examples");
    }
    ~LessonFolder() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name) << text;
    }
    std::optional<Lesson> parse(const std::string& steps, std::vector<LessonError>& errors) const {
        const std::string text =
            "---\nid: p\ntitle: P\norder: 1\n---\n# P\n\n```steps\n" + steps + "```\n";
        write("p.md", text);
        return load_lesson_file((dir / "p.md").string(), errors);
    }
};

std::string all(const std::vector<LessonError>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.to_string() + "\n";
    return out;
}

TEST(ProgramStep, ReadsTheProgramItsArgumentsAndExpectations) {
    LessonFolder folder;
    folder.write("examples/client.py", "print('hi')\n");
    std::vector<LessonError> errors;
    auto lesson = folder.parse(
        "you: run python3 examples/client.py @server \"two words\" 127.0.0.1:unused\n"
        "  caption: c\n"
        "  expect: exits 0; contains \"hi\"; calls connect fails ECONNREFUSED; sends 5; blocks\n"
        "  time-limit: 3s\n"
        "  unprivileged: yes\n",
        errors);
    ASSERT_TRUE(lesson) << all(errors);
    ASSERT_TRUE(lesson->runs_programs());
    const Step& step = lesson->steps.at(0);
    ASSERT_TRUE(step.program);
    EXPECT_EQ(step.program->script, "examples/client.py");
    EXPECT_EQ(step.program->time_limit_us, 3'000'000);
    EXPECT_TRUE(step.program->unprivileged);
    ASSERT_EQ(step.program_expectations.size(), 5u);
    EXPECT_EQ(step.program_expectations[2].kind, ProgramExpectation::Kind::Calls);
    EXPECT_EQ(step.program_expectations[2].err, ECONNREFUSED);

    std::vector<std::string> argv;
    const std::string problem = resolve_program_args(
        *step.program,
        [](const std::string& actor) {
            return actor == "server" ? *SocketAddress::parse("127.0.0.1:4242") : SocketAddress{};
        },
        [](const std::string&) { return 5151; }, argv);
    ASSERT_EQ(problem, "");
    EXPECT_EQ(argv, (std::vector<std::string>{"python3", "examples/client.py", "127.0.0.1:4242",
                                              "two words", "127.0.0.1:5151"}));
}

TEST(ProgramStep, RefusesWhatIsNotAFileOfTheLessonsFolder) {
    LessonFolder folder;
    folder.write("examples/ok.py", "pass\n");
    const std::pair<const char*, const char*> cases[] = {
        {"you: run python3 /etc/passwd\n", "absolute path"},
        {"you: run python3 ../outside.py\n", "leaves the lesson's folder"},
        {"you: run python3 examples/missing.py\n", "no such file"},
        {"you: run rm -rf x\n", "not a program of the system"},
        {"you: run python3 examples/ok.py @no!name\n", "after @"},
        {"you: run python3 examples/ok.py\n  caption: c\n  expect: exits 999\n", "'exits'"},
        {"you: run python3 examples/ok.py\n  caption: c\n  time-limit: 2h\n", "time-limit"},
        {"server: socket AF_INET SOCK_STREAM\n  caption: c\n  time-limit: 2s\n",
         "belongs to a 'run' step"},
    };
    for (const auto& [steps, why] : cases) {
        std::vector<LessonError> errors;
        folder.parse(steps, errors);
        ASSERT_FALSE(errors.empty()) << steps;
        EXPECT_NE(all(errors).find(why), std::string::npos) << steps << "\n" << all(errors);
        // FILE:LINE of the step (line 9) or of its key (line 11).
        EXPECT_TRUE(all(errors).find("p.md:9:") != std::string::npos ||
                    all(errors).find("p.md:11:") != std::string::npos)
            << all(errors);
    }
    // A symlink in the folder that leads out of it is refused when the step runs.
    fs::create_symlink("/bin/sh", folder.dir / "examples/escape");
    ProgramStep program;
    program.folder = folder.dir.string();
    program.script = "examples/escape";
    std::string why;
    EXPECT_EQ(program_path_inside_folder(program, &why), "");
    EXPECT_NE(why.find("leads out of the lesson's folder"), std::string::npos) << why;
}

TEST(ProgramStep, ChecksWhatTheProgramDid) {
    Step step;
    step.program = ProgramStep{};
    ProgramExpectation exits1{ProgramExpectation::Kind::Exits, 1, "", 0, "", "exits 1"};
    ProgramExpectation calls{ProgramExpectation::Kind::Calls, 0, "accept4", 0, "", "calls accept4"};
    step.program_expectations = {exits1, calls};
    ProgramOutcome outcome;
    outcome.started = true;
    outcome.exit_code = 1;
    outcome.calls = {{"accept", 0}};
    EXPECT_TRUE(check_program_expectations(step, outcome).passed);
    outcome.exit_code = 0;
    auto result = check_program_expectations(step, outcome);
    ASSERT_FALSE(result.passed);
    EXPECT_NE(result.problems.at(0).find("exited with status 0"), std::string::npos);
    // Without a word on how it ends, a program must succeed.
    step.program_expectations = {calls};
    outcome.timed_out = true;
    result = check_program_expectations(step, outcome);
    ASSERT_FALSE(result.passed);
    EXPECT_NE(result.problems.at(0).find("time limit"), std::string::npos);
}

TEST(ProgramStep, TheSessionRunsTheProgramTracedAndChecksIt) {
    if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
    LessonFolder folder;
    folder.write("examples/refused.py",
                 "import socket, sys\n"
                 "host, port = sys.argv[1].rsplit(':', 1)\n"
                 "socket.create_connection((host, int(port)))\n");
    folder.write("examples/bad.py", "while True:\n    pass\n  break\n");
    std::vector<LessonError> errors;
    auto lesson = folder.parse(
        "you: run python3 examples/bad.py\n"
        "  caption: a syntax error\n"
        "  expect: exits 1; contains \"IndentationError\"\n"
        "you: run python3 examples/refused.py 127.0.0.1:unused\n"
        "  caption: nothing listens there\n"
        "  expect: exits nonzero; calls connect fails ECONNREFUSED; calls socket\n",
        errors);
    ASSERT_TRUE(lesson) << all(errors);
    EventLog log;
    {
        Session refused(*lesson, log);
        std::vector<std::string> messages;
        EXPECT_FALSE(refused.run_to_end(std::chrono::seconds(10), messages));
        ASSERT_FALSE(messages.empty());
        EXPECT_NE(messages[0].find("not trusted to run programs"), std::string::npos)
            << messages[0];
    }
    Session session(*lesson, log);
    session.set_programs_allowed(true);
    std::vector<std::string> messages;
    const bool ok = session.run_to_end(std::chrono::seconds(10), messages);
    std::string text;
    for (const auto& m : messages) text += m + "\n";
    EXPECT_TRUE(ok) << text;
    const TracedProgram* program = session.step_program(1);
    ASSERT_NE(program, nullptr);
    EXPECT_NE(program->outcome().output.find("ConnectionRefusedError"), std::string::npos);
    ASSERT_FALSE(program->actors().empty());
    EXPECT_EQ(program->actors()[0].rfind("refused.py[", 0), 0u) << program->actors()[0];
}

}  // namespace
}  // namespace socketlab
