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

// Parses the lines of one ```steps block (first_line = the file line of lines[0]) and
// appends the steps, or errors as FILE:LINE.
void parse_steps_block(const std::string& file, int first_line,
                       const std::vector<std::string>& lines, std::vector<Step>& steps,
                       std::vector<LessonError>& errors);

}  // namespace socketlab
