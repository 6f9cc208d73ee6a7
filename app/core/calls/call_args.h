// Reading a call's arguments from the words of a lesson step line: numbers, data, addresses.
// Shared by every call's entry in the call table (call_table.h) and by the step parser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/calls/call_spec.h"

namespace socketlab {

// An address in a step: written out, another actor's bound address, or a port nobody uses.
// Resolved to a SocketAddress when the step runs (SocketDirectory::resolve).
struct StepAddress {
    enum class Kind { Literal, ActorSocket, UnusedPort, UnixPath };
    Kind kind = Kind::Literal;
    SocketAddress literal;  // Literal
    std::string actor;      // ActorSocket: "@server" -> "server"
    std::string socket;     // ActorSocket: "@server.conn" -> "conn" (optional)
    std::string host;       // UnusedPort: "127.0.0.1"; ActorSocket: another host ("::1", or
                            // "" = the actor's own); UnixPath: the name
    bool abstract = false;  // UnixPath: Linux abstract namespace (unix:@NAME)
    std::string text;       // as written
};

// A whole number from min to max (at most 12 characters, an optional leading '-').
bool parse_int(const std::string& word, long long min, long long max, long long& out);
// Letters, digits, '-' and '_', starting with a letter.
bool is_actor_name(const std::string& name);

// The data of one step (all its DATA words) may be at most this long.
constexpr uint64_t kMaxStepDataBytes = uint64_t{64} * 1024 * 1024;
// bytes:N up to this long is built at once; longer ones wait for the step (PatternRun).
constexpr uint64_t kBuiltPatternBytes = 4096;

// DATA: "text with \n escapes", hex:48656c6c6f, bytes:N, u16:N (and u8/u32/u64, big-endian;
// u16le/u32le/u64le little-endian). Returns false with error set.
bool parse_data(const std::string& word, std::vector<uint8_t>& out, std::string& error);
bool is_data_word(const std::string& word);
// Several DATA words in a row are one piece of data, joined (u32:5 "hello"), at most
// kMaxStepDataBytes in all: the written-out bytes go to out, and each bytes:N longer than
// kBuiltPatternBytes to runs, not built. used = how many words were read from `from`.
bool parse_data_words(const std::vector<std::string>& words, size_t from, std::vector<uint8_t>& out,
                      std::vector<PatternRun>& runs, size_t& used, std::string& error);
// The whole data: the written-out bytes with the pattern runs built in.
std::vector<uint8_t> with_patterns(const std::vector<uint8_t>& bytes,
                                   const std::vector<PatternRun>& runs);
uint64_t data_size(const std::vector<uint8_t>& bytes, const std::vector<PatternRun>& runs);

// ADDRESS: 127.0.0.1:5000, [::1]:0, @server, @server.conn, [::1]:@server, 127.0.0.1:unused,
// unix:NAME, unix:@NAME.
bool parse_step_address(const std::string& word, StepAddress& out, std::string& error);

}  // namespace socketlab
