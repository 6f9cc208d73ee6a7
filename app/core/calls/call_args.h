// Reading a call's arguments from the words of a lesson step line: numbers, data, addresses.
// Shared by every call's entry in the call table (call_table.h) and by the step parser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/address.h"

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

// DATA: "text with \n escapes", hex:48656c6c6f, bytes:N, u16:N (and u8/u32/u64, big-endian;
// u16le/u32le/u64le little-endian). Returns false with error set.
bool parse_data(const std::string& word, std::vector<uint8_t>& out, std::string& error);
bool is_data_word(const std::string& word);
// Several DATA words in a row are one piece of data, joined (u32:5 "hello"). used = how many
// words were read from `from`.
bool parse_data_words(const std::vector<std::string>& words, size_t from, std::vector<uint8_t>& out,
                      size_t& used, std::string& error);

// ADDRESS: 127.0.0.1:5000, [::1]:0, @server, @server.conn, [::1]:@server, 127.0.0.1:unused,
// unix:NAME, unix:@NAME.
bool parse_step_address(const std::string& word, StepAddress& out, std::string& error);

}  // namespace socketlab
