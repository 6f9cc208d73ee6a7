#include "core/calls/call_args.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace socketlab {

bool parse_int(const std::string& word, long long min, long long max, long long& out) {
    if (word.empty() || word.size() > 12) return false;
    size_t i = word[0] == '-' ? 1 : 0;
    if (i == word.size() || word.find_first_not_of("0123456789", i) != std::string::npos)
        return false;
    out = std::stoll(word);
    return out >= min && out <= max;
}

bool is_actor_name(const std::string& name) {
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
}

bool parse_data(const std::string& word, std::vector<uint8_t>& out, std::string& error) {
    out.clear();
    auto hexval = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (word.size() >= 2 && word.front() == '"' && word.back() == '"') {
        for (size_t i = 1; i + 1 < word.size(); ++i) {
            char c = word[i];
            if (c != '\\') {
                out.push_back(static_cast<uint8_t>(c));
                continue;
            }
            if (i + 2 >= word.size()) {
                error = "a backslash ends the string " + word;
                return false;
            }
            char e = word[++i];
            switch (e) {
                case 'n':
                    out.push_back('\n');
                    break;
                case 'r':
                    out.push_back('\r');
                    break;
                case 't':
                    out.push_back('\t');
                    break;
                case '0':
                    out.push_back('\0');
                    break;
                case '\\':
                    out.push_back('\\');
                    break;
                case '"':
                    out.push_back('"');
                    break;
                case 'x': {
                    int hi = i + 1 < word.size() - 1 ? hexval(word[i + 1]) : -1;
                    int lo = i + 2 < word.size() - 1 ? hexval(word[i + 2]) : -1;
                    if (hi < 0 || lo < 0) {
                        error = "\\x needs two hex digits in " + word;
                        return false;
                    }
                    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
                    i += 2;
                    break;
                }
                default:
                    error = std::string("unknown escape \\") + e + " in " + word;
                    return false;
            }
        }
        return true;
    }
    if (word.rfind("hex:", 0) == 0) {
        std::string digits = word.substr(4);
        if (digits.size() % 2 != 0) {
            error = "hex data needs an even number of digits: " + word;
            return false;
        }
        for (size_t i = 0; i < digits.size(); i += 2) {
            int hi = hexval(digits[i]), lo = hexval(digits[i + 1]);
            if (hi < 0 || lo < 0) {
                error = "not a hex digit in " + word;
                return false;
            }
            out.push_back(static_cast<uint8_t>(hi * 16 + lo));
        }
        return true;
    }
    if (word.rfind("bytes:", 0) == 0) {
        long long n = 0;
        if (!parse_int(word.substr(6), 0, static_cast<long long>(kMaxStepDataBytes), n)) {
            error = "bytes:N needs a count from 0 to " + std::to_string(kMaxStepDataBytes) + ": " +
                    word;
            return false;
        }
        out.resize(static_cast<size_t>(n));
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>('A' + i % 26);
        return true;
    }
    // Whole numbers as fixed-size fields: u16:80 is network byte order (big-endian), as htons
    // gives; u16le:80 is little-endian, as an x86 CPU keeps it in memory.
    static const std::map<std::string, std::pair<int, bool>> kIntForms = {
        {"u8", {1, false}},   {"u16", {2, false}},  {"u32", {4, false}},  {"u64", {8, false}},
        {"u16le", {2, true}}, {"u32le", {4, true}}, {"u64le", {8, true}},
    };
    auto colon = word.find(':');
    if (colon != std::string::npos) {
        auto form = kIntForms.find(word.substr(0, colon));
        if (form != kIntForms.end()) {
            const auto [size, little] = form->second;
            std::string digits = word.substr(colon + 1);
            unsigned long long value = 0;
            bool ok = !digits.empty() && digits.size() <= 20 &&
                      digits.find_first_not_of("0123456789") == std::string::npos;
            if (ok) {
                try {
                    value = std::stoull(digits);
                } catch (...) {
                    ok = false;
                }
            }
            if (ok && size < 8 && value >> (8 * size) != 0) ok = false;
            if (!ok) {
                error = "'" + word + "' needs a whole number that fits in " + std::to_string(size) +
                        " byte" + (size == 1 ? "" : "s");
                return false;
            }
            for (int i = 0; i < size; ++i) {
                int shift = little ? 8 * i : 8 * (size - 1 - i);
                out.push_back(static_cast<uint8_t>(value >> shift));
            }
            return true;
        }
    }
    error = "cannot read data '" + word +
            "' (use \"text\", hex:48656c6c6f, bytes:N, or u16:N / u32:N / u16le:N ...)";
    return false;
}

bool is_data_word(const std::string& word) {
    if (!word.empty() && word[0] == '"') return true;
    static const char* kPrefixes[] = {
        "hex:", "bytes:", "u8:", "u16:", "u32:", "u64:", "u16le:", "u32le:", "u64le:"};
    for (const char* prefix : kPrefixes)
        if (word.rfind(prefix, 0) == 0) return true;
    return false;
}

bool parse_data_words(const std::vector<std::string>& words, size_t from, std::vector<uint8_t>& out,
                      std::vector<PatternRun>& runs, size_t& used, std::string& error) {
    out.clear();
    runs.clear();
    used = 0;
    if (from >= words.size()) {
        error = "missing the data";
        return false;
    }
    if (!is_data_word(words[from])) return parse_data(words[from], out, error);
    uint64_t total = 0;
    for (size_t i = from; i < words.size() && is_data_word(words[i]); ++i) {
        const std::string& word = words[i];
        long long count = 0;
        if (word.rfind("bytes:", 0) == 0 &&
            parse_int(word.substr(6), 0, static_cast<long long>(kMaxStepDataBytes), count) &&
            static_cast<uint64_t>(count) > kBuiltPatternBytes) {
            runs.push_back({out.size(), static_cast<uint64_t>(count)});
            total += static_cast<uint64_t>(count);
        } else {
            std::vector<uint8_t> part;
            if (!parse_data(word, part, error)) return false;
            total += part.size();
            out.insert(out.end(), part.begin(), part.end());
        }
        if (total > kMaxStepDataBytes) {
            error = "the data of one step may be at most " + std::to_string(kMaxStepDataBytes) +
                    " bytes (64 MiB); these words make " + std::to_string(total) + " already";
            return false;
        }
        ++used;
    }
    return true;
}

uint64_t data_size(const std::vector<uint8_t>& bytes, const std::vector<PatternRun>& runs) {
    uint64_t size = bytes.size();
    for (const auto& run : runs) size += run.count;
    return size;
}

std::vector<uint8_t> with_patterns(const std::vector<uint8_t>& bytes,
                                   const std::vector<PatternRun>& runs) {
    if (runs.empty()) return bytes;
    std::vector<uint8_t> out;
    out.reserve(data_size(bytes, runs));
    size_t taken = 0;
    for (const auto& run : runs) {
        const size_t at = std::min(run.at, bytes.size());
        out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(taken),
                   bytes.begin() + static_cast<std::ptrdiff_t>(std::max(at, taken)));
        taken = std::max(at, taken);
        for (uint64_t i = 0; i < run.count; ++i) out.push_back(static_cast<uint8_t>('A' + i % 26));
    }
    out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(taken), bytes.end());
    return out;
}

bool parse_step_address(const std::string& word, StepAddress& out, std::string& error) {
    out = StepAddress{};
    out.text = word;
    if (word.rfind("unix:", 0) == 0) {
        std::string name = word.substr(5);
        out.kind = StepAddress::Kind::UnixPath;
        out.abstract = !name.empty() && name[0] == '@';
        if (out.abstract) name = name.substr(1);
        bool ok =
            !name.empty() && name.size() <= 60 && std::all_of(name.begin(), name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                       c == '.';
            });
        if (!ok) {
            error = "'" + word +
                    "' is not a unix socket name (use unix:NAME for a file in this run's own "
                    "folder, or unix:@NAME for the abstract namespace; letters, digits, - _ .)";
            return false;
        }
        out.host = name;
        return true;
    }
    // HOST:@actor: that actor's port, on another address of this machine ([::1]:@server).
    auto at = word.find(":@");
    if (at != std::string::npos && at > 0) {
        std::string host = word.substr(0, at);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        if (!SocketAddress::from_host_port(host, 0, &error)) return false;
        if (!parse_step_address(word.substr(at + 1), out, error)) return false;
        out.text = word;
        out.host = host;
        return true;
    }
    if (!word.empty() && word[0] == '@') {
        std::string rest = word.substr(1);
        auto dot = rest.find('.');
        out.kind = StepAddress::Kind::ActorSocket;
        out.actor = rest.substr(0, dot);
        if (dot != std::string::npos) out.socket = rest.substr(dot + 1);
        if (!is_actor_name(out.actor) || (dot != std::string::npos && out.socket.empty())) {
            error = "'" + word + "' is not an actor reference (use @server or @server.conn)";
            return false;
        }
        return true;
    }
    const std::string unused = ":unused";
    if (word.size() > unused.size() &&
        word.compare(word.size() - unused.size(), unused.size(), unused) == 0) {
        std::string host = word.substr(0, word.size() - unused.size());
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        if (!SocketAddress::from_host_port(host, 0, &error)) return false;
        out.kind = StepAddress::Kind::UnusedPort;
        out.host = host;
        return true;
    }
    auto parsed = SocketAddress::parse(word, &error);
    if (!parsed) return false;
    out.kind = StepAddress::Kind::Literal;
    out.literal = *parsed;
    return true;
}

}  // namespace socketlab
