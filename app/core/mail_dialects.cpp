// [SECTION] index
//   Lines      splitting a command line, case, numbers
//   SMTP       greeting, EHLO/HELO, the MAIL-RCPT-DATA transaction, the rest
//   POP3       the fixed mailbox, logging in, the transaction commands
#include "core/mail_dialects.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <utility>

namespace socketlab {

// [SECTION] Lines
namespace {

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

// "mail FROM:<a>" -> {"MAIL", "FROM:<a>"}: commands are case-insensitive, arguments are not.
std::pair<std::string, std::string> split_command(const std::string& line) {
    const auto space = line.find(' ');
    if (space == std::string::npos) return {upper(line), ""};
    const auto rest = line.find_first_not_of(' ', space);
    return {upper(line.substr(0, space)), rest == std::string::npos ? "" : line.substr(rest)};
}

bool starts_with_ci(const std::string& text, const std::string& prefix) {
    return text.size() >= prefix.size() && upper(text.substr(0, prefix.size())) == prefix;
}

// Digits only, and small: a message number, a line count, a SIZE.
bool parse_number(const std::string& text, size_t& out) {
    if (text.empty() || text.size() > 12) return false;
    if (!std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
        return false;
    out = std::stoull(text);
    return true;
}

std::string kib(size_t bytes) {
    return std::to_string(bytes / 1024) + " KiB";
}

}  // namespace

// [SECTION] SMTP
namespace {

// "FROM:<a@b> SIZE=10" (after MAIL) -> the path and what follows it; false if malformed.
bool parse_path(const std::string& argument, const std::string& keyword, std::string& path,
                std::string& parameters) {
    if (!starts_with_ci(argument, keyword)) return false;
    const auto open = argument.find_first_not_of(' ', keyword.size());
    if (open == std::string::npos || argument[open] != '<') return false;
    const auto close = argument.find('>', open);
    if (close == std::string::npos) return false;
    path = argument.substr(open + 1, close - open - 1);
    parameters = argument.substr(close + 1);
    return true;
}

}  // namespace

std::string SmtpDialogue::greeting() {
    return std::string("220 ") + kName + " ESMTP SocketLab\r\n";
}

std::string SmtpDialogue::too_busy() {
    return std::string("421 ") + kName + " Too many connections: closing this idle one\r\n";
}

void SmtpDialogue::reset_transaction() {
    recipients_ = 0;
    message_bytes_ = 0;
    message_too_big_ = false;
    line_too_long_ = false;
}

std::string SmtpDialogue::on_overlong_line(size_t limit) {
    // Inside a message the client expects no reply until the final ".": answer there.
    if (state_ == State::Data) {
        line_too_long_ = true;
        return "";
    }
    return "500 Line too long (over " + kib(limit) + ")\r\n";
}

std::string SmtpDialogue::on_mail(const std::string& argument) {
    std::string path, parameters;
    if (!parse_path(argument, "FROM:", path, parameters))
        return "501 Syntax: MAIL FROM:<address>\r\n";
    // ESMTP parameters: the two this server advertises.
    size_t start = 0;
    while ((start = parameters.find_first_not_of(' ', start)) != std::string::npos) {
        auto end = parameters.find(' ', start);
        if (end == std::string::npos) end = parameters.size();
        const std::string parameter = upper(parameters.substr(start, end - start));
        start = end;
        size_t size = 0;
        if (parameter.rfind("SIZE=", 0) == 0 && parse_number(parameter.substr(5), size)) {
            if (size > kMaxMessageBytes)
                return "552 Message size exceeds fixed maximum message size (" +
                       std::to_string(kMaxMessageBytes) + " bytes)\r\n";
        } else if (parameter != "BODY=7BIT" && parameter != "BODY=8BITMIME") {
            return "555 MAIL FROM parameter not recognized: " + parameter + "\r\n";
        }
    }
    state_ = State::Mail;
    return "250 OK: sender <" + path + ">\r\n";
}

std::string SmtpDialogue::on_line(const std::string& line, bool& quit) {
    if (state_ == State::Data) {
        if (line != ".") {
            // Dot-unstuffing: the client doubled a leading "." so that it cannot end the message.
            const size_t size = line.size() - (line.rfind('.', 0) == 0 ? 1 : 0) + 2;
            if (message_bytes_ + size > kMaxMessageBytes)
                message_too_big_ = true;
            else
                message_bytes_ += size;
            return "";
        }
        std::string reply =
            line_too_long_ ? "500 Line too long in the message; not accepted\r\n"
            : message_too_big_
                ? "552 Message too big (over " + std::to_string(kMaxMessageBytes) +
                      " bytes); not accepted\r\n"
                : "250 OK: message accepted (" + std::to_string(message_bytes_) + " bytes)\r\n";
        reset_transaction();
        state_ = State::Ready;
        return reply;
    }
    const auto [command, argument] = split_command(line);
    if (command == "EHLO" || command == "HELO") {
        if (argument.empty()) return "501 Syntax: " + command + " hostname\r\n";
        reset_transaction();
        state_ = State::Ready;
        if (command == "HELO") return std::string("250 ") + kName + " Hello " + argument + "\r\n";
        // Only extensions that need nothing more than what is here: no STARTTLS, no AUTH.
        return std::string("250-") + kName + " Hello " + argument +
               "\r\n250-8BITMIME\r\n250 SIZE " + std::to_string(kMaxMessageBytes) + "\r\n";
    }
    if (command == "MAIL") {
        if (state_ == State::Fresh) return "503 Bad sequence of commands: EHLO or HELO first\r\n";
        if (state_ != State::Ready)
            return "503 Bad sequence of commands: a message is already started (RSET)\r\n";
        return on_mail(argument);
    }
    if (command == "RCPT") {
        if (state_ != State::Mail && state_ != State::Rcpt)
            return "503 Bad sequence of commands: MAIL FROM first\r\n";
        std::string path, parameters;
        if (!parse_path(argument, "TO:", path, parameters) || path.empty())
            return "501 Syntax: RCPT TO:<address>\r\n";
        if (recipients_ >= kMaxRecipients)
            return "452 Too many recipients (at most " + std::to_string(kMaxRecipients) + ")\r\n";
        ++recipients_;
        state_ = State::Rcpt;
        return "250 OK: recipient <" + path + ">\r\n";
    }
    if (command == "DATA") {
        if (state_ == State::Mail) return "503 Bad sequence of commands: RCPT TO first\r\n";
        if (state_ != State::Rcpt) return "503 Bad sequence of commands: MAIL FROM first\r\n";
        state_ = State::Data;
        return "354 End data with <CR><LF>.<CR><LF>\r\n";
    }
    if (command == "RSET") {
        reset_transaction();
        if (state_ != State::Fresh) state_ = State::Ready;
        return "250 OK\r\n";
    }
    if (command == "NOOP") return "250 OK\r\n";
    if (command == "VRFY") return "252 Cannot VRFY user, but will accept message\r\n";
    if (command == "HELP") return "214 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY QUIT\r\n";
    if (command == "QUIT") {
        quit = true;
        return std::string("221 ") + kName + " closing connection\r\n";
    }
    if (command == "STARTTLS" || command == "AUTH" || command == "EXPN" || command == "BDAT" ||
        command == "ETRN" || command == "TURN")
        return "502 Command not implemented: " + command + "\r\n";
    if (command.empty()) return "500 Syntax error: empty line\r\n";
    return "500 Command unrecognized: " + command + "\r\n";
}

// [SECTION] POP3
namespace {

struct Stored {
    const char* uid;
    std::string text;
};

// Proper headers, CRLF line endings; the second has lines that start with "." to show
// byte-stuffing on the wire.
const std::array<Stored, Pop3Dialogue::kMessages>& mailbox() {
    static const std::array<Stored, Pop3Dialogue::kMessages> messages = {{
        {"socketlab-welcome",
         "From: SocketLab <teacher@socketlab.example>\r\n"
         "To: learner@socketlab.example\r\n"
         "Subject: Welcome to POP3\r\n"
         "Date: Mon, 01 Jan 2024 09:00:00 +0000\r\n"
         "Message-ID: <welcome@socketlab.example>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n"
         "\r\n"
         "Hello! You fetched this message with RETR 1.\r\n"
         "Every line ends in CRLF, and a line holding only a dot ends the reply.\r\n"},
        {"socketlab-dots",
         "From: SocketLab <teacher@socketlab.example>\r\n"
         "To: learner@socketlab.example\r\n"
         "Subject: Byte-stuffing\r\n"
         "Date: Mon, 01 Jan 2024 09:05:00 +0000\r\n"
         "Message-ID: <dots@socketlab.example>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n"
         "\r\n"
         "The next two lines start with a dot, so the server sent each with one more:\r\n"
         ".like this one\r\n"
         ".\r\n"
         "Your client took the extra dots off again.\r\n"},
    }};
    return messages;
}

// The reply lines of a multi-line answer: each line of text, a leading "." doubled, then ".".
std::string stuffed(const std::string& text, size_t end) {
    std::string out;
    size_t start = 0;
    while (start < end) {
        auto line_end = text.find("\r\n", start);
        if (line_end == std::string::npos || line_end > end) line_end = end;
        if (text[start] == '.') out += '.';
        out.append(text, start, line_end - start);
        out += "\r\n";
        start = line_end + 2;
    }
    return out + ".\r\n";
}

}  // namespace

const std::string& Pop3Dialogue::message(size_t n) {
    return mailbox().at(n - 1).text;
}

std::string Pop3Dialogue::greeting() {
    return "+OK SocketLab POP3 ready (a teaching server: any user name and password log in)\r\n";
}

std::string Pop3Dialogue::too_busy() {
    return "-ERR Too many connections: closing this idle one\r\n";
}

std::string Pop3Dialogue::on_overlong_line(size_t limit) {
    return "-ERR Line too long (over " + kib(limit) + ")\r\n";
}

size_t Pop3Dialogue::count() const {
    return static_cast<size_t>(std::count(deleted_.begin(), deleted_.end(), false));
}

size_t Pop3Dialogue::octets() const {
    size_t total = 0;
    for (size_t i = 0; i < kMessages; ++i)
        if (!deleted_[i]) total += mailbox()[i].text.size();
    return total;
}

size_t Pop3Dialogue::message_index(const std::string& argument) const {
    size_t n = 0;
    if (!parse_number(argument, n) || n < 1 || n > kMessages || deleted_[n - 1])
        return std::string::npos;
    return n - 1;
}

std::string Pop3Dialogue::on_line(const std::string& line, bool& quit) {
    const auto [command, argument] = split_command(line);
    if (command == "QUIT") {
        quit = true;
        if (!logged_in_) return "+OK SocketLab POP3 bye\r\n";
        const size_t deleted = kMessages - count();
        return "+OK SocketLab POP3 bye (" + std::to_string(deleted) +
               " deleted; this teaching mailbox is whole again next session)\r\n";
    }
    if (command == "CAPA") return "+OK Capability list follows\r\nUSER\r\nTOP\r\nUIDL\r\n.\r\n";
    if (command == "USER" || command == "PASS") {
        if (logged_in_) return "-ERR Already logged in\r\n";
        if (command == "USER") {
            if (argument.empty()) return "-ERR Syntax: USER name\r\n";
            user_ = argument;
            return "+OK Hello " + user_ + ", now PASS (any password will do)\r\n";
        }
        if (user_.empty()) return "-ERR USER name first\r\n";
        logged_in_ = true;
        return "+OK Logged in as " + user_ + ": " + std::to_string(count()) + " messages (" +
               std::to_string(octets()) + " octets)\r\n";
    }
    static const char* kTransaction[] = {"STAT", "LIST", "RETR", "DELE",
                                         "NOOP", "RSET", "TOP",  "UIDL"};
    const bool known = std::find(std::begin(kTransaction), std::end(kTransaction), command) !=
                       std::end(kTransaction);
    if (command.empty()) return "-ERR Empty line\r\n";
    if (!known) return "-ERR Unknown command " + command + "\r\n";
    if (!logged_in_) return "-ERR Log in first: USER name, then PASS anything\r\n";
    return transaction(command, argument);
}

std::string Pop3Dialogue::transaction(const std::string& command, const std::string& argument) {
    constexpr const char* kNoSuch = "-ERR No such message\r\n";
    if (command == "STAT")
        return "+OK " + std::to_string(count()) + " " + std::to_string(octets()) + "\r\n";
    if (command == "NOOP") return "+OK\r\n";
    if (command == "RSET") {
        deleted_.fill(false);
        return "+OK " + std::to_string(count()) + " messages (" + std::to_string(octets()) +
               " octets)\r\n";
    }
    if (command == "LIST" || command == "UIDL") {
        auto entry = [&](size_t i) {
            return std::to_string(i + 1) + " " +
                   (command == "LIST" ? std::to_string(mailbox()[i].text.size())
                                      : std::string(mailbox()[i].uid));
        };
        if (!argument.empty()) {
            const size_t i = message_index(argument);
            return i == std::string::npos ? kNoSuch : "+OK " + entry(i) + "\r\n";
        }
        std::string reply = command == "LIST" ? "+OK " + std::to_string(count()) + " messages (" +
                                                    std::to_string(octets()) + " octets)\r\n"
                                              : "+OK\r\n";
        for (size_t i = 0; i < kMessages; ++i)
            if (!deleted_[i]) reply += entry(i) + "\r\n";
        return reply + ".\r\n";
    }
    if (command == "RETR" || command == "DELE") {
        const size_t i = message_index(argument);
        if (i == std::string::npos) return kNoSuch;
        const std::string& text = mailbox()[i].text;
        if (command == "DELE") {
            deleted_[i] = true;
            return "+OK Message " + argument + " deleted\r\n";
        }
        return "+OK " + std::to_string(text.size()) + " octets\r\n" + stuffed(text, text.size());
    }
    // TOP n k: the head, the blank line, and the first k lines of the body.
    const auto space = argument.find(' ');
    size_t lines = 0;
    if (space == std::string::npos || !parse_number(argument.substr(space + 1), lines))
        return "-ERR Syntax: TOP message lines\r\n";
    const size_t i = message_index(argument.substr(0, space));
    if (i == std::string::npos) return kNoSuch;
    const std::string& text = mailbox()[i].text;
    size_t end = text.find("\r\n\r\n") + 4;
    for (; lines > 0 && end < text.size(); --lines) end = text.find("\r\n", end) + 2;
    return "+OK Top of message follows\r\n" + stuffed(text, end);
}

}  // namespace socketlab
