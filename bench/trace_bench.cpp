// What tracing costs: a Python program making 10,000 send/recv round trips over a socketpair,
// timed untraced, under SocketLab's Tracer, and under `strace -f -o /dev/null` (if installed).
// Prints the three times and their ratios; asserts nothing (a busy machine is slower, not wrong).
//
// Run: build/bench/socketlab_trace_bench [ROUND_TRIPS]   (default 10000)
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/event.h"
#include "trace/tracer.h"

namespace {

using Clock = std::chrono::steady_clock;

// Two threads, so every round trip is a real wait for the peer: the calls a lesson traces.
std::string script(int rounds) {
    return "import socket, threading\n"
           "a, b = socket.socketpair()\n"
           "n = " +
           std::to_string(rounds) +
           "\n"
           "def echo():\n"
           "    for _ in range(n): b.send(b.recv(64))\n"
           "t = threading.Thread(target=echo); t.start()\n"
           "for _ in range(n):\n"
           "    a.send(b'ping'); a.recv(64)\n"
           "t.join()\n";
}

// Runs argv to its end; the seconds it took, or -1 if it did not exit 0.
double run_plain(const std::vector<std::string>& argv, bool quiet = false) {
    std::vector<char*> args;  // made before fork
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const auto start = Clock::now();
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (quiet) {
            const int null = open("/dev/null", O_WRONLY);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? took : -1;
}

double run_traced(const std::vector<std::string>& argv, uint64_t& calls) {
    socketlab::trace::TraceOptions options;
    options.argv = argv;
    socketlab::trace::Tracer tracer;
    uint64_t events = 0;
    const auto start = Clock::now();
    const auto result = tracer.run(options, [&](const socketlab::Event&) { ++events; });
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    calls = result.calls;
    return result.exit_code == 0 ? took : -1;
}

bool have_strace() {
    return run_plain({"strace", "-V"}, true) >= 0;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 10000;
    const char* python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    const std::vector<std::string> program = {python, "-c", script(rounds)};
    std::printf("trace_bench: %d send/recv round trips over a socketpair (python3, 2 threads)\n",
                rounds);

    const double plain = run_plain(program);
    uint64_t calls = 0;
    const double traced = run_traced(program, calls);
    std::vector<std::string> strace_argv = {"strace", "-f", "-o", "/dev/null"};
    strace_argv.insert(strace_argv.end(), program.begin(), program.end());
    const double strace = have_strace() ? run_plain(strace_argv) : -1;

    auto show = [](const char* what, double s) {
        if (s < 0)
            std::printf("  %-10s  (not run)\n", what);
        else
            std::printf("  %-10s  %8.3f s\n", what, s);
    };
    show("untraced", plain);
    show("Tracer", traced);
    show("strace -f", strace);
    std::printf("  socket calls reported by the Tracer: %llu\n",
                static_cast<unsigned long long>(calls));
    auto ratio = [](const char* what, double a, double b) {
        if (a > 0 && b > 0) std::printf("  %-18s  %6.2f x\n", what, a / b);
    };
    ratio("Tracer / untraced", traced, plain);
    ratio("strace / untraced", strace, plain);
    ratio("Tracer / strace", traced, strace);
    return 0;
}
