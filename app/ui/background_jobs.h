// Work that must not run on the UI thread (opening a lesson's network, closing or resetting a
// lesson, starting the kept-open server): one worker thread that runs posted jobs in order.
// In order matters: a lesson closes before the next one opens, so their workers and helper
// never overlap. No job may call ImGui; results reach the UI through the returned future,
// which the UI checks (never waits on) at the start of a frame.
//
// Usage:
//   BackgroundJobs jobs([] { glfwPostEmptyEvent(); });   // wakes the frame loop after each job
//   std::future<void> done = jobs.post([live] { live->session = make_session(); });
//   ... each frame: if (ready(done)) use(live->session);
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace socketlab::ui {

class BackgroundJobs {
  public:
    explicit BackgroundJobs(std::function<void()> on_done = nullptr);
    // Runs the jobs still queued (closing lessons), then ends the thread.
    ~BackgroundJobs();
    BackgroundJobs(const BackgroundJobs&) = delete;
    BackgroundJobs& operator=(const BackgroundJobs&) = delete;

    std::future<void> post(std::function<void()> job);
    // Until the destructor: called on the worker after each job (e.g. to wake the UI).
    void set_on_done(std::function<void()> on_done);

  private:
    void loop();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::packaged_task<void()>> queue_;
    std::function<void()> on_done_;
    bool stopping_ = false;
    std::thread thread_;
};

// Whether a job's future has its result (never waits). False for an empty future.
template <typename T>
bool is_done(const std::future<T>& future) {
    return future.valid() && future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

}  // namespace socketlab::ui
