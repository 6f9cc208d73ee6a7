// Reads the kernel's TCP state of a lesson's sockets (sock_diag) on its own thread, every 15 ms
// for two seconds after each step and every 250 ms otherwise, and logs each change as a State
// event on the actor that owns the socket. Sockets without a file descriptor are followed too:
// a connection still in the listener's accept queue (shown on the listening socket's actor as
// "queued") and one in TIME_WAIT after close.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/engine.h"

namespace socketlab {

class SocketStateWatcher {
  public:
    // netlink_fd: a NETLINK_SOCK_DIAG socket in the lesson's network (owned by the watcher).
    SocketStateWatcher(Engine& engine, EventLog& log, int netlink_fd);
    ~SocketStateWatcher();
    SocketStateWatcher(const SocketStateWatcher&) = delete;
    SocketStateWatcher& operator=(const SocketStateWatcher&) = delete;

    void set_ports(const std::set<uint16_t>& ports);
    // A step has started: watch closely for a while.
    void poke();
    // Reads the states once now, on the calling thread (a headless run's last look).
    void poll_now();
    void stop();

  private:
    struct Known {
        std::string actor;
        std::string socket;
        std::string state;
        std::string local;
        std::string peer;
        std::string owner;  // "actor.socket" when last logged
    };
    void run();
    void poll_locked();

    Engine& engine_;
    EventLog& log_;
    int netlink_fd_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::set<uint16_t> ports_;
    std::chrono::steady_clock::time_point busy_until_{};
    std::map<std::string, Known> known_;  // "local|peer" -> last state and owner
    std::thread thread_;
};

}  // namespace socketlab
