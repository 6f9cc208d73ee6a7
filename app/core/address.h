// Socket addresses: parsing "127.0.0.1:5000" / "[::1]:5000" and printing them back.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>

namespace socketlab {

// A sockaddr of any family, with its length, by value.
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    int family() const { return length == 0 ? AF_UNSPEC : storage.ss_family; }
    int port() const;  // -1 when the family has no port
    void set_port(int port);
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
    sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
    bool empty() const { return length == 0; }

    // "127.0.0.1:5000", "[::1]:5000", "unix:/path"; "" when empty.
    std::string to_string() const;
    // Just the host part: "127.0.0.1", "::1".
    std::string host_string() const;

    bool is_loopback() const;
    // 0.0.0.0 or :: (any address of the machine).
    bool is_wildcard() const;

    // Parses "HOST:PORT" where HOST is a numeric IPv4 address or a bracketed IPv6 one.
    // No name resolution happens here (that is a lesson of its own).
    static std::optional<SocketAddress> parse(const std::string& text,
                                              std::string* error = nullptr);
    // A numeric host and a port ("::1" needs no brackets here).
    static std::optional<SocketAddress> from_host_port(const std::string& host, int port,
                                                       std::string* error = nullptr);
    static SocketAddress from_sockaddr(const sockaddr* addr, socklen_t len);
    // An AF_UNIX address: a file path, or (leading '\0') a name in Linux's abstract namespace.
    static SocketAddress from_unix_path(const std::string& path);
    // Bound to something: a port, or a unix path/name.
    bool has_name() const;
};

// Returns the local (getsockname) or peer (getpeername) address of fd, empty on failure.
SocketAddress local_address_of(int fd);
SocketAddress peer_address_of(int fd);

}  // namespace socketlab
