// [SECTION] index
// - State files as JSON: loading with recovery, saving with a backup, unknown keys kept
// - Window size
// - Settings
// - Progress
// - Quiz order
#include "ui/settings.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "paths/data_paths.h"
#include "paths/state_file.h"
#include "ui/fonts.h"

namespace socketlab::ui {
namespace {
using nlohmann::json;

// [SECTION] State files as JSON
std::string backup_path(const std::string& path) {
    return path + ".bak";
}

std::string date_text(std::time_t time) {
    std::tm local{};
    localtime_r(&time, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &local);
    return text;
}

// Invalid UTF-8 (a lesson id from a file) is replaced, not a thrown exception that loses the save.
std::string dump(const json& j, int indent = -1) {
    return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

// The JSON object content holds, or nothing with *why set.
std::optional<json> parse_object(const std::string& content, std::string* why) {
    try {
        json j = json::parse(content);
        if (j.is_object()) return j;
        *why = "it holds no JSON object";
    } catch (const json::exception&) {
        *why = "it is not valid JSON";
    }
    return std::nullopt;
}

void tell(const std::string& text, std::string* notice) {
    std::fprintf(stderr, "socketlab: %s\n", text.c_str());
    if (notice) *notice = text;
}

// what names the content in messages: "progress", "settings". A damaged file is kept aside
// (so no later save destroys it) and the backup loaded and put back in its place.
json load_state_json(const std::string& path, const std::string& what, std::string* notice) {
    if (notice) notice->clear();
    if (path.empty()) return json::object();
    const StateFileRead main = read_state_file(path);
    std::string damage;
    switch (main.status) {
        case StateFileStatus::Missing:
            return json::object();
        case StateFileStatus::Ok:
            if (auto j = parse_object(main.content, &damage)) return *j;
            break;
        case StateFileStatus::NotRegular:
            // Not ours to move or replace: the learner decides what it is.
            tell("Your " + what + " could not be loaded: " + main.message +
                     ". SocketLab starts with the defaults, and cannot save your " + what +
                     " until it is moved away.",
                 notice);
            return json::object();
        case StateFileStatus::TooBig:
        case StateFileStatus::Unreadable:
            damage = main.message;
            break;
    }
    std::string aside_error;
    const std::string aside = keep_state_file_aside(path, &aside_error);
    std::string text = "Your " + what + " file was damaged (" + damage + "); ";
    text += aside.empty() ? "it could not be kept aside (" + aside_error + "); "
                          : "it is kept as " + aside + "; ";
    const StateFileRead backup = read_state_file(backup_path(path));
    std::string backup_damage;
    std::optional<json> restored;
    if (backup.status == StateFileStatus::Ok)
        restored = parse_object(backup.content, &backup_damage);
    if (!restored) {
        tell(text + "there is no usable backup, so SocketLab starts with the defaults.", notice);
        return json::object();
    }
    text += "SocketLab loaded your " + what + " from its backup of " + date_text(backup.modified);
    // Back in place now: quitting before the next save must not leave no file at all.
    if (!aside.empty())
        if (const std::string error = write_state_file_atomically(path, backup.content);
            !error.empty())
            text += ", but could not put it back (" + error + ")";
    tell(text + ".", notice);
    return *restored;
}

// known's keys over the file's unknown ones. The backup first, then the file: whichever write a
// full disk or a crash stops, the other file is a complete copy.
std::string save_state_json(const std::string& path, const std::string& what, const json& known,
                            const std::string& unknown_keys) {
    if (path.empty()) return "";  // no home folder: nowhere to save, nothing to tell
    json j = json::object();
    if (!unknown_keys.empty()) {
        json kept = json::parse(unknown_keys, nullptr, false);
        if (kept.is_object()) j = std::move(kept);
    }
    for (const auto& [key, value] : known.items()) j[key] = value;
    const std::string bytes = dump(j, 2) + '\n';
    std::string message = "Could not save your " + what + ": ";
    std::error_code ec;
    const std::filesystem::file_status status = std::filesystem::status(path, ec);
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
        // Not ours to replace (the write refuses it, saying what it is). Checked first, so the
        // backup is left as it was too.
        message += write_state_file_atomically(path, bytes) + "; move it away to save";
    } else {
        std::string error = write_state_file_atomically(backup_path(path), bytes);
        if (error.empty()) error = write_state_file_atomically(path, bytes);
        if (error.empty()) return "";
        message += error + "; the last saved copy is kept";
    }
    std::fprintf(stderr, "socketlab: %s\n", message.c_str());
    return message;
}

// The keys of j that known does not have, as a JSON object ("" if none).
std::string unknown_keys_of(const json& j, const json& known) {
    json rest = j;
    for (const auto& [key, value] : known.items()) rest.erase(key);
    return rest.empty() ? "" : dump(rest);
}

template <typename T>
T get_or(const json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it == j.end()) return fallback;
    try {
        return it->get<T>();
    } catch (...) {
        return fallback;
    }
}

std::string in_dir(const std::string& dir, const char* name) {
    return dir.empty() ? "" : dir + "/" + name;
}

json settings_json(const Settings& s) {
    return {{"text_scale", s.text_scale},
            {"window_width", s.window_width},
            {"window_height", s.window_height},
            {"window_maximized", s.window_maximized},
            {"last_lesson", s.last_lesson},
            {"play_delay_seconds", s.play_delay_seconds},
            {"show_lesson_list", s.show_lesson_list},
            {"packets_view", s.packets_view},
            {"program_folders", s.program_folders}};
}

json progress_json(const Progress& p) {
    return {{"finished_lessons", p.finished_lessons}, {"quiz_answers", p.quiz_answers}};
}

}  // namespace

// [SECTION] Window size
WindowSize fit_window_size(WindowSize wanted, int area_width, int area_height) {
    WindowSize fitted = wanted;
    if (area_width > 0) fitted.width = std::min(wanted.width, area_width * 9 / 10);
    if (area_height > 0) fitted.height = std::min(wanted.height, area_height * 9 / 10);
    return fitted;
}

// [SECTION] Settings
std::string settings_path() {
    return in_dir(config_dir(), "settings.json");
}
std::string imgui_ini_path() {
    return in_dir(config_dir(), "imgui.ini");
}
std::string progress_path() {
    return in_dir(data_dir(), "progress.json");
}

Settings load_settings(std::string* notice) {
    Settings s;
    const json j = load_state_json(settings_path(), "settings", notice);
    s.text_scale = std::clamp(get_or(j, "text_scale", s.text_scale), kMinTextScale, kMaxTextScale);
    s.window_width = std::clamp(get_or(j, "window_width", s.window_width), 640, 10000);
    s.window_height = std::clamp(get_or(j, "window_height", s.window_height), 400, 10000);
    s.window_maximized = get_or(j, "window_maximized", s.window_maximized);
    s.last_lesson = get_or(j, "last_lesson", s.last_lesson);
    s.play_delay_seconds =
        std::clamp(get_or(j, "play_delay_seconds", s.play_delay_seconds), 0.1f, 10.0f);
    s.show_lesson_list = get_or(j, "show_lesson_list", s.show_lesson_list);
    s.packets_view = get_or(j, "packets_view", s.packets_view) == "graph" ? "graph" : "ladder";
    s.program_folders = get_or(j, "program_folders", s.program_folders);
    if (s.program_folders.size() > Settings::kMaxProgramFolders)
        s.program_folders.resize(Settings::kMaxProgramFolders);
    s.unknown_keys = unknown_keys_of(j, settings_json(Settings{}));
    return s;
}

std::string save_settings(const Settings& s) {
    return save_state_json(settings_path(), "settings", settings_json(s), s.unknown_keys);
}

// [SECTION] Progress
Progress load_progress(std::string* notice) {
    Progress p;
    const json j = load_state_json(progress_path(), "progress", notice);
    auto finished = j.find("finished_lessons");
    if (finished != j.end() && finished->is_array())
        for (const auto& id : *finished)
            if (id.is_string()) p.finished_lessons.insert(id.get<std::string>());
    auto answers = j.find("quiz_answers");
    if (answers != j.end() && answers->is_object())
        for (const auto& [lesson, picks] : answers->items()) {
            if (!picks.is_object()) continue;
            for (const auto& [question, choice] : picks.items())
                if (choice.is_number_integer() && choice.get<int>() >= 0 && choice.get<int>() < 16)
                    p.quiz_answers[lesson][question] = choice.get<int>();
        }
    p.unknown_keys = unknown_keys_of(j, progress_json(Progress{}));
    return p;
}

std::string save_progress(const Progress& p) {
    return save_state_json(progress_path(), "progress", progress_json(p), p.unknown_keys);
}

// [SECTION] Quiz order
std::string quiz_order_path() {
    return in_dir(data_dir(), "quiz-order.json");
}

uint64_t quiz_order_seed() {
    static const uint64_t seed = [] {
        const std::string path = quiz_order_path();
        const json j = load_state_json(path, "quiz order", nullptr);
        auto it = j.find("seed");
        if (it != j.end() && it->is_number_unsigned()) return it->get<uint64_t>();
        std::random_device rd;
        const uint64_t made = (static_cast<uint64_t>(rd()) << 32) ^ rd();
        if (!path.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
        }
        const json known = {{"seed", made}};
        // A failure is on stderr: the order is only reshuffled at the next start.
        (void)save_state_json(path, "quiz order", known, unknown_keys_of(j, known));
        return made;
    }();
    return seed;
}

}  // namespace socketlab::ui
