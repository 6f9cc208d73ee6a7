// Reads the kernel's TCP state of a lesson's sockets (sock_diag) on its own thread, every 15 ms
// for two seconds after each step and every 250 ms otherwise, and logs each change as a State
// event on the actor that owns the socket. With the same dump comes each connection's struct
// tcp_info: a TcpInfo event on its first sight and whenever what a learner should see changes
// (cwnd, ssthresh, retransmits, RTO and RTT by 10% or more, recovery, a zero window; see
// tcp_info_changes), never for every poll. Sockets without a file descriptor are followed too:
// a connection still in the listener's accept queue (shown on the listening socket's actor as
// "queued") and one in TIME_WAIT after close.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/event_log.h"
#include "core/socket_directory.h"
#include "core/tcp_state.h"

namespace socketlab {

class SocketStateWatcher {
  public:
    // open_netlink: makes the NETLINK_SOCK_DIAG sockets of the lesson's network, one per network
    // namespace it has (a link lesson has two sides); the fds are the watcher's. Called on the
    // watcher's own thread, never the caller's. The sockets
    // to follow and their owners come from the directory; now_us stamps events.
    SocketStateWatcher(const SocketDirectory& directory, EventLog& log,
                       std::function<int64_t()> now_us,
                       std::function<std::vector<int>()> open_netlink);
    ~SocketStateWatcher();
    SocketStateWatcher(const SocketStateWatcher&) = delete;
    SocketStateWatcher& operator=(const SocketStateWatcher&) = delete;

    // A step has started: watch closely for a while.
    void poke();
    // Reads the states once now, on the calling thread (a headless run's last look).
    void poll_now();
    void stop();

  private:
    struct Known {
        std::string actor;
        std::string socket;
        TcpState state = TcpState::Unknown;  // Unknown: not logged yet
        SocketAddress local;
        SocketAddress peer;
        std::string owner;  // "actor.socket" when last logged
        // The TCP_INFO last logged, and for which owner: changes are measured from it, so a
        // slow drift is reported once it adds up.
        std::optional<TcpInfoRecord> info_logged;
        std::string info_owner;
    };
    void run();
    void poll_locked();
    void log_tcp_info(Known& known, const TcpInfoRecord& now_info, int64_t now);

    const SocketDirectory& directory_;
    EventLog& log_;
    std::function<int64_t()> now_us_;
    std::function<std::vector<int>()> open_netlink_;
    std::vector<int> netlink_fds_;  // guarded by mutex_
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::chrono::steady_clock::time_point busy_until_{};
    std::map<std::string, Known> known_;  // "local|peer" -> last state and owner
    std::thread thread_;
};

}  // namespace socketlab
