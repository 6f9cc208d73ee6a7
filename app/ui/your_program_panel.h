// "Your program": the learner's own program, written here or in their own editor, run traced
// beside the lesson (Session::start_own_program), so its columns, bytes and packets sit next to
// the lesson's server. A path field with the shipped examples and recent files, an editor
// (monospace, save; it reloads when the file changes on disk), arguments, Run / Stop, the
// program's output, and a Python error's line one click away. Also: the lesson's own `run`
// steps need the learner's yes for a lesson folder other than SocketLab's own (asked here).
#pragma once

#include <sys/types.h>

#include <ctime>
#include <string>
#include <vector>

#include "ui/panel.h"

namespace socketlab::ui {

class YourProgramPanel : public Panel {
  public:
    YourProgramPanel() { set_visible(false); }  // shown with Y or the View menu
    const char* name() const override { return "Your program"; }
    const char* id() const override { return "your-program"; }
    float width_share() const override { return 0.28f; }
    char toggle_key() const override { return 'Y'; }
    void draw(PanelContext& context) override;
    // Saves the file if need be and runs it beside the lesson (the Run button). False if not.
    // @server (any lesson actor) becomes its bound address; @open the kept-open server's.
    bool run(LessonRun& run);
    void set_arguments(const std::string& words) { set_args_ = words; }
    // Opens a file in the editor (a path that does not exist yet: a new file, made on Save).
    void open(const std::string& path) { open_file(path); }

    // The Python error's line in output about `path` ("File \"PATH\", line N"), or 0.
    static int error_line(const std::string& output, const std::string& path);

  private:
    void open_file(const std::string& path);
    bool save_file();
    void reload_if_changed(double now);
    void draw_file_row(PanelContext& context);
    void draw_editor();
    void draw_run_row(PanelContext& context);
    void draw_output(PanelContext& context);

    std::string path_;             // the file in the editor
    std::vector<char> path_edit_;  // the path field's buffer
    std::vector<char> text_;       // the editor's buffer (grows as the learner types)
    std::vector<char> args_edit_;  // arguments, @server resolved when it runs
    std::string set_args_;         // set_arguments(): goes into args_edit_ when next drawn
    bool dirty_ = false;
    time_t mtime_ = 0;  // of the file when last read or written
    off_t size_ = 0;
    double checked_at_ = 0;
    std::string message_;           // "saved", "cannot open ...": one line under the file row
    bool changed_on_disk_ = false;  // while dirty: the file changed underneath
    int goto_line_ = 0;             // move the editor's cursor to this line next frame
    int cursor_line_ = 1;           // where the editor's cursor is
    int followed_line_ = 1;         // the cursor line the editor's scroll last followed
    std::vector<std::string> recent_;
    std::vector<std::string> examples_;
    bool examples_listed_ = false;
    std::vector<std::string> trusted_folders_;  // folders whose lesson programs may run
};

}  // namespace socketlab::ui
