#include "core/echo_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <list>
#include <vector>

#include "core/errno_text.h"

namespace socketlab {

EchoServer::EchoServer(EventLog& log) : log_(log), start_(std::chrono::steady_clock::now()) {}

EchoServer::~EchoServer() {
    stop();
}

void EchoServer::log_call(const char* call, const std::string& args, int64_t ret, int err, int fd,
                          const SocketAddress& peer, Direction dir, const uint8_t* data,
                          size_t size, const std::string& note) {
    Event ev;
    ev.t_us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start_)
                  .count();
    ev.actor = "server";
    ev.call = call;
    ev.args = args;
    ev.ret = ret;
    ev.err = ret < 0 ? err : 0;
    if (fd >= 0) ev.local = local_address_of(fd).to_string();
    ev.peer = peer.empty() && fd >= 0 ? peer_address_of(fd).to_string() : peer.to_string();
    ev.direction = dir;
    if (data && size) ev.bytes.assign(data, data + std::min(size, EventLog::kMaxBytesPerEvent));
    ev.bytes_total = size;
    ev.note = note;
    log_.append(std::move(ev));
}

bool EchoServer::start(const EchoServerOptions& options, std::string& error) {
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
    if (!options.udp && ::listen(listen_fd_, 64) != 0) return fail("listen");
    address_ = local_address_of(listen_fd_);
    log_call("bind", address_.to_string(), 0, 0, listen_fd_);
    if (!options.udp) log_call("listen", "64", 0, 0, listen_fd_);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) return fail("eventfd");
    thread_ = std::thread([this, udp = options.udp] { udp ? serve_udp() : serve_tcp(); });
    return true;
}

void EchoServer::stop() {
    if (wake_fd_ >= 0) {
        uint64_t one = 1;
        (void)!::write(wake_fd_, &one, sizeof one);
    }
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    listen_fd_ = wake_fd_ = -1;
}

void EchoServer::serve_tcp() {
    struct Client {
        int fd;
        SocketAddress peer;
        std::vector<uint8_t> pending;  // received, not yet echoed
        bool peer_closed = false;
    };
    std::list<Client> clients;
    std::vector<uint8_t> buffer(size_t{64} * 1024);
    auto close_client = [&](std::list<Client>::iterator it, const std::string& why) {
        int r = ::close(it->fd);
        log_call("close", "", r, errno, -1, it->peer, Direction::None, nullptr, 0, why);
        return clients.erase(it);
    };
    // Out of file descriptors (EMFILE) or memory, accept() fails while the connection stays
    // queued, so the listener stays readable: pause accepting instead of spinning.
    using Clock = std::chrono::steady_clock;
    Clock::time_point accept_paused_until{};
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
            // Back-pressure: stop reading from a client that is not reading its echo.
            if (!c.peer_closed && c.pending.size() < kMaxPendingPerClient) events |= POLLIN;
            if (!c.pending.empty()) events |= POLLOUT;
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
            log_call("poll", "", -1, errno, -1);
            close_all();
            return;
        }
        if (fds[0].revents) {  // stop()
            close_all();
            return;
        }
        if (fds[1].revents & POLLIN) {
            for (;;) {
                SocketAddress from;
                socklen_t len = sizeof from.storage;
                int fd = ::accept4(listen_fd_, from.get(), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                    const int err = errno;
                    if (err == EAGAIN || err == EINTR || err == ECONNABORTED) break;
                    log_call("accept", "", -1, err, listen_fd_, {}, Direction::None, nullptr, 0,
                             "not accepting new clients for 100 ms");
                    accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
                    break;
                }
                from.length = len;
                log_call("accept", "", fd, 0, fd, from);
                clients.push_back({fd, from, {}, false});
            }
        }
        size_t index = 2;
        for (auto it = clients.begin(); it != clients.end(); ++index) {
            Client& c = *it;
            short revents = index < fds.size() ? fds[index].revents : 0;
            bool drop = false;
            std::string why;
            if (revents & POLLIN) {
                ssize_t n = ::recv(c.fd, buffer.data(), buffer.size(), 0);
                if (n > 0) {
                    log_call("recv", std::to_string(buffer.size()), n, 0, c.fd, c.peer,
                             Direction::Received, buffer.data(), static_cast<size_t>(n));
                    c.pending.insert(c.pending.end(), buffer.begin(), buffer.begin() + n);
                } else if (n == 0) {
                    log_call("recv", std::to_string(buffer.size()), 0, 0, c.fd, c.peer,
                             Direction::Received, nullptr, 0, "the client closed its side");
                    c.peer_closed = true;
                } else if (const int err = errno; err != EAGAIN && err != EINTR) {
                    log_call("recv", std::to_string(buffer.size()), -1, err, -1, c.peer);
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
                    log_call("send", std::to_string(c.pending.size()) + " bytes", n, 0, c.fd,
                             c.peer, Direction::Sent, c.pending.data(), static_cast<size_t>(n));
                    c.pending.erase(c.pending.begin(), c.pending.begin() + n);
                } else if (const int err = errno; n < 0 && err != EAGAIN && err != EINTR) {
                    log_call("send", std::to_string(c.pending.size()) + " bytes", -1, err, -1,
                             c.peer);
                    drop = true;
                    why = "the client went away before its echo was sent";
                }
            }
            if (!drop && c.peer_closed && c.pending.empty()) {
                drop = true;
                why = "echo complete and the client has closed";
            }
            it = drop ? close_client(it, why) : std::next(it);
        }
    }
}

void EchoServer::serve_udp() {
    std::vector<uint8_t> buffer(65536);
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
                    log_call("recvfrom", "65536", -1, errno, listen_fd_);
                break;
            }
            from.length = len;
            size_t kept = std::min(static_cast<size_t>(n), buffer.size());
            log_call("recvfrom", "65536", n, 0, listen_fd_, from, Direction::Received,
                     buffer.data(), kept);
            ssize_t s =
                ::sendto(listen_fd_, buffer.data(), kept, MSG_NOSIGNAL, from.get(), from.length);
            log_call("sendto", from.to_string(), s, errno, listen_fd_, from, Direction::Sent,
                     buffer.data(), s > 0 ? static_cast<size_t>(s) : 0);
        }
    }
}

}  // namespace socketlab
