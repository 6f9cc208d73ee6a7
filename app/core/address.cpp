#include "core/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

namespace socketlab {

int SocketAddress::port() const {
    if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
    if (family() == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
    return -1;
}

void SocketAddress::set_port(int port) {
    if (family() == AF_INET)
        reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(static_cast<uint16_t>(port));
    else if (family() == AF_INET6)
        reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(static_cast<uint16_t>(port));
}

std::string SocketAddress::host_string() const {
    char buf[INET6_ADDRSTRLEN] = {0};
    if (family() == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, buf,
                  sizeof buf);
        return buf;
    }
    if (family() == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, buf,
                  sizeof buf);
        return buf;
    }
    return "";
}

std::string SocketAddress::to_string() const {
    if (family() == AF_INET) return host_string() + ":" + std::to_string(port());
    if (family() == AF_INET6) return "[" + host_string() + "]:" + std::to_string(port());
    if (family() == AF_UNIX) {
        const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
        size_t path_len =
            length > offsetof(sockaddr_un, sun_path) ? length - offsetof(sockaddr_un, sun_path) : 0;
        if (path_len == 0) return "unix:(unnamed)";
        if (un->sun_path[0] == '\0')  // Linux abstract namespace
            return "unix:@" + std::string(un->sun_path + 1, path_len - 1);
        return "unix:" + std::string(un->sun_path, strnlen(un->sun_path, path_len));
    }
    return "";
}

bool SocketAddress::is_loopback() const {
    if (family() == AF_INET) {
        uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr);
        return (a >> 24) == 127;
    }
    if (family() == AF_INET6) {
        const auto& a6 = reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&a6)) return true;
        if (IN6_IS_ADDR_V4MAPPED(&a6)) return a6.s6_addr[12] == 127;
        return false;
    }
    return family() == AF_UNIX;
}

bool SocketAddress::is_wildcard() const {
    if (family() == AF_INET)
        return reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr == INADDR_ANY;
    if (family() == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr);
    return false;
}

std::optional<SocketAddress> SocketAddress::from_host_port(const std::string& host, int port,
                                                           std::string* error) {
    if (port < 0 || port > 65535) {
        if (error) *error = "port " + std::to_string(port) + " is out of range (0-65535)";
        return std::nullopt;
    }
    SocketAddress out;
    sockaddr_in v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(static_cast<uint16_t>(port));
        std::memcpy(&out.storage, &v4, sizeof v4);
        out.length = sizeof v4;
        return out;
    }
    sockaddr_in6 v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(static_cast<uint16_t>(port));
        std::memcpy(&out.storage, &v6, sizeof v6);
        out.length = sizeof v6;
        return out;
    }
    if (error) *error = "'" + host + "' is not a numeric IPv4 or IPv6 address";
    return std::nullopt;
}

SocketAddress SocketAddress::from_unix_path(const std::string& path) {
    SocketAddress address;
    auto* un = reinterpret_cast<sockaddr_un*>(&address.storage);
    un->sun_family = AF_UNIX;
    size_t n = std::min(path.size(), sizeof un->sun_path - 1);
    std::memcpy(un->sun_path, path.data(), n);
    const bool abstract = !path.empty() && path[0] == '\0';
    address.length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n + (abstract ? 0 : 1));
    return address;
}

bool SocketAddress::has_name() const {
    if (family() == AF_UNIX) return length > offsetof(sockaddr_un, sun_path) + 1;
    return port() > 0;
}

std::optional<SocketAddress> SocketAddress::parse(const std::string& text, std::string* error) {
    if (text.rfind("unix:", 0) == 0 && text.size() > 5) {
        std::string path = text.substr(5);
        if (path[0] == '@') path[0] = '\0';
        return from_unix_path(path);
    }
    std::string host;
    std::string port_text;
    if (!text.empty() && text[0] == '[') {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            if (error) *error = "expected [IPv6]:PORT, got '" + text + "'";
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos || text.find(':') != colon) {
            if (error) *error = "expected HOST:PORT (IPv6 in brackets), got '" + text + "'";
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string::npos) {
        if (error) *error = "port '" + port_text + "' is not a number from 0 to 65535";
        return std::nullopt;
    }
    return from_host_port(host, std::stoi(port_text), error);
}

SocketAddress SocketAddress::from_sockaddr(const sockaddr* addr, socklen_t len) {
    SocketAddress out;
    if (addr && len > 0 && len <= sizeof out.storage) {
        std::memcpy(&out.storage, addr, len);
        out.length = len;
    }
    return out;
}

SocketAddress local_address_of(int fd) {
    SocketAddress out;
    socklen_t len = sizeof out.storage;
    if (getsockname(fd, out.get(), &len) == 0) out.length = len;
    return out;
}

SocketAddress peer_address_of(int fd) {
    SocketAddress out;
    socklen_t len = sizeof out.storage;
    if (getpeername(fd, out.get(), &len) == 0) out.length = len;
    return out;
}

}  // namespace socketlab
