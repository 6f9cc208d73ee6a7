#include "cli/commands.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/serve_output.h"
#include "cli/transcript.h"
#include "core/errno_text.h"
#include "core/lesson_server.h"
#include "lesson/lesson_library.h"
#include "lesson/run_record.h"
#include "lesson/session.h"
#include "paths/data_paths.h"
#include "trace/tracer.h"

namespace socketlab {
namespace {

constexpr auto kStepTimeout = std::chrono::milliseconds(5000);

void print_library_errors(const LessonLibrary& library) {
    for (const auto& e : library.errors) std::cerr << e.to_string() << '\n';
}

}  // namespace

int list_lessons_command(const std::string& lessons_dir) {
    LessonLibrary library = load_lesson_library(lessons_dir);
    for (const auto& lesson : library.lessons)
        std::cout << lesson.id << '\t' << lesson.title << '\n';
    print_library_errors(library);
    return library.errors.empty() ? 0 : 2;
}

int run_lesson_command(const std::string& lessons_dir, const std::string& id, bool json,
                       const std::string& pcap_path, bool require_capture, bool allow_programs) {
    LessonLibrary library = load_lesson_library(lessons_dir);
    const Lesson* lesson = library.find(id);
    if (!lesson) {
        print_library_errors(library);
        std::cerr << "socketlab: no lesson with id '" << id << "' in " << lessons_dir;
        if (!library.lessons.empty()) {
            std::cerr << " (known:";
            for (const auto& l : library.lessons) std::cerr << ' ' << l.id;
            std::cerr << ")";
        }
        std::cerr << '\n';
        return 2;
    }
    const bool trusted = is_shipped_lessons_dir(lessons_dir) || allow_programs;
    if (lesson->runs_programs() && !trusted) {
        std::cerr << "socketlab: lesson '" << id << "' runs programs from " << lessons_dir
                  << ", which is not SocketLab's own lessons folder; they would run with your "
                     "rights. Read them first, then add --allow-programs to let them run.\n";
        return 2;
    }
    EventLog log;
    std::vector<std::string> messages;
    bool ok;
    std::vector<CapturedPacket> packets;
    std::string capture_problem;
    {
        Session session(*lesson, log);
        session.set_programs_allowed(trusted);
        ok = session.run_to_end(kStepTimeout, messages);
        packets = session.captured_packets();
        capture_problem = session.capture_problem();
        if (session.network() && capture_problem.empty())
            std::cerr << "socketlab: " << session.network()->describe() << '\n';
    }  // the session's engine is shut down here, so every event is in the log
    if (!capture_problem.empty()) std::cerr << "socketlab: " << capture_problem << '\n';
    // `packets:` the session could not compare with a capture: never passed in silence.
    std::string unchecked_why;
    if (!lesson->capture)
        unchecked_why = "the lesson does not capture (no 'capture: yes')";
    else if (!capture_problem.empty())
        unchecked_why = "no capture here";
    size_t unchecked = 0;
    if (!unchecked_why.empty())
        for (const auto& step : lesson->steps)
            if (!step.packets.empty()) ++unchecked;
    const bool capture_missing = lesson->capture && !capture_problem.empty();
    if (require_capture && capture_missing) {
        messages.push_back("capture is required (--require-capture) but there is none: " +
                           capture_problem);
        ok = false;
    }
    if (require_capture && unchecked > 0 && !capture_missing) {
        messages.push_back("the 'packets:' of " + std::to_string(unchecked) + " step" +
                           (unchecked == 1 ? "" : "s") + " cannot be checked: " + unchecked_why);
        ok = false;
    }
    if (!pcap_path.empty()) {
        std::string error;
        if (!lesson->capture) {
            std::cerr << "socketlab: lesson '" << id
                      << "' does not capture packets (no 'capture: yes'); no pcap file written\n";
            ok = false;
        } else if (!write_capture_file(pcap_path, packets, &error)) {
            std::cerr << "socketlab: " << error << '\n';
            ok = false;
        } else {
            std::cerr << "socketlab: wrote " << packets.size() << " packets to " << pcap_path
                      << '\n';
        }
    }
    // The whole run, as the window records it (unbounded here: every event is printed).
    RunRecord record(RunRecord::unbounded());
    record.take_from(log);
    if (!json)
        std::cout << lesson->title << " (" << lesson->id << ", " << lesson->steps.size()
                  << " steps)\n";
    // Workers stamp the time just before they append; order strictly by time for readers.
    for (size_t index : record.in_time_order()) {
        const Event& e = record.events()[index];
        json ? print_event_json(std::cout, e) : print_event_text(std::cout, e);
    }
    std::cout.flush();
    for (const auto& m : messages) std::cerr << "FAILED " << m << '\n';
    std::ostream& summary = json ? std::cerr : std::cout;
    if (ok && unchecked > 0)
        summary << "\n"
                << lesson->id << ": all " << lesson->steps.size()
                << " steps ran and every expectation held, except the 'packets:' of " << unchecked
                << " step" << (unchecked == 1 ? "" : "s") << ", not checked: " << unchecked_why
                << "\n";
    else if (ok)
        summary << "\n"
                << lesson->id << ": all " << lesson->steps.size()
                << " steps ran and every expectation held\n";
    else
        summary << "\n"
                << lesson->id << ": " << messages.size() << " problem"
                << (messages.size() == 1 ? "" : "s") << "\n";
    return ok ? 0 : 1;
}

namespace {

// A short note on stderr, only if it can take it now: stderr may be a pipe nobody reads as
// well, and the serve loop must not stop for it. False if not written (try again later).
bool note_stderr(const std::string& text) {
    pollfd p{STDERR_FILENO, POLLOUT, 0};
    if (::poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT)) return false;
    const std::string line = "socketlab: " + text + "\n";
    return ::write(STDERR_FILENO, line.data(), line.size()) > 0;
}

}  // namespace

int serve_command(const ServeOptions& options) {
    std::string host = options.host == "localhost" ? "127.0.0.1" : options.host;
    std::string error;
    auto probe = SocketAddress::from_host_port(host, options.port, &error);
    if (!probe) {
        std::cerr << "socketlab: --host: " << error << '\n';
        return 2;
    }
    if (!probe->is_loopback() && !options.allow_remote) {
        std::cerr << "socketlab: " << host
                  << " is not a loopback address; other machines could reach this server. "
                     "Add --allow-remote if you really mean that.\n";
        return 2;
    }
    // A reader that closes standard output (a script that read the first line) must not kill
    // the server: with SIGPIPE ignored, the write fails with EPIPE and printing stops. (The
    // server's own sends use MSG_NOSIGNAL, as they must in the window too.)
    ::signal(SIGPIPE, SIG_IGN);
    // Started with standard output or error closed (`>&-`): the next socket would get that
    // number and the events would be written into it. /dev/null holds the place instead.
    for (int fd : {STDOUT_FILENO, STDERR_FILENO})
        if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            const int null_fd = ::open("/dev/null", O_WRONLY);
            if (null_fd >= 0 && null_fd != fd) {
                ::dup2(null_fd, fd);
                ::close(null_fd);
            }
        }
    // Block the stop signals in every thread (workers inherit this mask) and read them from a
    // signalfd, so SIGINT/SIGTERM end the loop cleanly instead of killing the process.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
    int events_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    // Bounded twice over: the log (the server thread only appends to it, and never waits for
    // standard output) and the output buffer, which this loop drains without blocking.
    EventLog log(256);
    log.set_on_append([events_fd] {
        uint64_t one = 1;
        (void)!write(events_fd, &one, sizeof one);
    });
    LessonServer server(log);
    LessonServerOptions server_options;
    server_options.host = host;
    server_options.port = options.port;
    if (!server_kind_options(options.kind, server_options)) {
        std::cerr << "socketlab: unknown server kind '" << options.kind
                  << "' (tcp-echo, udp-echo, http, text-protocol, smtp, pop3)\n";
        return 2;
    }
    if (!server.start(server_options, error)) {
        std::cerr << "socketlab: " << error << '\n';
        return 1;
    }
    ServeOutput out(STDOUT_FILENO);
    // The first line is exactly "listening on HOST:PORT", for scripts that wait for it.
    out.add("listening on " + server.address().to_string() + "\n");
    out.write_ready();
    std::cerr << "socketlab: " << options.kind
              << " server; try: " << client_command(options.kind, server.address())
              << "   (Ctrl+C stops it)" << std::endl;

    using Clock = std::chrono::steady_clock;
    constexpr auto kDropNoteEvery = std::chrono::seconds(5);
    uint64_t dropped_events_reported = 0;
    uint64_t dropped_lines_reported = 0;
    bool closed_reported = false;
    Clock::time_point next_drop_note{};
    auto report = [&](bool final) {
        if (out.closed() && !closed_reported) {
            closed_reported =
                note_stderr("standard output was closed (" + errno_name(out.close_error()) +
                            "): still serving, no longer printing events");
            return;
        }
        if (out.closed() || out.dropped() <= dropped_lines_reported) return;
        if (!final && Clock::now() < next_drop_note) return;
        // Not written (stderr full as well): the count waits for the next note.
        if (note_stderr(std::to_string(out.dropped() - dropped_lines_reported) +
                        " log lines dropped: nobody is reading standard output"))
            dropped_lines_reported = out.dropped();
        next_drop_note = Clock::now() + kDropNoteEvery;
    };
    auto print_pending = [&] {
        std::vector<Event> events;
        log.drain(events);
        if (out.closed()) return;  // nobody to print for: the events are only drained
        std::ostringstream text;
        for (const auto& e : events) {
            text.str("");
            options.json ? print_event_json(text, e) : print_event_text(text, e);
            out.add(text.str());
        }
        if (log.dropped() > dropped_events_reported) {
            out.add("(" + std::to_string(log.dropped() - dropped_events_reported) +
                    " events not shown: they came faster than they could be printed)\n");
            dropped_events_reported = log.dropped();
        }
        out.write_ready();
    };
    for (;;) {
        pollfd fds[3] = {{signal_fd, POLLIN, 0},
                         {events_fd, POLLIN, 0},
                         // Only while there is something to write: a pipe with no reader is
                         // always POLLERR, which would wake this loop again and again.
                         {out.wants_write() ? out.fd() : -1, POLLOUT, 0}};
        // Wake for the next note about dropped lines, if one is due.
        int timeout_ms = -1;
        if (!out.closed() && out.dropped() > dropped_lines_reported)
            timeout_ms = static_cast<int>(std::max<int64_t>(
                0,
                std::chrono::duration_cast<std::chrono::milliseconds>(next_drop_note - Clock::now())
                        .count() +
                    1));
        if (poll(fds, 3, timeout_ms) < 0 && errno != EINTR) break;
        if (fds[1].revents) {
            uint64_t count;
            (void)!read(events_fd, &count, sizeof count);
            print_pending();
        }
        if (fds[2].revents) out.write_ready();
        report(false);
        if (fds[0].revents) break;
    }
    server.stop();
    log.set_on_append(nullptr);
    print_pending();
    // What is left, if standard output takes it soon; never a hang at exit.
    out.flush(std::chrono::milliseconds(1000));
    report(true);
    note_stderr("server stopped");
    close(signal_fd);
    close(events_fd);
    return 0;
}

}  // namespace socketlab

namespace socketlab {

int trace_command(const TraceCommandOptions& options) {
    // Ctrl+C or SIGTERM stops the program (and all it started) and prints what it did so far.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    trace::Tracer tracer;
    std::atomic<bool> finished{false};
    std::atomic<bool> stop_requested{false};
    std::thread signals([&] {
        const timespec tick{0, 200L * 1000 * 1000};
        while (!finished) {
            if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) {
                stop_requested = true;
                tracer.stop();
            }
        }
    });
    auto print = [&](const Event& e) {
        if (options.json) {
            print_event_json(std::cout, e);
        } else if (const ProgramRecord* p = e.program();
                   p && p->what == ProgramRecord::What::Output) {
            // The program's own output, line by line, marked with its stream.
            std::string text = p->text;
            if (!text.empty() && text.back() == '\n') text.pop_back();
            size_t from = 0;
            for (;;) {
                const size_t nl = text.find('\n', from);
                std::cout << e.actor << " " << e.note << "| " << text.substr(from, nl - from)
                          << '\n';
                if (nl == std::string::npos) break;
                from = nl + 1;
            }
        } else {
            print_event_text(std::cout, e);
        }
        std::cout.flush();
    };
    if (!options.lesson_id.empty()) {
        // Beside the lesson: in its network, with its capture; the session's log has it all.
        LessonLibrary library = load_lesson_library(options.lessons_dir);
        const Lesson* lesson = library.find(options.lesson_id);
        if (!lesson) {
            finished = true;
            signals.join();
            std::cerr << "socketlab: no lesson with id '" << options.lesson_id << "' in "
                      << options.lessons_dir << '\n';
            return 2;
        }
        EventLog log;
        Session session(*lesson, log);
        if (!session.capture_problem().empty())
            std::cerr << "socketlab: " << session.capture_problem() << '\n';
        else if (session.network())
            std::cerr << "socketlab: " << session.network()->describe() << '\n';
        const int64_t limit_us = options.time_limit_s > 0
                                     ? static_cast<int64_t>(options.time_limit_s * 1e6)
                                     : int64_t{24} * 3600 * 1000 * 1000;
        session.start_own_program(options.argv, limit_us);
        uint64_t calls = 0;
        std::vector<Event> events;
        auto drain = [&] {
            events.clear();
            log.drain(events);
            for (const Event& e : events) {
                calls += e.kind == EventKind::Call;
                print(e);
            }
        };
        while (!session.own_program()->ended()) {
            if (stop_requested) session.stop_own_program();
            log.wait_after(log.last_seq(), std::chrono::milliseconds(100));
            drain();
        }
        session.flush_capture(std::chrono::milliseconds(1000));
        drain();
        const ProgramOutcome outcome = session.own_program()->outcome();
        finished = true;
        signals.join();
        if (!outcome.started) {
            std::cerr << "socketlab: " << outcome.error << '\n';
            return 127;
        }
        if (!options.json)
            std::cout << "(" << calls << " socket calls; exit status " << outcome.exit_code
                      << ")\n";
        return outcome.exit_code;
    }
    trace::TraceOptions trace_options;
    trace_options.argv = options.argv;
    trace_options.time_limit_s = options.time_limit_s;
    const trace::TraceResult result = tracer.run(trace_options, print);
    finished = true;
    signals.join();
    if (!result.error.empty()) std::cerr << "socketlab: " << result.error << '\n';
    if (!options.json && result.started)
        std::cout << "(" << result.calls << " socket calls; exit status " << result.exit_code
                  << ")\n";
    return result.exit_code;
}

}  // namespace socketlab
