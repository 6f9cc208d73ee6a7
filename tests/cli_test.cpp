// The headless interface, run as a real process: --version, --list-lessons, --run [--json],
// --serve.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "socket_client_util.h"

extern char** environ;

namespace socketlab::test {
namespace {

// A child process with its stdout and stderr read on a thread, so it never blocks writing.
class Child {
  public:
    explicit Child(std::vector<std::string> args) {
        args.insert(args.begin(), SOCKETLAB_BINARY);
        int out[2];
        EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, out[1], 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        reader_ = std::thread([this, fd = out[0]] {
            char buf[4096];
            ssize_t n;
            while ((n = ::read(fd, buf, sizeof buf)) > 0) {
                std::lock_guard lock(mutex_);
                output_.append(buf, static_cast<size_t>(n));
                changed_.notify_all();
            }
            ::close(fd);
            std::lock_guard lock(mutex_);
            closed_ = true;  // the child has exited (or closed its output)
            changed_.notify_all();
        });
    }
    ~Child() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            wait();
        }
        if (reader_.joinable()) reader_.join();
    }
    // Waits until the output contains text (true) or the timeout passes.
    bool wait_for_output(const std::string& text,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout,
                                 [&] { return output_.find(text) != std::string::npos; });
    }
    // Waits for the child to exit; kills it if it has not within the timeout.
    int wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
        {
            std::unique_lock lock(mutex_);
            if (!changed_.wait_for(lock, timeout, [&] { return closed_; })) {
                ADD_FAILURE() << "the child did not exit in time; killing it";
                ::kill(pid_, SIGKILL);
            }
        }
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        if (reader_.joinable()) reader_.join();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    void signal(int sig) { ::kill(pid_, sig); }
    std::string output() {
        std::lock_guard lock(mutex_);
        return output_;
    }

  private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::thread reader_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string output_;
    bool closed_ = false;
};

struct Result {
    int status;
    std::string output;
};

Result run(std::vector<std::string> args) {
    Child child(std::move(args));
    int status = child.wait();
    return {status, child.output()};
}

TEST(Cli, VersionAndHelp) {
    Result version = run({"--version"});
    EXPECT_EQ(version.status, 0);
    EXPECT_NE(version.output.find("socketlab "), std::string::npos);
    Result help = run({"--help"});
    EXPECT_EQ(help.status, 0);
    for (const char* option :
         {"--run", "--json", "--serve", "--list-lessons", "--screenshot", "--lessons"})
        EXPECT_NE(help.output.find(option), std::string::npos) << option;
}

TEST(Cli, ListLessonsPrintsIdTabTitleInOrder) {
    Result r = run({"--lessons", SOCKETLAB_LESSONS_DIR, "--list-lessons"});
    EXPECT_EQ(r.status, 0) << r.output;
    std::istringstream lines(r.output);
    std::vector<std::string> ids;
    for (std::string line; std::getline(lines, line);) {
        auto tab = line.find('\t');
        ASSERT_NE(tab, std::string::npos) << line;
        EXPECT_GT(line.size(), tab + 1) << "no title: " << line;
        ids.push_back(line.substr(0, tab));
    }
    // The course: every lesson of the curriculum, in this order (packet lessons in between).
    const std::vector<std::string> course = {"sockets",
                                             "addresses-ports",
                                             "name-resolution",
                                             "tcp-echo",
                                             "tcp-stream",
                                             "udp-datagrams",
                                             "tcp-vs-udp",
                                             "connection-close",
                                             "data-encoding",
                                             "text-protocols",
                                             "http-by-hand",
                                             "many-clients",
                                             "blocking-nonblocking",
                                             "unix-sockets",
                                             "ipv6"};
    std::vector<std::string> in_course;
    for (const auto& id : ids)
        if (std::find(course.begin(), course.end(), id) != course.end()) in_course.push_back(id);
    EXPECT_EQ(in_course, course);
}

TEST(Cli, RunJsonPrintsOneEventPerLineInTimeOrder) {
    Child child({"--lessons", SOCKETLAB_LESSONS_DIR, "--run", "tcp-echo", "--json"});
    ASSERT_EQ(child.wait(), 0) << child.output();
    std::istringstream lines(child.output());
    int64_t last_t = -1;
    int calls = 0;
    bool saw_refused = false, saw_hello = false;
    const std::string hello_hex = "48656c6c6f206b61726c";  // "Hello karl"
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] != '{') continue;  // the summary line on stderr
        auto j = nlohmann::json::parse(line);
        ASSERT_TRUE(j.contains("kind") && j.contains("t_us") && j.contains("actor")) << line;
        int64_t t = j["t_us"];
        EXPECT_GE(t, last_t);
        last_t = t;
        if (j["kind"] != "call") continue;
        ++calls;
        ASSERT_TRUE(j.contains("call") && j.contains("ret")) << line;
        if (j["ret"].get<int64_t>() < 0) {
            EXPECT_TRUE(j.contains("errno")) << line;
        } else {
            EXPECT_FALSE(j.contains("errno")) << line;
        }
        if (j.value("errno", "") == "ECONNREFUSED") saw_refused = true;
        if (j["call"] == "send" && j.value("bytes_hex", "") == hello_hex) {
            saw_hello = true;
            EXPECT_TRUE(j.contains("local") && j.contains("peer")) << line;
            std::string peer = j["peer"];
            EXPECT_EQ(peer.rfind("127.0.0.1:", 0), 0u) << peer;
        }
    }
    EXPECT_GT(calls, 10);
    EXPECT_TRUE(saw_refused) << "tcp-echo shows the wrong-port mistake (ECONNREFUSED)";
    EXPECT_TRUE(saw_hello);
}

TEST(Cli, UnknownLessonIsAClearNonZeroExit) {
    Result r = run({"--lessons", SOCKETLAB_LESSONS_DIR, "--run", "no-such-lesson"});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("no lesson with id 'no-such-lesson'"), std::string::npos) << r.output;
}

TEST(Cli, FailedExpectationExitsNonZeroWithFileAndLine) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("socketlab-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "wrong.md") << "---\nid: wrong\ntitle: Wrong\norder: 1\n---\n"
                                       "```steps\nclient: socket AF_INET SOCK_STREAM\n"
                                       "  caption: a socket\n"
                                       "client: connect 127.0.0.1:unused\n"
                                       "  caption: this claims it works, but nobody listens\n"
                                       "  expect: ok\n```\n";
    std::ofstream(dir / "broken.md") << "---\nid: broken\n---\n";
    Result r = run({"--lessons", dir.string(), "--run", "wrong"});
    Result list = run({"--lessons", dir.string(), "--list-lessons"});
    fs::remove_all(dir);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("wrong.md:9: step 2"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("ECONNREFUSED"), std::string::npos) << r.output;
    EXPECT_NE(list.status, 0);
    EXPECT_NE(list.output.find("wrong\tWrong"), std::string::npos) << list.output;
    EXPECT_NE(list.output.find("broken.md:1:"), std::string::npos) << list.output;
}

TEST(Cli, ServeEchoesBinaryDataSurvivesResetsAndStopsCleanlyOnSigterm) {
    Child server({"--serve", "tcp-echo", "--port", "0"});
    ASSERT_TRUE(server.wait_for_output("listening on ")) << server.output();
    std::string out = server.output();
    auto start = out.find("listening on ") + 13;
    auto address = SocketAddress::parse(out.substr(start, out.find('\n', start) - start));
    ASSERT_TRUE(address) << out;

    int rude = connect_to(*address);
    ASSERT_GE(rude, 0);
    ASSERT_TRUE(send_all(rude, random_bytes(100000, 9)));
    abort_connection(rude);

    int fd = connect_to(*address);
    ASSERT_GE(fd, 0);
    auto payload = random_bytes(2 * 1024 * 1024, 11);
    EXPECT_EQ(echo_round_trip(fd, payload), payload);
    ::close(fd);

    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(), 0) << server.output();
    EXPECT_NE(server.output().find("accept"), std::string::npos);
}

TEST(Cli, ServeRefusesANonLoopbackHostWithoutAllowRemote) {
    Result r = run({"--serve", "tcp-echo", "--host", "0.0.0.0"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find("--allow-remote"), std::string::npos) << r.output;
}

TEST(Cli, ServeReportsAPortInUse) {
    Child first({"--serve", "udp-echo"});
    ASSERT_TRUE(first.wait_for_output("listening on ")) << first.output();
    std::string out = first.output();
    auto start = out.find("listening on ") + 13;
    std::string port = out.substr(out.find(':', start) + 1);
    port = port.substr(0, port.find('\n'));
    Result second = run({"--serve", "udp-echo", "--port", port});
    EXPECT_EQ(second.status, 1);
    EXPECT_NE(second.output.find("EADDRINUSE"), std::string::npos) << second.output;
    first.signal(SIGINT);
    EXPECT_EQ(first.wait(), 0);
}

}  // namespace
}  // namespace socketlab::test
