#include "ui/background_jobs.h"

namespace socketlab::ui {

BackgroundJobs::BackgroundJobs(std::function<void()> on_done)
    : on_done_(std::move(on_done)), thread_([this] { loop(); }) {}

BackgroundJobs::~BackgroundJobs() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::future<void> BackgroundJobs::post(std::function<void()> job) {
    std::packaged_task<void()> task(std::move(job));
    std::future<void> done = task.get_future();
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(task));
    }
    wake_.notify_all();
    return done;
}

void BackgroundJobs::set_on_done(std::function<void()> on_done) {
    std::lock_guard lock(mutex_);
    on_done_ = std::move(on_done);
}

void BackgroundJobs::loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left to do
        std::packaged_task<void()> task = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        task();  // an exception is kept in the future
        lock.lock();
        if (on_done_) on_done_();
    }
}

}  // namespace socketlab::ui
