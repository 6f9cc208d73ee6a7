#include "lesson/step_parser.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "core/errno_text.h"

namespace socketlab {
namespace {

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

const std::map<std::string, int> kFlags = {
    {"MSG_PEEK", MSG_PEEK},
    {"MSG_DONTWAIT", MSG_DONTWAIT},
    {"MSG_WAITALL", MSG_WAITALL},
    {"MSG_TRUNC", MSG_TRUNC},
};

struct OptionInfo {
    int level;
    int option;
};
const std::map<std::string, OptionInfo> kOptions = {
    {"SO_REUSEADDR", {SOL_SOCKET, SO_REUSEADDR}}, {"SO_REUSEPORT", {SOL_SOCKET, SO_REUSEPORT}},
    {"SO_KEEPALIVE", {SOL_SOCKET, SO_KEEPALIVE}}, {"SO_BROADCAST", {SOL_SOCKET, SO_BROADCAST}},
    {"SO_RCVBUF", {SOL_SOCKET, SO_RCVBUF}},       {"SO_SNDBUF", {SOL_SOCKET, SO_SNDBUF}},
    {"SO_LINGER", {SOL_SOCKET, SO_LINGER}},       {"SO_RCVTIMEO", {SOL_SOCKET, SO_RCVTIMEO}},
    {"SO_SNDTIMEO", {SOL_SOCKET, SO_SNDTIMEO}},   {"TCP_NODELAY", {IPPROTO_TCP, TCP_NODELAY}},
    {"IPV6_V6ONLY", {IPPROTO_IPV6, IPV6_V6ONLY}}, {"SO_ERROR", {SOL_SOCKET, SO_ERROR}},
    {"SO_TYPE", {SOL_SOCKET, SO_TYPE}},           {"SO_ACCEPTCONN", {SOL_SOCKET, SO_ACCEPTCONN}},
};

const std::map<std::string, int> kAiFlags = {
    {"AI_PASSIVE", AI_PASSIVE},         {"AI_CANONNAME", AI_CANONNAME},
    {"AI_NUMERICHOST", AI_NUMERICHOST}, {"AI_NUMERICSERV", AI_NUMERICSERV},
    {"AI_ADDRCONFIG", AI_ADDRCONFIG},   {"AI_V4MAPPED", AI_V4MAPPED},
};

const std::map<std::string, short> kPollEvents = {
    {"POLLIN", POLLIN}, {"POLLOUT", POLLOUT}, {"POLLPRI", POLLPRI}, {"POLLRDHUP", POLLRDHUP}};

bool parse_family(const std::string& word, int& family) {
    static const std::map<std::string, int> families = {{"AF_INET", AF_INET},
                                                        {"AF_INET6", AF_INET6},
                                                        {"AF_UNIX", AF_UNIX},
                                                        {"AF_UNSPEC", AF_UNSPEC}};
    auto it = families.find(word);
    if (it == families.end()) return false;
    family = it->second;
    return true;
}

bool parse_type(const std::string& word, int& type) {
    if (word == "SOCK_STREAM")
        type = SOCK_STREAM;
    else if (word == "SOCK_DGRAM")
        type = SOCK_DGRAM;
    else if (word == "SOCK_SEQPACKET")
        type = SOCK_SEQPACKET;
    else
        return false;
    return true;
}

const std::map<std::string, CallOp> kCalls = {
    {"socket", CallOp::Socket},
    {"bind", CallOp::Bind},
    {"listen", CallOp::Listen},
    {"accept", CallOp::Accept},
    {"connect", CallOp::Connect},
    {"send", CallOp::Send},
    {"recv", CallOp::Recv},
    {"sendto", CallOp::SendTo},
    {"recvfrom", CallOp::RecvFrom},
    {"shutdown", CallOp::Shutdown},
    {"close", CallOp::Close},
    {"setsockopt", CallOp::SetSockOpt},
    {"getsockname", CallOp::GetSockName},
    {"getpeername", CallOp::GetPeerName},
    {"getsockopt", CallOp::GetSockOpt},
    {"setblocking", CallOp::SetBlocking},
    {"poll", CallOp::Poll},
    {"sendall", CallOp::SendAll},
    {"getaddrinfo", CallOp::GetAddrInfo},
    {"unlink", CallOp::Unlink},
    {"handoff", CallOp::Handoff},
};

std::string known_calls() {
    std::string out;
    for (const auto& [name, op] : kCalls) out += (out.empty() ? "" : ", ") + name;
    return out;
}

// Parses "ACTOR: CALL ARGS..." into step; returns an error message or "".
std::string parse_call(const std::vector<std::string>& words, Step& step) {
    if (words.empty()) return "missing the call after '" + step.actor + ":'";
    auto call = kCalls.find(words[0]);
    if (call == kCalls.end())
        return "unknown call '" + words[0] + "' (known: " + known_calls() + ")";
    CallSpec& spec = step.spec;
    spec.op = call->second;

    // Modifiers "on NAME" and "as NAME" may follow the arguments.
    std::vector<std::string> args;
    for (size_t i = 1; i < words.size(); ++i) {
        if ((words[i] == "on" || words[i] == "as") && i + 1 < words.size()) {
            (words[i] == "on" ? spec.socket : spec.new_name) = words[i + 1];
            ++i;
        } else if (words[i] == "on" || words[i] == "as") {
            return "'" + words[i] + "' needs a socket name after it";
        } else {
            args.push_back(words[i]);
        }
    }
    auto want = [&](size_t min, size_t max, const char* usage) -> std::string {
        if (args.size() < min || args.size() > max)
            return "'" + words[0] + "' takes " + usage + " (got " + std::to_string(args.size()) +
                   " argument" + (args.size() == 1 ? "" : "s") + ")";
        return "";
    };
    auto read_flags = [&](size_t from) -> std::string {
        for (size_t i = from; i < args.size(); ++i) {
            auto f = kFlags.find(args[i]);
            if (f == kFlags.end())
                return "unknown flag '" + args[i] +
                       "' (known: MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC)";
            spec.flags |= f->second;
        }
        return "";
    };
    auto read_address = [&](const std::string& word) -> std::string {
        StepAddress address;
        std::string error;
        if (!parse_step_address(word, address, error)) return error;
        step.address = address;
        return "";
    };
    if (!spec.new_name.empty() && spec.op != CallOp::Socket && spec.op != CallOp::Accept)
        return "'as NAME' only names the socket made by socket or accept";

    std::string error;
    long long n = 0;
    switch (spec.op) {
        case CallOp::Socket: {
            if (!(error = want(2, 3, "FAMILY TYPE [PROTOCOL]")).empty()) return error;
            if (!parse_family(args[0], spec.family) || spec.family == AF_UNSPEC)
                return "unknown family '" + args[0] + "' (use AF_INET, AF_INET6 or AF_UNIX)";
            if (!parse_type(args[1], spec.type))
                return "unknown type '" + args[1] +
                       "' (use SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET)";
            if (args.size() == 3) {
                if (args[2] == "IPPROTO_TCP")
                    spec.protocol = IPPROTO_TCP;
                else if (args[2] == "IPPROTO_UDP")
                    spec.protocol = IPPROTO_UDP;
                else if (parse_int(args[2], 0, 255, n))
                    spec.protocol = static_cast<int>(n);
                else
                    return "unknown protocol '" + args[2] + "' (use 0, IPPROTO_TCP or IPPROTO_UDP)";
            }
            return "";
        }
        case CallOp::Bind:
            if (!(error = want(1, 2, "ADDRESS [unprivileged]")).empty()) return error;
            if (args.size() == 2) {
                if (args[1] != "unprivileged")
                    return "unexpected '" + args[1] +
                           "' after the address (did you mean "
                           "'unprivileged'?)";
                spec.unprivileged = true;
            }
            return read_address(args[0]);
        case CallOp::Connect:
            if (!(error = want(1, 1, "ADDRESS")).empty()) return error;
            return read_address(args[0]);
        case CallOp::Listen:
            if (!(error = want(1, 1, "BACKLOG")).empty()) return error;
            if (!parse_int(args[0], 0, 65535, n))
                return "backlog '" + args[0] + "' is not a number";
            spec.backlog = static_cast<int>(n);
            return "";
        case CallOp::Send:
        case CallOp::SendAll: {
            if (args.empty()) return "'" + words[0] + "' takes DATA [FLAGS] (got nothing to send)";
            size_t used = 0;
            if (!parse_data_words(args, 0, spec.data, used, error)) return error;
            if (spec.op == CallOp::SendAll && used < args.size())
                return "'sendall' takes DATA only (no flags)";
            return read_flags(used);
        }
        case CallOp::SendTo: {
            if (args.size() < 2) return "'sendto' takes DATA ADDRESS [FLAGS]";
            size_t used = 0;
            if (!parse_data_words(args, 0, spec.data, used, error)) return error;
            if (used >= args.size()) return "'sendto' needs an ADDRESS after the data";
            if (!(error = read_address(args[used])).empty()) return error;
            return read_flags(used + 1);
        }
        case CallOp::Recv:
        case CallOp::RecvFrom:
            if (args.empty()) return "'" + words[0] + "' takes SIZE [FLAGS]";
            if (!parse_int(args[0], 0, 16LL * 1024 * 1024, n))
                return "buffer size '" + args[0] + "' is not a number from 0 to 16777216";
            spec.buffer_size = static_cast<size_t>(n);
            return read_flags(1);
        case CallOp::Shutdown:
            if (!(error = want(1, 1, "SHUT_RD, SHUT_WR or SHUT_RDWR")).empty()) return error;
            if (args[0] == "SHUT_RD")
                spec.how = SHUT_RD;
            else if (args[0] == "SHUT_WR")
                spec.how = SHUT_WR;
            else if (args[0] == "SHUT_RDWR")
                spec.how = SHUT_RDWR;
            else
                return "unknown shutdown mode '" + args[0] + "' (SHUT_RD, SHUT_WR, SHUT_RDWR)";
            return "";
        case CallOp::SetSockOpt: {
            if (!(error = want(2, 2, "OPTION VALUE")).empty()) return error;
            auto opt = kOptions.find(args[0]);
            if (opt == kOptions.end()) return "unknown socket option '" + args[0] + "'";
            spec.level = opt->second.level;
            spec.option = opt->second.option;
            spec.option_name = args[0];
            if (!parse_int(args[1], 0, 1 << 30, n))
                return "option value '" + args[1] + "' is not a whole number";
            spec.value = static_cast<int>(n);
            return "";
        }
        case CallOp::GetSockOpt: {
            if (!(error = want(1, 1, "OPTION")).empty()) return error;
            auto opt = kOptions.find(args[0]);
            if (opt == kOptions.end()) return "unknown socket option '" + args[0] + "'";
            spec.level = opt->second.level;
            spec.option = opt->second.option;
            spec.option_name = args[0];
            return "";
        }
        case CallOp::SetBlocking:
            if (!(error = want(1, 1, "true or false")).empty()) return error;
            if (args[0] != "true" && args[0] != "false")
                return "'setblocking' takes true or false (got '" + args[0] + "')";
            spec.blocking = args[0] == "true";
            return "";
        case CallOp::Poll: {
            if (!(error = want(2, 2, "EVENTS TIMEOUT_MS (e.g. poll POLLIN 1000)")).empty())
                return error;
            std::string events = args[0];
            size_t start = 0;
            while (start <= events.size()) {
                size_t bar = events.find('|', start);
                std::string name =
                    events.substr(start, bar == std::string::npos ? bar : bar - start);
                auto ev = kPollEvents.find(name);
                if (ev == kPollEvents.end())
                    return "unknown poll event '" + name +
                           "' (POLLIN, POLLOUT, POLLPRI, POLLRDHUP)";
                spec.poll_events |= ev->second;
                if (bar == std::string::npos) break;
                start = bar + 1;
            }
            if (!parse_int(args[1], -1, 600000, n))
                return "poll timeout '" + args[1] + "' is not a number of ms from -1 to 600000";
            spec.timeout_ms = static_cast<int>(n);
            // "on a,b,c" polls several sockets at once.
            if (spec.socket.find(',') != std::string::npos) {
                std::string list = spec.socket;
                spec.socket.clear();
                size_t from = 0;
                while (from <= list.size()) {
                    size_t comma = list.find(',', from);
                    std::string name =
                        list.substr(from, comma == std::string::npos ? comma : comma - from);
                    if (name.empty()) return "empty socket name in 'on " + list + "'";
                    spec.poll_sockets.push_back(name);
                    if (comma == std::string::npos) break;
                    from = comma + 1;
                }
            }
            return "";
        }
        case CallOp::GetAddrInfo: {
            if (args.empty())
                return "'getaddrinfo' takes HOST [PORT] [FAMILY] [TYPE] [AI_FLAGS...] (use None "
                       "for no host or no port)";
            spec.host = args[0] == "None" ? "" : args[0];
            if (spec.host.size() >= 2 && spec.host.front() == '"' && spec.host.back() == '"')
                spec.host = spec.host.substr(1, spec.host.size() - 2);
            spec.family = AF_UNSPEC;
            spec.type = 0;
            for (size_t i = 1; i < args.size(); ++i) {
                int value = 0;
                if (parse_family(args[i], value)) {
                    spec.family = value;
                } else if (parse_type(args[i], value)) {
                    spec.type = value;
                } else if (kAiFlags.count(args[i])) {
                    spec.ai_flags |= kAiFlags.at(args[i]);
                } else if (i == 1) {
                    spec.service = args[i] == "None" ? "" : args[i];
                } else {
                    return "unexpected '" + args[i] +
                           "' (after HOST PORT: AF_INET, AF_INET6, AF_UNSPEC, SOCK_STREAM, "
                           "SOCK_DGRAM, or an AI_ flag)";
                }
            }
            return "";
        }
        case CallOp::Unlink:
            if (!(error = want(1, 1, "ADDRESS (unix:NAME)")).empty()) return error;
            if (!(error = read_address(args[0])).empty()) return error;
            if (step.address->kind != StepAddress::Kind::UnixPath || step.address->abstract)
                return "'unlink' takes a unix:NAME path address";
            return "";
        case CallOp::Handoff:
            if (args.size() != 3 || args[1] != "to" || !is_actor_name(args[2]))
                return "'handoff' takes SOCKET to ACTOR (e.g. handoff conn to worker1)";
            spec.socket = args[0];
            spec.to_actor = args[2];
            return "";
        case CallOp::Accept:
        case CallOp::Close:
        case CallOp::GetSockName:
        case CallOp::GetPeerName:
            return want(0, 0, "no arguments");
    }
    return "";
}

std::string parse_expectations(const std::vector<std::string>& words, Step& step) {
    size_t i = 0;
    while (i < words.size()) {
        if (words[i] == ";" || words[i] == ",") {
            ++i;
            continue;
        }
        Expectation e;
        const std::string& w = words[i];
        if (w == "ok") {
            e.kind = Expectation::Kind::Ok;
            e.text = "ok";
            ++i;
        } else if (w == "blocks") {
            e.kind = Expectation::Kind::Blocks;
            e.text = "blocks";
            ++i;
        } else if (w == "returns") {
            long long n = 0;
            if (i + 1 >= words.size() || !parse_int(words[i + 1], -1, 1LL << 40, n))
                return "'returns' needs a whole number after it";
            e.kind = Expectation::Kind::Returns;
            e.number = n;
            e.text = "returns " + words[i + 1];
            i += 2;
        } else if (w == "fails") {
            if (i + 1 >= words.size())
                return "'fails' needs an errno name after it (e.g. ECONNREFUSED)";
            auto err = errno_from_name(words[i + 1]);
            if (!err) return "unknown errno name '" + words[i + 1] + "'";
            e.kind = Expectation::Kind::Fails;
            e.err = *err;
            e.text = "fails " + words[i + 1];
            i += 2;
        } else if (w == "data" || w == "contains") {
            if (i + 1 >= words.size()) return "'" + w + "' needs the expected bytes after it";
            std::string error;
            std::vector<std::string> rest(words.begin() + static_cast<long>(i) + 1, words.end());
            size_t used = 0;
            if (!parse_data_words(rest, 0, e.data, used, error)) return error;
            e.kind = w == "data" ? Expectation::Kind::Data : Expectation::Kind::Contains;
            e.text = w;
            for (size_t k = 0; k < used; ++k) e.text += " " + rest[k];
            i += 1 + used;
        } else {
            return "cannot read expectation '" + w +
                   "' (use ok, returns N, fails ENAME, data \"...\", contains \"...\", "
                   "blocks)";
        }
        step.expectations.push_back(std::move(e));
    }
    if (step.expectations.empty()) return "'expect:' is empty";
    return "";
}

// "SYN,ACK from server len 0 seq=1.ack ack=1.seq+1"; several separated by ';'.
std::string parse_packet_expectations(const std::string& value, Step& step) {
    std::vector<std::string> clauses;
    size_t start = 0;
    while (start <= value.size()) {
        size_t semi = value.find(';', start);
        std::string clause =
            trim(value.substr(start, semi == std::string::npos ? semi : semi - start));
        if (!clause.empty()) clauses.push_back(clause);
        if (semi == std::string::npos) break;
        start = semi + 1;
    }
    if (clauses.empty()) return "'packets:' is empty (write the flags, e.g. SYN; SYN,ACK; ACK)";
    if (clauses.size() == 1 && clauses[0] == "none") {
        PacketExpectation p;
        p.none = true;
        p.text = "none";
        step.packets.push_back(p);
        return "";
    }
    static const std::set<std::string> kFlagNames = {"FIN", "SYN", "RST", "PSH",
                                                     "ACK", "URG", "ECE", "CWR"};
    for (const auto& clause : clauses) {
        std::istringstream words(clause);
        std::string flags;
        words >> flags;
        PacketExpectation p;
        p.text = clause;
        if (flags == "UDP") {
            p.flags = "UDP";
        } else {
            std::vector<std::string> names;
            size_t from = 0;
            while (from <= flags.size()) {
                size_t comma = flags.find(',', from);
                std::string name =
                    flags.substr(from, comma == std::string::npos ? comma : comma - from);
                if (!kFlagNames.count(name))
                    return "unknown TCP flag '" + name + "' in '" + clause +
                           "' (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR; or UDP)";
                names.push_back(name);
                if (comma == std::string::npos) break;
                from = comma + 1;
            }
            std::sort(names.begin(), names.end());
            for (const auto& n : names) p.flags += (p.flags.empty() ? "" : ",") + n;
        }
        std::string word;
        while (words >> word) {
            if (word == "from") {
                if (!(words >> p.from) || !is_actor_name(p.from))
                    return "'from' needs an actor name in '" + clause + "'";
            } else if (word == "len") {
                long long n = 0;
                if (!(words >> word) || !parse_int(word, 0, 1 << 20, n))
                    return "'len' needs a number of bytes in '" + clause + "'";
                p.len = n;
            } else if (word.rfind("seq=", 0) == 0 || word.rfind("ack=", 0) == 0) {
                PacketExpectation::Ref ref;
                std::string r = word.substr(4);
                long long n = 0;
                if (parse_int(r, 0, 4294967295LL, n)) {
                    ref.add = n;
                } else {
                    auto dot = r.find('.');
                    long long index = 0;
                    if (dot == std::string::npos ||
                        !parse_int(r.substr(0, dot), 1, static_cast<long long>(step.packets.size()),
                                   index))
                        return "'" + word +
                               "' should be a number or N.seq / N.ack (+K) of an earlier packet of "
                               "this step, in '" +
                               clause + "'";
                    ref.packet = static_cast<int>(index);
                    std::string rest = r.substr(dot + 1);
                    auto plus = rest.find('+');
                    std::string field = rest.substr(0, plus);
                    if (field != "seq" && field != "ack")
                        return "'" + word + "': after N. comes seq or ack, in '" + clause + "'";
                    ref.of_ack = field == "ack";
                    if (plus != std::string::npos &&
                        !parse_int(rest.substr(plus + 1), 0, 1 << 30, n))
                        return "'" + word + "': +K needs a number, in '" + clause + "'";
                    ref.add = plus == std::string::npos ? 0 : n;
                }
                (word[0] == 's' ? p.seq : p.ack) = ref;
            } else {
                return "cannot read '" + word + "' in packet '" + clause +
                       "' (use FLAGS [from ACTOR] [len N] [seq=REF] [ack=REF])";
            }
        }
        step.packets.push_back(p);
    }
    return "";
}

}  // namespace

std::string trim(const std::string& text) {
    size_t b = text.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    size_t e = text.find_last_not_of(" \t\r");
    return text.substr(b, e - b + 1);
}

bool tokenize_step_line(const std::string& line, std::vector<std::string>& words,
                        std::string& error) {
    size_t i = 0;
    while (i < line.size()) {
        char c = line[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
        } else if (c == ';') {
            words.emplace_back(";");
            ++i;
        } else {
            std::string word;
            bool in_quote = false;
            while (i < line.size()) {
                char d = line[i];
                if (!in_quote && (d == ' ' || d == '\t' || d == ';' || d == '\r')) break;
                if (d == '"') in_quote = !in_quote;
                if (in_quote && d == '\\' && i + 1 < line.size()) {
                    word += d;
                    ++i;
                    d = line[i];
                }
                word += d;
                ++i;
            }
            if (in_quote) {
                error = "unterminated quoted string";
                return false;
            }
            words.push_back(std::move(word));
        }
    }
    return true;
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
        if (!parse_int(word.substr(6), 0, 64LL * 1024 * 1024, n)) {
            error = "bytes:N needs a count from 0 to 67108864: " + word;
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
                      size_t& used, std::string& error) {
    out.clear();
    used = 0;
    if (from >= words.size()) {
        error = "missing the data";
        return false;
    }
    if (!is_data_word(words[from])) return parse_data(words[from], out, error);
    for (size_t i = from; i < words.size() && is_data_word(words[i]); ++i) {
        std::vector<uint8_t> part;
        if (!parse_data(words[i], part, error)) return false;
        out.insert(out.end(), part.begin(), part.end());
        ++used;
    }
    return true;
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

void parse_steps_block(const std::string& file, int first_line,
                       const std::vector<std::string>& lines, std::vector<Step>& steps,
                       std::vector<LessonError>& errors) {
    Step* current = nullptr;
    bool current_bad = false;
    size_t block_start = steps.size();
    auto finish = [&] {
        if (current && !current_bad && current->caption.empty())
            errors.push_back({file, current->line, "step has no 'caption:'"});
        current = nullptr;
    };
    for (size_t i = 0; i < lines.size(); ++i) {
        const int line_no = first_line + static_cast<int>(i);
        const std::string& raw = lines[i];
        std::string text = trim(raw);
        if (text.empty() || text[0] == '#') continue;
        const bool indented = raw[0] == ' ' || raw[0] == '\t';
        auto colon = text.find(':');
        if (!indented) {
            finish();
            if (colon == std::string::npos) {
                errors.push_back({file, line_no, "expected 'ACTOR: CALL ...', got '" + text + "'"});
                continue;
            }
            Step step;
            step.file = file;
            step.line = line_no;
            step.actor = trim(text.substr(0, colon));
            step.source = trim(text.substr(colon + 1));
            steps.push_back(std::move(step));
            current = &steps.back();
            current_bad = false;
            if (!is_actor_name(current->actor)) {
                errors.push_back({file, line_no,
                                  "'" + current->actor +
                                      "' is not an actor name (letters, "
                                      "digits, '-' or '_', starting with a letter)"});
                current_bad = true;
                continue;
            }
            std::vector<std::string> words;
            std::string error;
            if (!tokenize_step_line(current->source, words, error) ||
                !(error = parse_call(words, *current)).empty()) {
                errors.push_back({file, line_no, error});
                current_bad = true;
            }
            continue;
        }
        if (!current) {
            errors.push_back({file, line_no, "indented line before any step: '" + text + "'"});
            continue;
        }
        if (colon == std::string::npos) {
            errors.push_back({file, line_no, "expected 'key: value' (caption, python, c, expect)"});
            continue;
        }
        std::string key = trim(text.substr(0, colon));
        std::string value = trim(text.substr(colon + 1));
        if (key == "caption") {
            current->caption = value;
        } else if (key == "python" || key == "c") {
            // Keep the code's own indentation after "key: " (Python needs it).
            std::string code = text.substr(colon + 1);
            if (!code.empty() && code[0] == ' ') code.erase(0, 1);
            std::string& target = key == "python" ? current->python : current->c;
            target += (target.empty() ? "" : "\n") + code;
        } else if (key == "expect") {
            std::vector<std::string> words;
            std::string error;
            if (!tokenize_step_line(value, words, error) ||
                !(error = parse_expectations(words, *current)).empty())
                errors.push_back({file, line_no, error});
        } else if (key == "packets") {
            current->packets_line = line_no;
            std::string error = parse_packet_expectations(value, *current);
            if (!error.empty()) errors.push_back({file, line_no, error});
        } else {
            errors.push_back(
                {file, line_no,
                 "unknown key '" + key + "' (use caption, python, c, expect, packets)"});
        }
    }
    finish();
    if (steps.size() == block_start)
        errors.push_back({file, first_line - 1, "the steps block is empty"});
}

}  // namespace socketlab
