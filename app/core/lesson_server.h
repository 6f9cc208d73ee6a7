// The servers a learner's own client can talk to: `socketlab --serve` and the window's "Keep
// the server open". Echo (TCP or UDP), a small HTTP/1.1 server, a line-based protocol in the
// style of SMTP, and two mail dialects real clients complete a session with: SMTP (Python's
// smtplib sends a message) and POP3 (poplib reads a fixed mailbox of two). One thread, poll()
// over non-blocking sockets; every call it makes is logged as an Event: the listening socket's
// calls on the actor "server" (or options.server_actor), each client's on its own actor
// ("outside-1", "outside-2", ...), so a client from outside gets its own column in the window.
// Any number of clients; each client's unsent reply is bounded (it stops reading from a client
// that does not read its replies), and requests, lines and mail messages are bounded, so garbage
// or floods cannot grow memory without limit.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "core/address.h"
#include "core/event_log.h"

namespace socketlab {

enum class ServerProtocol {
    Echo,          // every byte back (TCP), every datagram back (UDP)
    Http,          // HTTP/1.1: GET / and GET /hello; one request per connection
    TextProtocol,  // "220 ..." greeting; HELO, NOOP, TIME, ECHO text, QUIT; CRLF lines
    Smtp,          // ESMTP: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, VRFY, QUIT (mail_dialects.h)
    Pop3,          // POP3: USER/PASS (any), STAT, LIST, RETR, TOP, UIDL, DELE, RSET, QUIT
};

struct LessonServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: the kernel chooses
    bool udp = false;
    ServerProtocol protocol = ServerProtocol::Echo;
    std::string client_actor = "outside";  // clients are "outside-1", "outside-2", ...
    std::string server_actor = "server";   // the listening socket's calls
    // Time base for events (microseconds); default: since start(). The window passes the lesson
    // engine's clock so these events sort with the lesson's own.
    std::function<int64_t()> clock;
};

// "tcp-echo", "udp-echo", "http", "text-protocol", "smtp", "pop3" -> options; false if unknown.
bool server_kind_options(const std::string& kind, LessonServerOptions& options);

// Ready-to-copy ways for a learner to talk to a server of this kind at address: a shell
// command (nc, curl) and a short Python program.
std::string client_command(const std::string& kind, const SocketAddress& address);
std::string python_client_snippet(const std::string& kind, const SocketAddress& address);

class LessonServer {
  public:
    // The socket name on every event of these servers, to tell them from a lesson's steps.
    static constexpr const char* kKeptSocketName = "open";
    static constexpr size_t kMaxPendingPerClient = 1 << 20;
    static constexpr size_t kMaxRequestBytes = 16 * 1024;  // HTTP request head, one text line

    explicit LessonServer(EventLog& log);
    ~LessonServer();
    LessonServer(const LessonServer&) = delete;
    LessonServer& operator=(const LessonServer&) = delete;

    // Creates, binds and (TCP) listens on the calling thread, so errors such as EADDRINUSE or
    // EACCES come back here; then serves on a worker thread. False with error set on failure.
    bool start(const LessonServerOptions& options, std::string& error);
    SocketAddress address() const { return address_; }
    // Wakes the worker, closes every socket and joins. Safe to call twice.
    void stop();

    int clients_seen() const { return clients_seen_; }

  private:
    struct Client;
    void serve_tcp();
    void serve_udp();
    // What the protocol answers to newly received bytes (appended to the client's pending).
    void on_connect(Client& client);
    void on_bytes(Client& client, const uint8_t* data, size_t size);
    // The line-based protocols: the reply to one line (CRLF removed), or to one over-long line.
    std::string answer_line(Client& client, const std::string& line, bool& quit);
    std::string answer_overlong_line(Client& client);
    void log_call(const std::string& actor, CallSpec spec, int64_t ret, int err, int fd,
                  const SocketAddress& peer = {}, Direction dir = Direction::None,
                  const uint8_t* data = nullptr, size_t size = 0, const std::string& note = "");
    int64_t now_us() const;

    EventLog& log_;
    LessonServerOptions options_;
    std::atomic<int> clients_seen_{0};
    int listen_fd_ = -1;
    int wake_fd_ = -1;
    SocketAddress address_;
    std::thread thread_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace socketlab
