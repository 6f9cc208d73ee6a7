#include "ui/try_server_bar.h"

#include <imgui.h>

#include "ui/fonts.h"
#include "ui/theme.h"

namespace socketlab::ui {

void TryServerBar::draw(LessonRun& run) {
    const TryServer& wanted = run.lesson().try_server;
    if (wanted.kind.empty()) return;
    ImGui::PushID("try-server");
    const LessonServer* server = run.kept_server();
    bool keep = server != nullptr;
    // Starting and stopping it happen in the background (they are socket calls).
    ImGui::BeginDisabled(run.kept_server_busy());
    if (ImGui::Checkbox("Keep the server open", &keep)) run.keep_server_open(keep);
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "A %s server stays listening on %s so you can talk to it with your own "
            "client; its clients appear here as outside-1, outside-2, ...",
            wanted.kind.c_str(), wanted.host.c_str());
    const std::string& error = run.kept_server_error();
    if (!error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme::error());
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(error.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
    }
    if (!server) {
        ImGui::SameLine();
        ImGui::TextDisabled(run.kept_server_busy() ? "\xE2\x80\xA6"
                                                   : "and try it with your own client");
        ImGui::PopID();
        return;
    }
    const SocketAddress address = server->address();
    ImGui::SameLine();
    ImGui::Text("%s listening on", wanted.kind.c_str());
    ImGui::SameLine();
    ImGui::PushFont(fonts().mono_bold);
    ImGui::TextUnformatted(address.to_string().c_str());
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::TextDisabled("(%d client%s so far)", server->clients_seen(),
                        server->clients_seen() == 1 ? "" : "s");

    const std::string command = client_command(wanted.kind, address);
    const std::string python = python_client_snippet(wanted.kind, address);
    if (ImGui::SmallButton("Copy")) ImGui::SetClipboardText(command.c_str());
    ImGui::SameLine();
    ImGui::PushFont(fonts().mono);
    ImGui::TextUnformatted(command.c_str());
    ImGui::PopFont();
    if (ImGui::SmallButton(show_python_ ? "Hide Python" : "Python")) show_python_ = !show_python_;
    if (show_python_) {
        ImGui::SameLine();
        if (ImGui::SmallButton("Copy##python")) ImGui::SetClipboardText(python.c_str());
        ImGui::PushFont(fonts().mono);
        ImGui::TextUnformatted(python.c_str());
        ImGui::PopFont();
    }
    ImGui::PopID();
}

}  // namespace socketlab::ui
