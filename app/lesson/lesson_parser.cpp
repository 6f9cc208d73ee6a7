#include "lesson/lesson_parser.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/address.h"
#include "lesson/lesson_reach.h"
#include "lesson/step_parser.h"

namespace socketlab {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in(text);
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

// A fence opener/closer: up to 3 spaces, then ``` or ~~~ (3 or more).
bool is_fence(const std::string& line, std::string& marker, std::string& info) {
    size_t i = 0;
    while (i < line.size() && i < 3 && line[i] == ' ') ++i;
    if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return false;
    char c = line[i];
    size_t n = 0;
    while (i + n < line.size() && line[i + n] == c) ++n;
    if (n < 3) return false;
    marker = std::string(n, c);
    info = trim(line.substr(i + n));
    return true;
}

// strerrordesc_np: glibc's thread-safe strerror (lessons load on a background thread).
std::string error_text(int err) {
    const char* text = strerrordesc_np(err);
    return text ? text : "error " + std::to_string(err);
}

bool valid_id(const std::string& id) {
    if (id.empty()) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    return true;
}

}  // namespace

void parse_quiz_block(const std::string& file, int first_line,
                      const std::vector<std::string>& lines, std::vector<QuizQuestion>& out,
                      std::vector<LessonError>& errors) {
    QuizQuestion current;
    bool open = false;
    bool has_correct = false;
    char last = 0;  // the kind of the previous line, so "? " and "> " can continue
    auto finish = [&] {
        if (!open) return;
        if (current.choices.size() < 2)
            errors.push_back({file, current.line,
                              "a question needs at least two choices ('- wrong', '+ right')"});
        else if (current.choices.size() > 6)
            errors.push_back({file, current.line, "a question may have at most six choices"});
        else if (!has_correct)
            errors.push_back(
                {file, current.line, "this question has no right answer (mark it with '+ ')"});
        else if (trim(current.explanation).empty())
            errors.push_back({file, current.line,
                              "this question has no explanation ('> why the answer is right')"});
        else
            out.push_back(current);
        current = QuizQuestion{};
        open = false;
        has_correct = false;
    };
    for (size_t k = 0; k < lines.size(); ++k) {
        const int line_no = first_line + static_cast<int>(k);
        std::string line = trim(lines[k]);
        if (line.empty()) {
            last = 0;
            continue;
        }
        char kind = line[0];
        std::string text = line.size() > 1 ? trim(line.substr(1)) : "";
        bool marker = (kind == '?' || kind == '-' || kind == '+' || kind == '>') &&
                      (line.size() == 1 || line[1] == ' ');
        if (!marker) {
            errors.push_back({file, line_no,
                              "quiz lines start with '? ' (question), '- ' (wrong choice), '+ ' "
                              "(right choice) or '> ' (explanation); got '" +
                                  line + "'"});
            continue;
        }
        if (kind == '?') {
            if (open && last == '?') {
                current.question += " " + text;
                continue;
            }
            finish();
            open = true;
            current.line = line_no;
            current.question = text;
        } else if (!open) {
            errors.push_back({file, line_no, "a choice or explanation before any '? ' question"});
        } else if (kind == '-' || kind == '+') {
            if (text.empty()) errors.push_back({file, line_no, "an empty choice"});
            if (kind == '+') {
                if (has_correct)
                    errors.push_back(
                        {file, line_no, "a second right answer: a question has exactly one '+ '"});
                has_correct = true;
                current.correct = current.choices.size();
            }
            current.choices.push_back(text);
        } else {  // '>'
            current.explanation += (current.explanation.empty() ? "" : "\n") + text;
        }
        last = kind;
    }
    finish();
}

std::optional<Lesson> parse_lesson(const std::string& file, const std::string& text,
                                   std::vector<LessonError>& errors) {
    const size_t errors_before = errors.size();
    Lesson lesson;
    lesson.file = file;
    // Some editors start UTF-8 files with a byte-order mark; it is not part of the text.
    const bool bom = text.rfind("\xEF\xBB\xBF", 0) == 0;
    std::vector<std::string> lines = split_lines(bom ? text.substr(3) : text);

    // Front matter.
    if (lines.empty() || trim(lines[0]) != "---") {
        errors.push_back({file, 1,
                          "missing front matter: the file must start with a '---' line, "
                          "then id, title and order, then '---'"});
        return std::nullopt;
    }
    size_t i = 1;
    bool closed = false;
    int order_line = 0;
    bool have_order = false;
    for (; i < lines.size(); ++i) {
        std::string line = trim(lines[i]);
        if (line == "---") {
            closed = true;
            ++i;
            break;
        }
        if (line.empty() || line[0] == '#') continue;
        auto colon = line.find(':');
        if (colon == std::string::npos) {
            errors.push_back({file, static_cast<int>(i + 1),
                              "front matter lines are 'key: value', got '" + line + "'"});
            continue;
        }
        std::string key = trim(line.substr(0, colon));
        std::string value = trim(line.substr(colon + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        if (key == "id") {
            lesson.id = value;
            if (!valid_id(value))
                errors.push_back({file, static_cast<int>(i + 1),
                                  "id '" + value + "' may use only letters, digits, '-' and '_'"});
        } else if (key == "title") {
            lesson.title = value;
        } else if (key == "summary") {
            lesson.summary = value;
        } else if (key == "order") {
            order_line = static_cast<int>(i + 1);
            try {
                size_t used = 0;
                lesson.order = std::stoi(value, &used);
                have_order = used == value.size();
            } catch (...) {
                have_order = false;
            }
            if (!have_order)
                errors.push_back({file, order_line, "order '" + value + "' is not a whole number"});
            have_order = true;  // reported once
        } else if (key == "try-server") {
            std::istringstream words(value);
            words >> lesson.try_server.kind;
            std::string host;
            if (words >> host) lesson.try_server.host = host;
            static const char* kKinds[] = {"tcp-echo",      "udp-echo", "http",
                                           "text-protocol", "smtp",     "pop3"};
            bool known = false;
            for (const char* k : kKinds) known |= lesson.try_server.kind == k;
            std::string extra;
            if (!known || (words >> extra)) {
                errors.push_back({file, static_cast<int>(i + 1),
                                  "try-server '" + value +
                                      "' should be KIND [HOST] with KIND one of tcp-echo, "
                                      "udp-echo, http, text-protocol, smtp, pop3"});
            } else if (std::string why = check_try_server_host(lesson.try_server.host);
                       !why.empty()) {
                errors.push_back({file, static_cast<int>(i + 1), "try-server: " + why});
            }
        } else if (key == "python-prelude" || key == "c-prelude") {
            // Lines the snippet check puts before each actor's snippets (names from earlier
            // lessons); repeat the key for more lines. Not shown to the learner.
            std::string& prelude = key == "c-prelude" ? lesson.c_prelude : lesson.python_prelude;
            prelude += value + "\n";
        } else if (key == "link") {
            LinkSettings settings;
            const std::string problem = value == "yes" ? "" : parse_link_settings(value, &settings);
            if (!problem.empty())
                errors.push_back({file, static_cast<int>(i + 1), "link: " + problem});
            else
                lesson.link = settings;
            lesson.capture = true;
        } else if (key == "capture") {
            lesson.capture = value == "yes" || value == "true";
            if (value != "yes" && value != "no" && value != "true" && value != "false")
                errors.push_back(
                    {file, static_cast<int>(i + 1), "capture '" + value + "' should be yes or no"});
        } else {
            errors.push_back({file, static_cast<int>(i + 1),
                              "unknown front matter key '" + key +
                                  "' (use id, title, order, summary, try-server, capture, link, "
                                  "python-prelude, c-prelude)"});
        }
    }
    if (!closed) {
        errors.push_back({file, 1, "the front matter is not closed by a '---' line"});
        return std::nullopt;
    }
    if (lesson.id.empty()) errors.push_back({file, 1, "the front matter has no 'id:'"});
    if (lesson.title.empty()) errors.push_back({file, 1, "the front matter has no 'title:'"});
    if (!have_order) errors.push_back({file, 1, "the front matter has no 'order:'"});

    // Body: prose, with ```steps blocks cut out into the script.
    LessonBlock prose;
    prose.first_line = static_cast<int>(i + 1);
    auto flush_prose = [&] {
        if (trim(prose.markdown).empty()) {
            prose.markdown.clear();
            return;
        }
        lesson.blocks.push_back(prose);
        prose.markdown.clear();
    };
    while (i < lines.size()) {
        std::string marker, info;
        if (!is_fence(lines[i], marker, info)) {
            if (prose.markdown.empty()) prose.first_line = static_cast<int>(i + 1);
            prose.markdown += lines[i] + "\n";
            ++i;
            continue;
        }
        const int fence_line = static_cast<int>(i + 1);
        // Find the closing fence (same character, at least as long, no info string).
        size_t close = i + 1;
        for (; close < lines.size(); ++close) {
            std::string m, inf;
            if (is_fence(lines[close], m, inf) && m[0] == marker[0] && m.size() >= marker.size() &&
                inf.empty())
                break;
        }
        if (info == "steps") {
            if (close >= lines.size()) {
                errors.push_back(
                    {file, fence_line, "this steps block is never closed with " + marker});
                break;
            }
            flush_prose();
            std::vector<std::string> body(lines.begin() + static_cast<long>(i) + 1,
                                          lines.begin() + static_cast<long>(close));
            LessonBlock block;
            block.kind = LessonBlock::Kind::Steps;
            block.first_step = lesson.steps.size();
            parse_steps_block(file, fence_line + 1, body, lesson.steps, errors);
            block.step_count = lesson.steps.size() - block.first_step;
            if (block.step_count > 0) lesson.blocks.push_back(block);
            i = close + 1;
        } else if (info == "quiz") {
            if (close >= lines.size()) {
                errors.push_back(
                    {file, fence_line, "this quiz block is never closed with " + marker});
                break;
            }
            flush_prose();
            std::vector<std::string> body(lines.begin() + static_cast<long>(i) + 1,
                                          lines.begin() + static_cast<long>(close));
            Quiz quiz;
            quiz.first_question = lesson.questions.size();
            quiz.before_step = lesson.steps.size();
            parse_quiz_block(file, fence_line + 1, body, lesson.questions, errors);
            quiz.question_count = lesson.questions.size() - quiz.first_question;
            const bool has_question_line =
                std::any_of(body.begin(), body.end(),
                            [](const std::string& l) { return trim(l).rfind('?', 0) == 0; });
            if (!has_question_line)
                errors.push_back({file, fence_line, "this quiz block has no questions ('? ...')"});
            LessonBlock block;
            block.kind = LessonBlock::Kind::Quiz;
            block.quiz = lesson.quizzes.size();
            lesson.quizzes.push_back(quiz);
            lesson.blocks.push_back(block);
            i = close + 1;
        } else {
            // Any other fenced block is prose (a code example); keep it whole.
            if (prose.markdown.empty()) prose.first_line = fence_line;
            size_t end = std::min(close, lines.size() - 1);
            for (size_t k = i; k <= end; ++k) prose.markdown += lines[k] + "\n";
            i = end + 1;
        }
    }
    flush_prose();

    if (lesson.steps.empty() && errors.size() == errors_before)
        errors.push_back({file, 1, "the lesson has no ```steps block: nothing to run"});
    // The lesson reaches only its own sockets (lesson_reach.h).
    for (const Step& step : lesson.steps) {
        if (std::string why = check_step_reach(step, lesson.link.has_value()); !why.empty())
            errors.push_back({step.file, step.line, why});
        lesson.needs_private_network |= binds_wildcard(step);
    }
    // A quiz with steps after it is a prediction; the last one, after every step, is not.
    for (auto& quiz : lesson.quizzes) quiz.is_prediction = quiz.before_step < lesson.steps.size();
    for (size_t q = 0; q < lesson.questions.size(); ++q)
        lesson.questions[q].id = "q" + std::to_string(q + 1);
    if (errors.size() != errors_before) return std::nullopt;
    return lesson;
}

bool Lesson::runs_programs() const {
    return std::any_of(steps.begin(), steps.end(), [](const Step& s) { return s.program; });
}

std::optional<Lesson> load_lesson_file(const std::string& path, std::vector<LessonError>& errors) {
    // Only a regular file, opened without blocking (a FIFO would hang the listing) and no
    // larger than kMaxLessonFileBytes (a hostile 10 MB file once took 278 MB to list).
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        errors.push_back({path, 0, std::string("cannot open the file: ") + error_text(errno)});
        return std::nullopt;
    }
    struct stat st {};
    std::string problem;
    if (::fstat(fd, &st) != 0)
        problem = std::string("cannot read the file: ") + error_text(errno);
    else if (!S_ISREG(st.st_mode))
        problem = "not a regular file (a lesson is a .md file)";
    else if (static_cast<uint64_t>(st.st_size) > kMaxLessonFileBytes)
        problem = "the file is " + std::to_string(st.st_size) +
                  " bytes; a lesson file may be at most " + std::to_string(kMaxLessonFileBytes) +
                  " bytes (1 MiB)";
    std::string text;
    if (problem.empty()) {
        // Read up to one byte past the bound: a file that grows while being read is refused too.
        text.resize(kMaxLessonFileBytes + 1);
        size_t got = 0;
        while (got < text.size()) {
            const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                problem = std::string("cannot read the file: ") + error_text(errno);
                break;
            }
            if (n == 0) break;
            got += static_cast<size_t>(n);
        }
        text.resize(got);
        if (problem.empty() && got > kMaxLessonFileBytes)
            problem = "the file is larger than " + std::to_string(kMaxLessonFileBytes) +
                      " bytes (1 MiB), the most a lesson file may be";
    }
    ::close(fd);
    if (!problem.empty()) {
        errors.push_back({path, 0, problem});
        return std::nullopt;
    }
    return parse_lesson(path, text, errors);
}

// Quotes of the file's words are made safe to print: a control character becomes \xNN (no
// escape sequence reaches the terminal), and a long message is cut.
std::string LessonError::to_string() const {
    constexpr size_t kMaxMessage = 300;
    std::string safe;
    for (size_t i = 0; i < message.size() && safe.size() < kMaxMessage; ++i) {
        const auto c = static_cast<unsigned char>(message[i]);
        if (c < 0x20 || c == 0x7f) {
            static const char* kHex = "0123456789abcdef";
            safe += "\\x";
            safe += kHex[c >> 4];
            safe += kHex[c & 15];
        } else {
            safe += static_cast<char>(c);
        }
    }
    if (safe.size() >= kMaxMessage) safe += "... (cut)";
    return file + ":" + std::to_string(line) + ": " + safe;
}

}  // namespace socketlab
