// A headless echo server (TCP or UDP) for the learner's own client: `socketlab --serve`.
// One thread, poll() over non-blocking sockets; every call it makes is logged as an Event.
// Serves any number of clients; each client's unsent echo is bounded (it stops reading from a
// client that does not read its echo), so garbage or floods cannot grow memory without limit.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "core/address.h"
#include "core/event_log.h"

namespace socketlab {

struct EchoServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: the kernel chooses
    bool udp = false;
};

class EchoServer {
  public:
    static constexpr size_t kMaxPendingPerClient = 1 << 20;

    explicit EchoServer(EventLog& log);
    ~EchoServer();
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    // Creates, binds and (TCP) listens on the calling thread, so errors such as EADDRINUSE or
    // EACCES come back here; then serves on a worker thread. False with error set on failure.
    bool start(const EchoServerOptions& options, std::string& error);
    SocketAddress address() const { return address_; }
    // Wakes the worker, closes every socket and joins. Safe to call twice.
    void stop();

  private:
    void serve_tcp();
    void serve_udp();
    void log_call(const char* call, const std::string& args, int64_t ret, int err, int fd,
                  const SocketAddress& peer = {}, Direction dir = Direction::None,
                  const uint8_t* data = nullptr, size_t size = 0, const std::string& note = "");

    EventLog& log_;
    int listen_fd_ = -1;
    int wake_fd_ = -1;
    SocketAddress address_;
    std::thread thread_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace socketlab
