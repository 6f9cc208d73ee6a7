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

#include "core/calls/call_table.h"
#include "core/errno_text.h"
#include "lesson/program_step.h"

namespace socketlab {
namespace {

// Parses "ACTOR: CALL ARGS..." into step through the call's entry in the call table; returns an
// error message or "".
std::string parse_call(const std::vector<std::string>& words, Step& step) {
    if (words.empty()) return "missing the call after '" + step.actor + ":'";
    const CallEntry* entry = find_call(words[0]);
    if (!entry) return "unknown call '" + words[0] + "' (known: " + known_call_names() + ")";
    ParsedStepCall parsed;
    parsed.spec.op = entry->op;

    // Modifiers "on NAME" and "as NAME" may follow the arguments.
    StepCallWords call{words[0], {}};
    for (size_t i = 1; i < words.size(); ++i) {
        if ((words[i] == "on" || words[i] == "as") && i + 1 < words.size()) {
            (words[i] == "on" ? parsed.spec.socket : parsed.spec.new_name) = words[i + 1];
            ++i;
        } else if (words[i] == "on" || words[i] == "as") {
            return "'" + words[i] + "' needs a socket name after it";
        } else {
            call.args.push_back(words[i]);
        }
    }
    if (!parsed.spec.new_name.empty() && entry->op != CallOp::Socket && entry->op != CallOp::Accept)
        return "'as NAME' only names the socket made by socket or accept";
    if (std::string error = entry->parse(call, parsed); !error.empty()) return error;
    step.spec = std::move(parsed.spec);
    step.address = std::move(parsed.address);
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
            if (!parse_data_words(rest, 0, e.data, e.pattern_runs, used, error)) return error;
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
    static const std::pair<const char*, uint8_t> kFlagNames[] = {
        {"FIN", kTcpFin}, {"SYN", kTcpSyn}, {"RST", kTcpRst}, {"PSH", kTcpPsh},
        {"ACK", kTcpAck}, {"URG", kTcpUrg}, {"ECE", kTcpEce}, {"CWR", kTcpCwr}};
    for (const auto& clause : clauses) {
        std::istringstream words(clause);
        std::string flags;
        words >> flags;
        PacketExpectation p;
        p.text = clause;
        if (flags == "UDP") {
            p.udp = true;
        } else if (flags == "TCP") {
            p.any_tcp = true;
        } else {
            size_t from = 0;
            while (from <= flags.size()) {
                size_t comma = flags.find(',', from);
                std::string name =
                    flags.substr(from, comma == std::string::npos ? comma : comma - from);
                const auto* known = std::find_if(std::begin(kFlagNames), std::end(kFlagNames),
                                                 [&](const auto& f) { return name == f.first; });
                if (known == std::end(kFlagNames))
                    return "unknown TCP flag '" + name + "' in '" + clause +
                           "' (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR; or UDP)";
                p.tcp_flags = static_cast<uint8_t>(p.tcp_flags | known->second);
                if (comma == std::string::npos) break;
                from = comma + 1;
            }
        }
        std::string word;
        while (words >> word) {
            if (word == "from") {
                if (!(words >> p.from) || !is_actor_name(p.from))
                    return "'from' needs an actor name in '" + clause + "'";
            } else if (word == "dropped") {
                p.dropped = true;
            } else if (word == "retransmission") {
                p.retransmission = true;
            } else if (word == "fast") {
                p.retransmission = p.fast = true;
            } else if (word == "dup-ack") {
                p.dup_ack = true;
            } else if (word == "zero-window") {
                p.zero_window = true;
            } else if (word == "window-probe") {
                p.window_probe = true;
            } else if (word == "window-update") {
                p.window_update = true;
            } else if (word == "queue-full") {
                p.dropped = p.queue_full = true;
            } else if (word.rfind("gap>=", 0) == 0) {
                if (step.packets.empty())
                    return "'" + word + "' needs a packet before it in this step, in '" + clause +
                           "'";
                const std::string d = word.substr(5);
                const bool ms = d.size() > 2 && d.compare(d.size() - 2, 2, "ms") == 0;
                long long n = 0;
                if (!ms || !parse_int(d.substr(0, d.size() - 2), 0, 60000, n))
                    return "'" + word + "': write gap>=N ms, e.g. gap>=400ms, in '" + clause + "'";
                p.min_gap_us = n * 1000;
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
                       "' (use FLAGS [from ACTOR] [len N] [seq=REF] [ack=REF] [dropped] "
                       "[retransmission] [fast] [dup-ack] [zero-window] [window-probe] "
                       "[window-update] [queue-full] [gap>=Nms])";
            }
        }
        step.packets.push_back(p);
    }
    return "";
}

// How long a `wait` step pauses. "" or the problem.
constexpr int64_t kMaxWaitUs = 30'000'000;
std::string parse_wait(const std::string& text, int64_t& wait_us) {
    std::istringstream words(text);
    std::string word, duration, extra;
    words >> word >> duration;
    if (duration.empty() || (words >> extra))
        return "'wait' takes one duration, e.g. 'wait 2s' or 'wait 500ms'";
    if (!parse_duration(duration, 1, kMaxWaitUs, wait_us))
        return "'wait " + duration + "': write a whole number of ms or s, at most 30s";
    return "";
}

}  // namespace

bool parse_duration(const std::string& text, int64_t min_us, int64_t max_us, int64_t& out) {
    int64_t unit = 0;
    std::string number = text;
    if (text.size() > 2 && text.compare(text.size() - 2, 2, "ms") == 0) {
        unit = 1000;
        number.resize(text.size() - 2);
    } else if (text.size() > 1 && text.back() == 's') {
        unit = 1000000;
        number.resize(text.size() - 1);
    }
    long long n = 0;
    if (unit == 0 || !parse_int(number, 1, max_us / unit, n) || n * unit < min_us) return false;
    out = n * unit;
    return true;
}

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
            if (text == "wait" || text.rfind("wait ", 0) == 0) {
                // A pause: no actor, no call; the kernels' timers go on meanwhile.
                Step step;
                step.file = file;
                step.line = line_no;
                step.actor = "wait";
                step.source = text;
                std::string problem = parse_wait(text, step.wait_us);
                steps.push_back(std::move(step));
                current = &steps.back();
                current_bad = !problem.empty();
                if (current_bad) errors.push_back({file, line_no, problem});
                continue;
            }
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
            if (current->actor == "link") {
                LinkCommand command;
                const std::string problem = parse_link_command(current->source, &command);
                if (!problem.empty()) {
                    errors.push_back({file, line_no, "link: " + problem});
                    current_bad = true;
                } else {
                    current->link = command;
                }
                continue;
            }
            std::vector<std::string> words;
            std::string error;
            const bool tokenized = tokenize_step_line(current->source, words, error);
            if (tokenized && !words.empty() && words[0] == "run") {
                // A program of the lesson's folder, traced (program_step.h).
                if (!(error = parse_program_step(words, file, *current)).empty()) {
                    errors.push_back({file, line_no, error});
                    current_bad = true;
                }
                continue;
            }
            if (!tokenized || !(error = parse_call(words, *current)).empty()) {
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
        } else if (key == "expect" && current->wait_us > 0) {
            errors.push_back({file, line_no,
                              "a 'wait' step makes no call, so it has no 'expect:' (use "
                              "'packets:' for what the kernels send meanwhile)"});
        } else if (key == "expect") {
            std::vector<std::string> words;
            std::string error;
            if (!tokenize_step_line(value, words, error) ||
                !(error = current->program ? parse_program_expectations(words, *current)
                                           : parse_expectations(words, *current))
                     .empty())
                errors.push_back({file, line_no, error});
        } else if (std::string problem; parse_program_key(key, value, *current, &problem)) {
            if (!problem.empty()) errors.push_back({file, line_no, problem});
        } else if (key == "packets") {
            current->packets_line = line_no;
            std::string error = parse_packet_expectations(value, *current);
            if (!error.empty()) errors.push_back({file, line_no, error});
        } else {
            errors.push_back(
                {file, line_no,
                 "unknown key '" + key +
                     "' (use caption, python, c, expect, packets; a run step also time-limit, "
                     "unprivileged)"});
        }
    }
    finish();
    if (steps.size() == block_start)
        errors.push_back({file, first_line - 1, "the steps block is empty"});
}

}  // namespace socketlab
