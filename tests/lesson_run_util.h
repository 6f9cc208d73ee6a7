// Driving a ui::LessonRun the way the frame loop does: tick, and wait (in the test, not in a
// frame) for its background work.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "ui/lesson_run.h"

namespace socketlab::test {

inline void tick(ui::LessonRun& run) {
    static const std::map<std::string, int> kNoAnswers;
    run.tick(0.0, kNoAnswers, 1.0);
}

// Ticks until pred holds (or 20 s pass).
inline bool tick_until(ui::LessonRun& run, const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        tick(run);
        if (pred()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// Ticks until one of the recorded events matches.
inline bool tick_until_event(ui::LessonRun& run, const std::function<bool(const Event&)>& pred) {
    return tick_until(run, [&] {
        const auto& events = run.record().events();
        return std::any_of(events.begin(), events.end(), pred);
    });
}

}  // namespace socketlab::test
