// What every panel of the window is: a name for the View menu, a visibility toggle, a share of
// the window's width, and draw(PanelContext&). The shell (app_shell.cpp) builds the View menu
// and lays the visible panels out side by side, in the order of the one flat list, panels.cpp.
//
// A panel draws only its content, inside a child window the shell opened for it; it asks for
// things that concern the whole window (open another lesson, save progress) through the context.
#pragma once

#include <string>

#include "lesson/lesson_library.h"
#include "ui/lesson_run.h"
#include "ui/settings.h"

namespace socketlab::ui {

struct PanelContext {
    PanelContext(LessonRun* open_run, const LessonLibrary& lessons, Progress& learner_progress,
                 Settings& user_settings)
        : run(open_run), library(lessons), progress(learner_progress), settings(user_settings) {}

    LessonRun* run = nullptr;  // the lesson on screen; null when none is open
    const LessonLibrary& library;
    Progress& progress;
    Settings& settings;
    double now = 0.0;         // glfwGetTime() seconds
    std::string next_lesson;  // the lesson after this one in course order ("" = none)
    std::string live_tab;     // open the live pane on this tab ("calls", "packets", ...), once
    // Asked for by the panels this frame; the shell acts once every panel has drawn.
    std::string open_lesson;        // open this lesson ("" = nothing)
    bool progress_changed = false;  // the learner answered a quiz: save progress
};

class Panel {
  public:
    virtual ~Panel() = default;
    virtual const char* name() const = 0;  // "Lesson list", shown in the View menu
    // The id of its layout column and child window (saved widths are keyed by it).
    virtual const char* id() const = 0;
    virtual float width_share() const = 0;            // of the window, when every panel shows
    virtual char toggle_key() const { return '\0'; }  // 'L': that key shows / hides it
    virtual void draw(PanelContext& context) = 0;

    bool visible() const { return visible_; }
    void set_visible(bool visible) { visible_ = visible; }
    bool* visible_toggle() { return &visible_; }  // for ImGui::MenuItem

  private:
    bool visible_ = true;
};

}  // namespace socketlab::ui
