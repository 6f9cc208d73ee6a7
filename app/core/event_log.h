// The one bounded, thread-safe log every observable thing goes into.
// Workers append; readers (the UI once per frame, the CLI, tests) drain or wait on it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "core/event.h"

namespace socketlab {

class EventLog {
  public:
    static constexpr size_t kDefaultCapacity = 50000;
    // Bytes kept per event; larger transfers keep their first bytes and say how many there were.
    static constexpr size_t kMaxBytesPerEvent = size_t{64} * 1024;

    explicit EventLog(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

    // Called (from the appending thread) after each append; used to wake the UI.
    void set_on_append(std::function<void()> on_append);

    // Stamps seq, cuts oversized bytes, appends; drops the oldest undrained event when full.
    uint64_t append(Event event);  // returns the seq it stamped

    // Moves every undrained event into out (appending). Returns how many.
    size_t drain(std::vector<Event>& out);

    // Waits until an undrained event matches pred (true) or the timeout passes (false).
    bool wait_for(const std::function<bool(const Event&)>& pred, std::chrono::milliseconds timeout);
    // The seq of the latest event appended (0: none yet).
    uint64_t last_seq() const;
    // Waits until an event after `seq` is appended; false on timeout.
    bool wait_after(uint64_t seq, std::chrono::milliseconds timeout);

    uint64_t dropped() const;  // events lost because nobody drained them in time

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Event> pending_;
    size_t capacity_;
    uint64_t next_seq_ = 1;
    uint64_t dropped_ = 0;
    std::function<void()> on_append_;
};

}  // namespace socketlab
