// Per-user settings (config dir) and progress (data dir), saved as small JSON files. Saving
// never leaves a half-written file, and a damaged file is kept aside, not thrown away
// (paths/state_file.h; the recovery is described at load_progress).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

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
    // Lesson folders (real paths) whose `run` steps the learner allowed to run their programs:
    // asked once per folder (SocketLab's own lessons need no asking).
    std::vector<std::string> program_folders;
    static constexpr size_t kMaxProgramFolders = 64;
    // The file's keys this version does not know (a newer version's), as a JSON object: written
    // back as they were, so going back to an older SocketLab loses nothing.
    std::string unknown_keys;
};

struct Progress {
    std::set<std::string> finished_lessons;  // every step ran and every expectation held
    // lesson id -> question id ("q1") -> the choice the learner picked
    std::map<std::string, std::map<std::string, int>> quiz_answers;
    std::string unknown_keys;  // as in Settings
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

// Loading. A missing file gives the defaults. A damaged one (not JSON, cut short, too big,
// unreadable) is renamed to FILE.damaged-YYYYMMDD-HHMMSS and FILE.bak, the copy every save
// writes first, is loaded instead and written back as FILE. Something that is not a file (a
// directory, a FIFO) is left alone: the defaults. *notice (if given) is then set to what the
// learner should be told, naming the files; "" when all was well. Warnings go to stderr too.
Settings load_settings(std::string* notice = nullptr);
Progress load_progress(std::string* notice = nullptr);

// Saving: FILE.bak, then FILE, each written whole and flushed before it replaces the old copy.
// "" when saved; else the message for the learner ("Could not save your progress: No space
// left on device (...); the last saved copy is kept"), also printed on stderr.
[[nodiscard]] std::string save_settings(const Settings& settings);
[[nodiscard]] std::string save_progress(const Progress& progress);

// This user's seed for the order quiz choices are shown in: made at random the first time and
// kept in <data_dir>/quiz-order.json, so a reload never reshuffles. Read once per process;
// a problem with the file is told on stderr only (the worst case is a new order).
uint64_t quiz_order_seed();
std::string quiz_order_path();

}  // namespace socketlab::ui
