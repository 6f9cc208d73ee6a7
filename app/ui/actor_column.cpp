#include "ui/actor_column.h"

#include <imgui.h>

#include "core/errno_text.h"
#include "core/lesson_server.h"
#include "core/tcp_state.h"
#include "ui/event_text.h"
#include "ui/fonts.h"
#include "ui/hex_view.h"
#include "ui/packet_style.h"
#include "ui/theme.h"

namespace socketlab::ui {
namespace {

std::string result_text(const Event& e) {
    switch (e.kind) {
        case EventKind::Wait:
            return "\xE2\x80\xA6 blocked";  // …
        case EventKind::Note:
            return is_not_called(e) ? "not called" : "note";
        case EventKind::State:
            return tcp_state_name(e.state()->to);
        case EventKind::Step:
        case EventKind::Packet:
        case EventKind::Link:
        case EventKind::Program:
        case EventKind::TcpInfo:  // shown on the socket's line, not as a timeline row
            return "";
        case EventKind::Call:
            break;
    }
    return call_result_text(e);
}

ImVec4 result_color(const Event& e) {
    if (e.kind == EventKind::Wait) return theme::waiting();
    if (is_not_called(e) || e.failed()) return theme::error();
    if (e.kind == EventKind::Note || e.kind == EventKind::State) return theme::muted();
    return theme::ok();
}

}  // namespace

void ActorColumn::draw(LessonRun& run, const ActorRecord& actor,
                       const std::vector<SocketSnapshot>& sockets, float height) {
    ImGui::PushID(actor.name.c_str());
    ImGui::PushFont(fonts().heading3);
    ImGui::TextUnformatted(actor.name.c_str());
    ImGui::PopFont();
    draw_sockets(run.record(), actor, sockets);
    float used = ImGui::GetCursorPosY();
    float rest = std::max(height - used, ImGui::GetFrameHeight() * 6.0f);
    float line = ImGui::GetTextLineHeightWithSpacing();
    draw_timeline(run, actor, rest * 0.38f);
    draw_details(run, actor, std::max(rest * 0.2f, line * 3.5f));
    ImGui::PushStyleColor(ImGuiCol_Text, theme::muted());
    ImGui::TextUnformatted("Bytes (\xE2\x86\x92 sent, \xE2\x86\x90 received)");
    ImGui::PopStyleColor();
    if (actor.dropped_bytes > 0 || actor.dropped_calls > 0) {
        // Bounded memory: a flood keeps its newest part, and says so.
        ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
        ImGui::PushTextWrapPos(0.0f);
        ImGui::Text("Showing the newest: %zu earlier calls and %llu bytes were let go",
                    actor.dropped_calls, static_cast<unsigned long long>(actor.dropped_bytes));
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
    }
    ImGui::BeginChild("bytes", ImVec2(0, 0), true);
    draw_byte_stream("stream", run.chunks_of(actor.name), true);
    ImGui::EndChild();
    ImGui::PopID();
}

const std::vector<ActorColumn::KernelSocket>& ActorColumn::kernel_sockets(
    const ActorRecord& actor, const std::deque<Event>& events) {
    KernelSockets& known = kernel_[actor.name];
    const size_t last = actor.timeline.empty() ? SIZE_MAX : actor.timeline.back();
    if (known.timeline_size == actor.timeline.size() && known.last_event == last)
        return known.sockets;
    // One entry per connection (local and peer address), holding its newest report: a
    // connection that moved from the accept queue to "conn" is one socket, not two.
    known = KernelSockets{actor.timeline.size(), last, {}};
    std::map<std::string, size_t> by_address;
    for (size_t index : actor.timeline) {
        const Event& e = events[index];
        const StateRecord* state = e.state();
        if (!state) continue;
        auto [it, added] = by_address.emplace(
            state->local.to_string() + "|" + state->peer.to_string(), known.sockets.size());
        if (added) known.sockets.emplace_back();
        known.sockets[it->second] = {e.socket_name, state->to, state->local, state->peer};
    }
    return known.sockets;
}

namespace {

bool same_address(const SocketAddress& a, const SocketAddress& b) {
    return a.to_string() == b.to_string();
}

void state_line(TcpState state) {
    ImGui::Indent();
    ImGui::TextDisabled("TCP state:");
    ImGui::SameLine();
    ImGui::PushFont(fonts().mono_bold);
    ImGui::TextColored(tcp_state_color(state), "%s", tcp_state_name(state));
    ImGui::PopFont();
    if (ImGui::IsItemHovered()) {
        const std::string meaning = tcp_state_meaning(state);
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
        ImGui::Text("%s, as the kernel reports it (sock_diag): read, not simulated.",
                    tcp_state_name(state));
        if (!meaning.empty()) ImGui::TextUnformatted(meaning.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
    ImGui::Unindent();
}

// What each number of the TCP_INFO line means, for a learner who has used send() and recv()
// from Python and never seen what the kernel does with the bytes afterwards.
void tcp_info_tooltip(const TcpInfoRecord& info) {
    ImGui::BeginTooltip();
    ImGui::PushFont(fonts().regular);  // prose, not the socket line's mono
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32.0f);
    ImGui::TextUnformatted(
        "The kernel's own numbers for this connection (TCP_INFO, the ones `ss -ti` prints), read "
        "every few ms: not simulated. send() only hands bytes to the kernel; these decide when "
        "they go out.");
    ImGui::Separator();
    auto term = [](const char* name, const char* meaning) {
        ImGui::PushFont(fonts().mono_bold);
        ImGui::TextUnformatted(name);
        ImGui::PopFont();
        ImGui::SameLine();
        ImGui::TextUnformatted(meaning);
    };
    term("cwnd",
         "congestion window: how many segments the kernel lets itself have on the way "
         "before it waits for ACKs. It grows while ACKs come back and is cut when a "
         "loss says the network is full.");
    term("ssthresh",
         "slow-start threshold: below it cwnd doubles every round trip (slow "
         "start), above it cwnd grows by about one segment per round trip. "
         "\xE2\x80\x94 means there is none: no loss yet, or a congestion control that "
         "does not use one (BBR).");
    term("rtt",
         "round-trip time: how long from sending a segment to its ACK, smoothed over the "
         "last samples (\xE2\x80\x94 until the first ACK measured one).");
    term("rto",
         "retransmission timeout: how long the kernel waits for an ACK before it sends "
         "a segment again (at least 200 ms on Linux; it doubles on each timeout in a "
         "row).");
    term("retrans", "segments the kernel has sent again so far on this connection.");
    term("in flight",
         "segments sent and not yet acknowledged (nor known to have arrived out "
         "of order, nor counted lost).");
    ImGui::Separator();
    ImGui::Text(
        "Now: rtt %s \xC2\xB1 %s; %u segments unacknowledged, %u of them in flight; "
        "segments of at most %u bytes",
        duration_text(info.rtt_us).c_str(), duration_text(info.rttvar_us).c_str(), info.unacked,
        info.in_flight, info.mss);
    if (!info.congestion_control.empty())
        ImGui::Text(
            "congestion control: %s (the kernel's rule for growing and cutting cwnd; "
            "the system's default is sysctl net.ipv4.tcp_congestion_control)",
            info.congestion_control.c_str());
    if (info.peer_window)
        ImGui::Text(
            "peer window %u bytes: what the other side said it can still take (0: this "
            "side must wait)",
            *info.peer_window);
    ImGui::Text("receive space %u bytes: how much this side expects to receive per round trip",
                info.rcv_space);
    if (info.backoff)
        ImGui::Text("the timeout doubled %u times in a row", static_cast<unsigned>(info.backoff));
    const char* state = "open: all is well";
    switch (info.ca_state) {
        case TcpCaState::Disorder:
            state = "disorder: duplicate ACKs or SACK came back; the kernel watches for a loss";
            break;
        case TcpCaState::Cwr:
            state = "cwr: cwnd was cut because of congestion signalled without a loss";
            break;
        case TcpCaState::Recovery:
            state = "recovery: a fast retransmission is under way (duplicate ACKs asked for it)";
            break;
        case TcpCaState::Loss:
            state = "loss: the timeout fired; the kernel starts again from a small cwnd";
            break;
        case TcpCaState::Open:
        case TcpCaState::Unknown:
            break;
    }
    ImGui::Text("sender state: %s", state);
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    ImGui::EndTooltip();
}

// "cwnd 10  ssthresh —  rtt 40.2 ms ...": one line where the column is wide enough, else
// wrapped between terms, never inside one ("rtt" and "40.2 ms" stay together).
void tcp_info_line(const TcpInfoRecord& info) {
    ImGui::Indent();
    const std::string summary = tcp_info_summary(info, "\xE2\x80\x94");
    std::string text;
    for (size_t i = 0; i < summary.size(); ++i) {
        const bool between_terms =
            summary[i] == ' ' &&
            ((i + 1 < summary.size() && summary[i + 1] == ' ') || (i > 0 && summary[i - 1] == ' '));
        if (summary[i] == ' ' && !between_terms)
            text += "\xC2\xA0";  // a no-break space: ImGui wraps only at plain ones
        else
            text += summary[i];
    }
    const char* label = "TCP_INFO: ";
    const float width = ImGui::GetContentRegionAvail().x;
    if (ImGui::CalcTextSize((label + summary).c_str()).x <= width) {
        ImGui::TextDisabled("%s", label);
        ImGui::SameLine(0.0f, 0.0f);
    }
    ImGui::TextUnformatted(text.c_str());
    if (ImGui::IsItemHovered()) tcp_info_tooltip(info);
    ImGui::Unindent();
}

}  // namespace

void ActorColumn::draw_sockets(const RunRecord& record, const ActorRecord& actor,
                               const std::vector<SocketSnapshot>& sockets) {
    const std::vector<KernelSocket>& kernel = kernel_sockets(actor, record.events());
    // Kernel sockets that are one of the open sockets below; the others have no fd.
    std::vector<bool> shown(kernel.size(), false);
    auto kernel_state_of = [&](const SocketSnapshot& s) -> TcpState {
        bool named = false;
        for (size_t i = 0; i < kernel.size(); ++i) {
            const KernelSocket& k = kernel[i];
            if (k.name != s.name) continue;
            named = true;
            // The peer is not known yet while connect() is under way (SYN_SENT).
            if (same_address(k.local, s.local) &&
                (same_address(k.peer, s.peer) || s.peer.empty() || s.listening)) {
                shown[i] = true;
                return k.state;
            }
        }
        // Its reports were let go with old events (a long run): the newest state by name.
        if (!named) return record.tcp_state(actor.name, s.name).value_or(TcpState::Unknown);
        return TcpState::Unknown;
    };
    // The newest TCP_INFO reported for this socket, if it is about this connection (a name
    // such as "conn" may have held another one before).
    auto tcp_info_of = [&](const std::string& name, const SocketAddress& local,
                           const SocketAddress& peer, bool listening) -> const TcpInfoRecord* {
        const TcpInfoRecord* info = record.tcp_info(actor.name, name);
        // A listener's own numbers are its accept queue's: the watcher reports none, and a
        // connection that shares its name and address is not it.
        if (listening || !info || !same_address(info->local, local)) return nullptr;
        // Accepted sockets share their local address: the peer tells them apart.
        return peer.empty() || same_address(info->peer, peer) ? info : nullptr;
    };
    bool kernel_only = false;
    for (const KernelSocket& k : kernel) kernel_only |= k.state != TcpState::Close;
    if (sockets.empty() && !kernel_only) {
        ImGui::TextDisabled("no open sockets");
        return;
    }
    ImGui::PushFont(fonts().mono);
    ImGui::PushTextWrapPos(0.0f);
    for (const auto& s : sockets) {
        const char* kind = s.family == AF_UNIX     ? (s.type == SOCK_STREAM  ? "AF_UNIX stream"
                                                      : s.type == SOCK_DGRAM ? "AF_UNIX datagram"
                                                                             : "AF_UNIX seqpacket")
                           : s.type == SOCK_STREAM ? "TCP"
                                                   : "UDP";
        std::string text = s.name + " (fd " + std::to_string(s.fd) + ", " + kind +
                           (s.nonblocking ? ", non-blocking" : "") + ")";
        if (s.listening)
            text += " listening on " + s.local.to_string();
        else if (!s.peer.empty())
            text += " " + s.local.to_string() + " \xE2\x86\x94 " + s.peer.to_string();
        else if (s.bound)
            text += " " + s.local.to_string();
        ImGui::TextUnformatted(text.c_str());
        if (s.type == SOCK_STREAM && s.family != AF_UNIX) {
            const TcpState state = kernel_state_of(s);
            if (state != TcpState::Unknown) state_line(state);
            if (const TcpInfoRecord* info = tcp_info_of(s.name, s.local, s.peer, s.listening))
                tcp_info_line(*info);
        }
    }
    // Sockets only the kernel still has: closed by the program but not gone yet (TIME_WAIT,
    // FIN_WAIT_2), or connections the kernel completed that accept() has not taken yet.
    for (size_t i = 0; i < kernel.size(); ++i) {
        const KernelSocket& k = kernel[i];
        if (shown[i] || k.state == TcpState::Close) continue;
        std::string text = k.name == "queued"
                               ? "queued (in the accept queue: no fd until accept() returns it)"
                               : k.name + " (closed, no fd: the kernel still keeps it)";
        text += " " + k.local.to_string() +
                (k.peer.empty() ? "" : " \xE2\x86\x94 " + k.peer.to_string());
        ImGui::PushStyleColor(ImGuiCol_Text, theme::muted());
        ImGui::TextUnformatted(text.c_str());
        ImGui::PopStyleColor();
        state_line(k.state);
        if (const TcpInfoRecord* info =
                tcp_info_of(k.name, k.local, k.peer, k.state == TcpState::Listen))
            tcp_info_line(*info);
    }
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
}

void ActorColumn::draw_timeline(LessonRun& run, const ActorRecord& actor, float height) {
    const std::deque<Event>& events = run.record().events();
    const size_t selected_row = run.selected_row(actor);
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
            if (e.kind == EventKind::State)
                ImGui::TextDisabled("TCP");  // the kernel's report, not a call anyone made
            else if (e.step > 0)
                ImGui::Text("%d", e.step);
            else if (e.socket_name == LessonServer::kKeptSocketName)
                ImGui::TextDisabled("open");  // the kept-open server, not a lesson step
            else
                ImGui::TextDisabled("you");
            ImGui::TableNextColumn();
            ImGui::PushID(row);
            const bool selected = selected_row == static_cast<size_t>(row);
            const ImVec2 text_pos = ImGui::GetCursorScreenPos();
            if (ImGui::Selectable(
                    "##row", selected,
                    ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
                run.select_row(actor, selected ? SIZE_MAX : static_cast<size_t>(row));
            const std::string name = event_call_name(e);
            const std::string args = event_args_text(e);
            if (ImGui::IsItemHovered() && e.kind == EventKind::State) {
                ImGui::SetTooltip("%s: %s (the kernel's TCP state; click for what it means)",
                                  e.socket_name.c_str(), args.c_str());
            } else if (ImGui::IsItemHovered()) {
                ImGui::BeginTooltip();
                ImGui::Text("%s(%s) = %s", name.c_str(), args.c_str(), result_text(e).c_str());
                if (e.failed())
                    ImGui::Text("%s: %s", errno_name(event_errno(e)).c_str(),
                                errno_explanation(event_errno(e)).c_str());
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
            std::string call = name + "(" + args + ")";
            ImVec4 color = result_color(e);
            if (const StateRecord* state = e.state()) {
                // "conn: ESTABLISHED → CLOSE_WAIT", the new state in its colour; a socket that
                // took over a state (accept) shows the state with its new name.
                call = e.socket_name + ": ";
                if (state->renamed) {
                    result = args;
                } else {
                    call += (state->from == TcpState::Unknown ? std::string("new")
                                                              : tcp_state_name(state->from)) +
                            std::string(" \xE2\x86\x92 ");
                    result = tcp_state_name(state->to);
                }
                color = tcp_state_color(state->to);
            }
            if (!fits(call, result) && e.kind != EventKind::State)
                call = name + (args.empty() ? "()" : "(\xE2\x80\xA6)");
            if (!fits(call, result) && e.kind != EventKind::State) call = name;
            if (!fits(call, result) && e.failed()) result = " " + errno_name(event_errno(e));
            ImGui::TextUnformatted(call.c_str());
            ImGui::SameLine(0.0f, 0.0f);
            ImGui::PushStyleColor(ImGuiCol_Text, color);
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

void ActorColumn::draw_details(const LessonRun& run, const ActorRecord& actor, float height) {
    const std::deque<Event>& events = run.record().events();
    const size_t selected = run.selected_row(actor);
    ImGui::BeginChild("details", ImVec2(0, height), true);
    if (actor.timeline.empty()) {
        ImGui::TextDisabled("no calls yet");
        ImGui::EndChild();
        return;
    }
    size_t row = selected < actor.timeline.size() ? selected : actor.timeline.size() - 1;
    const Event& e = events[actor.timeline[row]];
    const std::string name = event_call_name(e);
    const std::string args = event_args_text(e);
    ImGui::PushTextWrapPos(0.0f);
    if (const StateRecord* state = e.state()) {
        // A state change the kernel reported: what the new state means, and how we know.
        ImGui::PushFont(fonts().mono_bold);
        ImGui::Text("TCP state of %s: ", e.socket_name.c_str());
        ImGui::SameLine(0.0f, 0.0f);
        ImGui::TextColored(tcp_state_color(state->to), "%s", tcp_state_name(state->to));
        ImGui::PopFont();
        const std::string meaning = tcp_state_meaning(state->to);
        if (!meaning.empty()) ImGui::TextUnformatted(meaning.c_str());
        if (!state->local.empty())
            ImGui::Text("local %s   peer %s", state->local.to_string().c_str(),
                        state->peer.empty() ? "-" : state->peer.to_string().c_str());
        ImGui::TextDisabled(
            "%s; read from the kernel (sock_diag), which is asked every few ms: seen at %.3f ms",
            args.c_str(), static_cast<double>(e.t_us) / 1000.0);
        ImGui::PopTextWrapPos();
        ImGui::EndChild();
        return;
    }
    ImGui::PushFont(fonts().mono_bold);
    if (e.kind == EventKind::Call)
        ImGui::Text("%s(%s) = %lld", name.c_str(), args.c_str(),
                    static_cast<long long>(event_ret(e)));
    else if (e.kind == EventKind::Wait)
        ImGui::Text("%s(%s) \xE2\x80\xA6 blocked, waiting for the other side", name.c_str(),
                    args.c_str());
    else
        ImGui::Text("%s", name.c_str());
    ImGui::PopFont();
    if (e.failed()) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme::error());
        ImGui::Text("%s: %s", errno_name(event_errno(e)).c_str(),
                    errno_explanation(event_errno(e)).c_str());
        ImGui::PopStyleColor();
    }
    const CallRecord* call = e.call();
    if (call && (!call->local.empty() || !call->peer.empty()))
        ImGui::Text("local %s   peer %s",
                    call->local.empty() ? "-" : call->local.to_string().c_str(),
                    call->peer.empty() ? "-" : call->peer.to_string().c_str());
    if (!e.note.empty()) ImGui::TextDisabled("%s", e.note.c_str());
    ImGui::TextDisabled("at %.3f ms", static_cast<double>(e.t_us) / 1000.0);
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
}

}  // namespace socketlab::ui
