#include "core/event_log.h"

namespace socketlab {

void EventLog::set_on_append(std::function<void()> on_append) {
    std::lock_guard lock(mutex_);
    on_append_ = std::move(on_append);
}

uint64_t EventLog::append(Event event) {
    std::function<void()> notify;
    uint64_t seq = 0;
    {
        std::lock_guard lock(mutex_);
        seq = event.seq = next_seq_++;
        if (CallRecord* call = event.call(); call && call->bytes_total < call->bytes.size())
            call->bytes_total = call->bytes.size();
        if (PacketRecord* packet = event.packet();
            packet && packet->bytes_total < packet->bytes.size())
            packet->bytes_total = packet->bytes.size();
        if (auto* bytes = event.mutable_bytes(); bytes && bytes->size() > kMaxBytesPerEvent)
            bytes->resize(kMaxBytesPerEvent);
        if (pending_.size() >= capacity_) {
            pending_.pop_front();
            ++dropped_;
        }
        pending_.push_back(std::move(event));
        notify = on_append_;
    }
    changed_.notify_all();
    if (notify) notify();
    return seq;
}

size_t EventLog::drain(std::vector<Event>& out) {
    std::lock_guard lock(mutex_);
    size_t n = pending_.size();
    for (auto& e : pending_) out.push_back(std::move(e));
    pending_.clear();
    return n;
}

bool EventLog::wait_for(const std::function<bool(const Event&)>& pred,
                        std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        for (size_t i = 0; i < pending_.size(); ++i)
            if (pred(pending_[i])) return true;
        if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
            for (const auto& e : pending_)
                if (pred(e)) return true;
            return false;
        }
    }
}

uint64_t EventLog::last_seq() const {
    std::lock_guard lock(mutex_);
    return next_seq_ - 1;
}

bool EventLog::wait_after(uint64_t seq, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return next_seq_ - 1 > seq; });
}

uint64_t EventLog::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace socketlab
