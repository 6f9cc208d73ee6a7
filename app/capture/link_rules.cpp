#include "capture/link_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace socketlab {
namespace {

std::vector<std::string> words_of(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    std::string w;
    while (in >> w) words.push_back(w);
    return words;
}

// "20%" -> 20. Whole text must be a number then '%'.
bool parse_percent(const std::string& word, double* out) {
    if (word.size() < 2 || word.back() != '%') return false;
    char* end = nullptr;
    const std::string number = word.substr(0, word.size() - 1);
    const double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !std::isfinite(v) || v < 0 || v > 100)
        return false;
    *out = v;
    return true;
}

// A number followed by one of the units; value * factor. Non-negative only.
bool parse_with_unit(const std::string& word,
                     const std::vector<std::pair<const char*, double>>& units, double* out) {
    char* end = nullptr;
    const double v = std::strtod(word.c_str(), &end);
    if (end == word.c_str() || !std::isfinite(v) || v < 0 || word[0] == '-' || word[0] == '+')
        return false;
    const std::string unit(end);
    for (const auto& [name, factor] : units)
        if (unit == name) {
            *out = v * factor;
            return true;
        }
    return false;
}

bool parse_count(const std::string& word, long lo, long hi, long* out) {
    char* end = nullptr;
    const long v = std::strtol(word.c_str(), &end, 10);
    if (word.empty() || *end != '\0' || word[0] == '-' || word[0] == '+' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

std::string format_duration(int64_t us) {
    if (us % 1000000 == 0 && us >= 1000000) return std::to_string(us / 1000000) + "s";
    if (us % 1000 == 0) return std::to_string(us / 1000) + "ms";
    return std::to_string(us) + "us";
}

std::string format_rate(int64_t bits) {
    if (bits % 1000000000 == 0 && bits >= 1000000000)
        return std::to_string(bits / 1000000000) + "gbit";
    if (bits % 1000000 == 0 && bits >= 1000000) return std::to_string(bits / 1000000) + "mbit";
    if (bits % 1000 == 0 && bits >= 1000) return std::to_string(bits / 1000) + "kbit";
    return std::to_string(bits) + "bit";
}

std::string format_percent(double p) {
    std::ostringstream out;
    out << p << "%";
    return out.str();
}

// One setting at words[i] (and its value at i+1) into *s; advances i. "" or the problem.
std::string parse_setting(const std::vector<std::string>& words, size_t* i, LinkSettings* s,
                          std::string* changed) {
    const std::string& key = words[*i];
    if (*i + 1 >= words.size()) return "'" + key + "' needs a value";
    const std::string& value = words[*i + 1];
    *i += 2;
    if (!changed->empty()) *changed += " ";
    *changed += key;
    if (key == "loss" || key == "duplicate") {
        double p = 0;
        if (!parse_percent(value, &p))
            return "'" + key + " " + value + "': write a percentage from 0% to 100%, e.g. 20%";
        (key == "loss" ? s->loss_percent : s->duplicate_percent) = p;
        return "";
    }
    if (key == "delay") {
        double us = 0;
        if (!parse_with_unit(value, {{"us", 1}, {"ms", 1000}, {"s", 1000000}}, &us) || us > 10e6)
            return "'delay " + value + "': write a time up to 10s with its unit, e.g. 20ms";
        s->delay_us = static_cast<int64_t>(us);
        return "";
    }
    if (key == "rate") {
        if (value == "none") {  // as fast as the relay goes (the Link strip's "no limit")
            s->rate_bits = 0;
            return "";
        }
        double bits = 0;
        if (!parse_with_unit(value, {{"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}},
                             &bits) ||
            bits < 8000 || bits > 100e9)
            return "'rate " + value +
                   "': write bits per second from 8kbit to 100gbit with a unit (bit, kbit, "
                   "mbit, gbit), e.g. 10mbit, or none";
        s->rate_bits = static_cast<int64_t>(bits);
        return "";
    }
    if (key == "queue") {
        long n = 0;
        if (!parse_count(value, 1, 100000, &n))
            return "'queue " + value + "': write a number of packets from 1 to 100000";
        s->queue_packets = static_cast<int>(n);
        return "";
    }
    if (key == "mtu") {
        long n = 0;
        if (!parse_count(value, 1280, 9000, &n))
            return "'mtu " + value +
                   "': write bytes from 1280 (the least IPv6 allows) to 9000, e.g. 1500";
        s->mtu = static_cast<int>(n);
        return "";
    }
    if (key == "seed") {
        long n = 0;
        if (!parse_count(value, 0, 2147483647L, &n))
            return "'seed " + value + "': write a whole number, e.g. 42";
        s->seed = static_cast<uint64_t>(n);
        return "";
    }
    *i -= 2;
    return "unknown link setting '" + key + "' (loss, duplicate, delay, rate, queue, mtu, seed)";
}

}  // namespace

const char* link_side_name(LinkSide side) {
    return side == LinkSide::Client ? "client" : "server";
}

std::string LinkSettings::text() const {
    std::string t;
    auto add = [&](const std::string& part) { t += (t.empty() ? "" : " ") + part; };
    if (loss_percent > 0) add("loss " + format_percent(loss_percent));
    if (duplicate_percent > 0) add("duplicate " + format_percent(duplicate_percent));
    if (delay_us > 0) add("delay " + format_duration(delay_us));
    if (rate_bits > 0)
        add("rate " + format_rate(rate_bits) + " queue " + std::to_string(queue_packets));
    add("mtu " + std::to_string(mtu));
    add("seed " + std::to_string(seed));
    return t;
}

std::string parse_link_settings(const std::string& text, LinkSettings* settings) {
    const auto words = words_of(text);
    if (words.empty()) return "'link:' needs settings, e.g. link: delay 20ms rate 10mbit";
    LinkSettings s = *settings;
    std::string changed;
    for (size_t i = 0; i < words.size();) {
        std::string problem = parse_setting(words, &i, &s, &changed);
        if (!problem.empty()) return problem;
    }
    *settings = s;
    return "";
}

std::string parse_link_command(const std::string& text, LinkCommand* command) {
    const auto words = words_of(text);
    LinkCommand c;
    c.text = text;
    if (words.empty()) return "the link step is empty (e.g. link: drop next from client)";
    const std::string& verb = words[0];
    size_t i = 1;
    auto read_from = [&]() -> std::string {
        if (i < words.size() && words[i] == "from") {
            if (i + 1 >= words.size()) return "'from' needs client or server";
            if (words[i + 1] == "client")
                c.from = LinkSide::Client;
            else if (words[i + 1] == "server")
                c.from = LinkSide::Server;
            else
                return "'from " + words[i + 1] + "': the link has two sides, client and server";
            i += 2;
        }
        return "";
    };
    if (verb == "drop" || verb == "duplicate" || verb == "reorder" || verb == "corrupt") {
        c.kind = verb == "drop"        ? LinkCommand::Kind::DropNext
                 : verb == "duplicate" ? LinkCommand::Kind::DuplicateNext
                 : verb == "reorder"   ? LinkCommand::Kind::ReorderNext
                                       : LinkCommand::Kind::CorruptNext;
        if (verb == "duplicate" && words.size() >= 2 && words[1].back() == '%') {
            // "duplicate 5%" is a setting
        } else {
            if (i >= words.size() || words[i] != "next")
                return "write '" + verb + " next [N] [from client|server]'";
            ++i;
            if (c.kind == LinkCommand::Kind::ReorderNext) c.count = 2;
            long n = 0;
            if (i < words.size() && parse_count(words[i], 1, 1000, &n)) {
                c.count = static_cast<int>(n);
                ++i;
            }
            if (c.kind == LinkCommand::Kind::ReorderNext && c.count < 2)
                return "'reorder next N' needs N of 2 or more (the next packet goes after N-1 "
                       "others)";
            if (i < words.size() && c.kind != LinkCommand::Kind::ReorderNext) {
                if (words[i] == "data")
                    c.match = LinkCommand::Match::Data, ++i;
                else if (words[i] == "ack")
                    c.match = LinkCommand::Match::PureAck, ++i;
                else if (words[i] == "syn")
                    c.match = LinkCommand::Match::Syn, ++i;
            }
            std::string problem = read_from();
            if (!problem.empty()) return problem;
            if (i < words.size())
                return "cannot read '" + words[i] + "' (write '" + verb +
                       " next [N] [data|ack|syn] [from client|server]')";
            *command = c;
            return "";
        }
    }
    if (verb == "hold") {
        c.kind = LinkCommand::Kind::Hold;
        std::string problem = read_from();
        if (!problem.empty()) return problem;
        if (i < words.size())
            return "cannot read '" + words[i] + "' (write 'hold [from client|server]')";
        *command = c;
        return "";
    }
    if (verb == "release" || verb == "clear") {
        c.kind = verb == "release" ? LinkCommand::Kind::Release : LinkCommand::Kind::Clear;
        if (words.size() > 1) return "'" + verb + "' takes nothing after it";
        *command = c;
        return "";
    }
    c.kind = LinkCommand::Kind::Set;
    static const char* const kSettings[] = {"loss",  "duplicate", "delay", "rate",
                                            "queue", "seed",      "mtu"};
    if (std::find(std::begin(kSettings), std::end(kSettings), verb) == std::end(kSettings))
        return "unknown link step '" + verb +
               "' (drop next, duplicate next, reorder next, corrupt next, hold, release, clear, "
               "loss P%, duplicate P%, delay D, rate R, queue N, seed N)";
    for (i = 0; i < words.size();) {
        if (words[i] == "mtu")
            return "the MTU is set when the link is made: put it on the lesson's front-matter "
                   "'link:' line";
        std::string problem = parse_setting(words, &i, &c.settings, &c.changed);
        if (!problem.empty())
            return problem.rfind("unknown link setting", 0) == 0 && i == 0
                       ? "unknown link step '" + verb +
                             "' (drop next, duplicate next, reorder next, corrupt next, hold, "
                             "release, clear, loss P%, duplicate P%, delay D, rate R, queue N, "
                             "seed N)"
                       : problem;
    }
    *command = c;
    return "";
}

std::string LinkCommand::describe() const {
    const std::string side = from ? std::string(" from the ") + link_side_name(*from) : "";
    const std::string what = match == Match::Data      ? "data packet"
                             : match == Match::PureAck ? "ACK"
                             : match == Match::Syn     ? "SYN"
                                                       : "packet";
    const std::string next =
        count == 1 ? "the next " + what : "the next " + std::to_string(count) + " " + what + "s";
    switch (kind) {
        case Kind::DropNext:
            return "SocketLab's link will drop " + next + side +
                   " (the link's doing, not the kernel's)";
        case Kind::DuplicateNext:
            return "SocketLab's link will deliver " + next + side + " twice";
        case Kind::ReorderNext:
            return "SocketLab's link will hold back the next packet" + side +
                   " and deliver it after the " + std::to_string(count - 1) + " that follow it";
        case Kind::CorruptNext:
            return "SocketLab's link will flip one bit in " + next + side +
                   " (the receiver's checksum will catch it)";
        case Kind::Hold:
            return "SocketLab's link now holds every packet" + side + " until 'release'";
        case Kind::Release:
            return "SocketLab's link sends what it held, in order";
        case Kind::Clear:
            return "SocketLab's link is perfect again: no loss, delay or rate limit";
        case Kind::Set:
            return "SocketLab's link now: " + text;
    }
    return text;
}

}  // namespace socketlab
