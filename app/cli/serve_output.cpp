#include "cli/serve_output.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace socketlab {

ServeOutput::ServeOutput(int fd, size_t max_buffered)
    : fd_(fd), max_buffered_(max_buffered), chunk_(PIPE_BUF) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) chunk_ = size_t{64} * 1024;
}

void ServeOutput::add(const std::string& lines) {
    if (lines.empty()) return;
    if (closed_ || buffered() + lines.size() > max_buffered_) {
        dropped_ +=
            std::max<size_t>(1, static_cast<size_t>(std::count(lines.begin(), lines.end(), '\n')));
        return;
    }
    // Keep the buffer from creeping: drop what was written once it is most of it.
    if (head_ > 0 && head_ >= buffer_.size() / 2) {
        buffer_.erase(0, head_);
        head_ = 0;
    }
    buffer_ += lines;
}

void ServeOutput::write_ready() {
    while (wants_write()) {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, 0) <= 0) return;
        // POLLERR (a pipe with no reader) or POLLHUP: the write below reports why.
        if (!(p.revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL))) return;
        const size_t n = std::min(chunk_, buffer_.size() - head_);
        const ssize_t w = ::write(fd_, buffer_.data() + head_, n);
        if (w > 0) {
            head_ += static_cast<size_t>(w);
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        } else {
            closed_ = true;
            error_ = w < 0 ? errno : EIO;
            dropped_ += static_cast<uint64_t>(std::count(
                buffer_.begin() + static_cast<std::ptrdiff_t>(head_), buffer_.end(), '\n'));
            buffer_.clear();
            head_ = 0;
            return;
        }
    }
    buffer_.clear();
    head_ = 0;
}

void ServeOutput::flush(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    write_ready();
    while (wants_write()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, static_cast<int>(left.count()) + 1) < 0 && errno != EINTR) return;
        write_ready();
    }
}

}  // namespace socketlab
