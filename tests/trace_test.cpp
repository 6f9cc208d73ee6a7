// The tracer (app/trace) on real programs: python3 scripts and C fixtures (tests/trace_fixtures)
// on loopback and socketpairs. Every assertion is about what the kernel really returned to the
// traced program. [SECTION] index:
//   Python programs     the calls Python makes, processes and threads, limits
//   More calls          sendmmsg/recvmmsg, select, epoll, restarted calls (C fixtures)
//   Programs            exec, static binaries, clear errors
//   Directory and hook  sockets in the SocketDirectory, on_blocking_call
//   Privilege           binding port 60 without privilege, inside the lesson's network
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "capture/lesson_network.h"
#include "capture_test_util.h"
#include "core/event.h"
#include "core/socket_directory.h"
#include "trace/tracer.h"

namespace socketlab {
namespace {

const char* python() {
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

struct Traced {
    std::vector<Event> events;
    trace::TraceResult result;
    std::vector<const Event*> calls(CallOp op) const {
        std::vector<const Event*> out;
        for (const auto& e : events)
            if (e.kind == EventKind::Call && e.is_call(op)) out.push_back(&e);
        return out;
    }
    std::string output() const {
        std::string out;
        for (const auto& e : events)
            if (const auto* p = e.program(); p && p->what == ProgramRecord::What::Output)
                out += p->text;
        return out;
    }
};

Traced trace_program(trace::TraceOptions options) {
    Traced t;
    if (options.time_limit_s == 0) options.time_limit_s = 30;
    trace::Tracer tracer;
    std::mutex m;  // the sink runs on the tracer's thread and the output reader's
    t.result = tracer.run(options, [&](Event e) {
        std::lock_guard lock(m);
        t.events.push_back(std::move(e));
    });
    return t;
}

Traced trace_python(const std::string& script, double time_limit = 30) {
    trace::TraceOptions options;
    options.argv = {python(), "-c", script};
    options.time_limit_s = time_limit;
    return trace_program(options);
}

// A C fixture built next to the tests (tests/CMakeLists.txt).
std::string fixture(const char* name) {
    const char* dir = std::getenv("SOCKETLAB_TRACE_FIXTURES");
    return std::string(dir != nullptr && *dir != '\0' ? dir : SOCKETLAB_TRACE_FIXTURES) + "/" +
           name;
}

// The Call events whose note starts with `prefix`.
std::vector<const Event*> calls_noted(const Traced& t, const std::string& prefix) {
    std::vector<const Event*> out;
    for (const auto& e : t.events)
        if (e.kind == EventKind::Call && e.note.rfind(prefix, 0) == 0) out.push_back(&e);
    return out;
}

bool has_note(const Traced& t, const std::string& text) {
    for (const auto& e : t.events)
        if (e.kind == EventKind::Note && e.note.find(text) != std::string::npos) return true;
    return false;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// [SECTION] Python programs

TEST(Trace, TcpCallsOnLoopbackWithRealResults) {
    const auto t = trace_python(R"(
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0)); s.listen(5)
c = socket.create_connection(s.getsockname())
k, _ = s.accept()
c.sendall(b'Hello karl')
print(k.recv(100))
c.shutdown(socket.SHUT_WR)
print(len(k.recv(100)))
d = socket.socket(); r = d.connect_ex(('127.0.0.1', 1)); print(r)
)");
    ASSERT_TRUE(t.result.started) << t.result.error;
    EXPECT_EQ(t.result.exit_code, 0);
    EXPECT_EQ(t.output(), "b'Hello karl'\n0\n111\n");
    ASSERT_GE(t.calls(CallOp::Socket).size(), 3u);
    EXPECT_EQ(call_args_text(*t.calls(CallOp::Socket)[0]->call()), "AF_INET, SOCK_STREAM, 0");
    ASSERT_EQ(t.calls(CallOp::Listen).size(), 1u);
    EXPECT_EQ(t.calls(CallOp::Listen)[0]->call()->spec.backlog, 5);
    ASSERT_EQ(t.calls(CallOp::SetSockOpt).size(), 1u);
    EXPECT_EQ(t.calls(CallOp::SetSockOpt)[0]->call()->spec.option, SO_REUSEADDR);
    const auto accepts = t.calls(CallOp::Accept);
    ASSERT_EQ(accepts.size(), 1u);
    EXPECT_GE(accepts[0]->call()->ret, 3);
    EXPECT_EQ(accepts[0]->call()->peer.family(), AF_INET);
    const auto sends = t.calls(CallOp::Send);
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(sends[0]->call()->ret, 10);
    EXPECT_EQ(std::string(sends[0]->call()->bytes.begin(), sends[0]->call()->bytes.end()),
              "Hello karl");
    const auto recvs = t.calls(CallOp::Recv);
    ASSERT_EQ(recvs.size(), 2u);
    EXPECT_EQ(recvs[0]->call()->ret, 10);
    EXPECT_EQ(recvs[1]->call()->ret, 0);  // the FIN after shutdown(SHUT_WR)
    ASSERT_EQ(t.calls(CallOp::Shutdown).size(), 1u);
    EXPECT_EQ(t.calls(CallOp::Shutdown)[0]->call()->spec.how, SHUT_WR);
    // connect to port 1: the kernel's ECONNREFUSED, as the program saw it.
    const auto connects = t.calls(CallOp::Connect);
    ASSERT_EQ(connects.size(), 2u);
    EXPECT_EQ(connects[0]->call()->ret, 0);
    EXPECT_EQ(connects[1]->call()->ret, -1);
    EXPECT_EQ(connects[1]->call()->err, ECONNREFUSED);
    // The actor is the process, named by the interpreter's script (-c here).
    EXPECT_NE(accepts[0]->actor.find("python3 -c["), std::string::npos) << accepts[0]->actor;
    bool noted = false;
    for (const auto& e : t.events)
        noted = noted || (e.kind == EventKind::Note && e.note.find("accept4") != std::string::npos);
    EXPECT_TRUE(noted);
    // The exit is an event.
    ASSERT_FALSE(t.events.empty());
    const auto* exited = t.events.back().program();
    bool saw_exit = false;
    for (const auto& e : t.events)
        if (const auto* p = e.program(); p && p->what == ProgramRecord::What::Exited)
            saw_exit = true;
    (void)exited;
    EXPECT_TRUE(saw_exit);
}

TEST(Trace, UdpSendtoRecvfromWithAddresses) {
    const auto t = trace_python(R"(
import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.1', 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.sendto(b'ping', a.getsockname())
data, addr = a.recvfrom(64)
print(data)
)");
    ASSERT_EQ(t.result.exit_code, 0) << t.output();
    const auto sends = t.calls(CallOp::SendTo);
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(sends[0]->call()->ret, 4);
    EXPECT_EQ(sends[0]->call()->spec.address.family(), AF_INET);
    const auto recvs = t.calls(CallOp::RecvFrom);
    ASSERT_EQ(recvs.size(), 1u);
    EXPECT_EQ(recvs[0]->call()->ret, 4);
    EXPECT_EQ(recvs[0]->call()->peer.family(), AF_INET);
}

TEST(Trace, ForkedChildIsItsOwnActorWithInheritedSockets) {
    const auto t = trace_python(R"(
import os, socket
a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    a.send(b'from child'); os._exit(3)
print(b.recv(100)); _, st = os.waitpid(pid, 0); print(os.WEXITSTATUS(st))
)");
    ASSERT_EQ(t.result.exit_code, 0) << t.output();
    EXPECT_EQ(t.output(), "b'from child'\n3\n");
    const auto sends = t.calls(CallOp::Send);
    ASSERT_EQ(sends.size(), 1u);
    const auto recvs = t.calls(CallOp::Recv);
    ASSERT_EQ(recvs.size(), 1u);
    EXPECT_NE(sends[0]->actor, recvs[0]->actor);  // two processes, two actors
}

TEST(Trace, ThreadsAreActors) {
    const auto t = trace_python(R"(
import socket, threading
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
def serve():
    for _ in range(2):
        k, _ = s.accept(); k.sendall(k.recv(10)); k.close()
t = threading.Thread(target=serve); t.start()
for _ in range(2):
    c = socket.create_connection(s.getsockname()); c.sendall(b'x'); print(c.recv(10)); c.close()
t.join()
)");
    ASSERT_EQ(t.result.exit_code, 0) << t.output();
    const auto accepts = t.calls(CallOp::Accept);
    const auto connects = t.calls(CallOp::Connect);
    ASSERT_EQ(accepts.size(), 2u);
    ASSERT_EQ(connects.size(), 2u);
    EXPECT_NE(accepts[0]->actor, connects[0]->actor);  // the server thread has its own name
}

TEST(Trace, TimeLimitEndsAProgramThatNeverExits) {
    const auto start = std::chrono::steady_clock::now();
    const auto t = trace_python(
        "import socket\ns = socket.socket(); s.bind(('127.0.0.1', 0)); "
        "s.listen(); s.accept()",
        1.0);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(t.result.timed_out);
    EXPECT_EQ(t.result.exit_code, 128 + SIGKILL);
    EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(Trace, StopFromAnotherThreadKillsEverything) {
    trace::Tracer tracer;
    trace::TraceOptions options;
    options.argv = {python(), "-c",
                    "import os, time\nos.fork()\nprint('ready', flush=True)\nwhile True: "
                    "time.sleep(1)"};
    std::atomic<int> ready{0};
    std::thread stopper;
    trace::TraceResult result = tracer.run(options, [&](Event e) {
        if (const auto* p = e.program(); p && p->text.find("ready") != std::string::npos) {
            if (++ready == 2) stopper = std::thread([&] { tracer.stop(); });
        }
    });
    if (stopper.joinable()) stopper.join();
    EXPECT_EQ(ready.load(), 2);
    EXPECT_TRUE(result.stopped);
    EXPECT_EQ(result.exit_code, 128 + SIGKILL);
}

TEST(Trace, HundredMegabytesOverASocketpairKeepsMemoryBounded) {
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    uint64_t sent = 0, kept = 0, received = 0;
    trace::Tracer tracer;
    trace::TraceOptions options;
    options.argv = {python(), "-c", R"(
import socket, threading
a, b = socket.socketpair()
chunk = b'x' * (1 << 20)
def reader():
    n = 0
    while n < 100 * (1 << 20):
        n += len(b.recv(1 << 20))
    print(n)
t = threading.Thread(target=reader); t.start()
for _ in range(100): a.sendall(chunk)
t.join()
)"};
    auto result = tracer.run(options, [&](Event e) {
        if (const CallRecord* c = e.call(); c && e.kind == EventKind::Call && c->ret > 0) {
            kept += c->bytes.size();
            EXPECT_LE(c->bytes.size(), options.keep_bytes);
            (c->direction == Direction::Sent ? sent : received) += c->bytes_total;
        }
    });
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(sent, 100u << 20);
    EXPECT_EQ(received, 100u << 20);
    EXPECT_LT(kept, sent);  // cut per call, the rest counted
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024);  // KiB: far below 100 MB
}

// [SECTION] More calls
TEST(Trace, SendmmsgAndRecvmmsgReportEachMessage) {
    trace::TraceOptions options;
    options.argv = {fixture("mmsg")};
    options.keep_bytes = 1000;
    const auto t = trace_program(options);
    ASSERT_TRUE(t.result.started) << t.result.error;
    ASSERT_EQ(t.result.exit_code, 0) << t.output();
    EXPECT_EQ(t.output(), "sent 3 got 3 3 3 5000\n");
    const auto sends = t.calls(CallOp::SendTo);
    ASSERT_EQ(sends.size(), 3u);
    const std::vector<std::string> texts = {"one", "two"};
    for (size_t i = 0; i < 2; ++i) {
        const CallRecord& c = *sends[i]->call();
        EXPECT_EQ(std::string(c.bytes.begin(), c.bytes.end()), texts[i]);
        EXPECT_EQ(c.spec.address.family(), AF_INET);
        EXPECT_EQ(sends[i]->note, "sendmmsg: message " + std::to_string(i + 1) + " of 3");
    }
    EXPECT_EQ(sends[2]->call()->ret, 5000);
    EXPECT_EQ(sends[2]->call()->bytes.size(), 1000u);  // kept: keep_bytes; the rest counted
    EXPECT_EQ(sends[2]->call()->bytes_total, 5000u);
    const auto recvs = t.calls(CallOp::RecvFrom);
    ASSERT_EQ(recvs.size(), 3u);
    EXPECT_EQ(std::string(recvs[1]->call()->bytes.begin(), recvs[1]->call()->bytes.end()), "two");
    EXPECT_EQ(recvs[0]->call()->peer.family(), AF_INET);
    EXPECT_TRUE(recvs[0]->call()->peer.is_loopback());
    EXPECT_EQ(recvs[2]->call()->bytes.size(), 1000u);
    EXPECT_EQ(recvs[2]->call()->bytes_total, 5000u);
    EXPECT_EQ(recvs[2]->note, "recvmmsg: message 3 of 3 (4 offered)");
}

TEST(Trace, SelectAndEpollNameTheReadySockets) {
    trace::TraceOptions options;
    options.argv = {fixture("select_epoll")};
    const auto t = trace_program(options);
    ASSERT_TRUE(t.result.started) << t.result.error;
    ASSERT_EQ(t.result.exit_code, 0) << t.output();
    std::istringstream out(t.output());
    std::string word, results;
    int a = -1, b = -1, l = -1, k = -1;
    out >> word >> a >> b >> l >> k >> word;
    std::getline(out, results);
    EXPECT_EQ(results, " 1 1 0 1 1 1");
    const std::string fa = "fd" + std::to_string(a), fb = "fd" + std::to_string(b);
    const std::string fl = "fd" + std::to_string(l), fk = "fd" + std::to_string(k);

    const auto selects = calls_noted(t, "select()");
    ASSERT_EQ(selects.size(), 1u);  // the select on a pipe alone is not a socket call
    EXPECT_TRUE(selects[0]->is_call(CallOp::Poll));
    EXPECT_EQ(selects[0]->note, "select(): asked about " + fa + " (read), " + fb +
                                    " (read); ready: " + fb + ": read");
    EXPECT_EQ(selects[0]->call()->ret, 1);
    EXPECT_EQ(selects[0]->call()->spec.timeout_ms, 5000);
    EXPECT_EQ(selects[0]->call()->socket_names, (std::vector<std::string>{fa, fb}));
    const auto pselects = calls_noted(t, "pselect6()");
    ASSERT_EQ(pselects.size(), 1u);
    EXPECT_EQ(pselects[0]->note,
              "pselect6(): asked about " + fa + " (write); ready: " + fa + ": write");
    EXPECT_EQ(pselects[0]->socket_name, fa);

    EXPECT_TRUE(has_note(t, "epoll_ctl(EPOLL_CTL_ADD, " + fk + ", EPOLLIN"));
    const auto waits = calls_noted(t, "epoll_wait(");
    ASSERT_EQ(waits.size(), 1u);
    EXPECT_NE(waits[0]->note.find("ready: " + fl + ": EPOLLIN"), std::string::npos)
        << waits[0]->note;
    EXPECT_EQ(waits[0]->call()->spec.timeout_ms, 5000);
    EXPECT_EQ(waits[0]->call()->socket_names, (std::vector<std::string>{fl}));
    // The data given to epoll_ctl was not the fd: the tracer still names the socket.
    const auto pwaits = calls_noted(t, "epoll_pwait(");
    ASSERT_EQ(pwaits.size(), 1u);
    EXPECT_NE(pwaits[0]->note.find("ready: " + fk + ": EPOLLIN"), std::string::npos)
        << pwaits[0]->note;
    EXPECT_TRUE(contains(pwaits[0]->call()->socket_names, fl));
    EXPECT_TRUE(contains(pwaits[0]->call()->socket_names, fk));
    const auto pwaits2 = calls_noted(t, "epoll_pwait2(");
    ASSERT_EQ(pwaits2.size(), 1u);
    EXPECT_NE(pwaits2[0]->note.find("ready: " + fk + ": EPOLLIN"), std::string::npos)
        << pwaits2[0]->note;
    EXPECT_EQ(pwaits2[0]->call()->ret, 1);
}

TEST(Trace, InterruptedCallIsRestartedNotAFailure) {
    // A second thread waits until the main thread is inside accept (its /proc syscall file),
    // then signals it; the handler connects, and Python calls accept again (PEP 475).
    const auto t = trace_python(R"(
import signal, socket, threading
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
main_native, main_ident = threading.get_native_id(), threading.get_ident()
def handler(sig, frame):
    global c
    c = socket.create_connection(s.getsockname())
signal.signal(signal.SIGUSR1, handler)
def poke():
    while True:
        with open('/proc/self/task/%d/syscall' % main_native) as f:
            if f.read().split()[0] in ('43', '288'): break
    signal.pthread_kill(main_ident, signal.SIGUSR1)
threading.Thread(target=poke).start()
k, _ = s.accept()
print('accepted')
)");
    ASSERT_EQ(t.result.exit_code, 0) << t.output();
    EXPECT_EQ(t.output(), "accepted\n");
    const auto accepts = t.calls(CallOp::Accept);
    ASSERT_EQ(accepts.size(), 1u);  // the interrupted one is not reported as EINTR
    EXPECT_GE(accepts[0]->call()->ret, 0);
    EXPECT_TRUE(has_note(t, "accept4() was interrupted by a signal"));
}

TEST(Trace, CallRestartedAfterAnIgnoredSignalIsDecodedAsItself) {
    // A traced program sees even ignored signals (SIGWINCH): its poll is interrupted and the
    // kernel continues it as restart_syscall. The bytes are sent once it is waiting again.
    const auto t = trace_python(R"(
import select, signal, socket, threading
a, b = socket.socketpair()
main_native, main_ident = threading.get_native_id(), threading.get_ident()
def in_call(numbers):
    while True:
        with open('/proc/self/task/%d/syscall' % main_native) as f:
            if f.read().split()[0] in numbers: return
def poke():
    in_call(('7',))
    signal.pthread_kill(main_ident, signal.SIGWINCH)
    in_call(('219',))
    b.send(b'x')
threading.Thread(target=poke).start()
p = select.poll(); p.register(a, select.POLLIN)
print(p.poll(20000))
)");
    ASSERT_EQ(t.result.exit_code, 0) << t.output();
    const auto polls = t.calls(CallOp::Poll);
    ASSERT_EQ(polls.size(), 1u);
    EXPECT_EQ(polls[0]->call()->ret, 1);
    EXPECT_EQ(polls[0]->call()->spec.timeout_ms, 20000);
    EXPECT_TRUE(has_note(t, "poll() was interrupted by a signal"));
}

// [SECTION] Programs
TEST(Trace, ExecdProgramIsTracedUnderItsNewName) {
    trace::TraceOptions options;
    options.argv = {"/bin/sh", "-c",
                    std::string("exec ") + python() +
                        " -c 'import socket; a, b = socket.socketpair(); a.send(b\"hi\"); "
                        "print(b.recv(9))'"};
    const auto t = trace_program(options);
    ASSERT_EQ(t.result.exit_code, 0) << t.output() << t.result.error;
    EXPECT_EQ(t.output(), "b'hi'\n");
    bool exec_seen = false;
    int pid = 0;
    for (const auto& e : t.events)
        if (const auto* p = e.program(); p && p->what == ProgramRecord::What::Started) {
            if (pid == 0) pid = p->pid;
            if (p->text.rfind("exec ", 0) == 0) exec_seen = p->pid == pid;
        }
    EXPECT_TRUE(exec_seen);
    const auto sends = t.calls(CallOp::Send);
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(sends[0]->actor, "python3 -c[" + std::to_string(pid) + "]");
    ASSERT_EQ(t.calls(CallOp::Recv).size(), 1u);
    EXPECT_EQ(t.calls(CallOp::Recv)[0]->call()->ret, 2);
}

TEST(Trace, StaticBinary) {
    trace::TraceOptions options;
    options.argv = {fixture("static_pair")};
    const auto t = trace_program(options);
    ASSERT_EQ(t.result.exit_code, 0) << t.output() << t.result.error;
    EXPECT_EQ(t.output(), "static\n");
    ASSERT_EQ(t.calls(CallOp::Socket).size(), 1u);  // the socketpair
    const auto sends = t.calls(CallOp::Send);
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(std::string(sends[0]->call()->bytes.begin(), sends[0]->call()->bytes.end()),
              "static");
    ASSERT_EQ(t.calls(CallOp::Recv).size(), 1u);
    EXPECT_EQ(t.calls(CallOp::Recv)[0]->call()->ret, 6);
}

TEST(Trace, ProgramNotFoundIsAClearMessage) {
    trace::Tracer tracer;
    trace::TraceOptions options;
    options.argv = {"/nonexistent/prog"};
    auto result = tracer.run(options, [](Event) {});
    EXPECT_FALSE(result.started);
    EXPECT_EQ(result.exit_code, 127);
    EXPECT_EQ(result.error, "program not found: /nonexistent/prog");
    options.argv = {"socketlab-no-such-program"};  // searched on PATH
    result = tracer.run(options, [](Event) {});
    EXPECT_EQ(result.exit_code, 127);
    EXPECT_EQ(result.error, "program not found: socketlab-no-such-program");
}

TEST(Trace, ProgramNotExecutableIsAClearMessage) {
    char path[] = "/tmp/socketlab-trace-XXXXXX";  // a file that is there but not executable
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    trace::Tracer tracer;
    trace::TraceOptions options;
    options.argv = {path};
    const auto result = tracer.run(options, [](Event) {});
    EXPECT_FALSE(result.started);
    EXPECT_EQ(result.exit_code, 126);
    EXPECT_EQ(result.error, std::string("not executable: ") + path + ": Permission denied");
    unlink(path);
}

TEST(Trace, FailureBeforeExecIsExplained) {
    const int not_a_namespace = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(not_a_namespace, 0);
    trace::TraceOptions options;
    options.argv = {python(), "-c", "print('never')"};
    options.userns_fd = not_a_namespace;
    const auto t = trace_program(options);
    close(not_a_namespace);
    EXPECT_FALSE(t.result.started);
    EXPECT_EQ(t.result.exit_code, 126);
    EXPECT_EQ(t.result.error,
              "could not enter the lesson network's user namespace: setns: Invalid argument");
    EXPECT_EQ(t.output(), "");
}

// [SECTION] Directory and hook
TEST(Trace, SocketsArePublishedWithTheirRealAddresses) {
    SocketDirectory directory;
    trace::TraceOptions options;
    options.argv = {python(), "-c", R"(
import os, socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
c = socket.socket(); c.connect(s.getsockname())
c.setblocking(False)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b'x', ('127.0.0.1', 9))
print(s.fileno(), s.getsockname()[1], os.fstat(s.fileno()).st_ino, c.fileno(), c.getsockname()[1],
      u.fileno(), u.getsockname()[1])
)"};
    options.directory = &directory;
    options.time_limit_s = 30;
    std::vector<SocketSnapshot> at_listen, at_connect, at_nonblocking, at_sendto;
    std::string actor;
    std::string output;
    trace::Tracer tracer;
    std::mutex m;
    const auto result = tracer.run(options, [&](Event e) {
        std::lock_guard lock(m);
        if (const auto* p = e.program(); p && p->what == ProgramRecord::What::Output)
            output += p->text;
        if (e.kind != EventKind::Call) return;
        // The directory has the change when the call's event comes.
        if (e.is_call(CallOp::Listen)) {
            actor = e.actor;
            at_listen = directory.sockets_of(e.actor);
        }
        if (e.is_call(CallOp::Connect)) at_connect = directory.sockets_of(e.actor);
        if (e.is_call(CallOp::SetBlocking)) at_nonblocking = directory.sockets_of(e.actor);
        if (e.is_call(CallOp::SendTo)) at_sendto = directory.sockets_of(e.actor);
    });
    ASSERT_EQ(result.exit_code, 0) << output;
    std::istringstream in(output);
    int listen_fd = -1, port = 0, client_fd = -1, client_port = 0, udp_fd = -1, udp_port = 0;
    uint64_t inode = 0;
    in >> listen_fd >> port >> inode >> client_fd >> client_port >> udp_fd >> udp_port;
    ASSERT_GT(port, 0) << output;
    auto find = [](const std::vector<SocketSnapshot>& list, int fd) -> const SocketSnapshot* {
        for (const auto& s : list)
            if (s.fd == fd) return &s;
        return nullptr;
    };
    const SocketSnapshot* listener = find(at_listen, listen_fd);
    ASSERT_NE(listener, nullptr);
    EXPECT_EQ(listener->name, "fd" + std::to_string(listen_fd));
    EXPECT_TRUE(listener->listening);
    EXPECT_TRUE(listener->bound);
    EXPECT_EQ(listener->local.port(), port);  // bound to 0: the kernel's choice, as it is
    EXPECT_EQ(listener->inode, inode);
    const SocketSnapshot* client = find(at_connect, client_fd);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->local.port(), client_port);  // connect's automatic port
    EXPECT_EQ(client->peer.port(), port);
    EXPECT_FALSE(client->listening);
    EXPECT_NE(client->inode, 0u);
    EXPECT_FALSE(client->nonblocking);
    client = find(at_nonblocking, client_fd);  // setblocking(False): ioctl(FIONBIO)
    ASSERT_NE(client, nullptr);
    EXPECT_TRUE(client->nonblocking);
    const SocketSnapshot* udp = find(at_sendto, udp_fd);  // bound by its first sendto
    ASSERT_NE(udp, nullptr);
    EXPECT_TRUE(udp->bound);
    EXPECT_EQ(udp->local.port(), udp_port);
    EXPECT_EQ(udp->type, SOCK_DGRAM);
    const auto owner = directory.owner_of_inode(inode);
    EXPECT_FALSE(owner.has_value());  // the process has exited: its sockets are gone
    EXPECT_FALSE(directory.has_sockets(actor));
}

TEST(Trace, BlockingCallHookLetsAClientConnectToAWaitingServer) {
    SocketDirectory directory;
    trace::TraceOptions options;
    options.argv = {python(), "-c", R"(
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
k, addr = s.accept()
print('accepted', k.recv(10))
)"};
    options.directory = &directory;
    options.time_limit_s = 30;
    std::vector<std::string> waits;
    std::vector<int> clients;
    options.on_blocking_call = [&](const std::string& actor, const std::string& call) {
        waits.push_back(call);
        if (call != "accept4" && call != "accept") return;
        // The server waits in accept: the next step (a client) may start now.
        for (const auto& s : directory.sockets_of(actor)) {
            if (!s.listening) continue;
            const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (connect(fd, s.local.get(), s.local.length) == 0 && send(fd, "hello", 5, 0) == 5)
                clients.push_back(fd);
        }
    };
    std::string output;
    trace::Tracer tracer;
    const auto result = tracer.run(options, [&](Event e) {
        if (const auto* p = e.program(); p && p->what == ProgramRecord::What::Output)
            output += p->text;
    });
    for (int fd : clients) close(fd);
    ASSERT_EQ(result.exit_code, 0) << output;
    EXPECT_EQ(output, "accepted b'hello'\n");
    EXPECT_TRUE(contains(waits, "accept4"));
    EXPECT_TRUE(contains(waits, "recvfrom"));  // Python's recv
    EXPECT_EQ(clients.size(), 1u);
}

// [SECTION] Privilege
bool low_ports_are_privileged() {
    std::ifstream in("/proc/sys/net/ipv4/ip_unprivileged_port_start");
    int start = 1024;
    in >> start;
    return start > 60;
}

const char* kBindPort60 = R"(
import errno, os, socket, sys
if len(sys.argv) > 1:
    s = socket.socket(); s.bind(('127.0.0.1', 0)); s.connect(('127.0.0.1', int(sys.argv[1])))
    print('connected', os.getuid())
t = socket.socket()
try:
    t.bind(('127.0.0.1', 60)); print('bound 60')
except OSError as e:
    print(errno.errorcode[e.errno])
)";

TEST(Trace, UnprivilegedBindBelow1024FailsEacces) {
    if (!low_ports_are_privileged()) GTEST_SKIP() << "ports below 1024 are open to all here";
    trace::TraceOptions options;
    options.argv = {python(), "-c", kBindPort60};
    options.unprivileged = true;  // as root: without CAP_NET_BIND_SERVICE
    const auto t = trace_program(options);
    ASSERT_EQ(t.result.exit_code, 0) << t.output() << t.result.error;
    EXPECT_EQ(t.output(), "EACCES\n");
    const auto binds = t.calls(CallOp::Bind);
    ASSERT_EQ(binds.size(), 1u);
    EXPECT_EQ(binds[0]->call()->err, EACCES);
}

TEST(Trace, RunsInsideTheLessonNetworkAsAnOrdinaryUser) {
    NetworkOptions network_options;
    network_options.force_namespace = true;
    network_options.want_capture = true;
    auto net = LessonNetwork::open(network_options);
    if (net->mode() != LessonNetwork::Mode::PrivateNamespace)
        SKIP_OR_FAIL_WITHOUT_CAPTURE("no private network namespace here: " << net->why_no_capture()
                                                                           << "\n"
                                                                           << net->how_to_fix());
    int userns = -1, netns = -1;
    std::string error;
    ASSERT_TRUE(net->namespace_fds(userns, netns, error)) << error;
    // A listener in the lesson's network: only a program inside it can reach it.
    const int listener = net->make_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(listener, 4), 0);
    ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    const int port = ntohs(addr.sin_port);

    trace::TraceOptions options;
    options.argv = {python(), "-c", kBindPort60, std::to_string(port)};
    options.userns_fd = userns;
    options.netns_fd = netns;
    options.unprivileged = true;
    const auto t = trace_program(options);
    close(userns);
    close(netns);
    ASSERT_TRUE(t.result.started) << t.result.error;
    ASSERT_EQ(t.result.exit_code, 0) << t.output();
    // Its own uid, and no privilege in the lesson's network.
    EXPECT_EQ(t.output(), "connected " + std::to_string(getuid()) + "\nEACCES\n");
    const int accepted = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    EXPECT_GE(accepted, 0) << "the program's connection did not reach the lesson's listener";
    if (accepted >= 0) close(accepted);
    close(listener);
    const auto binds = t.calls(CallOp::Bind);
    ASSERT_EQ(binds.size(), 2u);
    EXPECT_EQ(binds[1]->call()->err, EACCES);
}

TEST(Trace, DisplayNameIsTheScript) {
    EXPECT_EQ(trace::program_display_name({"/usr/bin/python3", "-u", "/tmp/x/client.py"}),
              "client.py");
    EXPECT_EQ(trace::program_display_name({"/usr/bin/nc", "-l", "5000"}), "nc");
    EXPECT_EQ(trace::program_display_name({"python3", "-m", "http.server"}), "http.server");
}

}  // namespace
}  // namespace socketlab
