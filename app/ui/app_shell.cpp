// [SECTION] index
// - Shell state
// - Notices about the learner's files
// - Text size
// - Keys and menu (the View menu is built from the panel list)
// - Layout of the panels
// - run_app: window, loader, context, backends, loop, cleanup (in reverse)
#include "ui/app_shell.h"

#include <glad/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "lesson/lesson_library.h"
#include "paths/data_paths.h"
#include "ui/background_jobs.h"
#include "ui/fonts.h"
#include "ui/lesson_run.h"
#include "ui/live_pane_panel.h"
#include "ui/panels.h"
#include "ui/presenter_panel.h"
#include "ui/quit_signals.h"
#include "ui/screenshot.h"
#include "ui/settings.h"
#include "ui/step_keys.h"
#include "ui/theme.h"
#include "ui/ui_probe.h"
#include "ui/window_icon.h"
#include "ui/your_program_panel.h"

namespace socketlab::ui {
namespace {

// [SECTION] Shell state
struct Shell {
    ShellOptions options;
    Settings settings;
    Progress progress;
    // What the learner must be told about their files, atop the window until dismissed: a
    // damaged file recovered at start-up, a save that failed (its reason, until one succeeds).
    std::vector<std::string> file_notices;
    std::string progress_save_error;
    std::string settings_save_error;
    bool confirm_reset_progress = false;
    // Lesson folders whose `run` steps may run their programs: SocketLab's own, and those the
    // learner allowed in this session (a lesson file may come from the internet).
    std::map<std::string, bool> program_folders;
    LessonLibrary library;
    // Opening, resetting and closing lessons happen here, never on the UI thread.
    std::unique_ptr<BackgroundJobs> jobs;
    std::unique_ptr<LessonRun> run;
    std::vector<std::unique_ptr<Panel>> panels = make_panels();
    // Presenter mode (F5): this panel alone, full screen; it draws the live pane below its
    // header. windowed_* is where the window was before, for Esc.
    std::unique_ptr<PresenterPanel> presenter;
    bool presenting = false;
    bool pending_presenting = false;  // F5 / Esc / the menu ask; applied between frames
    int windowed_x = 0, windowed_y = 0, windowed_width = 0, windowed_height = 0;
    float pending_text_scale = 0.0f;  // applied between frames
    bool show_keys = false;
    std::vector<std::pair<int, int>> pressed_keys;  // (GLFW key, mods) since the last frame
    bool saving = true;                             // screenshots leave the user's settings alone
    std::string ini_path;
    GLFWwindow* window = nullptr;

    Panel* panel(const char* id) {
        for (auto& p : panels)
            if (std::string(p->id()) == id) return p.get();
        return nullptr;
    }

    // Runs of other lessons the learner left midway, newest last: going back to one goes on
    // where it was. A few only (each holds its sockets, threads and perhaps a network helper).
    std::vector<std::unique_ptr<LessonRun>> kept_runs;
    static constexpr size_t kKeptRuns = 3;
    std::string pending_lesson;  // picked in the menu; opened between frames

    void open_lesson(const std::string& id) {
        const Lesson* lesson = library.find(id);
        if (!lesson && !library.lessons.empty()) lesson = &library.lessons.front();
        if (run && lesson && run->lesson().id == lesson->id) return;
        // The run being left is kept when something has happened in it; the oldest kept one
        // closes (on the jobs' thread, before anything new opens there).
        if (run && run->session() && run->session()->next_step() > 0) {
            kept_runs.push_back(std::move(run));
            if (kept_runs.size() > kKeptRuns) kept_runs.erase(kept_runs.begin());
        }
        run.reset();
        if (!lesson) return;
        for (auto it = kept_runs.begin(); it != kept_runs.end(); ++it) {
            if ((*it)->lesson().id != lesson->id) continue;
            run = std::move(*it);
            kept_runs.erase(it);
            break;
        }
        if (!run) {
            run = std::make_unique<LessonRun>(*lesson, *jobs);
            // A worker's event wakes the frame loop, which otherwise sleeps while nothing
            // happens.
            run->set_on_event([] { glfwPostEmptyEvent(); });
        }
        settings.last_lesson = lesson->id;
        if (window) glfwSetWindowTitle(window, ("SocketLab \xE2\x80\x94 " + lesson->title).c_str());
    }

    // The lesson after the open one in course order, or "".
    std::string next_lesson_id() const {
        if (!run) return "";
        for (size_t i = 0; i + 1 < library.lessons.size(); ++i)
            if (library.lessons[i].id == run->lesson().id) return library.lessons[i + 1].id;
        return "";
    }

    void reload_lessons() {
        std::string current = run ? run->lesson().id : settings.last_lesson;
        // The files may have changed: every run starts over from them.
        kept_runs.clear();
        run.reset();
        library = load_lesson_library(options.lessons_dir);
        open_lesson(current);
    }

    void save_progress_now() {
        if (saving) progress_save_error = save_progress(progress);
    }
    void save_settings_now() {
        if (saving) settings_save_error = save_settings(settings);
    }

    void mark_finished_if_done() {
        const Session* session = run ? run->session() : nullptr;
        if (!session || !session->finished() || session->failures() > 0) return;
        if (progress.finished_lessons.insert(run->lesson().id).second) save_progress_now();
    }
};

// [SECTION] Notices about the learner's files
// In the error colour beside a button that dismisses it; true when dismissed.
bool draw_notice(const std::string& text, const void* id) {
    ImGui::PushID(id);
    const bool dismissed = ImGui::SmallButton("Dismiss");
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, theme::error());
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopStyleColor();
    ImGui::PopID();
    return dismissed;
}

// The folder's real path: what the learner's yes is remembered by.
std::string real_folder(const std::string& folder) {
    std::error_code ec;
    const auto real = std::filesystem::canonical(folder, ec);
    return ec ? folder : real.string();
}

bool lesson_programs_allowed(Shell& shell) {
    auto [it, fresh] = shell.program_folders.try_emplace(shell.library.folder, false);
    if (fresh) {
        const auto& allowed = shell.settings.program_folders;
        it->second = is_shipped_lessons_dir(shell.library.folder) ||
                     std::find(allowed.begin(), allowed.end(), real_folder(shell.library.folder)) !=
                         allowed.end();
    }
    return it->second;
}

// Before the lesson's steps move this frame: may its `run` steps run their programs?
void allow_lesson_programs(Shell& shell) {
    Session* session = shell.run ? shell.run->session() : nullptr;
    if (!session || !shell.run->lesson().runs_programs()) return;
    session->set_programs_allowed(lesson_programs_allowed(shell),
                                  "programs from " + shell.library.folder +
                                      " are not allowed yet: answer the question at the top "
                                      "of the window, then Reset");
}

// A lesson from another folder than SocketLab's own asks once before its programs run.
void draw_program_question(Shell& shell) {
    if (!shell.run || !shell.run->lesson().runs_programs() || lesson_programs_allowed(shell))
        return;
    ImGui::PushStyleColor(ImGuiCol_Text, theme::error());
    ImGui::TextWrapped(
        "This lesson runs programs from %s. They run with your rights: read them "
        "before you allow them.",
        shell.library.folder.c_str());
    ImGui::PopStyleColor();
    if (ImGui::SmallButton("Allow programs from this folder")) {
        shell.program_folders[shell.library.folder] = true;
        auto& allowed = shell.settings.program_folders;
        allowed.insert(allowed.begin(), real_folder(shell.library.folder));
        if (allowed.size() > Settings::kMaxProgramFolders)
            allowed.resize(Settings::kMaxProgramFolders);
        shell.save_settings_now();
    }
}

void draw_file_notices(Shell& shell) {
    for (std::string* error : {&shell.progress_save_error, &shell.settings_save_error})
        if (!error->empty() && draw_notice(*error, error)) error->clear();
    for (auto it = shell.file_notices.begin(); it != shell.file_notices.end();)
        it = draw_notice(*it, &*it) ? shell.file_notices.erase(it) : it + 1;
}

// [SECTION] Text size
constexpr float kTextScales[] = {0.75f, 0.875f, 1.0f, 1.25f, 1.5f, 1.75f,
                                 2.0f,  2.5f,   3.0f, 3.5f,  4.0f};

float next_text_scale(float current, int direction) {
    if (direction > 0) {
        for (float s : kTextScales)
            if (s > current + 0.01f) return s;
        return kMaxTextScale;
    }
    for (auto it = std::rbegin(kTextScales); it != std::rend(kTextScales); ++it)
        if (*it < current - 0.01f) return *it;
    return kMinTextScale;
}

void apply_text_scale(Shell& shell, float scale) {
    scale = std::clamp(scale, kMinTextScale, kMaxTextScale);
    rebuild_fonts(scale);
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
    theme::apply_style(scale);
    shell.settings.text_scale = scale;
}

// [SECTION] Keys and menu
// Key presses are queued by a GLFW callback rather than polled with ImGui::IsKeyPressed: ImGui
// 1.86 loses a press and release that arrive within one frame, and this loop may sleep
// through both.
void on_key(GLFWwindow* window, int key, int /*scancode*/, int action, int mods) {
    auto* shell = static_cast<Shell*>(glfwGetWindowUserPointer(window));
    if (shell && (action == GLFW_PRESS || action == GLFW_REPEAT))
        shell->pressed_keys.emplace_back(key, mods);
}

void handle_keys(Shell& shell) {
    const ImGuiIO& io = ImGui::GetIO();
    std::vector<std::pair<int, int>> keys;
    keys.swap(shell.pressed_keys);
    // Typing in a text field: its keys are the field's until Esc or a click elsewhere leaves
    // it. Esc is done here too: ImGui 1.86 misses a press and release within one frame (the
    // loop sleeps through both), and the field would keep the keys.
    bool typing = io.WantTextInput;
    for (auto [key, mods] : keys) {
        if (key == GLFW_KEY_ESCAPE && typing && ImGui::GetActiveID() != 0) {
            ImGui::ClearActiveID();
            typing = false;
            continue;
        }
        if (key == GLFW_KEY_F5 && mods == 0) {
            shell.pending_presenting = !shell.presenting;
            continue;
        }
        if (key == GLFW_KEY_ESCAPE && shell.presenting) {
            shell.pending_presenting = false;
            continue;
        }
        if (mods & GLFW_MOD_CONTROL) {
            if (key == GLFW_KEY_EQUAL || key == GLFW_KEY_KP_ADD)
                shell.pending_text_scale = next_text_scale(shell.settings.text_scale, +1);
            if (key == GLFW_KEY_MINUS || key == GLFW_KEY_KP_SUBTRACT)
                shell.pending_text_scale = next_text_scale(shell.settings.text_scale, -1);
            if (key == GLFW_KEY_0 || key == GLFW_KEY_KP_0) shell.pending_text_scale = 1.0f;
            continue;
        }
        if (typing || mods != 0) continue;  // typing in a text field
        for (auto& panel : shell.panels)    // GLFW's letter keys are their capital letters
            if (panel->toggle_key() && key == panel->toggle_key())
                panel->set_visible(!panel->visible());
        if (!shell.run) continue;
        // A clicker sends PageDown / PageUp; a keyboard has Space / Backspace and the arrows.
        const StepKey step_key =
            key == GLFW_KEY_SPACE || key == GLFW_KEY_RIGHT || key == GLFW_KEY_PAGE_DOWN
                ? StepKey::Forward
            : key == GLFW_KEY_BACKSPACE || key == GLFW_KEY_LEFT || key == GLFW_KEY_PAGE_UP
                ? StepKey::Back
            : key == GLFW_KEY_R ? StepKey::Reset
                                : StepKey::Other;
        const Session* session = shell.run->session();
        const std::string following = shell.next_lesson_id();
        switch (step_key_action(step_key, shell.presenting, session && session->finished(),
                                !following.empty())) {
            case StepKeyAction::Step:
                shell.run->step();
                break;
            case StepKeyAction::StepBack:
                shell.run->step_back();
                break;
            case StepKeyAction::Reset:
                shell.run->reset();
                break;
            case StepKeyAction::NextLesson:
                shell.open_lesson(following);
                break;
            case StepKeyAction::None:
                break;
        }
    }
}

void draw_menu(Shell& shell, GLFWwindow* window) {
    if (!ImGui::BeginMenuBar()) return;
    if (ImGui::BeginMenu("Lessons")) {
        // Every lesson, in course order: the way in when the lesson list is hidden or folded.
        if (ImGui::BeginMenu("Go to lesson")) {
            int number = 1;
            const std::string current = shell.run ? shell.run->lesson().id : std::string();
            for (const auto& lesson : shell.library.lessons) {
                const std::string label = std::to_string(number++) + ". " + lesson.title;
                if (ImGui::MenuItem(label.c_str(), nullptr, lesson.id == current))
                    shell.pending_lesson = lesson.id;
            }
            ImGui::EndMenu();
        }
        ImGui::Separator();
        if (ImGui::MenuItem("Reload lesson files")) shell.reload_lessons();
        if (ImGui::MenuItem("Reset progress...")) shell.confirm_reset_progress = true;
        ImGui::Separator();
        if (ImGui::MenuItem("Quit")) glfwSetWindowShouldClose(window, GLFW_TRUE);
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
        if (ImGui::MenuItem("Larger text", "Ctrl +"))
            shell.pending_text_scale = next_text_scale(shell.settings.text_scale, +1);
        if (ImGui::MenuItem("Smaller text", "Ctrl -"))
            shell.pending_text_scale = next_text_scale(shell.settings.text_scale, -1);
        if (ImGui::MenuItem("Normal text size", "Ctrl 0")) shell.pending_text_scale = 1.0f;
        ImGui::Separator();
        if (ImGui::MenuItem("Presenter mode", "F5", shell.presenting))
            shell.pending_presenting = !shell.presenting;
        ImGui::Separator();
        for (auto& panel : shell.panels) {
            const char key[2] = {panel->toggle_key(), '\0'};
            ImGui::MenuItem(panel->name(), key[0] ? key : nullptr, panel->visible_toggle());
        }
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
        ImGui::MenuItem("Keys", nullptr, &shell.show_keys);
        ImGui::EndMenu();
    }
    ImGui::SameLine(ImGui::GetWindowWidth() - ImGui::CalcTextSize("text size 4.00x").x -
                    ImGui::GetStyle().ItemSpacing.x * 2);
    ImGui::TextDisabled("text size %.2gx", shell.settings.text_scale);
    ImGui::EndMenuBar();
    // Progress is the learner's work: ask before throwing it away.
    if (shell.confirm_reset_progress) {
        ImGui::OpenPopup("Reset progress?");
        shell.confirm_reset_progress = false;
    }
    if (ImGui::BeginPopupModal("Reset progress?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::TextUnformatted("Forget which lessons you finished and every quiz answer?");
        if (ImGui::Button("Reset progress")) {
            shell.progress.finished_lessons.clear();
            shell.progress.quiz_answers.clear();
            shell.save_progress_now();
            ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
            ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
    }
}

void draw_keys_window(Shell& shell) {
    if (!shell.show_keys) return;
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 26, 0), ImGuiCond_Appearing);
    if (ImGui::Begin("Keys", &shell.show_keys, ImGuiWindowFlags_NoCollapse)) {
        const char* rows[][2] = {{"Space, \xE2\x86\x92 or PageDown", "next step"},
                                 {"Backspace, \xE2\x86\x90 or PageUp", "one step back (replayed)"},
                                 {"F5", "presenter mode (Esc leaves)"},
                                 {"R", "reset the lesson"},
                                 {"L", "show / hide the lesson list"},
                                 {"Ctrl +  /  Ctrl -", "larger / smaller text"},
                                 {"Ctrl 0", "normal text size"}};
        if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
            for (auto& row : rows) {
                ImGui::TableNextColumn();
                ImGui::PushFont(fonts().bold);
                ImGui::TextUnformatted(row[0]);
                ImGui::PopFont();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(row[1]);
            }
            ImGui::EndTable();
        }
    }
    ImGui::End();
}

// [SECTION] Layout of the panels
// What the panels asked for this frame, once all have drawn.
void finish_frame(Shell& shell, const PanelContext& context) {
    if (context.progress_changed) shell.save_progress_now();
    if (!shell.pending_lesson.empty()) {
        shell.open_lesson(shell.pending_lesson);
        shell.pending_lesson.clear();
    }
    if (!context.open_lesson.empty() &&
        (!shell.run || context.open_lesson != shell.run->lesson().id))
        shell.open_lesson(context.open_lesson);
}

// Presenter mode on or off, between frames: full screen on the window's monitor at its video
// mode, and back to where the window was.
void set_presenting(Shell& shell, bool on) {
    if (on == shell.presenting) return;
    GLFWwindow* window = shell.window;
    if (on) {
        GLFWmonitor* monitor = glfwGetPrimaryMonitor();
        const GLFWvidmode* mode = monitor ? glfwGetVideoMode(monitor) : nullptr;
        if (!mode) {
            shell.pending_presenting = false;
            return;
        }
        glfwGetWindowPos(window, &shell.windowed_x, &shell.windowed_y);
        glfwGetWindowSize(window, &shell.windowed_width, &shell.windowed_height);
        glfwSetWindowMonitor(window, monitor, 0, 0, mode->width, mode->height, mode->refreshRate);
    } else {
        glfwSetWindowMonitor(window, nullptr, shell.windowed_x, shell.windowed_y,
                             shell.windowed_width, shell.windowed_height, GLFW_DONT_CARE);
    }
    shell.presenting = on;
}

// The visible panels side by side, in the order of the list (panels.cpp).
void draw_frame(Shell& shell, GLFWwindow* window, double now) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    // Not NoSavedSettings: in ImGui 1.86 a table inherits it from its window, and the panel
    // widths would then not be saved.
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_MenuBar |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;
    PanelContext context{shell.run.get(), shell.library, shell.progress, shell.settings};
    context.now = now;
    context.next_lesson = shell.next_lesson_id();
    context.live_tab = shell.options.live_tab;
    if (shell.presenting && shell.presenter) {
        // Full screen, no menu bar: the presenter panel alone (it draws the live pane).
        ImGui::Begin("SocketLab", nullptr, flags & ~ImGuiWindowFlags_MenuBar);
        // What the learner must be told is told in front of the class too.
        draw_file_notices(shell);
        draw_program_question(shell);
        shell.presenter->draw(context);
        ImGui::End();
        finish_frame(shell, context);
        return;
    }
    ImGui::Begin("SocketLab", nullptr, flags);
    draw_menu(shell, window);
    if (!fonts().warning.empty()) ImGui::TextColored(theme::error(), "%s", fonts().warning.c_str());
    draw_file_notices(shell);
    draw_program_question(shell);

    // A window too narrow for three panels at this text size (1366 pixels at 2x, 1920 at 3x)
    // folds the lesson list away; Lessons > Go to lesson still opens any lesson.
    const bool fold_list = viewport->WorkSize.x < ImGui::GetFontSize() * 64.0f;
    std::vector<Panel*> shown;
    std::string hidden;
    for (auto& panel : shell.panels) {
        const bool folded = fold_list && std::string(panel->id()) == "lesson-list";
        if (panel->visible() && !folded)
            shown.push_back(panel.get());
        else
            hidden += std::string("-no-") + panel->id();
    }
    // Column widths are saved in imgui.ini with the table, so the layout persists: one table
    // id per set of visible panels, so each keeps its own widths ("layout" with all of them,
    // "layout-no-list" without the lesson list, as before panels were one list).
    const std::string table_id =
        hidden == "-no-lesson-list" ? std::string("layout-no-list") : "layout" + hidden;
    const ImGuiTableFlags table_flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV;
    // Each panel's child window has an id of the main window, not of the table: hiding a panel
    // (L) changes the table, and must not give the others new child windows (their scroll, and
    // the live pane's tab, would start over).
    std::vector<ImGuiID> child_ids;
    child_ids.reserve(shown.size());
    for (Panel* panel : shown) child_ids.push_back(ImGui::GetID(panel->id()));
    if (!shown.empty() && ImGui::BeginTable(table_id.c_str(), static_cast<int>(shown.size()),
                                            table_flags, ImGui::GetContentRegionAvail())) {
        for (Panel* panel : shown)
            ImGui::TableSetupColumn(panel->id(), ImGuiTableColumnFlags_WidthStretch,
                                    panel->width_share());
        ImGui::TableNextRow();
        const float height = ImGui::GetContentRegionAvail().y;
        for (size_t i = 0; i < shown.size(); ++i) {
            Panel* panel = shown[i];
            ImGui::TableNextColumn();
            ImGui::BeginChild(child_ids[i], ImVec2(0, height));
            panel->draw(context);
            ImGui::EndChild();
        }
        ImGui::EndTable();
    }
    ImGui::End();
    draw_keys_window(shell);
    finish_frame(shell, context);
}

// Seconds until the focused text field's caret turns on or off. ImGui 1.86 shows it while
// fmod(CursorAnim, 1.2) <= 0.8 (imgui_widgets.cpp, InputTextEx), CursorAnim counting seconds.
double seconds_to_next_blink() {
    constexpr double kPeriod = 1.2, kOn = 0.8;
    const double anim = static_cast<double>(GImGui->InputTextState.CursorAnim);
    if (anim < 0) return -anim;  // just typed: the caret stays on until CursorAnim reaches 0
    const double phase = std::fmod(anim, kPeriod);
    return std::max(0.02, phase <= kOn ? kOn - phase : kPeriod - phase) + 0.005;
}

void glfw_error(int code, const char* text) {
    std::fprintf(stderr, "socketlab: GLFW error %d: %s\n", code, text);
}

}  // namespace

// [SECTION] run_app
// In the order of Dear ImGui's GLFW + OpenGL 3 example: window, loader, context, backends,
// loop, cleanup in reverse. The side jobs live in their own files (quit_signals, window_icon,
// screenshot); the panels in panels.cpp.
int run_app(const ShellOptions& options) {
    const bool screenshot = !options.screenshot_path.empty();
    // First, before any thread exists (GL drivers and the engine start some), so that every
    // thread inherits the blocked signals.
    std::optional<QuitSignals> quit_signals;
    if (!screenshot) quit_signals.emplace();
    Shell shell;
    shell.options = options;
    shell.saving = !screenshot;
    std::string notice;  // a damaged file recovered, or one that is not a file
    shell.settings = load_settings(&notice);
    if (!notice.empty()) shell.file_notices.push_back(notice);
    shell.progress = load_progress(&notice);
    if (!notice.empty()) shell.file_notices.push_back(notice);
    if (options.text_scale > 0) shell.settings.text_scale = options.text_scale;
    if (!options.packets_view.empty()) shell.settings.packets_view = options.packets_view;
    if (Panel* list = shell.panel("lesson-list"))
        list->set_visible(shell.settings.show_lesson_list);
    if (!options.program_path.empty())
        if (auto* program = dynamic_cast<YourProgramPanel*>(shell.panel("your-program"))) {
            program->set_visible(true);
            program->open(options.program_path);
            if (options.keep_server_open) program->set_arguments("@open");
        }

    shell.library = load_lesson_library(options.lessons_dir);
    for (const auto& e : shell.library.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    if (screenshot && !options.lesson_id.empty() && !shell.library.find(options.lesson_id)) {
        std::fprintf(stderr, "socketlab: no lesson with id '%s'\n", options.lesson_id.c_str());
        return 2;
    }

    // Window.
    glfwSetErrorCallback(glfw_error);
    if (!glfwInit()) {
        std::fprintf(stderr,
                     "socketlab: cannot open a window (no display? set DISPLAY, or use "
                     "the headless commands: --run, --serve)\n");
        return 1;
    }
    // First run on a high-DPI screen: start with text the monitor's scale larger.
    std::error_code ec;
    if (options.text_scale <= 0 && !std::filesystem::exists(settings_path(), ec)) {
        float x_scale = 1.0f, y_scale = 1.0f;
        if (GLFWmonitor* monitor = glfwGetPrimaryMonitor())
            glfwGetMonitorContentScale(monitor, &x_scale, &y_scale);
        if (x_scale > 1.1f) shell.settings.text_scale = std::clamp(x_scale, 1.0f, kMaxTextScale);
    }
    // A size from the command line is taken as it is; a saved or default one fits the screen.
    int width = options.width > 0 ? options.width : shell.settings.window_width;
    int height = options.height > 0 ? options.height : shell.settings.window_height;
    if (options.width <= 0 && options.height <= 0) {
        int area_x = 0, area_y = 0, area_width = 0, area_height = 0;
        if (GLFWmonitor* monitor = glfwGetPrimaryMonitor())
            glfwGetMonitorWorkarea(monitor, &area_x, &area_y, &area_width, &area_height);
        const WindowSize fitted = fit_window_size({width, height}, area_width, area_height);
        width = fitted.width;
        height = fitted.height;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_MAXIMIZED, !screenshot && shell.settings.window_maximized);
    if (screenshot) glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    GLFWwindow* window = glfwCreateWindow(width, height, "SocketLab", nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "socketlab: cannot create an OpenGL 3.3 window\n");
        glfwTerminate();
        return 1;
    }
    set_window_icon(window);
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);

    // Loader.
    if (!gladLoadGL(glfwGetProcAddress)) {
        std::fprintf(stderr, "socketlab: cannot load OpenGL functions\n");
        glfwDestroyWindow(window);
        glfwTerminate();
        return 1;
    }

    // Context.
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    shell.ini_path = imgui_ini_path();
    io.IniFilename = screenshot || shell.ini_path.empty() ? nullptr : shell.ini_path.c_str();

    // Backends. Our key callback first: ImGui's backend chains to callbacks installed before it.
    glfwSetWindowUserPointer(window, &shell);
    glfwSetKeyCallback(window, on_key);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");
    rebuild_fonts(shell.settings.text_scale);
    theme::apply_style(shell.settings.text_scale);

    // The lesson (opened in the background; its jobs' thread wakes the loop when done).
    shell.jobs = std::make_unique<BackgroundJobs>([] { glfwPostEmptyEvent(); });
    shell.window = window;
    if (auto* live = dynamic_cast<LivePanePanel*>(shell.panel("live-pane")))
        shell.presenter = std::make_unique<PresenterPanel>(*live);
    // A screenshot shows the presenter view at its --size; the window goes full screen.
    shell.pending_presenting = options.presenter;
    if (screenshot) shell.presenting = options.presenter;
    enable_ui_probe(!options.ui_dump_path.empty());
    shell.open_lesson(!options.lesson_id.empty() ? options.lesson_id : shell.settings.last_lesson);
    int exit_status = 0;
    if (screenshot && shell.run) {
        shell.run->wait_until_open();
        allow_lesson_programs(shell);
        std::vector<std::string> messages;
        if (!shell.run->run_to_end_now(messages))
            for (const auto& m : messages) std::fprintf(stderr, "FAILED %s\n", m.c_str());
        // --keep-server-open: "Keep the server open", as if it were ticked.
        if (options.keep_server_open) {
            shell.run->keep_server_open(true);
            shell.run->wait_for_kept_server();
            if (!shell.run->kept_server_error().empty())
                std::fprintf(stderr, "socketlab: %s\n", shell.run->kept_server_error().c_str());
        }
        // --run-program: then the learner's program, as if Run were pressed, to its end.
        auto* program = dynamic_cast<YourProgramPanel*>(shell.panel("your-program"));
        Session* session = shell.run->session();
        if (options.run_program && program && session && program->run(*shell.run)) {
            if (!session->own_program()->wait_until_ended(std::chrono::seconds(30)))
                std::fprintf(stderr, "socketlab: the program did not end within 30 s\n");
            session->flush_capture(std::chrono::milliseconds(1000));
        }
    }

    // The loop. While nothing happens it sleeps in glfwWaitEvents: an idle window costs no CPU.
    int frames_left = 3;  // frames to draw before sleeping again (layout settles in two)
    int screenshot_frames = 4;
    while (!glfwWindowShouldClose(window)) {
        if (screenshot || frames_left > 0) {
            glfwPollEvents();
        } else {
            double timeout = 30.0;
            if (shell.run && shell.run->playing()) {
                // Due for the next step but the last one is still running: its events wake us.
                timeout = shell.run->seconds_to_next_play(glfwGetTime());
                if (timeout <= 0) timeout = 0.25;
            }
            // A focused text field: wake when its caret next turns on or off, not sooner.
            const bool blinking = io.WantTextInput && io.ConfigInputTextCursorBlink;
            if (blinking) timeout = std::min(timeout, seconds_to_next_blink());
            const double slept_from = glfwGetTime();
            glfwWaitEventsTimeout(timeout);
            // Woken only by the blink: one frame draws it (three settle the layout after input).
            const bool timed_out = glfwGetTime() - slept_from >= timeout - 0.002;
            frames_left = blinking && timed_out ? 1 : 3;
        }
        if (shell.pending_presenting != shell.presenting)
            set_presenting(shell, shell.pending_presenting);
        if (shell.pending_text_scale > 0) {
            apply_text_scale(shell, shell.pending_text_scale);
            shell.pending_text_scale = 0;
            shell.save_settings_now();
        }
        const double now = glfwGetTime();
        allow_lesson_programs(shell);
        if (shell.run)
            shell.run->tick(now, shell.progress.quiz_answers[shell.run->lesson().id],
                            shell.settings.play_delay_seconds);
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        // A screenshot shows the window as it is, not hovered by wherever Xvfb left the pointer.
        if (screenshot) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
        ImGui::NewFrame();
        clear_ui_probe();
        handle_keys(shell);
        draw_frame(shell, window, now);
        shell.mark_finished_if_done();
        ImGui::Render();

        int fb_width = 0, fb_height = 0;
        glfwGetFramebufferSize(window, &fb_width, &fb_height);
        glViewport(0, 0, fb_width, fb_height);
        glClearColor(0.11f, 0.12f, 0.14f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        if (screenshot && --screenshot_frames == 0) {
            if (!options.ui_dump_path.empty() &&
                !write_ui_dump(options.ui_dump_path, static_cast<int>(io.DisplaySize.x),
                               static_cast<int>(io.DisplaySize.y), shell.settings.text_scale)) {
                std::fprintf(stderr, "socketlab: cannot write %s\n", options.ui_dump_path.c_str());
                exit_status = 1;
            }
            if (write_screenshot(window, options.screenshot_path)) {
                std::printf("wrote %s\n", options.screenshot_path.c_str());
            } else {
                std::fprintf(stderr, "socketlab: cannot write %s\n",
                             options.screenshot_path.c_str());
                exit_status = 1;
            }
            glfwSetWindowShouldClose(window, GLFW_TRUE);
        }
        glfwSwapBuffers(window);
        if (quit_signals && quit_signals->requested()) glfwSetWindowShouldClose(window, GLFW_TRUE);
        if (ImGui::IsAnyMouseDown()) frames_left = 2;  // dragging a splitter or slider
        --frames_left;
    }

    // Cleanup, in reverse.
    if (!screenshot) {
        if (Panel* list = shell.panel("lesson-list"))
            shell.settings.show_lesson_list = list->visible();
        shell.settings.window_maximized = glfwGetWindowAttrib(window, GLFW_MAXIMIZED) != 0;
        if (!shell.settings.window_maximized)
            glfwGetWindowSize(window, &shell.settings.window_width, &shell.settings.window_height);
        (void)save_settings(shell.settings);  // the window is gone: a failure is on stderr
    }
    shell.kept_runs.clear();
    shell.run.reset();   // its closing is queued on the jobs' thread, and gives up any wait
    shell.jobs.reset();  // runs the closing; nothing wakes the (ending) loop after this
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return exit_status;
}

}  // namespace socketlab::ui
