// [SECTION] index
//   Kinds        what each kind of kept-open server is called, its nc/curl line and snippet
//   Events       the calls the server makes, as typed events
//   Protocols    echo, HTTP, the text protocol, SMTP and POP3: what the server answers
//   Serving      the TCP and UDP loops on the server's own thread
#include "core/lesson_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <list>
#include <vector>

#include "core/descriptor_limit.h"
#include "core/errno_text.h"
#include "core/mail_dialects.h"

namespace socketlab {

// [SECTION] Kinds

// One connected client of a TCP server.
struct LessonServer::Client {
    int fd = -1;
    std::string actor;  // "outside-1"
    SocketAddress peer;
    std::vector<uint8_t> pending;  // to be sent (the echo, a reply)
    std::string request;           // HTTP: the request head so far; text: the line so far
    bool peer_closed = false;
    bool close_after_send = false;    // the protocol has said its last word (HTTP, QUIT)
    bool discarding = false;          // text: inside an over-long line, until its end
    std::vector<uint8_t> unanswered;  // text: received, held back while pending is full
    SmtpDialogue smtp;                // where this client's dialogue is (Smtp, Pop3)
    Pop3Dialogue pop3;
    std::chrono::steady_clock::time_point last_active;  // accepted, or last byte in or out
    size_t poll_index = 0;  // its entry in this round's pollfds (0: none, accepted this round)
};

bool server_kind_options(const std::string& kind, LessonServerOptions& options) {
    options.udp = kind == "udp-echo";
    if (kind == "tcp-echo" || kind == "udp-echo")
        options.protocol = ServerProtocol::Echo;
    else if (kind == "http")
        options.protocol = ServerProtocol::Http;
    else if (kind == "text-protocol")
        options.protocol = ServerProtocol::TextProtocol;
    else if (kind == "smtp")
        options.protocol = ServerProtocol::Smtp;
    else if (kind == "pop3")
        options.protocol = ServerProtocol::Pop3;
    else
        return false;
    return true;
}

std::string client_command(const std::string& kind, const SocketAddress& address) {
    const std::string host = address.host_string();
    const std::string port = std::to_string(address.port());
    if (kind == "http") return "curl -v http://" + address.to_string() + "/hello";
    if (kind == "udp-echo") return "nc -u " + host + " " + port;
    // -C: nc ends lines in CRLF, as these protocols want.
    if (kind == "text-protocol" || kind == "smtp" || kind == "pop3")
        return "nc -C " + host + " " + port;
    return "nc " + host + " " + port;
}

std::string python_client_snippet(const std::string& kind, const SocketAddress& address) {
    const std::string host = "\"" + address.host_string() + "\"";
    const std::string port = std::to_string(address.port());
    if (kind == "udp-echo")
        return "import socket\n"
               "s = socket.socket(socket.AF_INET" +
               std::string(address.family() == AF_INET6 ? "6" : "") +
               ", socket.SOCK_DGRAM)\n"
               "s.sendto(b\"hello\", (" +
               host + ", " + port +
               "))\n"
               "print(s.recvfrom(65536))\n";
    // local_hostname: smtplib would otherwise look up this machine's name (slow without DNS).
    if (kind == "smtp")
        return "import smtplib\n"
               "with smtplib.SMTP(" +
               host + ", " + port +
               ", local_hostname=\"learner\") as s:\n"
               "    s.set_debuglevel(1)  # print the dialogue\n"
               "    s.sendmail(\"me@example.com\", [\"you@example.com\"],\n"
               "               \"Subject: Hello\\r\\n\\r\\nHello over SMTP!\\r\\n\")\n";
    if (kind == "pop3")
        return "import poplib\n"
               "p = poplib.POP3(" +
               host + ", " + port +
               ")\n"
               "print(p.getwelcome())\n"
               "p.user(\"learner\")\n"
               "p.pass_(\"anything\")  # a teaching server: any password\n"
               "print(p.stat())\n"
               "for line in p.retr(1)[1]:\n"
               "    print(line.decode())\n"
               "p.quit()\n";
    std::string send = "b\"hello\\n\"";
    if (kind == "http") send = "b\"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n\"";
    if (kind == "text-protocol") send = "b\"HELO me\\r\\n\"";
    return "import socket\n"
           "s = socket.create_connection((" +
           host + ", " + port +
           "))\n"
           "s.sendall(" +
           send +
           ")\n"
           "print(s.recv(4096))\n"
           "s.close()\n";
}

// [SECTION] Events
namespace {

// The calls the server makes, described as the call table describes them (for their text).
CallSpec plain_spec(CallOp op) {
    CallSpec spec;
    spec.op = op;
    return spec;
}
CallSpec address_spec(CallOp op, const SocketAddress& address) {
    CallSpec spec = plain_spec(op);
    spec.address = address;
    return spec;
}
CallSpec backlog_spec(int backlog) {
    CallSpec spec = plain_spec(CallOp::Listen);
    spec.backlog = backlog;
    return spec;
}
CallSpec recv_spec(CallOp op, size_t size) {
    CallSpec spec = plain_spec(op);
    spec.buffer_size = size;
    return spec;
}
CallSpec send_spec(const uint8_t* data, size_t size) {
    CallSpec spec = plain_spec(CallOp::Send);
    spec.data.assign(data, data + std::min(size, CallRecord::kArgPreviewBytes));
    return spec;
}
CallSpec sendto_spec(const uint8_t* data, size_t size, const SocketAddress& to) {
    CallSpec spec = address_spec(CallOp::SendTo, to);
    spec.data.assign(data, data + std::min(size, CallRecord::kArgPreviewBytes));
    return spec;
}

}  // namespace

LessonServer::LessonServer(EventLog& log) : log_(log), start_(std::chrono::steady_clock::now()) {}

LessonServer::~LessonServer() {
    stop();
}

int64_t LessonServer::now_us() const {
    if (options_.clock) return options_.clock();
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 start_)
        .count();
}

void LessonServer::log_call(const std::string& actor, CallSpec spec, int64_t ret, int err, int fd,
                            const SocketAddress& peer, Direction dir, const uint8_t* data,
                            size_t size, const std::string& note) {
    Event ev;
    ev.t_us = now_us();
    ev.actor = actor;
    ev.socket_name = kKeptSocketName;
    CallRecord call;
    call.spec = std::move(spec);
    call.ret = ret;
    call.err = ret < 0 ? err : 0;
    if (fd >= 0) call.local = local_address_of(fd);
    call.peer = peer.empty() && fd >= 0 ? peer_address_of(fd) : peer;
    call.direction = dir;
    if (data && size) call.bytes.assign(data, data + std::min(size, EventLog::kMaxBytesPerEvent));
    call.bytes_total = size;
    ev.payload = std::move(call);
    ev.note = note;
    log_.append(std::move(ev));
}

bool LessonServer::start(const LessonServerOptions& options, std::string& error) {
    options_ = options;
    auto addr = SocketAddress::from_host_port(options.host, options.port, &error);
    if (!addr) return false;
    const int type = options.udp ? SOCK_DGRAM : SOCK_STREAM;
    listen_fd_ = ::socket(addr->family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) {
        error = "socket: " + errno_name(errno) + ": " + errno_explanation(errno);
        return false;
    }
    // TCP: rebinding right after a restart must not fail on old TIME_WAIT connections. Not for
    // UDP, where SO_REUSEADDR would let two servers share the port silently.
    int one = 1;
    if (!options.udp) ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto fail = [&](const char* call) {
        int err = errno;
        error = std::string(call) + " " + addr->to_string() + ": " + errno_name(err) + ": " +
                errno_explanation(err);
        ::close(listen_fd_);
        listen_fd_ = -1;
        return false;
    };
    if (::bind(listen_fd_, addr->get(), addr->length) != 0) return fail("bind");
    if (!options.udp && ::listen(listen_fd_, SOMAXCONN) != 0) return fail("listen");
    address_ = local_address_of(listen_fd_);
    log_call(options_.server_actor, address_spec(CallOp::Bind, address_), 0, 0, listen_fd_);
    if (!options.udp) log_call(options_.server_actor, backlog_spec(64), 0, 0, listen_fd_);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) return fail("eventfd");
    thread_ = std::thread([this, udp = options.udp] { udp ? serve_udp() : serve_tcp(); });
    return true;
}

void LessonServer::stop() {
    if (wake_fd_ >= 0) {
        uint64_t one = 1;
        (void)!::write(wake_fd_, &one, sizeof one);
    }
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    listen_fd_ = wake_fd_ = -1;
}

// [SECTION] Protocols
namespace {

void append(std::vector<uint8_t>& out, const std::string& text) {
    out.insert(out.end(), text.begin(), text.end());
}

std::string http_response(const std::string& status, const std::string& body) {
    return "HTTP/1.1 " + status +
           "\r\nServer: SocketLab\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// The answer to one complete request head.
std::string answer_http(const std::string& head) {
    const auto line_end = head.find("\r\n");
    const std::string line = head.substr(0, line_end);
    const auto first = line.find(' ');
    const auto second = first == std::string::npos ? first : line.find(' ', first + 1);
    if (first == std::string::npos || second == std::string::npos ||
        line.compare(second + 1, 5, "HTTP/") != 0)
        return http_response("400 Bad Request", "That is not an HTTP request line: " + line + "\n");
    const std::string method = line.substr(0, first);
    const std::string path = line.substr(first + 1, second - first - 1);
    if (method != "GET" && method != "HEAD")
        return http_response("405 Method Not Allowed", "This server only answers GET.\n");
    std::string response =
        path == "/"
            ? http_response("200 OK",
                            "Hello from SocketLab's HTTP server.\nTry GET /hello as well.\n")
        : path == "/hello" ? http_response("200 OK", "Hello, world!\n")
                           : http_response("404 Not Found", "Nothing here at " + path + "\n");
    // HEAD: the same head (Content-Length included), no body.
    if (method == "HEAD") response.resize(response.find("\r\n\r\n") + 4);
    return response;
}

std::string answer_text_line(const std::string& line, bool& quit) {
    const auto space = line.find(' ');
    std::string command = line.substr(0, space);
    std::string argument = space == std::string::npos ? "" : line.substr(space + 1);
    std::transform(command.begin(), command.end(), command.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (command == "HELO")
        return "250 Hello " + (argument.empty() ? std::string("stranger") : argument) + "\r\n";
    if (command == "NOOP") return "250 OK\r\n";
    if (command == "ECHO") return "250 " + argument + "\r\n";
    if (command == "TIME") {
        char text[64];
        std::time_t now = std::time(nullptr);
        std::tm utc{};
        gmtime_r(&now, &utc);
        std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
        return std::string("250 ") + text + "\r\n";
    }
    if (command == "QUIT") {
        quit = true;
        return "221 Bye\r\n";
    }
    if (command.empty()) return "500 Empty line: say HELO, NOOP, TIME, ECHO text or QUIT\r\n";
    return "500 Unknown command " + command + ": say HELO, NOOP, TIME, ECHO text or QUIT\r\n";
}

}  // namespace

void LessonServer::on_connect(Client& client) {
    if (options_.protocol == ServerProtocol::TextProtocol)
        append(client.pending, "220 socketlab ready: HELO, NOOP, TIME, ECHO text, QUIT\r\n");
    else if (options_.protocol == ServerProtocol::Smtp)
        append(client.pending, SmtpDialogue::greeting());
    else if (options_.protocol == ServerProtocol::Pop3)
        append(client.pending, Pop3Dialogue::greeting());
}

std::string LessonServer::answer_line(Client& client, const std::string& line, bool& quit) {
    if (options_.protocol == ServerProtocol::Smtp) return client.smtp.on_line(line, quit);
    if (options_.protocol == ServerProtocol::Pop3) return client.pop3.on_line(line, quit);
    return answer_text_line(line, quit);
}

std::string LessonServer::answer_overlong_line(Client& client) {
    if (options_.protocol == ServerProtocol::Smtp)
        return client.smtp.on_overlong_line(kMaxRequestBytes);
    if (options_.protocol == ServerProtocol::Pop3)
        return client.pop3.on_overlong_line(kMaxRequestBytes);
    return "500 Line too long (over 16 KiB)\r\n";
}

void LessonServer::on_bytes(Client& client, const uint8_t* data, size_t size) {
    switch (options_.protocol) {
        case ServerProtocol::Echo:
            client.pending.insert(client.pending.end(), data, data + size);
            return;
        case ServerProtocol::Http: {
            if (client.close_after_send) return;  // one request per connection
            client.request.append(reinterpret_cast<const char*>(data), size);
            auto end = client.request.find("\r\n\r\n");
            if (end == std::string::npos) end = client.request.find("\n\n");
            if (end != std::string::npos) {
                append(client.pending, answer_http(client.request.substr(0, end)));
                client.close_after_send = true;
            } else if (client.request.size() > kMaxRequestBytes) {
                append(client.pending, http_response("431 Request Header Fields Too Large",
                                                     "The request head is over 16 KiB.\n"));
                client.close_after_send = true;
            }
            if (client.close_after_send) client.request.clear();
            return;
        }
        case ServerProtocol::TextProtocol:
        case ServerProtocol::Smtp:
        case ServerProtocol::Pop3:
            for (size_t i = 0; i < size && !client.close_after_send; ++i) {
                const char c = static_cast<char>(data[i]);
                if (c == '\n') {
                    std::string line = std::move(client.request);
                    client.request.clear();
                    if (client.discarding) {
                        client.discarding = false;
                        append(client.pending, answer_overlong_line(client));
                    } else {
                        if (!line.empty() && line.back() == '\r') line.pop_back();
                        bool quit = false;
                        append(client.pending, answer_line(client, line, quit));
                        client.close_after_send = quit;
                    }
                    // A short command can have a long answer (RETR): with the reply full, hold
                    // the rest back until it drains, so one recv cannot multiply into megabytes.
                    if (client.pending.size() >= kMaxPendingPerClient && !client.close_after_send) {
                        client.unanswered.assign(data + i + 1, data + size);
                        return;
                    }
                } else if (!client.discarding) {
                    client.request.push_back(c);
                    if (client.request.size() > kMaxRequestBytes) {
                        client.request.clear();
                        client.discarding = true;
                    }
                }
            }
            return;
    }
}

// [SECTION] Serving
namespace {
// Descriptors kept free for the rest of the process: a sixteenth of the limit, within these.
constexpr size_t kMinReserveFds = 32;
constexpr size_t kMaxReserveFds = 256;
}  // namespace

void LessonServer::serve_tcp() {
    std::list<Client> clients;
    std::vector<uint8_t> buffer(size_t{64} * 1024);
    auto close_client = [&](std::list<Client>::iterator it, const std::string& why) {
        int r = ::close(it->fd);
        log_call(it->actor, plain_spec(CallOp::Close), r, errno, -1, it->peer, Direction::None,
                 nullptr, 0, why);
        return clients.erase(it);
    };
    // Out of file descriptors (EMFILE) or memory, accept() fails while the connection stays
    // queued, so the listener stays readable: pause accepting instead of spinning.
    using Clock = std::chrono::steady_clock;
    Clock::time_point accept_paused_until{};
    // Each client holds a descriptor. Clients that connect and then say nothing would hold them
    // all, and then every new client waits in the listen queue until it gives up. So clients
    // stop a reserve below the descriptor limit (the rest of the process needs some too: the
    // window's lessons, files), and the longest idle are closed to make room for new ones.
    auto make_room = [&](size_t limit, size_t keep) -> size_t {
        if (clients.size() <= keep) return 0;
        const size_t n = clients.size() - keep;
        std::vector<std::list<Client>::iterator> oldest;
        oldest.reserve(clients.size());
        for (auto it = clients.begin(); it != clients.end(); ++it) oldest.push_back(it);
        std::nth_element(oldest.begin(), oldest.begin() + static_cast<std::ptrdiff_t>(n - 1),
                         oldest.end(),
                         [](auto a, auto b) { return a->last_active < b->last_active; });
        const std::string why =
            "closed to make room for new clients: the longest idle "
            "(descriptor limit " +
            std::to_string(limit) + ")";
        for (size_t i = 0; i < n; ++i) {
            Client& c = *oldest[i];
            // A last word where the protocol has one, so the client knows why (best effort:
            // never wait for it).
            std::string bye;
            if (c.pending.empty() && !c.close_after_send) {
                if (options_.protocol == ServerProtocol::Http)
                    bye = http_response("503 Service Unavailable",
                                        "Too many connections: this idle one was closed to make "
                                        "room for new clients.\n");
                else if (options_.protocol == ServerProtocol::TextProtocol)
                    bye = "421 Too many connections: closing this idle one\r\n";
                else if (options_.protocol == ServerProtocol::Smtp)
                    bye = SmtpDialogue::too_busy();
                else if (options_.protocol == ServerProtocol::Pop3)
                    bye = Pop3Dialogue::too_busy();
            }
            if (!bye.empty()) {
                const auto* data = reinterpret_cast<const uint8_t*>(bye.data());
                const ssize_t s = ::send(c.fd, data, bye.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
                log_call(c.actor, send_spec(data, bye.size()), s, errno, c.fd, c.peer,
                         Direction::Sent, data, s > 0 ? static_cast<size_t>(s) : 0);
            }
            close_client(oldest[i], why);
        }
        log_.append(make_note(now_us(), options_.server_actor, 0,
                              "closed " + std::to_string(n) +
                                  " idle connections to make room: descriptor limit " +
                                  std::to_string(limit)));
        return n;
    };
    auto close_all = [&] {
        for (auto& c : clients) ::close(c.fd);
        clients.clear();
    };
    for (;;) {
        const auto now = Clock::now();
        const bool accepting = now >= accept_paused_until;
        std::vector<pollfd> fds;
        fds.push_back({wake_fd_, POLLIN, 0});
        fds.push_back({listen_fd_, static_cast<short>(accepting ? POLLIN : 0), 0});
        for (auto& c : clients) {
            short events = 0;
            // Back-pressure: stop reading from a client that is not reading its replies.
            if (!c.peer_closed && c.pending.size() < kMaxPendingPerClient) events |= POLLIN;
            if (!c.pending.empty()) events |= POLLOUT;
            c.poll_index = fds.size();
            fds.push_back({c.fd, events, 0});
        }
        const int timeout_ms =
            accepting ? -1
                      : static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             accept_paused_until - now)
                                             .count()) +
                            1;
        if (::poll(fds.data(), fds.size(), timeout_ms) < 0) {
            if (errno == EINTR) continue;
            log_call(options_.server_actor, plain_spec(CallOp::Poll), -1, errno, -1);
            close_all();
            return;
        }
        if (fds[0].revents) {  // stop()
            close_all();
            return;
        }
        if (fds[1].revents & POLLIN) {
            const size_t limit = descriptor_limit();
            const size_t reserve = std::clamp<size_t>(limit / 16, kMinReserveFds, kMaxReserveFds);
            const size_t cap = limit > 2 * reserve ? limit - reserve : limit / 2;
            // Closed in batches, so a stream of new clients does not pay for a search each.
            const size_t batch = std::max<size_t>(1, cap / 32);
            for (;;) {
                if (clients.size() >= cap) make_room(limit, cap - batch);
                SocketAddress from;
                socklen_t len = sizeof from.storage;
                int fd = ::accept4(listen_fd_, from.get(), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                    const int err = errno;
                    if (err == EAGAIN || err == EINTR || err == ECONNABORTED) break;
                    // The process ran out before the reserve did (other threads hold many).
                    if ((err == EMFILE || err == ENFILE) &&
                        make_room(limit, clients.size() > batch ? clients.size() - batch : 0) > 0)
                        continue;
                    log_call(options_.server_actor, plain_spec(CallOp::Accept), -1, err, listen_fd_,
                             {}, Direction::None, nullptr, 0,
                             "not accepting new clients for 100 ms");
                    accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
                    break;
                }
                from.length = len;
                Client client;
                client.fd = fd;
                client.peer = from;
                client.last_active = Clock::now();
                client.actor = options_.client_actor + "-" + std::to_string(++clients_seen_);
                log_call(options_.server_actor, plain_spec(CallOp::Accept), fd, 0, fd, from,
                         Direction::None, nullptr, 0,
                         "a client connected from " + from.to_string() + "; its calls are in " +
                             client.actor);
                log_call(client.actor, plain_spec(CallOp::Accept), fd, 0, fd, from, Direction::None,
                         nullptr, 0,
                         "connected from " + from.to_string() + " (seen from the server)");
                on_connect(client);
                clients.push_back(std::move(client));
            }
        }
        for (auto it = clients.begin(); it != clients.end();) {
            Client& c = *it;
            // Clients accepted this round were not polled (poll_index 0).
            const short revents =
                c.poll_index > 1 && c.poll_index < fds.size() ? fds[c.poll_index].revents : 0;
            c.poll_index = 0;
            bool drop = false;
            std::string why;
            if (revents & POLLIN) {
                ssize_t n = ::recv(c.fd, buffer.data(), buffer.size(), 0);
                if (n > 0) {
                    c.last_active = Clock::now();
                    log_call(c.actor, recv_spec(CallOp::Recv, buffer.size()), n, 0, c.fd, c.peer,
                             Direction::Received, buffer.data(), static_cast<size_t>(n));
                    on_bytes(c, buffer.data(), static_cast<size_t>(n));
                } else if (n == 0) {
                    log_call(c.actor, recv_spec(CallOp::Recv, buffer.size()), 0, 0, c.fd, c.peer,
                             Direction::Received, nullptr, 0, "the client closed its side");
                    c.peer_closed = true;
                } else if (const int err = errno; err != EAGAIN && err != EINTR) {
                    log_call(c.actor, recv_spec(CallOp::Recv, buffer.size()), -1, err, -1, c.peer);
                    drop = true;
                    why = "the connection failed: " + errno_name(err);
                }
            } else if (revents & (POLLERR | POLLHUP)) {
                // Nothing to read, but the connection is gone (e.g. a reset).
                if (c.pending.empty()) {
                    drop = true;
                    why = "the client disconnected";
                }
            }
            if (!drop && !c.pending.empty() && (revents & (POLLOUT | POLLIN | POLLERR | POLLHUP))) {
                ssize_t n = ::send(c.fd, c.pending.data(), c.pending.size(), MSG_NOSIGNAL);
                if (n > 0) {
                    c.last_active = Clock::now();
                    log_call(c.actor, send_spec(c.pending.data(), c.pending.size()), n, 0, c.fd,
                             c.peer, Direction::Sent, c.pending.data(), static_cast<size_t>(n));
                    c.pending.erase(c.pending.begin(), c.pending.begin() + n);
                } else if (const int err = errno; n < 0 && err != EAGAIN && err != EINTR) {
                    log_call(c.actor, send_spec(c.pending.data(), c.pending.size()), -1, err, -1,
                             c.peer);
                    drop = true;
                    why = "the client went away before its reply was sent";
                }
            }
            // Lines held back while the reply was full: answer them now that it has room (not
            // read from the socket meanwhile: POLLIN is off while pending is full).
            if (!drop && !c.unanswered.empty() && c.pending.size() < kMaxPendingPerClient) {
                const std::vector<uint8_t> held = std::move(c.unanswered);
                c.unanswered.clear();
                on_bytes(c, held.data(), held.size());
            }
            if (!drop && c.pending.empty() && c.unanswered.empty() &&
                (c.peer_closed || c.close_after_send)) {
                drop = true;
                why = c.close_after_send ? "the server has said its last word"
                                         : "every reply sent and the client has closed";
            }
            it = drop ? close_client(it, why) : std::next(it);
        }
    }
}

void LessonServer::serve_udp() {
    std::vector<uint8_t> buffer(65536);
    // Each address that sends a datagram is its own actor, as a TCP client would be.
    std::vector<std::pair<SocketAddress, std::string>> peers;
    auto actor_for = [&](const SocketAddress& from) {
        const std::string key = from.to_string();
        for (const auto& [addr, actor] : peers)
            if (addr.to_string() == key) return actor;
        std::string actor = options_.client_actor + "-" + std::to_string(++clients_seen_);
        // Bounded: only the newest addresses keep their own name.
        if (peers.size() >= 256) peers.erase(peers.begin());
        peers.emplace_back(from, actor);
        return actor;
    };
    for (;;) {
        pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[0].revents) return;
        // Bounded batch, so a flood of datagrams cannot keep stop() waiting.
        for (int batch = 0; batch < 64; ++batch) {
            SocketAddress from;
            socklen_t len = sizeof from.storage;
            ssize_t n =
                ::recvfrom(listen_fd_, buffer.data(), buffer.size(), MSG_TRUNC, from.get(), &len);
            if (n < 0) {
                if (errno != EAGAIN && errno != EINTR)
                    log_call(options_.server_actor, recv_spec(CallOp::RecvFrom, 65536), -1, errno,
                             listen_fd_);
                break;
            }
            from.length = len;
            const std::string actor = actor_for(from);
            size_t kept = std::min(static_cast<size_t>(n), buffer.size());
            log_call(actor, recv_spec(CallOp::RecvFrom, 65536), n, 0, listen_fd_, from,
                     Direction::Received, buffer.data(), kept);
            ssize_t s =
                ::sendto(listen_fd_, buffer.data(), kept, MSG_NOSIGNAL, from.get(), from.length);
            log_call(actor, sendto_spec(buffer.data(), s > 0 ? static_cast<size_t>(s) : 0, from), s,
                     errno, listen_fd_, from, Direction::Sent, buffer.data(),
                     s > 0 ? static_cast<size_t>(s) : 0);
        }
    }
}

}  // namespace socketlab
