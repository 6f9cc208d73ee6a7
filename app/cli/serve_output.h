// Standard output of `socketlab --serve`, which must never hold the server up or grow without
// bound: nobody may be reading it (a script that read the first line and went on), or the
// reader may have closed it.
//
// Lines go into a bounded buffer that the serve loop writes whenever poll() says standard
// output can take more; a line that does not fit is dropped and counted. A write error (EPIPE:
// the reader closed the pipe) ends the writing for good, never the server (serve_command
// ignores SIGPIPE). Why not a writer thread blocked in write(): while nobody reads, such a
// thread could not be stopped at exit; and why not O_NONBLOCK: standard output's open file is
// often shared (a terminal, with the shell), so the flag would leak to other programs. A write
// of at most PIPE_BUF bytes after POLLOUT does not block on a pipe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace socketlab {

class ServeOutput {
  public:
    static constexpr size_t kMaxBuffered = size_t{1} << 20;

    explicit ServeOutput(int fd, size_t max_buffered = kMaxBuffered);

    // Queues whole lines (text ending in '\n'); if they do not fit, or writing has ended,
    // they are dropped and each line counted.
    void add(const std::string& lines);
    // Writes as much as the file takes now, without blocking.
    void write_ready();
    // Writes what is buffered, waiting at most timeout for the file to take it (at exit).
    void flush(std::chrono::milliseconds timeout);

    int fd() const { return fd_; }
    bool wants_write() const { return !closed_ && head_ < buffer_.size(); }
    bool closed() const { return closed_; }
    int close_error() const { return error_; }  // the errno that ended the writing
    uint64_t dropped() const { return dropped_; }
    size_t buffered() const { return buffer_.size() - head_; }

  private:
    int fd_;
    size_t max_buffered_;
    size_t chunk_;        // PIPE_BUF, or more for a regular file (never blocks)
    std::string buffer_;  // written from head_ on
    size_t head_ = 0;
    bool closed_ = false;
    int error_ = 0;
    uint64_t dropped_ = 0;  // lines
};

}  // namespace socketlab
