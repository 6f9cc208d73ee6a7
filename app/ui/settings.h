// Per-user settings (config dir) and progress (data dir), saved as small JSON files.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace socketlab::ui {

struct Settings {
    float text_scale = 1.0f;
    int window_width = 1400;
    int window_height = 860;
    bool window_maximized = false;
    std::string last_lesson;
    float play_delay_seconds = 1.0f;
    bool show_lesson_list = true;  // a teacher hides it (L) to give the lesson more room
    // The Packets tab's upper view: the ladder, or the time-sequence graph ("graph").
    std::string packets_view = "ladder";
};

struct Progress {
    std::set<std::string> finished_lessons;  // every step ran and every expectation held
    // lesson id -> question id ("q1") -> the choice the learner picked
    std::map<std::string, std::map<std::string, int>> quiz_answers;
};

// The window size to open with: the wanted (saved) size, no larger than 90% of the monitor's
// work area (the screen less its panels), so a 1366x768 laptop gets a window that fits.
// area_width/height <= 0: unknown, the wanted size as it is.
struct WindowSize {
    int width = 0;
    int height = 0;
};
WindowSize fit_window_size(WindowSize wanted, int area_width, int area_height);

// Paths: <config_dir>/settings.json, <config_dir>/imgui.ini, <data_dir>/progress.json.
std::string settings_path();
std::string imgui_ini_path();
std::string progress_path();

// Missing or unreadable files give the defaults (and a warning on stderr when unreadable).
Settings load_settings();
void save_settings(const Settings& settings);
Progress load_progress();
void save_progress(const Progress& progress);

// This user's seed for the order quiz choices are shown in: made at random the first time and
// kept in <data_dir>/quiz-order.json, so a reload never reshuffles. Read once per process.
uint64_t quiz_order_seed();
std::string quiz_order_path();

}  // namespace socketlab::ui
