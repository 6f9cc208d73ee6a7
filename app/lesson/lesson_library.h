// All the lessons of a folder, in course order, plus the errors of the files that failed.
#pragma once

#include <string>
#include <vector>

#include "lesson/lesson.h"

namespace socketlab {

struct LessonLibrary {
    std::string folder;
    std::vector<Lesson> lessons;      // sorted by order, then id
    std::vector<LessonError> errors;  // FILE:LINE problems; those files are not in lessons

    const Lesson* find(const std::string& id) const;
};

// Loads every *.md in folder except README.md. Never throws.
LessonLibrary load_lesson_library(const std::string& folder);

}  // namespace socketlab
