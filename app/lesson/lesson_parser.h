// Lesson files -> Lesson: front matter, prose blocks, steps blocks, quiz blocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lesson/lesson.h"

namespace socketlab {

// Parses a lesson from its text. Returns nullopt (with errors) when the lesson cannot be used;
// any error in the file makes it unusable, so a teacher sees every problem at once.
std::optional<Lesson> parse_lesson(const std::string& file, const std::string& text,
                                   std::vector<LessonError>& errors);

// Parses the lines of one ```quiz block (first_line = the file line of lines[0]).
void parse_quiz_block(const std::string& file, int first_line,
                      const std::vector<std::string>& lines, std::vector<QuizQuestion>& out,
                      std::vector<LessonError>& errors);

// The largest lesson file SocketLab reads (the course's biggest is about 30 KB).
constexpr uint64_t kMaxLessonFileBytes = 1024 * 1024;

// Reads a regular file of at most kMaxLessonFileBytes (no FIFO, no device) and parses it.
std::optional<Lesson> load_lesson_file(const std::string& path, std::vector<LessonError>& errors);

}  // namespace socketlab
