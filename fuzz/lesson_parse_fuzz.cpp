// libFuzzer target for the lesson parser: the text of a lesson .md file -> Lesson. Teachers
// write these by hand, and `--lessons DIR` loads any folder, so whatever the text,
// parse_lesson must not crash, read out of bounds (ASan), hit undefined behaviour (UBSan) or
// loop forever (libFuzzer's -timeout), and a lesson it refuses must say why.
//
// Only the public parse API is called (lesson/lesson_parser.h): the validation behind it
// changes, the contract does not. Seeds: the course's own lessons (scripts/fuzz.sh passes
// lessons/ as a second, read-only corpus folder).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lesson/lesson_parser.h"

using namespace socketlab;

namespace {

void check(bool ok, const char* what, const std::string& detail = "") {
    if (ok) return;
    std::fprintf(stderr, "lesson_parser invariant broken: %s %s\n", what, detail.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<LessonError> errors;
    const std::optional<Lesson> lesson = parse_lesson("fuzz.md", text, errors);
    // "Returns nullopt (with errors) when the lesson cannot be used."
    if (!lesson) check(!errors.empty(), "a lesson refused with no error");
    for (const LessonError& e : errors) {
        check(e.file == "fuzz.md", "an error names another file", e.to_string());
        check(!e.message.empty(), "an error with no message", e.to_string());
        check(e.line >= 0, "an error on a negative line", e.to_string());
    }
    return 0;
}
