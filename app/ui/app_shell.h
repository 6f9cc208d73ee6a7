// The window: creates it, lays out the three panels, runs the frame loop, handles the keys
// and text size, and writes screenshots. Everything else lives in the panels.
#pragma once

#include <string>

namespace socketlab::ui {

struct ShellOptions {
    std::string lessons_dir;
    std::string lesson_id;        // open this lesson first ("" = the last one used)
    std::string screenshot_path;  // non-empty: run the lesson to the end, save a PNG, exit
    int width = 0;                // 0 = from settings
    int height = 0;
    float text_scale = 0.0f;   // 0 = from settings
    bool presenter = false;    // start in presenter mode (a screenshot: in the window as it is)
    std::string packets_view;  // "ladder" or "graph" ("" = from settings)
    std::string live_tab;      // the live pane's tab to open with: calls, packets, conversation
    std::string program_path;  // open this file in the "Your program" panel (and show it)
    bool run_program = false;  // with a screenshot: run it after the lesson, before the shot
    bool keep_server_open = false;  // with a screenshot: open the kept server after the lesson
    std::string ui_dump_path;       // with a screenshot: where its items landed (ui/ui_probe.h)
};

// Returns the process exit status.
int run_app(const ShellOptions& options);

}  // namespace socketlab::ui
