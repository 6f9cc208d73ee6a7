// All the lessons of a folder, in course order, plus the errors of the files that failed.
#pragma once

#include <string>
#include <vector>

#include "lesson/lesson.h"
#include "lesson/markdown_doc.h"

namespace socketlab {

struct LessonLibrary {
    std::string folder;
    std::vector<Lesson> lessons;          // sorted by order, then id
    std::vector<LessonError> errors;      // FILE:LINE problems; those files are not in lessons
    std::vector<GlossaryEntry> glossary;  // from glossary.md in the folder, if there is one

    const Lesson* find(const std::string& id) const;
};

// Loads every *.md in folder except README.md and glossary.md, and the glossary, which it also
// gives to parse_markdown (set_markdown_glossary) so lesson text marks its terms. Never throws.
LessonLibrary load_lesson_library(const std::string& folder);

// glossary.md: "## term" headings, each followed by an optional "Also: form, form" line and a
// definition of one or two sentences. Text before the first heading is an introduction.
std::vector<GlossaryEntry> parse_glossary(const std::string& file, const std::string& text,
                                          std::vector<LessonError>& errors);

}  // namespace socketlab
