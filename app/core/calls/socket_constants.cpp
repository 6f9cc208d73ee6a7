#include "core/calls/socket_constants.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>

namespace socketlab {
namespace {

// Each name once, with the value the system headers give it.
constexpr std::array kFamilies = {
    NamedValue{"AF_INET", AF_INET},       NamedValue{"AF_INET6", AF_INET6},
    NamedValue{"AF_UNIX", AF_UNIX},       NamedValue{"AF_UNSPEC", AF_UNSPEC},
    NamedValue{"AF_NETLINK", AF_NETLINK}, NamedValue{"AF_PACKET", AF_PACKET},
};

constexpr std::array kTypes = {
    NamedValue{"SOCK_STREAM", SOCK_STREAM},
    NamedValue{"SOCK_DGRAM", SOCK_DGRAM},
    NamedValue{"SOCK_SEQPACKET", SOCK_SEQPACKET},
    NamedValue{"SOCK_RAW", SOCK_RAW},
};

constexpr std::array kProtocols = {
    NamedValue{"0", 0},
    NamedValue{"IPPROTO_TCP", IPPROTO_TCP},
    NamedValue{"IPPROTO_UDP", IPPROTO_UDP},
};

constexpr std::array kMessageFlags = {
    NamedValue{"MSG_PEEK", MSG_PEEK},         NamedValue{"MSG_DONTWAIT", MSG_DONTWAIT},
    NamedValue{"MSG_WAITALL", MSG_WAITALL},   NamedValue{"MSG_TRUNC", MSG_TRUNC},
    NamedValue{"MSG_OOB", MSG_OOB},           NamedValue{"MSG_NOSIGNAL", MSG_NOSIGNAL},
    NamedValue{"MSG_MORE", MSG_MORE},         NamedValue{"MSG_CTRUNC", MSG_CTRUNC},
    NamedValue{"MSG_ERRQUEUE", MSG_ERRQUEUE}, NamedValue{"MSG_CMSG_CLOEXEC", MSG_CMSG_CLOEXEC},
};

constexpr std::array kAddrinfoFlags = {
    NamedValue{"AI_PASSIVE", AI_PASSIVE},         NamedValue{"AI_CANONNAME", AI_CANONNAME},
    NamedValue{"AI_NUMERICHOST", AI_NUMERICHOST}, NamedValue{"AI_NUMERICSERV", AI_NUMERICSERV},
    NamedValue{"AI_ADDRCONFIG", AI_ADDRCONFIG},   NamedValue{"AI_V4MAPPED", AI_V4MAPPED},
};

constexpr std::array kPollEvents = {
    NamedValue{"POLLIN", POLLIN},     NamedValue{"POLLOUT", POLLOUT},
    NamedValue{"POLLPRI", POLLPRI},   NamedValue{"POLLERR", POLLERR},
    NamedValue{"POLLHUP", POLLHUP},   NamedValue{"POLLRDHUP", POLLRDHUP},
    NamedValue{"POLLNVAL", POLLNVAL},
};

constexpr std::array kShutdownModes = {
    NamedValue{"SHUT_RD", SHUT_RD},
    NamedValue{"SHUT_WR", SHUT_WR},
    NamedValue{"SHUT_RDWR", SHUT_RDWR},
};

constexpr std::array kOptions = {
    SocketOption{"SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, OptionValue::Int},
    SocketOption{"SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT, OptionValue::Int},
    SocketOption{"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, OptionValue::Int},
    SocketOption{"SO_BROADCAST", SOL_SOCKET, SO_BROADCAST, OptionValue::Int},
    SocketOption{"SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, OptionValue::Int},
    SocketOption{"SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, OptionValue::Int},
    SocketOption{"SO_LINGER", SOL_SOCKET, SO_LINGER, OptionValue::Linger},
    SocketOption{"SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, OptionValue::Millis},
    SocketOption{"SO_SNDTIMEO", SOL_SOCKET, SO_SNDTIMEO, OptionValue::Millis},
    SocketOption{"SO_ERROR", SOL_SOCKET, SO_ERROR, OptionValue::Int},
    SocketOption{"SO_TYPE", SOL_SOCKET, SO_TYPE, OptionValue::Int},
    SocketOption{"SO_ACCEPTCONN", SOL_SOCKET, SO_ACCEPTCONN, OptionValue::Int},
    SocketOption{"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, OptionValue::Int},
    SocketOption{"IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY, OptionValue::Int},
};

}  // namespace

std::span<const NamedValue> socket_families() {
    return kFamilies;
}
std::span<const NamedValue> socket_types() {
    return kTypes;
}
std::span<const NamedValue> socket_protocols() {
    return kProtocols;
}
std::span<const NamedValue> message_flags() {
    return kMessageFlags;
}
std::span<const NamedValue> addrinfo_flags() {
    return kAddrinfoFlags;
}
std::span<const NamedValue> poll_event_bits() {
    return kPollEvents;
}
std::span<const NamedValue> shutdown_modes() {
    return kShutdownModes;
}
std::span<const SocketOption> socket_options() {
    return kOptions;
}

bool step_may_use_flag(int flag) {
    return flag == MSG_PEEK || flag == MSG_DONTWAIT || flag == MSG_WAITALL || flag == MSG_TRUNC;
}

std::optional<int> value_of(std::span<const NamedValue> table, std::string_view name) {
    for (const auto& entry : table)
        if (name == entry.name) return entry.value;
    return std::nullopt;
}

std::string name_of(std::span<const NamedValue> table, int value) {
    for (const auto& entry : table)
        if (entry.value == value) return entry.name;
    return std::to_string(value);
}

std::string bit_names(std::span<const NamedValue> table, int value) {
    std::string out;
    int named = 0;
    for (const auto& entry : table) {
        if (entry.value == 0 || (value & entry.value) != entry.value) continue;
        out += (out.empty() ? "" : "|") + std::string(entry.name);
        named |= entry.value;
    }
    if (const int rest = value & ~named; rest != 0)
        out += (out.empty() ? "" : "|") + std::to_string(rest);
    return out;
}

std::string known_names(std::span<const NamedValue> table) {
    std::string out;
    for (const auto& entry : table) out += (out.empty() ? "" : ", ") + std::string(entry.name);
    return out;
}

const SocketOption* find_option(std::string_view name) {
    for (const auto& option : kOptions)
        if (name == option.name) return &option;
    return nullptr;
}

const SocketOption* find_option(int level, int option) {
    for (const auto& entry : kOptions)
        if (entry.level == level && entry.option == option) return &entry;
    return nullptr;
}

std::string known_option_names() {
    std::string out;
    for (const auto& option : kOptions) out += (out.empty() ? "" : ", ") + std::string(option.name);
    return out;
}

}  // namespace socketlab
