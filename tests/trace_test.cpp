// The tracer (app/trace) on real programs: python3 scripts on loopback and socketpairs. Every
// assertion is about what the kernel really returned to the traced program.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
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

Traced trace_python(const std::string& script, double time_limit = 30) {
    Traced t;
    trace::TraceOptions options;
    options.argv = {python(), "-c", script};
    options.time_limit_s = time_limit;
    trace::Tracer tracer;
    t.result = tracer.run(options, [&](Event e) { t.events.push_back(std::move(e)); });
    return t;
}

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

TEST(Trace, ProgramNotFoundIsAClearMessage) {
    trace::Tracer tracer;
    trace::TraceOptions options;
    options.argv = {"/nonexistent/prog"};
    auto result = tracer.run(options, [](Event) {});
    EXPECT_FALSE(result.started);
    EXPECT_EQ(result.exit_code, 127);
    EXPECT_NE(result.error.find("not found"), std::string::npos) << result.error;
    char path[] = "/tmp/socketlab-trace-XXXXXX";  // a file that is there but not executable
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    options.argv = {path};
    result = tracer.run(options, [](Event) {});
    EXPECT_NE(result.error.find("not executable"), std::string::npos) << result.error;
    unlink(path);
}

TEST(Trace, DisplayNameIsTheScript) {
    EXPECT_EQ(trace::program_display_name({"/usr/bin/python3", "-u", "/tmp/x/client.py"}),
              "client.py");
    EXPECT_EQ(trace::program_display_name({"/usr/bin/nc", "-l", "5000"}), "nc");
    EXPECT_EQ(trace::program_display_name({"python3", "-m", "http.server"}), "http.server");
}

}  // namespace
}  // namespace socketlab
