// A plain blocking test client (the test's own socket, outside the engine) for talking to the
// app's servers: connect, send all, receive exactly N bytes, abort with a reset.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/address.h"

namespace socketlab::test {

inline int connect_to(const SocketAddress& address, int type = SOCK_STREAM) {
    int fd = ::socket(address.family(), type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval tv{10, 0};  // a broken server fails the test instead of hanging it
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, address.get(), address.length) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline bool send_all(int fd, const std::vector<uint8_t>& data) {
    size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<size_t>(n);
    }
    return true;
}

// One line, up to and with its '\n' (what arrived, if the peer closed or 5 s passed first).
inline std::string read_line(int fd) {
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string line;
    char c;
    while (::recv(fd, &c, 1, 0) == 1) {
        line.push_back(c);
        if (c == '\n') break;
    }
    return line;
}

inline std::vector<uint8_t> recv_exactly(int fd, size_t size) {
    std::vector<uint8_t> out(size);
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::recv(fd, out.data() + got, size - got, 0);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    out.resize(got);
    return out;
}

// Sends on a thread while receiving here, so neither side's buffers can deadlock the echo.
inline std::vector<uint8_t> echo_round_trip(int fd, const std::vector<uint8_t>& data) {
    bool sent_ok = false;
    std::thread sender([&] { sent_ok = send_all(fd, data); });
    std::vector<uint8_t> back = recv_exactly(fd, data.size());
    sender.join();
    if (!sent_ok) back.clear();
    return back;
}

inline std::vector<uint8_t> random_bytes(size_t size, unsigned seed = 7) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> out(size);
    for (auto& b : out) b = static_cast<uint8_t>(rng());
    return out;
}

// Close with SO_LINGER {on, 0}: the kernel sends a reset instead of a normal close.
inline void abort_connection(int fd) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
}

}  // namespace socketlab::test
