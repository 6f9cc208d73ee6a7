// The SMTP and POP3 kept-open servers: Python's own smtplib and poplib complete a session
// against them (run as a real child process), the snippets shown to learners work as written,
// and raw clients get the right error codes for bad sequences, floods and over-long input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/lesson_server.h"
#include "core/mail_dialects.h"
#include "socket_client_util.h"

extern char** environ;

namespace socketlab::test {
namespace {

using namespace std::chrono_literals;

const char* python() {
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

struct Ran {
    int status = -1;     // the exit status; 128 + signal when killed
    std::string output;  // stdout and stderr together
};

// Runs python3 -c script args..., reading its output until it exits; killed after the timeout.
Ran run_python(const std::string& script, std::vector<std::string> args,
               std::chrono::milliseconds timeout = 30s) {
    Ran ran;
    std::vector<std::string> argv_text = {python(), "-c", script};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return ran;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    pid_t pid = -1;
    const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (spawned != 0) {
        ::close(out[0]);
        ran.output = "posix_spawnp failed";
        return ran;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool killed = false;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{out[0], POLLIN, 0};
        const int ready = left.count() <= 0 ? 0 : ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        char buffer[4096];
        const ssize_t n = ::read(out[0], buffer, sizeof buffer);
        if (n <= 0) break;  // the child has exited (or closed its output)
        ran.output.append(buffer, static_cast<size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (killed) ran.output += "\n(killed: no exit within the timeout)";
    return ran;
}

std::unique_ptr<LessonServer> started(EventLog& log, const std::string& kind,
                                      const std::string& server_actor = "server") {
    auto server = std::make_unique<LessonServer>(log);
    LessonServerOptions options;
    EXPECT_TRUE(server_kind_options(kind, options)) << kind;
    options.server_actor = server_actor;
    std::string error;
    EXPECT_TRUE(server->start(options, error)) << error;
    return server;
}

std::string host_of(const LessonServer& server) {
    return server.address().host_string();
}
std::string port_of(const LessonServer& server) {
    return std::to_string(server.address().port());
}

bool send_text(int fd, const std::string& text) {
    return send_all(fd, std::vector<uint8_t>(text.begin(), text.end()));
}

// A whole SMTP reply: "250-..." lines up to the "250 ..." one.
std::string read_reply(int fd) {
    std::string reply;
    for (;;) {
        const std::string line = read_line(fd);
        reply += line;
        if (line.size() < 4 || line[3] != '-') return reply;
    }
}

// A POP3 multi-line reply: up to the line holding only ".".
std::string read_multiline(int fd) {
    std::string reply;
    for (;;) {
        const std::string line = read_line(fd);
        reply += line;
        if (line.empty() || line == ".\r\n") return reply;
    }
}

std::string read_to_end(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return out;
        out.append(buffer, static_cast<size_t>(n));
    }
}

// Every byte the server received from this actor, as logged.
std::string received_by(const std::vector<Event>& events, const std::string& actor) {
    std::string bytes;
    for (const auto& e : events)
        if (e.actor == actor && e.is_call(CallOp::Recv) &&
            e.call()->direction == Direction::Received)
            bytes.append(e.call()->bytes.begin(), e.call()->bytes.end());
    return bytes;
}

bool closed(EventLog& log, const std::string& actor) {
    return log.wait_for(
        [&](const Event& e) { return e.actor == actor && e.is_call(CallOp::Close); }, 10s);
}

TEST(MailServer, SmtplibSendsMessages) {
    EventLog log;
    auto server = started(log, "smtp");
    const Ran ran = run_python(R"py(
import smtplib, sys
msg = (b"From: a@example.com\r\nTo: b@example.com\r\nSubject: Test\r\n\r\n"
       b".a line that starts with a dot\r\nbody\r\n")
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), local_hostname="learner.example", timeout=10)
code, _ = s.ehlo()
print("ehlo", code, "size", s.esmtp_features.get("size"), "tls", s.has_extn("starttls"))
print("refused", len(s.sendmail("a@example.com", ["b@example.com", "c@example.com"], msg)))
s.mail("a@example.com")
s.rcpt("b@example.com")
code, reply = s.data(msg)
print("data", code, reply.decode())
print("expected", "OK: message accepted (%d bytes)" % len(msg))
print("quit", s.quit()[0])
)py",
                               {host_of(*server), port_of(*server)});
    EXPECT_EQ(ran.status, 0) << ran.output;
    EXPECT_NE(ran.output.find("ehlo 250 size 1048576 tls False\n"), std::string::npos)
        << ran.output;
    EXPECT_NE(ran.output.find("refused 0\n"), std::string::npos) << ran.output;
    const auto expected = ran.output.find("expected ");
    ASSERT_NE(expected, std::string::npos) << ran.output;
    const std::string accepted =
        ran.output.substr(expected + 9, ran.output.find('\n', expected) - expected - 9);
    EXPECT_NE(ran.output.find("data 250 " + accepted + "\n"), std::string::npos) << ran.output;
    EXPECT_NE(ran.output.find("quit 221\n"), std::string::npos) << ran.output;
    // Every byte is logged, the dot-stuffed line as it went over the wire.
    ASSERT_TRUE(closed(log, "outside-1"));
    std::vector<Event> events;
    log.drain(events);
    const std::string wire = received_by(events, "outside-1");
    EXPECT_NE(wire.find("\r\n..a line that starts with a dot\r\n"), std::string::npos) << wire;
    EXPECT_NE(wire.find("rcpt TO:<c@example.com>"), std::string::npos) << wire;
}

TEST(MailServer, PoplibReadsTheMailbox) {
    EventLog log;
    auto server = started(log, "pop3");
    const Ran ran = run_python(R"py(
import poplib, sys
p = poplib.POP3(sys.argv[1], int(sys.argv[2]), timeout=10)
print("welcome", p.getwelcome().decode())
print("user", p.user("learner").decode()[:3])
print("pass", p.pass_("anything at all").decode()[:3])
print("stat", *p.stat())
print("list", *[l.decode() for l in p.list()[1]])
for l in p.retr(2)[1]:
    print("retr|" + l.decode())
print("uidl", *[l.decode() for l in p.uidl()[1]])
print("top", len(p.top(1, 1)[1]))
print("dele", p.dele(1).decode()[:3])
print("stat", *p.stat())
print("quit", p.quit().decode()[:3])
)py",
                               {host_of(*server), port_of(*server)});
    EXPECT_EQ(ran.status, 0) << ran.output;
    const std::string& one = Pop3Dialogue::message(1);
    const std::string& two = Pop3Dialogue::message(2);
    EXPECT_NE(ran.output.find("welcome +OK SocketLab POP3 ready"), std::string::npos) << ran.output;
    EXPECT_NE(ran.output.find("user +OK\npass +OK\n"), std::string::npos) << ran.output;
    EXPECT_NE(ran.output.find("stat 2 " + std::to_string(one.size() + two.size()) + "\n"),
              std::string::npos)
        << ran.output;
    EXPECT_NE(ran.output.find("list 1 " + std::to_string(one.size()) + " 2 " +
                              std::to_string(two.size()) + "\n"),
              std::string::npos)
        << ran.output;
    // RETR 2 comes back line for line, the stuffed dots taken off again by poplib.
    std::string lines;
    for (size_t start = 0; start < two.size();) {
        const auto end = two.find("\r\n", start);
        lines += "retr|" + two.substr(start, end - start) + "\n";
        start = end + 2;
    }
    EXPECT_NE(ran.output.find(lines), std::string::npos) << ran.output;
    EXPECT_NE(ran.output.find("retr|Subject: Byte-stuffing\n"), std::string::npos);
    EXPECT_NE(ran.output.find("retr|.like this one\n"), std::string::npos);
    EXPECT_NE(ran.output.find("uidl 1 socketlab-welcome 2 socketlab-dots\n"), std::string::npos)
        << ran.output;
    // TOP 1 1: seven header lines, the blank line, one body line.
    EXPECT_NE(ran.output.find("top 9\n"), std::string::npos) << ran.output;
    EXPECT_NE(ran.output.find("dele +OK\nstat 1 " + std::to_string(two.size()) + "\n"),
              std::string::npos)
        << ran.output;
    EXPECT_NE(ran.output.find("quit +OK\n"), std::string::npos) << ran.output;
}

TEST(MailServer, TheSnippetsShownToLearnersWork) {
    for (const char* kind : {"smtp", "pop3"}) {
        EventLog log;
        auto server = started(log, kind);
        const Ran ran = run_python(python_client_snippet(kind, server->address()), {});
        EXPECT_EQ(ran.status, 0) << kind << ":\n" << ran.output;
        EXPECT_EQ(client_command(kind, server->address()), "nc -C 127.0.0.1 " + port_of(*server));
        if (std::string(kind) == "smtp") {
            EXPECT_NE(ran.output.find("250 OK: message accepted"), std::string::npos) << ran.output;
        } else {
            EXPECT_NE(ran.output.find("Subject: Welcome to POP3"), std::string::npos) << ran.output;
        }
    }
}

TEST(MailServer, SmtpErrorReplies) {
    EventLog log;
    auto server = started(log, "smtp");
    int fd = connect_to(server->address());
    ASSERT_GE(fd, 0);
    EXPECT_EQ(read_line(fd), "220 socketlab ESMTP SocketLab\r\n");
    auto say = [&](const std::string& line) {
        EXPECT_TRUE(send_text(fd, line + "\r\n"));
        return read_reply(fd).substr(0, 4);
    };
    EXPECT_EQ(say("MAIL FROM:<a@example.com>"), "503 ");  // before EHLO
    EXPECT_EQ(say("EHLO"), "501 ");
    ASSERT_TRUE(send_text(fd, "ehlo tester\r\n"));
    EXPECT_EQ(read_reply(fd), "250-socketlab Hello tester\r\n250-8BITMIME\r\n250 SIZE " +
                                  std::to_string(SmtpDialogue::kMaxMessageBytes) + "\r\n");
    EXPECT_EQ(say("RCPT TO:<b@example.com>"), "503 ");  // before MAIL
    EXPECT_EQ(say("DATA"), "503 ");
    EXPECT_EQ(say("MAIL FROM:a@example.com"), "501 ");
    EXPECT_EQ(say("MAIL FROM:<a@example.com> SIZE=99999999"), "552 ");
    EXPECT_EQ(say("MAIL FROM:<a@example.com> X-FROB=1"), "555 ");
    EXPECT_EQ(say("MAIL FROM:<a@example.com>"), "250 ");
    EXPECT_EQ(say("MAIL FROM:<a@example.com>"), "503 ");  // nested
    EXPECT_EQ(say("DATA"), "503 ");                       // no recipient yet
    EXPECT_EQ(say("RSET"), "250 ");
    EXPECT_EQ(say("VRFY someone"), "252 ");
    EXPECT_EQ(say("NOOP"), "250 ");
    EXPECT_EQ(say("STARTTLS"), "502 ");
    EXPECT_EQ(say("AUTH PLAIN"), "502 ");
    EXPECT_EQ(say("FROB"), "500 ");
    EXPECT_EQ(say(std::string(LessonServer::kMaxRequestBytes + 10, 'z')), "500 ");
    // A transaction in one send, a stuffed dot, several recipients: counted as the client meant.
    ASSERT_TRUE(send_text(fd,
                          "MAIL FROM:<>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\n"
                          "DATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\n"));
    EXPECT_EQ(read_reply(fd).substr(0, 4), "250 ");
    EXPECT_EQ(read_reply(fd).substr(0, 4), "250 ");
    EXPECT_EQ(read_reply(fd).substr(0, 4), "250 ");
    EXPECT_EQ(read_reply(fd).substr(0, 4), "354 ");
    EXPECT_EQ(read_reply(fd), "250 OK: message accepted (20 bytes)\r\n");
    // A message over the size bound: read to its end, then refused; the session goes on.
    EXPECT_EQ(say("MAIL FROM:<a@example.com>"), "250 ");
    EXPECT_EQ(say("RCPT TO:<b@example.com>"), "250 ");
    EXPECT_EQ(say("DATA"), "354 ");
    std::string big;
    const std::string line(998, 'x');
    while (big.size() <= SmtpDialogue::kMaxMessageBytes) big += line + "\r\n";
    ASSERT_TRUE(send_text(fd, big));
    EXPECT_EQ(say("."), "552 ");
    // An over-long line inside a message: no reply until its end, then refused.
    EXPECT_EQ(say("MAIL FROM:<a@example.com>"), "250 ");
    EXPECT_EQ(say("RCPT TO:<b@example.com>"), "250 ");
    EXPECT_EQ(say("DATA"), "354 ");
    ASSERT_TRUE(send_text(fd, std::string(LessonServer::kMaxRequestBytes + 10, 'y') + "\r\n"));
    EXPECT_EQ(say("."), "500 ");
    EXPECT_EQ(say("NOOP"), "250 ");
    ASSERT_TRUE(send_text(fd, "QUIT\r\n"));
    EXPECT_EQ(read_to_end(fd), "221 socketlab closing connection\r\n");
    ::close(fd);
}

TEST(MailServer, Pop3ErrorReplies) {
    EventLog log;
    auto server = started(log, "pop3");
    int fd = connect_to(server->address());
    ASSERT_GE(fd, 0);
    EXPECT_EQ(read_line(fd).substr(0, 4), "+OK ");
    auto say = [&](const std::string& line) {
        EXPECT_TRUE(send_text(fd, line + "\r\n"));
        return read_line(fd);
    };
    for (const char* command : {"STAT", "LIST", "RETR 1", "DELE 1", "UIDL", "TOP 1 0", "NOOP"})
        EXPECT_EQ(say(command), "-ERR Log in first: USER name, then PASS anything\r\n") << command;
    EXPECT_EQ(say("PASS secret").substr(0, 5), "-ERR ");  // USER first
    EXPECT_EQ(say("USER").substr(0, 5), "-ERR ");
    EXPECT_EQ(say("FROB").substr(0, 5), "-ERR ");
    EXPECT_EQ(say(std::string(LessonServer::kMaxRequestBytes + 10, 'z')).substr(0, 5), "-ERR ");
    EXPECT_EQ(say("user learner").substr(0, 4), "+OK ");
    EXPECT_EQ(say("pass").substr(0, 4), "+OK ");  // even an empty password
    EXPECT_EQ(say("USER again").substr(0, 5), "-ERR ");
    for (const char* command : {"RETR 0", "RETR 3", "RETR x", "LIST 9", "TOP 1", "DELE"})
        EXPECT_EQ(say(command).substr(0, 5), "-ERR ") << command;
    EXPECT_EQ(say("DELE 1").substr(0, 4), "+OK ");
    EXPECT_EQ(say("RETR 1").substr(0, 5), "-ERR ");  // deleted
    EXPECT_EQ(say("DELE 1").substr(0, 5), "-ERR ");
    ASSERT_TRUE(send_text(fd, "LIST\r\n"));
    EXPECT_EQ(read_multiline(fd),
              "+OK 1 messages (" + std::to_string(Pop3Dialogue::message(2).size()) +
                  " octets)\r\n2 " + std::to_string(Pop3Dialogue::message(2).size()) + "\r\n.\r\n");
    EXPECT_EQ(say("RSET").substr(0, 4), "+OK ");
    // On the wire, RETR 2 doubles the dot of each line that starts with one.
    ASSERT_TRUE(send_text(fd, "RETR 2\r\n"));
    const std::string retr = read_multiline(fd);
    EXPECT_NE(retr.find("\r\n..like this one\r\n..\r\n"), std::string::npos) << retr;
    ASSERT_TRUE(send_text(fd, "QUIT\r\n"));
    EXPECT_EQ(read_to_end(fd).substr(0, 4), "+OK ");
    ::close(fd);
}

// 64 KiB of "RETR 1" in one go asks for megabytes: the server holds commands back while its
// reply is full, and still answers every one, in order.
TEST(MailServer, Pop3AnswersAFloodOfCommandsInFull) {
    EventLog log;
    auto server = started(log, "pop3");
    int fd = connect_to(server->address());
    ASSERT_GE(fd, 0);
    EXPECT_EQ(read_line(fd).substr(0, 4), "+OK ");
    constexpr size_t kCommands = 8192;
    std::string flood = "USER a\r\nPASS b\r\n";
    for (size_t i = 0; i < kCommands; ++i) flood += "RETR 1\r\n";
    flood += "QUIT\r\n";
    bool sent = false;
    std::thread sender([&] { sent = send_text(fd, flood); });
    const std::string replies = read_to_end(fd);
    sender.join();
    EXPECT_TRUE(sent);
    const std::string retr =
        "+OK " + std::to_string(Pop3Dialogue::message(1).size()) + " octets\r\n";
    size_t count = 0;
    for (size_t at = replies.find(retr); at != std::string::npos; at = replies.find(retr, at + 1))
        ++count;
    EXPECT_EQ(count, kCommands);
    EXPECT_GT(replies.size(), kCommands * Pop3Dialogue::message(1).size());
    EXPECT_EQ(replies.substr(replies.rfind("\r\n", replies.size() - 3) + 2, 4), "+OK ");
    ::close(fd);
}

TEST(MailServer, TheListeningSocketsActorIsTheCallers) {
    EventLog log;
    auto server = started(log, "smtp", "mail-server");
    int fd = connect_to(server->address());
    ASSERT_GE(fd, 0);
    EXPECT_EQ(read_line(fd).substr(0, 4), "220 ");
    ::close(fd);
    ASSERT_TRUE(closed(log, "outside-1"));
    std::vector<Event> events;
    log.drain(events);
    auto calls_of = [&](const std::string& actor, CallOp op) {
        return std::count_if(events.begin(), events.end(),
                             [&](const Event& e) { return e.actor == actor && e.is_call(op); });
    };
    EXPECT_EQ(calls_of("mail-server", CallOp::Bind), 1);
    EXPECT_EQ(calls_of("mail-server", CallOp::Listen), 1);
    EXPECT_EQ(calls_of("mail-server", CallOp::Accept), 1);
    EXPECT_EQ(calls_of("server", CallOp::Bind), 0);
}

}  // namespace
}  // namespace socketlab::test
