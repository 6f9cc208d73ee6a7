// The step script language of lesson files (see lessons/README.md).
#pragma once

#include <string>
#include <vector>

#include "lesson/lesson.h"

namespace socketlab {

// The text without leading and trailing spaces, tabs and carriage returns.
std::string trim(const std::string& text);

// Splits a line into words; "quoted strings" stay one word (quotes kept), ';' is its own word.
// Returns false with error set on an unterminated quote.
bool tokenize_step_line(const std::string& line, std::vector<std::string>& words,
                        std::string& error);

// DATA: "text with \n escapes", hex:48656c6c6f, bytes:N. Returns false with error set.
bool parse_data(const std::string& word, std::vector<uint8_t>& out, std::string& error);

// ADDRESS: 127.0.0.1:5000, [::1]:0, @server, @server.conn, 127.0.0.1:unused.
bool parse_step_address(const std::string& word, StepAddress& out, std::string& error);

// Parses the lines of one ```steps block (first_line = the file line of lines[0]) and
// appends the steps, or errors as FILE:LINE.
void parse_steps_block(const std::string& file, int first_line,
                       const std::vector<std::string>& lines, std::vector<Step>& steps,
                       std::vector<LessonError>& errors);

}  // namespace socketlab
