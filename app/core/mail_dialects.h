// Two mail dialogues for the kept-open servers: enough SMTP (RFC 5321) for a client to send a
// message, enough POP3 (RFC 1939) to read a small fixed mailbox. Pure state machines: one line
// in (its CRLF removed), the reply out; the server owns the sockets and the line splitting. One
// dialogue per client. Nothing here grows with what a client sends: SMTP keeps counts, not the
// message; POP3 serves the same two messages to every session.
#pragma once

#include <array>
#include <cstddef>
#include <string>

namespace socketlab {

class SmtpDialogue {
  public:
    static constexpr size_t kMaxMessageBytes = size_t{1} << 20;  // advertised as SIZE
    static constexpr size_t kMaxRecipients = 100;
    static constexpr const char* kName = "socketlab";

    static std::string greeting();
    // The reply to one line; "" while a message is coming in (DATA) until its final ".".
    // Sets quit after QUIT: the server closes once the reply is sent.
    std::string on_line(const std::string& line, bool& quit);
    // A line longer than the server keeps has ended (it was discarded); limit is that length.
    std::string on_overlong_line(size_t limit);
    static std::string too_busy();  // the last word to an idle client closed to make room

  private:
    enum class State { Fresh, Ready, Mail, Rcpt, Data };
    std::string on_mail(const std::string& argument);
    void reset_transaction();

    State state_ = State::Fresh;
    size_t recipients_ = 0;
    size_t message_bytes_ = 0;  // as the client meant it: dot-unstuffed, CRLF line endings
    bool message_too_big_ = false;
    bool line_too_long_ = false;  // in DATA: a line was discarded, so the message is not whole
};

class Pop3Dialogue {
  public:
    static constexpr size_t kMessages = 2;

    static std::string greeting();
    std::string on_line(const std::string& line, bool& quit);
    std::string on_overlong_line(size_t limit);
    static std::string too_busy();

    // The fixed mailbox's message n (1-based), CRLF line endings, as LIST counts it.
    static const std::string& message(size_t n);

  private:
    std::string transaction(const std::string& command, const std::string& argument);
    // "n" naming a message that is there (not deleted) -> its index; npos otherwise.
    size_t message_index(const std::string& argument) const;
    size_t octets() const;  // the messages not deleted
    size_t count() const;

    bool logged_in_ = false;
    std::string user_;  // given by USER, waiting for PASS
    std::array<bool, kMessages> deleted_{};
};

}  // namespace socketlab
