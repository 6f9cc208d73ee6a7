#include "ui/settings.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "paths/data_paths.h"
#include "ui/fonts.h"

namespace socketlab::ui {
namespace {

nlohmann::json read_json(const std::string& path) {
    if (path.empty()) return nlohmann::json::object();
    std::ifstream in(path);
    if (!in) return nlohmann::json::object();
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        std::fprintf(stderr, "socketlab: warning: ignoring unreadable %s\n", path.c_str());
        return nlohmann::json::object();
    }
    return j;
}

// Writes to a temporary file and renames it, so a crash never leaves half a file.
void write_json(const std::string& path, const nlohmann::json& j) {
    if (path.empty()) return;
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) return;
        out << j.dump(2) << '\n';
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
}

template <typename T>
T get_or(const nlohmann::json& j, const char* key, T fallback) {
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

}  // namespace

WindowSize fit_window_size(WindowSize wanted, int area_width, int area_height) {
    WindowSize fitted = wanted;
    if (area_width > 0) fitted.width = std::min(wanted.width, area_width * 9 / 10);
    if (area_height > 0) fitted.height = std::min(wanted.height, area_height * 9 / 10);
    return fitted;
}

std::string settings_path() {
    return in_dir(config_dir(), "settings.json");
}
std::string imgui_ini_path() {
    return in_dir(config_dir(), "imgui.ini");
}
std::string progress_path() {
    return in_dir(data_dir(), "progress.json");
}

Settings load_settings() {
    Settings s;
    nlohmann::json j = read_json(settings_path());
    s.text_scale = std::clamp(get_or(j, "text_scale", s.text_scale), kMinTextScale, kMaxTextScale);
    s.window_width = std::clamp(get_or(j, "window_width", s.window_width), 640, 10000);
    s.window_height = std::clamp(get_or(j, "window_height", s.window_height), 400, 10000);
    s.window_maximized = get_or(j, "window_maximized", s.window_maximized);
    s.last_lesson = get_or(j, "last_lesson", s.last_lesson);
    s.play_delay_seconds =
        std::clamp(get_or(j, "play_delay_seconds", s.play_delay_seconds), 0.1f, 10.0f);
    s.show_lesson_list = get_or(j, "show_lesson_list", s.show_lesson_list);
    s.packets_view = get_or(j, "packets_view", s.packets_view) == "graph" ? "graph" : "ladder";
    return s;
}

void save_settings(const Settings& s) {
    write_json(settings_path(), {{"text_scale", s.text_scale},
                                 {"window_width", s.window_width},
                                 {"window_height", s.window_height},
                                 {"window_maximized", s.window_maximized},
                                 {"last_lesson", s.last_lesson},
                                 {"play_delay_seconds", s.play_delay_seconds},
                                 {"show_lesson_list", s.show_lesson_list},
                                 {"packets_view", s.packets_view}});
}

Progress load_progress() {
    Progress p;
    nlohmann::json j = read_json(progress_path());
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
    return p;
}

std::string quiz_order_path() {
    return in_dir(data_dir(), "quiz-order.json");
}

uint64_t quiz_order_seed() {
    static const uint64_t seed = [] {
        const std::string path = quiz_order_path();
        nlohmann::json j = read_json(path);
        auto it = j.find("seed");
        if (it != j.end() && it->is_number_unsigned()) return it->get<uint64_t>();
        std::random_device rd;
        const uint64_t made = (static_cast<uint64_t>(rd()) << 32) ^ rd();
        if (!path.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
        }
        write_json(path, {{"seed", made}});
        return made;
    }();
    return seed;
}

void save_progress(const Progress& p) {
    write_json(progress_path(),
               {{"finished_lessons", p.finished_lessons}, {"quiz_answers", p.quiz_answers}});
}

}  // namespace socketlab::ui
