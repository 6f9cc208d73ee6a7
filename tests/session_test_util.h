// Runs a few steps (the text of a ```steps block) to the end against the real kernel.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lesson/lesson_parser.h"
#include "lesson/session.h"

namespace socketlab {

struct RunResult {
    bool ok = false;
    std::vector<std::string> messages;
};

inline RunResult run_steps(const std::string& steps) {
    std::vector<LessonError> errors;
    auto lesson = parse_lesson(
        "t.md", "---\nid: t\ntitle: T\norder: 1\n---\n```steps\n" + steps + "```\n", errors);
    EXPECT_TRUE(lesson) << (errors.empty() ? "" : errors[0].to_string());
    if (!lesson) return {};
    EventLog log;
    Session session(*lesson, log);
    RunResult r;
    r.ok = session.run_to_end(std::chrono::milliseconds(5000), r.messages);
    return r;
}

}  // namespace socketlab
