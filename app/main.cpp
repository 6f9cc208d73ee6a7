// SocketLab: wiring only. Parse the command line, then run a headless command or the window.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>

#include "cli/commands.h"
#include "core/descriptor_limit.h"
#include "paths/data_paths.h"
#include "ui/app_shell.h"

namespace {

int run(int argc, char** argv) {
    CLI::App app{
        "SocketLab: learn network programming with real sockets.\n"
        "With no command, opens the window."};
    app.set_version_flag("--version", std::string("socketlab ") + SOCKETLAB_VERSION);

    std::string lessons_dir = socketlab::default_lessons_dir();
    app.add_option("--lessons", lessons_dir, "Load lessons from this folder")
        ->check(CLI::ExistingDirectory);

    bool list = false;
    app.add_flag("--list-lessons", list,
                 "Print one line per lesson: ID<TAB>Title, in course order");

    std::string run_id;
    bool json = false;
    auto* run = app.add_option("--run", run_id,
                               "Run a lesson's steps without a window and print the transcript");
    app.add_flag("--json", json,
                 "With --run, --serve or --trace: one JSON object per event, one per line");
    std::string pcap_path;
    auto* pcap_opt =
        app.add_option("--pcap", pcap_path,
                       "With --run: write the lesson's captured packets to a pcap file "
                       "(Wireshark and tshark open it)");

    bool require_capture = false;
    auto* require_capture_opt = app.add_flag(
        "--require-capture", require_capture,
        "With --run: fail when the lesson's packets cannot be captured and checked (CI)");

    bool allow_programs = false;
    auto* allow_programs_opt = app.add_flag(
        "--allow-programs", allow_programs,
        "With --run: let a lesson from another folder than SocketLab's own run its programs "
        "(they run with your rights: read them first)");

    std::string serve_kind;
    socketlab::ServeOptions serve;
    auto* serve_opt = app.add_option("--serve", serve_kind,
                                     "Run a headless server for your own client: tcp-echo, "
                                     "udp-echo, http, text-protocol, smtp, pop3")
                          ->check(CLI::IsMember(
                              {"tcp-echo", "udp-echo", "http", "text-protocol", "smtp", "pop3"}));
    auto* host_opt = app.add_option("--host", serve.host,
                                    "With --serve: the address to bind (default 127.0.0.1)");
    auto* port_opt = app.add_option("--port", serve.port,
                                    "With --serve: the port (default 0: the kernel picks one)")
                         ->check(CLI::Range(0, 65535));
    auto* remote_opt = app.add_flag("--allow-remote", serve.allow_remote,
                                    "With --serve: allow a non-loopback --host");
    host_opt->needs(serve_opt);
    port_opt->needs(serve_opt);
    remote_opt->needs(serve_opt);

    bool trace = false;
    socketlab::TraceCommandOptions trace_options;
    auto* trace_opt = app.add_flag(
        "--trace", trace,
        "Run a program (after --) under the tracer and print its socket calls and bytes; "
        "exits with its status");
    auto* time_limit_opt = app.add_option("--time-limit", trace_options.time_limit_s,
                                          "With --trace: kill the program after this many seconds")
                               ->check(CLI::Range(0.0, 86400.0));
    time_limit_opt->needs(trace_opt);
    app.allow_extras();

    socketlab::ui::ShellOptions shell;
    std::string size;
    auto* shot = app.add_option("--screenshot", shell.screenshot_path,
                                "Open the window, run the lesson to the end, save a PNG, exit");
    auto* lesson_opt = app.add_option("--lesson", shell.lesson_id, "The lesson to open");
    auto* size_opt =
        app.add_option("--size", size, "With --screenshot: window size WxH, e.g. 1400x900");
    auto* scale_opt =
        app.add_option("--font-scale", shell.text_scale, "Text size, e.g. 2 for a projector")
            ->check(CLI::Range(0.75, 4.0));
    app.add_flag("--presenter", shell.presenter,
                 "Start in presenter mode (full screen; F5 in the window, Esc leaves)");
    app.add_option("--packets-view", shell.packets_view,
                   "The Packets tab shows the ladder or the time-sequence graph")
        ->check(CLI::IsMember({"ladder", "graph"}));
    app.add_option("--program", shell.program_path,
                   "Open this file in the \"Your program\" panel, to run it traced (Y shows the "
                   "panel)");
    auto* run_program_opt = app.add_flag(
        "--run-program", shell.run_program,
        "With --screenshot and --program: run the program after the lesson, then take the shot");
    run_program_opt->needs(shot);
    app.add_flag("--keep-server-open", shell.keep_server_open,
                 "With --screenshot: keep the lesson's server open after its steps (the "
                 "program's @open)")
        ->needs(shot);
    app.add_option("--tab", shell.live_tab,
                   "The live pane's tab to open with: calls, packets or conversation")
        ->check(CLI::IsMember({"calls", "packets", "conversation"}));
    app.add_option("--ui-dump", shell.ui_dump_path,
                   "With --screenshot: write where the toolbar's buttons and the actor columns "
                   "landed, as JSON (for layout tests)")
        ->needs(shot);
    size_opt->needs(shot);
    run->excludes(serve_opt)->excludes(shot)->excludes(trace_opt);
    trace_opt->excludes(serve_opt)->excludes(shot);
    pcap_opt->needs(run);
    require_capture_opt->needs(run);
    allow_programs_opt->needs(run);
    serve_opt->excludes(shot);
    (void)lesson_opt;
    (void)scale_opt;

    CLI11_PARSE(app, argc, argv);

    if (!size.empty()) {
        int w = 0, h = 0;
        char x = 0;
        if (std::sscanf(size.c_str(), "%d%c%d", &w, &x, &h) != 3 || x != 'x' || w < 320 ||
            h < 240 || w > 8192 || h > 8192) {
            std::cerr
                << "socketlab: --size must be WIDTHxHEIGHT, e.g. 1400x900 (320x240 to 8192x8192)\n";
            return 2;
        }
        shell.width = w;
        shell.height = h;
    }
    if (trace) {
        trace_options.argv = app.remaining();
        if (!trace_options.argv.empty() && trace_options.argv.front() == "--")
            trace_options.argv.erase(trace_options.argv.begin());
        trace_options.json = json;
        if (trace_options.argv.empty()) {
            std::cerr
                << "socketlab: --trace needs a program: socketlab --trace -- PROGRAM ARGS...\n";
            return 2;
        }
        trace_options.lesson_id = shell.lesson_id;  // --lesson: beside it, in its network
        trace_options.lessons_dir = lessons_dir;
        return socketlab::trace_command(trace_options);
    }
    if (!app.remaining().empty()) {
        std::cerr << "socketlab: unexpected arguments (a program to trace goes after --trace --)\n";
        return 2;
    }
    if (list) return socketlab::list_lessons_command(lessons_dir);
    if (!run_id.empty())
        return socketlab::run_lesson_command(lessons_dir, run_id, json, pcap_path, require_capture,
                                             allow_programs);
    // The servers hold a descriptor per client (--serve, and the window's kept-open ones): the
    // soft limit (1024 on Debian) up to the hard one. Not for --run, --trace: a traced program
    // inherits the limit, and select() breaks on descriptors above 1023.
    if (!serve_kind.empty()) {
        socketlab::raise_descriptor_limit();
        serve.kind = serve_kind;
        serve.json = json;
        return socketlab::serve_command(serve);
    }
    shell.lessons_dir = lessons_dir;
    socketlab::raise_descriptor_limit();
    return socketlab::ui::run_app(shell);
}

}  // namespace

int main(int argc, char** argv) {
    // An exception nothing else caught (out of memory, a filesystem error) ends the program
    // with its message and status 1 instead of an abort.
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "socketlab: " << e.what() << '\n';
        return 1;
    }
}
