// The step script language of lesson files (see lessons/README.md).
#pragma once

#include <string>
#include <vector>

#include "core/calls/call_args.h"
#include "lesson/lesson.h"

namespace socketlab {

// The text without leading and trailing spaces, tabs and carriage returns.
std::string trim(const std::string& text);

// Splits a line into words; "quoted strings" stay one word (quotes kept), ';' is its own word.
// Returns false with error set on an unterminated quote.
bool tokenize_step_line(const std::string& line, std::vector<std::string>& words,
                        std::string& error);

// "2s", "500ms": a whole number of s or ms, from min_us to max_us, into out. False if not.
bool parse_duration(const std::string& text, int64_t min_us, int64_t max_us, int64_t& out);

// Parses the lines of one ```steps block (first_line = the file line of lines[0]) and
// appends the steps, or errors as FILE:LINE.
void parse_steps_block(const std::string& file, int first_line,
                       const std::vector<std::string>& lines, std::vector<Step>& steps,
                       std::vector<LessonError>& errors);

}  // namespace socketlab
