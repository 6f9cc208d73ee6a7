// `socketlab --serve` at its limits, as a real process: standard output that nobody reads or
// that the reader closes, and the descriptor limit (1024 on Debian) with more clients than it.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "socket_client_util.h"

namespace socketlab::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct ServeSpec {
    std::vector<std::string> args;  // after the binary
    rlim_t nofile_soft = 0;         // 0: the test's own limit
    rlim_t nofile_hard = 0;
    uid_t uid = 0;            // non-zero (the test runs as root): run the server as this user
    bool read_stdout = true;  // after the first line: keep reading (false: never read again)
};

// The server with its standard output a pipe the test holds (it reads the first line, then
// reads on, reads nothing, or closes it) and its standard error read on a thread.
class ServeProcess {
  public:
    explicit ServeProcess(const ServeSpec& spec) {
        std::vector<std::string> args = spec.args;
        args.insert(args.begin(), SOCKETLAB_BINARY);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int out[2], err[2];
        EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
        EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
        pid_ = ::fork();
        if (pid_ == 0) {  // only async-signal-safe calls until exec
            ::dup2(out[1], 1);
            ::dup2(err[1], 2);
            if (spec.nofile_soft) {
                rlimit limit{spec.nofile_soft, spec.nofile_hard};
                if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(126);
            }
            if (spec.uid &&
                (::setgroups(0, nullptr) != 0 || ::setresgid(spec.uid, spec.uid, spec.uid) != 0 ||
                 ::setresuid(spec.uid, spec.uid, spec.uid) != 0))
                ::_exit(125);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        ::close(err[1]);
        out_ = out[0];
        stderr_reader_ = std::thread([this, fd = err[0]] { collect(fd, err_text_, err_closed_); });
        first_line_ = read_first_line();
        if (spec.read_stdout) {
            stdout_reader_ =
                std::thread([this, fd = out_] { collect(fd, out_text_, out_closed_); });
            out_ = -1;
        }
    }
    ~ServeProcess() {
        if (!reaped_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (out_ >= 0) ::close(out_);
        if (stderr_reader_.joinable()) stderr_reader_.join();
        if (stdout_reader_.joinable()) stdout_reader_.join();
    }

    const std::string& first_line() const { return first_line_; }
    std::optional<SocketAddress> address() const {
        const std::string prefix = "listening on ";
        if (first_line_.rfind(prefix, 0) != 0) return std::nullopt;
        return SocketAddress::parse(first_line_.substr(prefix.size()));
    }
    pid_t pid() const { return pid_; }
    void close_stdout() {
        if (out_ >= 0) ::close(out_);
        out_ = -1;
    }
    bool wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout,
                                 [&] { return err_text_.find(text) != std::string::npos; });
    }
    bool wait_for_stdout(const std::string& text, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout,
                                 [&] { return out_text_.find(text) != std::string::npos; });
    }
    std::string err_text() {
        std::lock_guard lock(mutex_);
        return err_text_;
    }
    std::string out_text() {
        std::lock_guard lock(mutex_);
        return out_text_;
    }
    bool alive() {
        if (reaped_) return false;
        int status = 0;
        return ::waitpid(pid_, &status, WNOHANG) == 0;
    }
    // SIGTERM, then the exit status (its standard error closes when it exits); -1 on timeout.
    // The bound is generous: under a sanitizer the exit's leak check of a large heap takes
    // seconds on a busy machine. It is only reached when the server does not end at all.
    int stop(std::chrono::milliseconds timeout = 60s) {
        ::kill(pid_, SIGTERM);
        {
            std::unique_lock lock(mutex_);
            if (!changed_.wait_for(lock, timeout, [&] { return err_closed_; })) return -1;
        }
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    // Resident memory in KiB (VmRSS in /proc/PID/status), 0 if unknown.
    long rss_kib() const {
        std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
        std::string key;
        long value = 0;
        while (in >> key) {
            if (key == "VmRSS:") {
                in >> value;
                return value;
            }
            in.ignore(4096, '\n');
        }
        return 0;
    }
    long soft_nofile() const {
        std::ifstream in("/proc/" + std::to_string(pid_) + "/limits");
        std::string line;
        while (std::getline(in, line))
            if (line.rfind("Max open files", 0) == 0) return std::stol(line.substr(26));
        return -1;
    }

  private:
    void collect(int fd, std::string& text, bool& closed) {
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) {
            std::lock_guard lock(mutex_);
            text.append(buf, static_cast<size_t>(n));
            changed_.notify_all();
        }
        ::close(fd);
        std::lock_guard lock(mutex_);
        closed = true;
        changed_.notify_all();
    }
    // Byte by byte, so nothing after the first line is taken from the pipe.
    std::string read_first_line() {
        std::string line;
        const auto deadline = Clock::now() + 10s;
        while (Clock::now() < deadline) {
            pollfd p{out_, POLLIN, 0};
            if (::poll(&p, 1, 1000) <= 0) continue;
            char c;
            if (::read(out_, &c, 1) != 1) break;
            if (c == '\n') return line;
            line.push_back(c);
        }
        return line;
    }

    pid_t pid_ = -1;
    bool reaped_ = false;
    int out_ = -1;
    std::string first_line_;
    std::thread stderr_reader_, stdout_reader_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string err_text_, out_text_;
    bool err_closed_ = false, out_closed_ = false;
};

// The test itself holds a descriptor per client: up to its hard limit.
bool raise_own_limit(rlim_t need) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < need && limit.rlim_max >= need) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    ::getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur >= need;
}

// [SECTION] standard output

TEST(ServeLimits, StdoutNobodyReadsStaysBoundedAndClientsAreServed) {
    // --json: every event with all its bytes in hex, the most output there is.
    ServeProcess server({{"--serve", "tcp-echo", "--json"}, 0, 0, 0, false});
    auto address = server.address();
    ASSERT_TRUE(address) << server.first_line() << server.err_text();
    const long rss_start = server.rss_kib();
    // 128 MiB echoed, in 32 clients: far more output than a pipe holds (64 KiB).
    const auto payload = random_bytes(size_t{4} << 20, 3);
    for (int i = 0; i < 32; ++i) {
        int fd = connect_to(*address);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(echo_round_trip(fd, payload), payload) << "client " << i;
        ::close(fd);
    }
    EXPECT_TRUE(server.wait_for_stderr("log lines dropped: nobody is reading standard output"))
        << server.err_text();
    const long rss_end = server.rss_kib();
    std::printf("VmRSS: %ld KiB at the start, %ld KiB after 32 clients and 128 MiB echoed\n",
                rss_start, rss_end);
    EXPECT_GT(rss_end, 0);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    // A sanitizer keeps freed memory (ASan's quarantine alone is 256 MiB) and its shadow: the
    // bound is looser there, and still far below what unbounded output grew to.
    constexpr long kBoundKiB = 768 * 1024;
#else
    constexpr long kBoundKiB = 64 * 1024;
#endif
    EXPECT_LT(rss_end, kBoundKiB) << "the server's memory grew with output nobody reads";
    // Still serving.
    int fd = connect_to(*address);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(echo_round_trip(fd, random_bytes(1000)), random_bytes(1000));
    ::close(fd);
    EXPECT_TRUE(server.alive());
    EXPECT_EQ(server.stop(), 0) << server.err_text();
}

TEST(ServeLimits, ReaderClosingStdoutAfterTheFirstLineDoesNotStopTheServer) {
    for (const char* kind : {"tcp-echo", "http"}) {
        SCOPED_TRACE(kind);
        ServeProcess server({{"--serve", kind}, 0, 0, 0, false});
        auto address = server.address();
        ASSERT_TRUE(address) << server.first_line() << server.err_text();
        server.close_stdout();  // a script that read "listening on ..." and went on
        for (int i = 0; i < 3; ++i) {
            int fd = connect_to(*address);
            ASSERT_GE(fd, 0) << "client " << i << ": " << server.err_text();
            if (std::string(kind) == "http") {
                const std::string get = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
                ASSERT_TRUE(send_all(fd, {get.begin(), get.end()}));
                const auto reply = recv_exactly(fd, 15);
                EXPECT_EQ(std::string(reply.begin(), reply.end()), "HTTP/1.1 200 OK");
            } else {
                const auto bytes = random_bytes(100000, i);
                EXPECT_EQ(echo_round_trip(fd, bytes), bytes) << "client " << i;
            }
            ::close(fd);
        }
        EXPECT_TRUE(server.wait_for_stderr("standard output was closed (EPIPE)"))
            << server.err_text();
        EXPECT_TRUE(server.alive()) << server.err_text();
        EXPECT_EQ(server.stop(), 0) << server.err_text();
    }
}

// [SECTION] the descriptor limit

struct LoadResult {
    int served = 0;     // got its echo back
    int answered = 0;   // closed (or reset) by the server before its echo: a clean answer
    int failed = 0;     // connect failed
    int timed_out = 0;  // nothing within the deadline
};

// n clients at once, each sending one line and waiting for its echo. The sockets stay open
// (in fds) so the server keeps its side until it decides to close it.
LoadResult echo_clients(const SocketAddress& address, int n, std::vector<int>& fds,
                        std::chrono::seconds deadline_after) {
    enum State { Connecting, Waiting, Done };
    struct C {
        int fd;
        State state = Connecting;
        std::string got, want;
    };
    std::vector<C> clients;
    LoadResult r;
    for (int i = 0; i < n; ++i) {
        int fd = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            ++r.failed;
            continue;
        }
        fds.push_back(fd);
        if (::connect(fd, address.get(), address.length) != 0 && errno != EINPROGRESS) {
            ++r.failed;
            continue;
        }
        clients.push_back({fd, Connecting, "", "hello " + std::to_string(i) + "\n"});
    }
    const auto deadline = Clock::now() + deadline_after;
    for (;;) {
        std::vector<pollfd> p;
        std::vector<C*> who;
        for (auto& c : clients) {
            if (c.state == Done) continue;
            p.push_back({c.fd, static_cast<short>(c.state == Connecting ? POLLOUT : POLLIN), 0});
            who.push_back(&c);
        }
        if (p.empty()) break;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            r.timed_out += static_cast<int>(p.size());
            break;
        }
        if (::poll(p.data(), p.size(), static_cast<int>(left.count())) < 0) continue;
        for (size_t i = 0; i < p.size(); ++i) {
            C& c = *who[i];
            if (!p[i].revents) continue;
            if (c.state == Connecting) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0 || ::send(c.fd, c.want.data(), c.want.size(), MSG_NOSIGNAL) !=
                                    static_cast<ssize_t>(c.want.size())) {
                    ++r.failed;
                    c.state = Done;
                } else {
                    c.state = Waiting;
                }
                continue;
            }
            char buf[256];
            const ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
            if (got > 0) {
                c.got.append(buf, static_cast<size_t>(got));
                if (c.got.size() >= c.want.size()) {
                    c.got == c.want ? ++r.served : ++r.failed;
                    c.state = Done;
                }
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                ++r.answered;
                c.state = Done;
            }
        }
    }
    return r;
}

void expect_new_client_echoed(const SocketAddress& address, const std::string& why) {
    int fd = connect_to(address);
    ASSERT_GE(fd, 0) << why;
    const auto bytes = random_bytes(5000, 5);
    EXPECT_EQ(echo_round_trip(fd, bytes), bytes) << why;
    ::close(fd);
}

void check_echo_at_limit(uid_t uid) {
    if (!raise_own_limit(1300)) GTEST_SKIP() << "this test needs 1300 descriptors of its own";
    ServeProcess server({{"--serve", "tcp-echo"}, 1024, 1024, uid, true});
    auto address = server.address();
    ASSERT_TRUE(address) << server.first_line() << server.err_text();
    EXPECT_EQ(server.soft_nofile(), 1024);
    std::vector<int> fds;
    const LoadResult r = echo_clients(*address, 1100, fds, 60s);
    std::printf(
        "1100 echo clients at a limit of 1024: %d served, %d closed, %d failed, %d "
        "timed out\n",
        r.served, r.answered, r.failed, r.timed_out);
    EXPECT_EQ(r.timed_out, 0);
    EXPECT_EQ(r.failed, 0);
    EXPECT_EQ(r.served + r.answered, 1100);
    // All but those closed to keep the reserve (a sixteenth of the limit, closed in a batch):
    // with the listen queue at SOMAXCONN every client arrives at once.
    EXPECT_GE(r.served, 900);
    EXPECT_TRUE(server.wait_for_stdout("idle connections to make room: descriptor limit 1024"))
        << server.err_text();
    // With every one of those still open on this side, a new client is served.
    expect_new_client_echoed(*address, "a new client after 1100 others");
    for (int fd : fds) ::close(fd);
    EXPECT_TRUE(server.alive());
    EXPECT_EQ(server.stop(), 0) << server.err_text();
}

TEST(ServeLimits, Eleven100EchoClientsAtALimitOf1024AreAllAnswered) {
    check_echo_at_limit(0);
}

TEST(ServeLimits, Eleven100EchoClientsAtALimitOf1024AsAnOrdinaryUser) {
    if (::geteuid() != 0) GTEST_SKIP() << "running as an ordinary user already (the test above)";
    check_echo_at_limit(65534);
}

TEST(ServeLimits, IdleHttpConnectionsDoNotStarveNewClients) {
    if (!raise_own_limit(1300)) GTEST_SKIP() << "this test needs 1300 descriptors of its own";
    ServeProcess server({{"--serve", "http"}, 1024, 1024, 0, true});
    auto address = server.address();
    ASSERT_TRUE(address) << server.first_line() << server.err_text();
    // 1030 connections that never send a request. One after the other: a burst of silent
    // connects overflows the listen queue, and a client that sends nothing never retries the
    // handshake's last ACK, so the server would never see it at all.
    std::vector<int> idle;
    for (int i = 0; i < 1030; ++i) {
        int fd = connect_to(*address);
        ASSERT_GE(fd, 0) << "connection " << i;
        idle.push_back(fd);
    }
    // The server has taken them in (its note says it made room) ...
    EXPECT_TRUE(server.wait_for_stdout("idle connections to make room: descriptor limit 1024", 30s))
        << server.err_text();
    // ... and a new client gets its page.
    int fd = connect_to(*address);
    ASSERT_GE(fd, 0);
    const std::string get = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(send_all(fd, {get.begin(), get.end()}));
    const auto reply = recv_exactly(fd, 15);
    EXPECT_EQ(std::string(reply.begin(), reply.end()), "HTTP/1.1 200 OK");
    ::close(fd);
    // An idle one that was closed was told why.
    int told = 0;
    for (int c : idle) {
        char buf[64] = {};
        if (::recv(c, buf, sizeof buf - 1, MSG_DONTWAIT) > 0 &&
            std::string(buf).rfind("HTTP/1.1 503", 0) == 0)
            ++told;
        ::close(c);
    }
    EXPECT_GT(told, 0);
    EXPECT_EQ(server.stop(), 0) << server.err_text();
}

TEST(ServeLimits, SoftDescriptorLimitIsRaisedToTheHardLimit) {
    if (!raise_own_limit(1300)) GTEST_SKIP() << "this test needs 1300 descriptors of its own";
    ServeProcess server({{"--serve", "tcp-echo"}, 1024, 4096, 0, true});
    auto address = server.address();
    ASSERT_TRUE(address) << server.first_line() << server.err_text();
    EXPECT_EQ(server.soft_nofile(), 4096);
    std::vector<int> fds;
    const LoadResult r = echo_clients(*address, 1100, fds, 60s);
    EXPECT_EQ(r.served, 1100) << r.answered << " closed, " << r.failed << " failed, " << r.timed_out
                              << " timed out";
    for (int fd : fds) ::close(fd);
    EXPECT_EQ(server.out_text().find("to make room"), std::string::npos);
    EXPECT_EQ(server.stop(), 0) << server.err_text();
}

}  // namespace
}  // namespace socketlab::test
