#include "lesson/lesson_library.h"

#include <algorithm>
#include <filesystem>

#include "lesson/lesson_parser.h"

namespace socketlab {

const Lesson* LessonLibrary::find(const std::string& id) const {
    for (const auto& lesson : lessons)
        if (lesson.id == id) return &lesson;
    return nullptr;
}

LessonLibrary load_lesson_library(const std::string& folder) {
    namespace fs = std::filesystem;
    LessonLibrary library;
    library.folder = folder;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        library.errors.push_back({folder, 0, "no such lessons folder"});
        return library;
    }
    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (p.extension() == ".md" && p.filename() != "README.md" && it->is_regular_file(ec))
            files.push_back(p);
    }
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
        auto lesson = load_lesson_file(path.string(), library.errors);
        if (!lesson) continue;
        if (const Lesson* other = library.find(lesson->id)) {
            library.errors.push_back(
                {path.string(), 1, "id '" + lesson->id + "' is already used by " + other->file});
            continue;
        }
        library.lessons.push_back(std::move(*lesson));
    }
    std::stable_sort(library.lessons.begin(), library.lessons.end(),
                     [](const Lesson& a, const Lesson& b) {
                         return a.order != b.order ? a.order < b.order : a.id < b.id;
                     });
    return library;
}

}  // namespace socketlab
