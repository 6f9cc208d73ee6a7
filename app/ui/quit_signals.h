// Ctrl+C in the terminal (SIGINT) or SIGTERM closes the window the normal way, so settings
// and layout are saved. The signals are blocked in every thread and read from a signalfd on a
// thread of their own, which may call glfwPostEmptyEvent (a signal handler may not). The
// destructor wakes that thread through an eventfd (no signal sent to a thread).
//
// Usage: make one first in main, before any other thread exists (they inherit the mask);
//   if (quit.requested()) glfwSetWindowShouldClose(window, GLFW_TRUE);
#pragma once

#include <atomic>
#include <thread>

namespace socketlab::ui {

class QuitSignals {
  public:
    QuitSignals();
    ~QuitSignals();
    QuitSignals(const QuitSignals&) = delete;
    QuitSignals& operator=(const QuitSignals&) = delete;
    bool requested() const { return requested_; }

  private:
    int signal_fd_ = -1;
    int wake_fd_ = -1;
    std::atomic<bool> requested_{false};
    std::thread waiter_;
};

}  // namespace socketlab::ui
