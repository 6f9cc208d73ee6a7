#include "ui/actor_summary.h"

#include <imgui.h>

#include "core/tcp_state.h"
#include "ui/event_text.h"
#include "ui/fonts.h"
#include "ui/packet_style.h"
#include "ui/theme.h"

namespace socketlab::ui {

std::string last_call_text(const RunRecord& record, const ActorRecord& actor) {
    const auto& events = record.events();
    for (auto it = actor.timeline.rbegin(); it != actor.timeline.rend(); ++it) {
        if (*it >= events.size()) continue;
        const Event& e = events[*it];
        if (!e.call() || is_not_called(e)) continue;
        const std::string name = event_call_name(e);
        if (e.kind == EventKind::Wait) return name + "(\xE2\x80\xA6) \xE2\x80\xA6 blocked";
        if (e.kind != EventKind::Call) continue;
        return name + "() = " + call_result_text(e);
    }
    return "";
}

bool draw_actor_summary(const RunRecord& record, const ActorRecord& actor,
                        const std::vector<SocketSnapshot>& sockets, bool acting) {
    const ImVec2 start = ImGui::GetCursorScreenPos();
    ImGui::BeginGroup();
    ImGui::PushFont(fonts().bold);
    if (acting)
        ImGui::TextColored(theme::link(), "%s", actor.name.c_str());
    else
        ImGui::TextUnformatted(actor.name.c_str());
    ImGui::PopFont();
    ImGui::PushFont(fonts().mono);
    if (sockets.empty()) ImGui::TextDisabled("no sockets");
    for (const SocketSnapshot& s : sockets) {
        ImGui::TextUnformatted(s.name.c_str());
        ImGui::SameLine();
        if (s.type == SOCK_STREAM && (s.family == AF_INET || s.family == AF_INET6)) {
            const TcpState state =
                s.listening ? TcpState::Listen
                            : record.tcp_state(actor.name, s.name).value_or(TcpState::Unknown);
            if (state == TcpState::Unknown)
                ImGui::TextDisabled("TCP");
            else
                ImGui::TextColored(tcp_state_color(state), "%s", tcp_state_name(state));
        } else {
            ImGui::TextDisabled(s.type == SOCK_DGRAM ? "UDP" : "socket");
        }
    }
    // Bytes in and out (kept and let go), the roster's measure of an outside client's traffic.
    uint64_t sent = 0, received = 0;
    for (size_t index : actor.byte_events) {
        if (index >= record.events().size()) continue;
        const CallRecord* call = record.events()[index].call();
        if (!call) continue;
        (call->direction == Direction::Sent ? sent : received) += call->bytes_total;
    }
    if (sent + received + actor.dropped_bytes > 0)
        ImGui::TextDisabled(
            "\xE2\x86\x92 %llu  \xE2\x86\x90 %llu bytes%s", static_cast<unsigned long long>(sent),
            static_cast<unsigned long long>(received), actor.dropped_bytes > 0 ? " (newest)" : "");
    const std::string last = last_call_text(record, actor);
    if (!last.empty()) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled("%s", last.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::PopFont();
    ImGui::EndGroup();
    // The whole summary is the button: one click shows the full column.
    const ImVec2 end(start.x + ImGui::GetContentRegionAvail().x, ImGui::GetItemRectMax().y);
    const bool hovered = ImGui::IsMouseHoveringRect(start, end) && ImGui::IsWindowHovered();
    if (hovered) {
        ImGui::GetWindowDrawList()->AddRect(start, end, ImGui::GetColorU32(ImGuiCol_ButtonHovered),
                                            ImGui::GetFontSize() * 0.25f);
        ImGui::SetTooltip("%s: click for the whole column (calls, details, bytes)",
                          actor.name.c_str());
    }
    return hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Left);
}

}  // namespace socketlab::ui
