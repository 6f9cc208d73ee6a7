// SocketLab's own link between a link lesson's two sides. The helper (net_helper_main.cpp)
// makes a client namespace and a server namespace, each joined by a veth pair to the helper's
// own namespace, and gives us one AF_PACKET socket on each of the two middle ends. Every frame
// one side sends arrives on its socket here; LinkRelay decides its fate by the rules
// (link_rules.h: loss, delay, rate, one-shot drops, ...) and writes it to the other socket,
// or not. So the kernels at both ends see a real, imperfect link, and their TCP really
// recovers. Each IP packet is reported to the sink once its fate is final (delivered or
// dropped), with a LinkRecord saying what the link did and why.
//
// Threads: one relay thread of ours. apply() and the getters may be called from any thread.
// Frames that are not IP, and IPv6 neighbour discovery, always pass and are not reported.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "capture/link_rules.h"

namespace socketlab {

struct RawPacket;

struct LinkCounters {
    uint64_t from_client = 0, from_server = 0;  // IP packets that entered the link
    uint64_t delivered = 0, dropped = 0, duplicated = 0, reordered = 0, corrupted = 0;
    uint64_t queue_full = 0;  // dropped because the rate-limited queue was full
    uint64_t held = 0;        // waiting right now (delay, rate, hold, reorder)
    uint64_t send_errors = 0;
};

class LinkRelay {
  public:
    using Sink = std::function<void(RawPacket)>;
    // client_fd / server_fd: AF_PACKET sockets on the middle ends (we own them).
    LinkRelay(int client_fd, int server_fd, const LinkSettings& settings, Sink sink);
    ~LinkRelay();
    LinkRelay(const LinkRelay&) = delete;
    LinkRelay& operator=(const LinkRelay&) = delete;

    void start();
    void stop();  // held packets are dropped ("the lesson ended"); reported first
    // Waits until every frame that had reached our sockets has been decided (not those the
    // rules are still holding). False on timeout.
    bool settle(std::chrono::milliseconds timeout);

    void apply(const LinkCommand& command);
    // A reset or a replay of the lesson: the link as `settings` made it, nothing pending or
    // held, the counters at zero and the random losses starting again from the seed.
    void restart(const LinkSettings& settings);
    // The interfaces' MTU changed (LessonNetwork::set_link_mtu): settings() says so. The relay
    // itself passes any frame its sockets read.
    void set_mtu(int mtu);
    LinkSettings settings() const;
    LinkCounters counters() const;
    std::string pending_text() const;  // "drop next 1 from client; hold from server" or ""

  private:
    struct State;
    std::unique_ptr<State> state_;
    std::thread thread_;
};

}  // namespace socketlab
