#include "ui/actor_column.h"

#include <imgui.h>

#include "core/errno_text.h"
#include "core/lesson_server.h"
#include "ui/fonts.h"
#include "ui/hex_view.h"
#include "ui/theme.h"

namespace socketlab::ui {
namespace {

std::string result_text(const Event& e) {
    switch (e.kind) {
        case EventKind::Wait:
            return "\xE2\x80\xA6 blocked";  // …
        case EventKind::Note:
            return e.ret < 0 ? "not called" : "note";
        case EventKind::State:
            return e.note;
        case EventKind::Step:
        case EventKind::Packet:
            return "";
        case EventKind::Call:
            break;
    }
    if (e.failed()) return "-1 " + errno_name(e.err);
    return std::to_string(e.ret);
}

ImVec4 result_color(const Event& e) {
    if (e.kind == EventKind::Wait) return theme::waiting();
    if ((e.kind == EventKind::Note && e.ret < 0) || e.failed()) return theme::error();
    if (e.kind == EventKind::Note || e.kind == EventKind::State) return theme::muted();
    return theme::ok();
}

}  // namespace

void ActorColumn::draw(ActorView& actor, const std::deque<Event>& events,
                       const std::vector<SocketSnapshot>& sockets, float height) {
    ImGui::PushID(actor.name.c_str());
    ImGui::PushFont(fonts().heading3);
    ImGui::TextUnformatted(actor.name.c_str());
    ImGui::PopFont();
    draw_sockets(sockets);
    float used = ImGui::GetCursorPosY();
    float rest = std::max(height - used, ImGui::GetFrameHeight() * 6.0f);
    float line = ImGui::GetTextLineHeightWithSpacing();
    draw_timeline(actor, events, rest * 0.38f);
    draw_details(actor, events, std::max(rest * 0.2f, line * 3.5f));
    ImGui::PushStyleColor(ImGuiCol_Text, theme::muted());
    ImGui::TextUnformatted("Bytes (\xE2\x86\x92 sent, \xE2\x86\x90 received)");
    ImGui::PopStyleColor();
    if (actor.dropped_bytes > 0 || actor.dropped_calls > 0) {
        // Bounded memory: a flood keeps its newest part, and says so.
        ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
        ImGui::PushTextWrapPos(0.0f);
        ImGui::Text("Showing the newest: %zu earlier calls and %llu bytes were let go", actor.dropped_calls,
                    static_cast<unsigned long long>(actor.dropped_bytes));
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
    }
    ImGui::BeginChild("bytes", ImVec2(0, 0), true);
    draw_byte_stream("stream", actor.chunks, true);
    ImGui::EndChild();
    ImGui::PopID();
}

void ActorColumn::draw_sockets(const std::vector<SocketSnapshot>& sockets) {
    if (sockets.empty()) {
        ImGui::TextDisabled("no open sockets");
        return;
    }
    ImGui::PushFont(fonts().mono);
    ImGui::PushTextWrapPos(0.0f);
    for (const auto& s : sockets) {
        const char* kind = s.family == AF_UNIX ? (s.type == SOCK_STREAM  ? "AF_UNIX stream"
                                                  : s.type == SOCK_DGRAM ? "AF_UNIX datagram"
                                                                         : "AF_UNIX seqpacket")
                           : s.type == SOCK_STREAM ? "TCP"
                                                   : "UDP";
        std::string text = s.name + " (fd " + std::to_string(s.fd) + ", " + kind +
                           (s.nonblocking ? ", non-blocking" : "") + ")";
        if (s.listening)
            text += " listening on " + s.local;
        else if (!s.peer.empty())
            text += " " + s.local + " \xE2\x86\x94 " + s.peer;
        else if (s.bound)
            text += " " + s.local;
        ImGui::TextUnformatted(text.c_str());
    }
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
}

void ActorColumn::draw_timeline(ActorView& actor, const std::deque<Event>& events, float height) {
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_BordersOuter | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("timeline", 2, flags, ImVec2(0, height))) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("step", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 2.2f);
    ImGui::TableSetupColumn("call = result", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    const bool at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1.0f;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(actor.timeline.size()));
    while (clipper.Step()) {
        for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
            const Event& e = events[actor.timeline[static_cast<size_t>(row)]];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            if (e.step > 0)
                ImGui::Text("%d", e.step);
            else if (e.socket_name == LessonServer::kKeptSocketName)
                ImGui::TextDisabled("open");  // the kept-open server, not a lesson step
            else
                ImGui::TextDisabled("you");
            ImGui::TableNextColumn();
            ImGui::PushID(row);
            const bool selected = actor.selected == static_cast<size_t>(row);
            const ImVec2 text_pos = ImGui::GetCursorScreenPos();
            if (ImGui::Selectable(
                    "##row", selected,
                    ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
                actor.selected = selected ? SIZE_MAX : static_cast<size_t>(row);
            if (ImGui::IsItemHovered()) {
                ImGui::BeginTooltip();
                ImGui::Text("%s(%s) = %s", e.call.c_str(), e.args.c_str(), result_text(e).c_str());
                if (e.failed())
                    ImGui::Text("%s: %s", errno_name(e.err).c_str(),
                                errno_explanation(e.err).c_str());
                ImGui::EndTooltip();
            }
            ImGui::SetCursorScreenPos(text_pos);
            // As much as fits, dropping the arguments first, then the "-1" before an errno
            // name: the error must stay readable. The details box and tooltip have it all.
            ImGui::PushFont(fonts().mono);
            const float width = ImGui::GetContentRegionAvail().x;
            auto fits = [&](const std::string& a, const std::string& b) {
                return ImGui::CalcTextSize((a + b).c_str()).x <= width;
            };
            std::string result = " = " + result_text(e);
            std::string call = e.call + "(" + e.args + ")";
            if (!fits(call, result)) call = e.call + (e.args.empty() ? "()" : "(\xE2\x80\xA6)");
            if (!fits(call, result)) call = e.call;
            if (!fits(call, result) && e.failed()) result = " " + errno_name(e.err);
            ImGui::TextUnformatted(call.c_str());
            ImGui::SameLine(0.0f, 0.0f);
            ImGui::PushStyleColor(ImGuiCol_Text, result_color(e));
            ImGui::TextUnformatted(result.c_str());
            ImGui::PopStyleColor();
            ImGui::PopFont();
            ImGui::PopID();
        }
    }
    // Follow new calls unless the learner scrolled up to read older ones.
    if (at_bottom) ImGui::SetScrollHereY(1.0f);
    ImGui::EndTable();
}

void ActorColumn::draw_details(const ActorView& actor, const std::deque<Event>& events,
                               float height) {
    ImGui::BeginChild("details", ImVec2(0, height), true);
    if (actor.timeline.empty()) {
        ImGui::TextDisabled("no calls yet");
        ImGui::EndChild();
        return;
    }
    size_t row =
        actor.selected < actor.timeline.size() ? actor.selected : actor.timeline.size() - 1;
    const Event& e = events[actor.timeline[row]];
    ImGui::PushTextWrapPos(0.0f);
    ImGui::PushFont(fonts().mono_bold);
    if (e.kind == EventKind::Call)
        ImGui::Text("%s(%s) = %lld", e.call.c_str(), e.args.c_str(), static_cast<long long>(e.ret));
    else if (e.kind == EventKind::Wait)
        ImGui::Text("%s(%s) \xE2\x80\xA6 blocked, waiting for the other side", e.call.c_str(),
                    e.args.c_str());
    else
        ImGui::Text("%s", e.call.c_str());
    ImGui::PopFont();
    if (e.failed()) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme::error());
        ImGui::Text("%s: %s", errno_name(e.err).c_str(), errno_explanation(e.err).c_str());
        ImGui::PopStyleColor();
    }
    if (!e.local.empty() || !e.peer.empty())
        ImGui::Text("local %s   peer %s", e.local.empty() ? "-" : e.local.c_str(),
                    e.peer.empty() ? "-" : e.peer.c_str());
    if (!e.note.empty()) ImGui::TextDisabled("%s", e.note.c_str());
    ImGui::TextDisabled("at %.3f ms", static_cast<double>(e.t_us) / 1000.0);
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
}

}  // namespace socketlab::ui
