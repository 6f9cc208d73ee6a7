#include "lesson/lesson_library.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lesson/lesson_parser.h"

namespace socketlab {

const Lesson* LessonLibrary::find(const std::string& id) const {
    for (const auto& lesson : lessons)
        if (lesson.id == id) return &lesson;
    return nullptr;
}

namespace {

std::string trimmed(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool same_ignoring_case(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::vector<GlossaryEntry> parse_glossary(const std::string& file, const std::string& text,
                                          std::vector<LessonError>& errors) {
    std::vector<GlossaryEntry> entries;
    std::istringstream in(text);
    std::string raw;
    int line_no = 0;
    int checked_line = 0;  // the entry finish() has already looked at
    auto finish = [&] {
        if (entries.empty() || entries.back().line == checked_line) return;
        checked_line = entries.back().line;
        if (entries.back().definition.empty())
            errors.push_back({file, entries.back().line,
                              "the term '" + entries.back().term + "' has no definition"});
    };
    while (std::getline(in, raw)) {
        ++line_no;
        const std::string line = trimmed(raw);
        if (line == "##" || line.rfind("## ", 0) == 0) {
            finish();
            GlossaryEntry entry;
            entry.term = trimmed(line.substr(2));
            entry.line = line_no;
            if (entry.term.empty()) {
                errors.push_back({file, line_no, "a '## ' heading needs the term after it"});
                continue;
            }
            for (const auto& other : entries)
                if (same_ignoring_case(other.term, entry.term))
                    errors.push_back({file, line_no,
                                      "the term '" + entry.term + "' is already defined at line " +
                                          std::to_string(other.line)});
            entry.forms.push_back(entry.term);
            entries.push_back(std::move(entry));
            continue;
        }
        if (entries.empty() || line.empty() || line[0] == '#') continue;  // introduction
        GlossaryEntry& entry = entries.back();
        if (line.rfind("Also:", 0) == 0) {
            std::istringstream forms(line.substr(5));
            std::string form;
            while (std::getline(forms, form, ','))
                if (!trimmed(form).empty()) entry.forms.push_back(trimmed(form));
            continue;
        }
        entry.definition += (entry.definition.empty() ? "" : " ") + line;
    }
    finish();
    return entries;
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
        if (p.filename() == "glossary.md") {
            std::ifstream in(p);
            std::stringstream text;
            text << in.rdbuf();
            library.glossary = parse_glossary(p.string(), text.str(), library.errors);
            continue;
        }
        if (p.extension() == ".md" && p.filename() != "README.md" && it->is_regular_file(ec))
            files.push_back(p);
    }
    set_markdown_glossary(library.glossary);
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
