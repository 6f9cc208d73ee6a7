// The one table of socket constants: every family, type, protocol, flag and option SocketLab
// reads or prints, with the value from the system's own headers. The step parser, the call
// formatter, the JSON writer, the errors' "known: ..." lists and (later) the tracer's decoder
// all use these tables, so a name is spelled in one place.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace socketlab {

struct NamedValue {
    const char* name;
    int value;
};

// How a socket option's value is passed (what setsockopt/getsockopt take as optval).
enum class OptionValue { Int, Linger, Millis };

struct SocketOption {
    const char* name;
    int level;
    int option;
    OptionValue kind;
};

std::span<const NamedValue> socket_families();   // AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC
std::span<const NamedValue> socket_types();      // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, ...
std::span<const NamedValue> socket_protocols();  // IPPROTO_TCP, IPPROTO_UDP
std::span<const NamedValue> message_flags();     // MSG_PEEK, MSG_DONTWAIT, ...
std::span<const NamedValue> addrinfo_flags();    // AI_PASSIVE, ...
std::span<const NamedValue> poll_event_bits();   // POLLIN, POLLOUT, ...
std::span<const NamedValue> shutdown_modes();    // SHUT_RD, SHUT_WR, SHUT_RDWR
std::span<const SocketOption> socket_options();  // SO_REUSEADDR, TCP_NODELAY, ...

// Message flags a lesson step may pass (the others are printed, never sent by a step: MSG_OOB
// would need urgent-data lessons, MSG_NOSIGNAL is always added by the engine).
bool step_may_use_flag(int flag);

std::optional<int> value_of(std::span<const NamedValue> table, std::string_view name);
// The name of value, or its number as text when the table has no name for it.
std::string name_of(std::span<const NamedValue> table, int value);
// The names of the bits set in value joined with '|' as C writes them ("MSG_PEEK|MSG_WAITALL");
// bits without a name are added as a number. "" for 0.
std::string bit_names(std::span<const NamedValue> table, int value);
// "AF_INET, AF_INET6, AF_UNIX" for the "known: ..." part of an error message.
std::string known_names(std::span<const NamedValue> table);

const SocketOption* find_option(std::string_view name);
const SocketOption* find_option(int level, int option);
std::string known_option_names();

}  // namespace socketlab
