#include "ui/outside_roster.h"

#include <imgui.h>

#include <algorithm>

#include "ui/actor_summary.h"
#include "ui/fonts.h"
#include "ui/theme.h"
#include "ui/ui_probe.h"

namespace socketlab::ui {

bool is_outside_client(const std::string& actor) {
    return actor.rfind("outside-", 0) == 0;
}

void OutsideRoster::draw(LessonRun& run, const std::vector<const ActorRecord*>& clients,
                         ActorColumn& column, float height) {
    const RunRecord& record = run.record();
    const auto found = std::find_if(clients.begin(), clients.end(),
                                    [&](const ActorRecord* a) { return a->name == expanded_; });
    const ActorRecord* open = found != clients.end() ? *found : clients.back();
    ImGui::PushFont(fonts().bold);
    ImGui::Text("Outside clients (%zu)", clients.size());
    ImGui::PopFont();
    // The list takes at most a third of the height; the expanded client the rest.
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const float list_height =
        std::min(line * static_cast<float>(clients.size()) + line * 0.5f, height / 3.0f);
    ImGui::BeginChild("roster-list", ImVec2(0, list_height), false);
    ImGui::PushFont(fonts().mono);
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(clients.size()));
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const ActorRecord& client = *clients[static_cast<size_t>(i)];
            uint64_t sent = 0, received = 0;
            for (size_t index : client.byte_events) {
                if (index >= record.events().size()) continue;
                if (const CallRecord* call = record.events()[index].call())
                    (call->direction == Direction::Sent ? sent : received) += call->bytes_total;
            }
            std::string state = "closed";
            for (const auto& s : run.session()->directory().sockets_of(client.name))
                if (auto st = record.tcp_state(client.name, s.name)) state = tcp_state_name(*st);
            // As on every column: â bytes sent, â received (by the server's socket).
            const std::string text = client.name + "  \xE2\x86\x92" + std::to_string(sent) +
                                     " \xE2\x86\x90" + std::to_string(received) + "  " + state;
            if (ImGui::Selectable(text.c_str(), &client == open)) expanded_ = client.name;
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("%s: %s", client.name.c_str(),
                                  last_call_text(record, client).c_str());
        }
    }
    ImGui::PopFont();
    ImGui::EndChild();
    probe_item("roster:outside:" + std::to_string(clients.size()));
    ImGui::Separator();
    const auto sockets = run.session()->directory().sockets_of(open->name);
    column.draw(run, *open, sockets, ImGui::GetContentRegionAvail().y);
}

}  // namespace socketlab::ui
