// The tracer: runs a program as a child under ptrace (x86_64) and turns its socket system calls
// into the engine's own typed events (core/event.h): a CallRecord per call with the CallSpec the
// call table prints, and ProgramRecords for its start, output and exit. Each process and thread
// is an actor, "client.py[4121]" (the script's name for an interpreter). No ImGui or GL here.
//
//   socketlab::trace::TraceOptions options;
//   options.argv = {"python3", "client.py"};
//   socketlab::trace::Tracer tracer;
//   TraceResult result = tracer.run(options, [](Event e) { print(e); });  // blocks
//   // from another thread: tracer.stop();  (kills the program and everything it started)
//
// Besides the events: each process's sockets go into options.directory (SocketSource::Traced,
// actor "client.py[4121]", socket names "fd3"), with the addresses and inode the kernel has;
// on_blocking_call says when a call that waits for a peer is entered; userns_fd/netns_fd run
// the program inside the lesson's private network (LessonNetwork::namespace_fds).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/socket_directory.h"

namespace socketlab::trace {

struct TraceOptions {
    std::vector<std::string> argv;      // the program and its arguments (PATH is searched)
    double time_limit_s = 0;            // 0 = none; when reached the program is killed
    size_t keep_bytes = 64 * 1024;      // bytes kept per call (the rest is counted)
    size_t output_limit = 1024 * 1024;  // stdout+stderr bytes kept (the rest is counted)
    bool python_notes = true;           // explain Python's names for the calls once each
    // Where each process's sockets are published (after every call that changes them; an
    // empty list when the process exits). Null: not published.
    SocketDirectory* directory = nullptr;
    // Called on the tracer's thread at the entry of a call that may wait for a peer on a
    // socket (accept, recv*, read on a socket, poll/select/epoll_wait with a socket, connect on
    // a blocking socket). actor: the event's actor; call: the system call's name ("accept4").
    // The program stays stopped until it returns.
    std::function<void(const std::string& actor, const std::string& call)> on_blocking_call;
    // The lesson's private network (LessonNetwork::namespace_fds; the caller keeps and closes
    // them): the program joins these namespaces, then a user namespace of its own below them,
    // so it is an ordinary user there (a bind of port 60 fails EACCES). -1: the host's.
    int userns_fd = -1, netns_fd = -1;
    // As root without namespaces: the program runs without CAP_NET_BIND_SERVICE, so a port
    // below 1024 fails EACCES as for an ordinary user.
    bool unprivileged = false;
};

struct TraceResult {
    bool started = false;         // the program was run (false: error says why)
    std::string error;            // "program not found: foo", "not executable: ./x: ..."
    int wait_status = 0;          // as waitpid reported it for the program itself
    int exit_code = 0;            // the shell's form: the status, or 128 + signal; not
                                  // started: 127 not found, 126 not executable or setup
    bool timed_out = false;       // the time limit ended it
    bool stopped = false;         // stop() ended it
    uint64_t calls = 0;           // socket calls reported
    uint64_t output_dropped = 0;  // output bytes beyond output_limit
};

class Tracer {
  public:
    using Sink = std::function<void(Event)>;
    // Runs the program to its end (or the time limit, or stop()). The sink is called from the
    // tracer's own thread and from the output reader, never at the same time.
    TraceResult run(const TraceOptions& options, const Sink& sink);
    // Kills the program's process group and every traced process. Any thread; no wait.
    void stop();

  private:
    TraceResult run_here(const TraceOptions& options, const Sink& sink);
    void kill_all();
    std::mutex mutex_;
    std::condition_variable done_cv_;
    bool done_ = false;
    int pgid_ = 0;
    std::vector<int> tracees_;
    std::atomic<bool> stop_requested_{false};
};

// Where execvp would find the program: its path, or "" with why set.
std::string find_program(const std::string& name, std::string& why);
// The actor's name for a process: the script for an interpreter ("client.py"), else argv[0]'s
// base name. cmdline: the arguments as /proc/PID/cmdline holds them.
std::string program_display_name(const std::vector<std::string>& cmdline);

}  // namespace socketlab::trace
