// [SECTION] index
//   Files      open, save, reload when changed on disk, the examples and recent files
//   Drawing    the file row, the editor, Run / Stop, the output
#include "ui/your_program_panel.h"

#include <sys/stat.h>

#include <imgui.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lesson/traced_program.h"
#include "ui/fonts.h"
#include "ui/toolbar_layout.h"

namespace socketlab::ui {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;  // a learner's program, not a data file
constexpr double kDiskCheckSeconds = 1.0;
constexpr int64_t kOwnProgramTimeLimitUs = 600'000'000;  // 10 minutes; Stop ends it sooner

void set_buffer(std::vector<char>& buffer, const std::string& text, size_t room = 256) {
    buffer.assign(text.begin(), text.end());
    buffer.resize(text.size() + room, '\0');
}

std::string buffer_text(const std::vector<char>& buffer) {
    return std::string(buffer.data(), strnlen(buffer.data(), buffer.size()));
}

// Lets the editor's buffer grow as the learner types.
int resize_callback(ImGuiInputTextCallbackData* data) {
    auto* buffer = static_cast<std::vector<char>*>(data->UserData);
    if (data->EventFlag == ImGuiInputTextFlags_CallbackResize) {
        buffer->resize(static_cast<size_t>(data->BufSize));
        data->Buf = buffer->data();
    }
    return 0;
}

struct EditorCallback {
    std::vector<char>* buffer;
    int* goto_line;
    int* cursor_line;
};

int editor_callback(ImGuiInputTextCallbackData* data) {
    auto* state = static_cast<EditorCallback*>(data->UserData);
    if (data->EventFlag == ImGuiInputTextFlags_CallbackResize) {
        state->buffer->resize(static_cast<size_t>(data->BufSize));
        data->Buf = state->buffer->data();
    } else if (data->EventFlag == ImGuiInputTextFlags_CallbackAlways && *state->goto_line <= 0) {
        int line = 1;
        for (int i = 0; i < data->CursorPos && i < data->BufTextLen; ++i)
            line += data->Buf[i] == '\n';
        *state->cursor_line = line;
    } else if (data->EventFlag == ImGuiInputTextFlags_CallbackAlways) {
        int line = 1, at = 0;
        while (at < data->BufTextLen && line < *state->goto_line)
            if (data->Buf[at++] == '\n') ++line;
        int end = at;
        while (end < data->BufTextLen && data->Buf[end] != '\n') ++end;
        data->CursorPos = at;
        data->SelectionStart = at;
        data->SelectionEnd = end;
        *state->cursor_line = *state->goto_line;
        *state->goto_line = 0;
    }
    return 0;
}

}  // namespace

int YourProgramPanel::error_line(const std::string& output, const std::string& path) {
    // The last frame of a traceback about this file, or a SyntaxError's "line N".
    const std::string key = "File \"" + path + "\", line ";
    size_t at = output.rfind(key);
    if (at == std::string::npos) return 0;
    at += key.size();
    int line = 0;
    while (at < output.size() && output[at] >= '0' && output[at] <= '9' && line < 10000000)
        line = line * 10 + (output[at++] - '0');
    return line;
}

// [SECTION] Files
void YourProgramPanel::open_file(const std::string& path) {
    message_.clear();
    set_buffer(path_edit_, path, 1024);  // the field shows what is open
    changed_on_disk_ = false;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        // A new file: the editor starts empty and Save creates it.
        path_ = path;
        set_buffer(text_, "", 4096);
        dirty_ = false;
        mtime_ = 0;
        size_ = 0;
        message_ = "a new file: Save creates it";
        return;
    }
    if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > kMaxFileBytes) {
        message_ = "cannot open " + path + ": not a regular file of at most 1 MiB";
        return;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
        message_ = "cannot read " + path + ": " + strerrordesc_np(errno);
        return;
    }
    path_ = path;
    set_buffer(text_, text.str(), 4096);
    dirty_ = false;
    mtime_ = st.st_mtime;
    size_ = st.st_size;
    std::erase(recent_, path);
    recent_.insert(recent_.begin(), path);
    if (recent_.size() > 8) recent_.resize(8);
}

bool YourProgramPanel::save_file() {
    if (path_.empty()) return false;
    const std::string text = buffer_text(text_);
    const std::string temporary = path_ + ".socketlab-saving";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            message_ = "cannot save " + path_ + ": " + strerrordesc_np(errno);
            std::remove(temporary.c_str());
            return false;
        }
    }
    if (std::rename(temporary.c_str(), path_.c_str()) != 0) {
        message_ = "cannot save " + path_ + ": " + strerrordesc_np(errno);
        std::remove(temporary.c_str());
        return false;
    }
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0) {
        mtime_ = st.st_mtime;
        size_ = st.st_size;
    }
    dirty_ = false;
    changed_on_disk_ = false;
    message_ = "saved";
    return true;
}

void YourProgramPanel::reload_if_changed(double now) {
    if (path_.empty() || now - checked_at_ < kDiskCheckSeconds) return;
    checked_at_ = now;
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0 || (st.st_mtime == mtime_ && st.st_size == size_)) return;
    if (dirty_) {
        changed_on_disk_ = true;  // the learner chooses: reload, or keep this text
        return;
    }
    const std::string keep = path_;
    open_file(keep);
    message_ = "reloaded: the file changed on disk";
}

// [SECTION] Drawing
void YourProgramPanel::draw_file_row(PanelContext& context) {
    if (path_edit_.empty()) set_buffer(path_edit_, "", 1024);
    if (!examples_listed_) {
        examples_listed_ = true;
        std::error_code ec;
        const std::filesystem::path root =
            std::filesystem::path(context.library.folder) / "examples";
        for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
            if (it->is_regular_file(ec) && it->path().extension() == ".py")
                examples_.push_back(it->path().string());
        std::sort(examples_.begin(), examples_.end());
    }
    // The buttons go under the field when the panel is too narrow for both (2x, 3x text).
    const ImGuiStyle& style = ImGui::GetStyle();
    const float buttons = button_width("Open") + button_width("Files") + style.ItemSpacing.x * 2;
    const bool one_row = ImGui::GetContentRegionAvail().x - buttons > ImGui::GetFontSize() * 12;
    ImGui::SetNextItemWidth(one_row ? -buttons : -1);
    const bool enter = ImGui::InputTextWithHint(
        "##path", "a path, e.g. ~/client.py", path_edit_.data(), path_edit_.size(),
        ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackResize, resize_callback,
        &path_edit_);
    if (one_row) ImGui::SameLine();
    std::string typed = buffer_text(path_edit_);
    if (!typed.empty() && typed[0] == '~')
        if (const char* home = std::getenv("HOME")) typed = home + typed.substr(1);
    if ((ImGui::Button("Open") || enter) && !typed.empty()) open_file(typed);
    ImGui::SameLine();
    if (ImGui::Button("Files")) ImGui::OpenPopup("files");
    if (ImGui::BeginPopup("files")) {
        auto pick = [&](const std::string& path, const std::string& label) {
            if (ImGui::Selectable(label.c_str())) {
                set_buffer(path_edit_, path, 1024);
                open_file(path);
            }
        };
        if (!recent_.empty()) ImGui::TextDisabled("Recent");
        for (const auto& r : recent_) pick(r, r);
        ImGui::TextDisabled("Examples shipped with SocketLab");
        if (examples_.empty()) ImGui::TextDisabled("  (none found)");
        for (const auto& e : examples_) {
            const std::string label = std::filesystem::relative(e, context.library.folder).string();
            pick(e, label);
        }
        ImGui::EndPopup();
    }
}

// The editor with a gutter of line numbers: the text field is as tall as its text, inside a
// child window that scrolls both, so the numbers always sit beside their lines.
void YourProgramPanel::draw_editor() {
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const float reserve = line * 12.0f;  // the run row and the output below
    const float height = std::max(line * 4.0f, ImGui::GetContentRegionAvail().y - reserve);
    const ImGuiStyle& style = ImGui::GetStyle();
    ImGui::PushFont(fonts().mono);
    const float row = ImGui::GetFontSize();  // InputTextMultiline's line height
    int lines = 1;
    for (const char* c = text_.data(); *c; ++c) lines += *c == '\n';
    const std::string widest = std::to_string(std::max(lines, 100));
    const float gutter = ImGui::CalcTextSize(widest.c_str()).x + style.ItemSpacing.x * 2;
    ImGui::BeginChild("editor-scroll", ImVec2(-1, height), true);
    const float view = ImGui::GetContentRegionAvail().y;
    const float scroll = ImGui::GetScrollY();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const int first = std::max(0, static_cast<int>((scroll - style.FramePadding.y) / row));
    const int last = std::min(lines, first + static_cast<int>(view / row) + 2);
    for (int i = first; i < last; ++i) {
        const std::string number = std::to_string(i + 1);
        const float w = ImGui::CalcTextSize(number.c_str()).x;
        draw->AddText(
            ImVec2(origin.x + gutter - w - style.ItemSpacing.x,
                   origin.y + style.FramePadding.y + row * static_cast<float>(i)),
            ImGui::GetColorU32(i + 1 == cursor_line_ ? ImGuiCol_Text : ImGuiCol_TextDisabled),
            number.c_str());
    }
    ImGui::SetCursorScreenPos(ImVec2(origin.x + gutter, origin.y));
    const float text_height =
        std::max(view, row * static_cast<float>(lines + 1) + style.FramePadding.y * 2);
    if (goto_line_ > 0) ImGui::SetKeyboardFocusHere();
    EditorCallback state{&text_, &goto_line_, &cursor_line_};
    if (ImGui::InputTextMultiline("##editor", text_.data(), text_.size(),
                                  ImVec2(ImGui::GetContentRegionAvail().x, text_height),
                                  ImGuiInputTextFlags_AllowTabInput |
                                      ImGuiInputTextFlags_CallbackResize |
                                      ImGuiInputTextFlags_CallbackAlways,
                                  editor_callback, &state))
        dirty_ = true;
    const bool active = ImGui::IsItemActive();
    // The text field never scrolls itself (it is as tall as its text): keep its cursor in view.
    if (active && cursor_line_ != followed_line_) {
        followed_line_ = cursor_line_;
        const float y = style.FramePadding.y + row * static_cast<float>(cursor_line_ - 1);
        if (y < scroll)
            ImGui::SetScrollY(y);
        else if (y + row + style.FramePadding.y > scroll + view)
            ImGui::SetScrollY(y + row + style.FramePadding.y - view);
    }
    ImGui::EndChild();
    ImGui::PopFont();
    // Ctrl+S while editing (GLFW's key code for S is 'S').
    if (active && ImGui::GetIO().KeyCtrl && ImGui::IsKeyPressed('S', false)) save_file();
}

bool YourProgramPanel::run(LessonRun& lesson_run) {
    Session* live = lesson_run.session();
    if (!live) return false;
    Session& session = *live;
    if (path_.empty() || (dirty_ && !save_file())) return false;
    if (!set_args_.empty()) {
        set_buffer(args_edit_, set_args_, 256);
        set_args_.clear();
    }
    if (args_edit_.empty()) set_buffer(args_edit_, "@server", 256);
    std::vector<std::string> argv;
    if (path_.size() > 3 && path_.compare(path_.size() - 3, 3, ".py") == 0)
        argv.push_back("python3");
    argv.push_back(path_);
    std::istringstream words(buffer_text(args_edit_));
    for (std::string w; words >> w;) {
        // @open is the window's kept-open server; @server and the like the session resolves.
        if (w == "@open") {
            const LessonServer* kept = lesson_run.kept_server();
            if (!kept) {
                message_ = "not run: @open is the kept-open server's address, and it is not open";
                return false;
            }
            w = kept->address().to_string();
        }
        argv.push_back(w);
    }
    session.start_own_program(argv, kOwnProgramTimeLimitUs);
    message_.clear();
    return true;
}

void YourProgramPanel::draw_run_row(PanelContext& context) {
    Session* session = context.run ? context.run->session() : nullptr;
    const TracedProgram* program = session ? session->own_program() : nullptr;
    const bool running = program && !program->ended();
    if (!set_args_.empty()) {
        set_buffer(args_edit_, set_args_, 256);
        set_args_.clear();
    }
    if (args_edit_.empty()) set_buffer(args_edit_, "@server", 256);
    ImGui::TextUnformatted("Arguments");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##args",
                             "@server: the lesson server's HOST:PORT; @open: the kept one's",
                             args_edit_.data(), args_edit_.size(),
                             ImGuiInputTextFlags_CallbackResize, resize_callback, &args_edit_);
    ImGui::BeginDisabled(!session || path_.empty() || running);
    if (ImGui::Button(dirty_ ? "Save and run" : "Run")) run(*context.run);
    ImGui::EndDisabled();
    same_line_if_fits(button_width("Stop"));
    ImGui::BeginDisabled(!running);
    if (ImGui::Button("Stop")) session->stop_own_program();
    ImGui::EndDisabled();
    same_line_if_fits(button_width("Save"));
    ImGui::BeginDisabled(path_.empty() || !dirty_);
    if (ImGui::Button("Save")) save_file();
    ImGui::EndDisabled();
    if (session) {
        const SocketAddress server = session->directory().bound_address("server");
        if (!server.empty()) {
            const std::string where = reach_on_loopback(server).to_string();
            if (ImGui::SmallButton("Copy")) ImGui::SetClipboardText(where.c_str());
            ImGui::SameLine();
            ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
            ImGui::TextWrapped("the lesson's server: %s", where.c_str());
            ImGui::PopStyleColor();
        }
    }
}

void YourProgramPanel::draw_output(PanelContext& context) {
    Session* session = context.run ? context.run->session() : nullptr;
    const TracedProgram* program = session ? session->own_program() : nullptr;
    if (!program) {
        ImGui::TextWrapped(
            "Open or write a program, then Run: SocketLab runs it traced and shows every socket "
            "call it makes, with its bytes and packets, beside the lesson's actors.");
        return;
    }
    const ProgramOutcome outcome = program->outcome();
    if (!program->ended())
        ImGui::TextUnformatted("Running: its calls appear in the live pane, in its own columns");
    else if (!outcome.started)
        ImGui::TextWrapped("Not run: %s", outcome.error.c_str());
    else if (outcome.timed_out)
        ImGui::TextUnformatted("Ended by the time limit");
    else if (outcome.stopped)
        ImGui::TextUnformatted("Stopped");
    else
        ImGui::Text("Exited with status %d", outcome.exit_code);
    if (const int line = error_line(outcome.output, path_); line > 0 && program->ended()) {
        const std::string label = "Go to line " + std::to_string(line);
        same_line_if_fits(button_width(label.c_str()));
        if (ImGui::SmallButton(label.c_str())) goto_line_ = line;
    }
    ImGui::PushFont(fonts().mono);
    ImGui::BeginChild("output", ImVec2(0, 0), true);
    ImGui::TextUnformatted(outcome.output.data(), outcome.output.data() + outcome.output.size());
    if (!program->ended() && ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1)
        ImGui::SetScrollHereY(1.0f);
    ImGui::EndChild();
    ImGui::PopFont();
}

void YourProgramPanel::draw(PanelContext& context) {
    reload_if_changed(context.now);
    draw_file_row(context);
    if (!message_.empty()) ImGui::TextDisabled("%s", message_.c_str());
    if (changed_on_disk_) {
        ImGui::TextUnformatted("The file changed on disk.");
        ImGui::SameLine();
        if (ImGui::SmallButton("Reload it")) {
            const std::string keep = path_;
            open_file(keep);
        }
        ImGui::SameLine();
        if (ImGui::SmallButton("Keep this text")) {
            changed_on_disk_ = false;
            mtime_ = 0;  // saved over it on the next Save
        }
    }
    if (path_.empty()) {
        ImGui::TextWrapped(
            "No file open: type a path (a new file is created on Save), or pick "
            "one of the examples under Files.");
    } else {
        ImGui::TextDisabled("%s%s  line %d", path_.c_str(), dirty_ ? " (not saved)" : "",
                            cursor_line_);
        draw_editor();
    }
    draw_run_row(context);
    draw_output(context);
}

}  // namespace socketlab::ui
