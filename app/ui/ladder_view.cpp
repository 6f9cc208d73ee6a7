// [SECTION] Text of a row (call labels, packet labels, tooltips)
// [SECTION] Drawing one row (packet arrow, call mark)
// [SECTION] LadderView::draw (lifelines, call bars, rows, pinned header, scrolling)
#include "ui/ladder_view.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include "core/errno_text.h"
#include "ui/event_text.h"
#include "ui/fonts.h"
#include "ui/theme.h"

namespace socketlab::ui {
namespace {

//-------------------------------------------------------------------------------------------
// [SECTION] Text of a row
//-------------------------------------------------------------------------------------------

ImFont* font_or_current(ImFont* font) {
    return font ? font : ImGui::GetFont();
}

ImVec2 text_size(ImFont* font, const std::string& text) {
    font = font_or_current(font);
    return font->CalcTextSizeA(font->FontSize, FLT_MAX, 0.0f, text.c_str());
}

void add_text(ImDrawList* draw, ImFont* font, ImVec2 pos, ImU32 color, const std::string& text) {
    font = font_or_current(font);
    draw->AddText(font, font->FontSize, pos, color, text.c_str());
}

ImU32 with_alpha(ImVec4 color, float alpha) {
    color.w *= alpha;
    return ImGui::GetColorU32(color);
}

// A call mark's words: the call and, once it returned, its result, shortened to fit `width`
// (arguments go first, then the "-1" before an errno name; the tooltip has it all).
struct CallLabel {
    std::string call;
    std::string result;  // "" while blocked
    ImVec4 result_color;
};

// still_blocked: a CallStart whose call has not returned yet.
CallLabel call_label(const Event& e, LadderRowKind kind, bool still_blocked, ImFont* font,
                     float width) {
    CallLabel label;
    if (e.kind == EventKind::Wait) {
        // It blocked here (a Wait event); yellow while it still waits, grey once it returned.
        label.result = " \xE2\x80\xA6 blocked";  // …
        label.result_color = still_blocked ? theme::waiting() : theme::muted();
    } else if (kind != LadderRowKind::CallStart) {
        label.result = " = " + call_result_text(e);
        label.result_color = e.failed() ? theme::error() : theme::ok();
    } else {
        label.result = " \xE2\x80\xA6";  // made here; returns further down
        label.result_color = theme::muted();
    }
    const std::string name = event_call_name(e);
    const std::string arg_text = event_args_text(e);
    const bool args = kind != LadderRowKind::CallReturn && !arg_text.empty();
    label.call = name + "(" + (args ? arg_text : "") + ")";
    auto fits = [&] { return text_size(font, label.call + label.result).x <= width; };
    if (!fits() && args) label.call = name + "(\xE2\x80\xA6)";
    if (!fits() && e.failed()) label.result = " = " + errno_name(event_errno(e));
    return label;
}

std::string time_text(int64_t t_us) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", static_cast<double>(t_us) / 1000.0);
    return buffer;
}

void packet_tooltip(const FlowModel& flow, const FlowPacket& packet, const Event& e,
                    bool relative) {
    const PacketRecord& p = *e.packet();
    const auto& lifelines = flow.lifelines();
    ImGui::BeginTooltip();
    ImGui::PushFont(fonts().mono_bold);
    ImGui::TextColored(packet_color(p), "%s", packet_kind(p).c_str());
    ImGui::PopFont();
    ImGui::SameLine(0.0f, ImGui::GetFontSize() * 0.5f);
    ImGui::Text("%s \xE2\x86\x92 %s", lifelines[packet.from_lifeline].label().c_str(),
                lifelines[packet.to_lifeline].label().c_str());
    ImGui::PushFont(fonts().mono);
    ImGui::Text("%s \xE2\x86\x92 %s", packet_endpoint(p, p.src).c_str(),
                packet_endpoint(p, p.dst).c_str());
    if (p.is_tcp()) {
        ImGui::Text("seq %u (%s %u)", flow.shown_seq(packet, p, relative),
                    relative ? "absolute" : "relative", flow.shown_seq(packet, p, !relative));
        if (p.has(kTcpAck))
            ImGui::Text("ack %u (%s %u)", flow.shown_ack(packet, p, relative),
                        relative ? "absolute" : "relative", flow.shown_ack(packet, p, !relative));
        ImGui::Text("window %u", p.window);
    }
    ImGui::Text("payload %u bytes, at %s ms", p.len, time_text(e.t_us).c_str());
    ImGui::PopFont();
    if (!p.problem.empty()) ImGui::TextColored(theme::error(), "%s", p.problem.c_str());
    if (p.link) {
        // What SocketLab's link did to it: its doing, not the kernel's.
        const LinkRecord& l = *p.link;
        if (l.fate == LinkRecord::Fate::Dropped)
            ImGui::TextColored(theme::error(), "SocketLab's link dropped it (%s)", l.why.c_str());
        else
            ImGui::TextColored(
                theme::link(), "%.1f ms in SocketLab's link (it left the %s at %s ms)%s%s",
                static_cast<double>(l.delay_us) / 1000.0, l.from.c_str(),
                time_text(l.entered_us).c_str(), l.why.empty() ? "" : ": ", l.why.c_str());
    }
    ImGui::TextDisabled("Click for every header field and its bytes");
    ImGui::EndTooltip();
}

void call_tooltip(const std::deque<Event>& events, const std::vector<LadderRow>& rows,
                  const LadderRow& row) {
    // A start row's event may be the Wait; the result is on its return row's Call event.
    const bool returned = row.kind != LadderRowKind::CallStart || row.partner != SIZE_MAX;
    const Event& e =
        events[row.kind == LadderRowKind::CallStart && returned ? rows[row.partner].event
                                                                : row.event];
    ImGui::BeginTooltip();
    ImGui::PushFont(fonts().mono_bold);
    ImGui::Text("%s: %s(%s)%s%s", e.actor.c_str(), event_call_name(e).c_str(),
                event_args_text(e).c_str(),
                e.kind == EventKind::Wait ? " \xE2\x80\xA6 blocked" : " = ",
                e.kind == EventKind::Wait ? "" : call_result_text(e).c_str());
    ImGui::PopFont();
    if (e.failed())
        ImGui::TextColored(theme::error(), "%s: %s", errno_name(event_errno(e)).c_str(),
                           errno_explanation(event_errno(e)).c_str());
    if (row.kind == LadderRowKind::Call) {
        ImGui::Text("at %s ms", time_text(e.t_us).c_str());
    } else {
        const LadderRow& start = row.kind == LadderRowKind::CallStart ? row : rows[row.partner];
        ImGui::Text("made at %s ms", time_text(start.t_us).c_str());
        if (e.kind == EventKind::Call)
            ImGui::Text("returned at %s ms; the packets between happened while it ran",
                        time_text(e.t_us).c_str());
        else
            ImGui::TextUnformatted("still blocked: it returns when the other side acts");
    }
    ImGui::EndTooltip();
}

//-------------------------------------------------------------------------------------------
// [SECTION] Drawing one row
//-------------------------------------------------------------------------------------------

// Everything the rows of one frame share.
struct Geometry {
    ImVec2 origin;       // content origin of the rows (top-left of row 0)
    float width = 0.0f;  // of the drawing
    float row_h = 0.0f;  // every row
    float line = 0.0f;   // one line of mono text
    float em = 0.0f;
    float lanes_left = 0.0f;  // x where the lifelines' area begins (after the time column)
    float thickness = 1.0f;
    float bar_half = 0.0f;  // half the width of a call's bar
    std::vector<float> x;   // lifeline positions
};

void draw_arrow(ImDrawList* draw, ImVec2 from, ImVec2 to, ImU32 color, float thickness,
                float head) {
    float dx = to.x - from.x, dy = to.y - from.y;
    const float length = std::sqrt(dx * dx + dy * dy);
    if (length < 1.0f) return;
    dx /= length;
    dy /= length;
    const ImVec2 base(to.x - dx * head, to.y - dy * head);
    draw->AddLine(from, base, color, thickness);
    const ImVec2 side(-dy * head * 0.45f, dx * head * 0.45f);
    draw->AddTriangleFilled(to, ImVec2(base.x + side.x, base.y + side.y),
                            ImVec2(base.x - side.x, base.y - side.y), color);
}

// start_top: the top of the row where the packet left its sender (a row above `top` when the
// link delayed it: the arrow then slants across the rows of what happened meanwhile).
void draw_packet_row(ImDrawList* draw, const Geometry& g, float top, float start_top,
                     const FlowModel& flow, const FlowPacket& packet, const Event& e, bool relative,
                     bool selected) {
    const PacketRecord& p = *e.packet();
    const ImU32 color = ImGui::GetColorU32(packet_color(p));
    const float from_x = g.x[packet.from_lifeline];
    const float to_x = g.x[packet.to_lifeline];
    // The arrow descends: time passes while a packet travels (as in the textbooks' ladders).
    const float y_from = start_top + g.line * 1.3f;
    const float y_to = top + g.row_h - g.line * 0.3f;
    const float thickness = g.thickness * (selected ? 2.2f : 1.4f);
    const float head = g.em * 0.6f;
    float label_x = 0.0f;

    const std::string kind = packet_kind(p);
    std::string numbers = "  " + packet_numbers(flow, packet, p, relative);
    if (const FlowConnection& c = flow.connections()[packet.connection]; c.shares_lifelines) {
        // Several connections between the same two lifelines: the ports tell them apart.
        auto port = [](const SocketAddress& a) { return ":" + std::to_string(a.port()); };
        numbers += "  " + port(c.client) + "\xE2\x86\x94" + port(c.server);
    }
    // What the analysis and the link say about it: the kernel's doing, then the app's.
    const bool dropped = p.link && p.link->fate == LinkRecord::Fate::Dropped;
    if (p.analysis.retransmission) {
        char later[64] = "";
        if (p.analysis.original)
            std::snprintf(later, sizeof later, " of #%llu, %.0f ms later",
                          static_cast<unsigned long long>(p.analysis.original),
                          static_cast<double>(p.analysis.after_us) / 1000.0);
        numbers +=
            std::string(p.analysis.fast ? "  fast retransmission" : "  retransmission") + later;
    }
    if (p.analysis.dup_ack) numbers += "  dup ACK #" + std::to_string(p.analysis.dup_ack);
    if (p.analysis.sack_blocks) numbers += "  SACK";
    if (dropped) numbers += "  DROPPED by SocketLab's link";
    const float label_w = text_size(fonts().mono_bold, kind).x + text_size(fonts().mono, numbers).x;

    if (packet.from_lifeline == packet.to_lifeline) {
        // Both ends on one lifeline (an actor talking to itself): a loop to the right.
        const float out = from_x + g.em * 2.5f;
        draw->AddLine(ImVec2(from_x + g.bar_half, y_from), ImVec2(out, y_from), color, thickness);
        draw->AddLine(ImVec2(out, y_from), ImVec2(out, y_to), color, thickness);
        draw_arrow(draw, ImVec2(out, y_to), ImVec2(from_x + g.bar_half, y_to), color, thickness,
                   head);
        label_x = out + g.em * 0.5f;
    } else {
        const float direction = to_x > from_x ? 1.0f : -1.0f;
        const ImVec2 start(from_x + direction * g.bar_half, y_from);
        const ImVec2 end(to_x - direction * g.bar_half, y_to);
        if (dropped) {
            // It never arrived: the arrow stops halfway, at a cross.
            const ImVec2 mid((start.x + end.x) * 0.5f, (start.y + end.y) * 0.5f);
            draw->AddLine(start, mid, color, thickness);
            const float r = g.em * 0.45f;
            const ImU32 cross = ImGui::GetColorU32(theme::error());
            draw->AddLine(ImVec2(mid.x - r, mid.y - r), ImVec2(mid.x + r, mid.y + r), cross,
                          thickness * 1.6f);
            draw->AddLine(ImVec2(mid.x - r, mid.y + r), ImVec2(mid.x + r, mid.y - r), cross,
                          thickness * 1.6f);
        } else {
            draw_arrow(draw, start, end, color, thickness, head);
        }
        label_x = (from_x + to_x) * 0.5f - label_w * 0.5f;
    }
    label_x = std::clamp(label_x, g.origin.x + g.lanes_left,
                         std::max(g.origin.x + g.lanes_left, g.origin.x + g.width - label_w));
    const ImVec2 label_pos(label_x, top + g.line * 0.1f);
    add_text(draw, fonts().mono_bold, label_pos, color, kind);
    add_text(draw, fonts().mono,
             ImVec2(label_pos.x + text_size(fonts().mono_bold, kind).x, label_pos.y),
             ImGui::GetColorU32(ImGuiCol_Text), numbers);
}

// Where a packet's arrow starts: the first row at or after the moment it entered SocketLab's
// link, when the link held it for a while; else its own row.
float sent_row_top(const std::vector<LadderRow>& rows, int row, const Event& e, float top,
                   float row_h) {
    const PacketRecord& p = *e.packet();
    if (!p.link || p.link->delay_us < 1000 || p.link->entered_us <= 0) return top;
    const auto end = rows.begin() + row;
    const auto first = std::lower_bound(rows.begin(), end, p.link->entered_us,
                                        [](const LadderRow& r, int64_t t) { return r.t_us < t; });
    return top - static_cast<float>(end - first) * row_h;
}

void draw_call_row(ImDrawList* draw, const Geometry& g, float top, const LadderRow& row,
                   const Event& e) {
    const float x = g.x[row.lifeline];
    const float y = top + g.row_h * 0.5f;
    const bool blocked = row.kind == LadderRowKind::CallStart && row.partner == SIZE_MAX;
    const ImVec4 mark = blocked ? theme::waiting() : e.failed() ? theme::error() : theme::ok();
    draw->AddCircleFilled(ImVec2(x, y), g.em * 0.3f, ImGui::GetColorU32(mark));

    // Labels go on the side with room: right of a lifeline, left of the rightmost one.
    const bool right_side = g.x.size() < 2 || row.lifeline + 1 < g.x.size();
    const float gap = g.em * 0.8f;
    const float room =
        right_side ? g.origin.x + g.width - (x + gap) : x - gap - (g.origin.x + g.lanes_left);
    const CallLabel label = call_label(e, row.kind, blocked, fonts().mono, room);
    const float call_w = text_size(fonts().mono, label.call).x;
    const float total_w = call_w + text_size(fonts().mono, label.result).x;
    const float left =
        right_side ? x + gap : std::max(g.origin.x + g.lanes_left, x - gap - total_w);
    const ImVec2 pos(left, y - g.line * 0.5f);
    add_text(draw, fonts().mono, pos, ImGui::GetColorU32(ImGuiCol_Text), label.call);
    add_text(draw, fonts().mono, ImVec2(pos.x + call_w, pos.y),
             ImGui::GetColorU32(label.result_color), label.result);
}

}  // namespace

//-------------------------------------------------------------------------------------------
// [SECTION] LadderView::draw
//-------------------------------------------------------------------------------------------

void LadderView::draw(const FlowModel& flow, const std::deque<Event>& events,
                      PacketSelection& selection, float height) {
    const auto& rows = flow.rows();
    const auto& lifelines = flow.lifelines();
    ImGui::BeginChild("ladder", ImVec2(0.0f, height), true, ImGuiWindowFlags_HorizontalScrollbar);
    if (lifelines.empty()) {
        ImGui::TextDisabled("No calls and no packets yet: press Step.");
        ImGui::EndChild();
        return;
    }
    if (bars_generation_ != flow.generation()) {
        bars_.clear();
        for (size_t r = 0; r < rows.size(); ++r)
            if (rows[r].kind == LadderRowKind::CallStart)
                bars_.push_back({r, rows[r].partner == SIZE_MAX ? rows.size() : rows[r].partner,
                                 rows[r].lifeline});
        bars_generation_ = flow.generation();
    }

    const bool at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1.0f;
    ImGui::PushFont(font_or_current(fonts().mono));
    Geometry g;
    g.em = ImGui::GetFontSize();
    g.line = ImGui::GetTextLineHeight();
    g.row_h = std::floor(g.line * 2.2f);
    g.thickness = std::max(1.0f, g.em / 16.0f);
    g.bar_half = std::floor(g.em * 0.3f);
    // The newest row has the widest time (rows are in time order).
    const float time_w =
        std::max(text_size(fonts().mono, "0000.000").x,
                 rows.empty() ? 0.0f : text_size(fonts().mono, time_text(rows.back().t_us)).x);
    // Room at both ends for half of the widest lifeline name (its box is centred on the line).
    float widest_name = 0.0f;
    for (const auto& lifeline : lifelines)
        widest_name = std::max(widest_name, text_size(fonts().bold, lifeline.label()).x);
    const float name_box = widest_name + g.em;
    const float side = std::max(g.em * 1.2f, name_box * 0.5f + g.em * 0.3f);
    // How wide the lifelines' area must be: names side by side (or on two staggered rows,
    // which halves the gap), and an arrow's label fitting the drawing (it has its own line
    // above the arrow, so it may reach past other lifelines). When the pane is too narrow,
    // first the names stagger, then the time column goes (the tooltips keep the time), and
    // only then does the ladder scroll sideways: every lifeline on screen matters most.
    const float label_w = text_size(fonts().mono, "SYN,ACK  seq=0 ack=1 len=0").x + g.em;
    const float n = static_cast<float>(lifelines.size());
    auto lanes_for = [&](bool staggered) {
        const float gap = staggered ? name_box * 0.5f + g.em * 0.5f : name_box + g.em * 0.5f;
        return std::max(label_w + g.em, 2.0f * side + std::max(n - 1.0f, 1.0f) * gap);
    };
    const float avail_w = ImGui::GetContentRegionAvail().x;
    const float time_col = time_w + g.em;
    bool show_time = true, staggered = false;
    if (avail_w < time_col + lanes_for(false)) {
        staggered = lifelines.size() >= 3;
        if (avail_w < time_col + lanes_for(staggered)) show_time = false;
    }
    const float lanes_w = lanes_for(staggered);
    g.lanes_left = show_time ? time_col : 0.0f;
    // A pixel short of the pane: exactly its width made ImGui flicker a horizontal scrollbar.
    g.width = std::max(std::floor(avail_w) - 1.0f, g.lanes_left + lanes_w);
    const float header_h = std::floor(g.line * (staggered ? 3.5f : 2.0f));

    // Rows touch (no item spacing), so row r is exactly at origin + r * row_h: the bars, the
    // clipper and the scrolling below all count on it.
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(0.0f, 0.0f));
    ImGui::Dummy(ImVec2(g.width, header_h));  // under the pinned header when at the top
    g.origin = ImGui::GetCursorScreenPos();
    for (size_t i = 0; i < lifelines.size(); ++i)
        g.x.push_back(std::floor(
            lifelines.size() == 1
                ? g.origin.x + g.lanes_left + (g.width - g.lanes_left) * 0.5f
                : g.origin.x + g.lanes_left + side +
                      static_cast<float>(i) * (g.width - g.lanes_left - 2.0f * side) / (n - 1.0f)));

    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 clip_min = draw->GetClipRectMin();
    const ImVec2 clip_max = draw->GetClipRectMax();
    const float rows_bottom = g.origin.y + static_cast<float>(rows.size()) * g.row_h;
    const float header_bottom =
        ImGui::GetWindowPos().y + ImGui::GetStyle().WindowPadding.y + header_h;

    // Lifelines and call bars first: arrows and labels go over them.
    const ImU32 lifeline_color = with_alpha(theme::muted(), 0.7f);
    const float line_top = std::max(g.origin.y - g.line * 0.3f, clip_min.y);
    const float line_bottom = std::min(rows_bottom + g.row_h * 0.5f, clip_max.y);
    for (float x : g.x)
        draw->AddLine(ImVec2(x, line_top), ImVec2(x, line_bottom), lifeline_color,
                      g.thickness * 1.5f);
    const ImU32 bar_fill = with_alpha(theme::link(), 0.22f);
    const ImU32 bar_edge = with_alpha(theme::link(), 0.8f);
    for (const Bar& bar : bars_) {
        const float y0 = g.origin.y + (static_cast<float>(bar.first_row) + 0.5f) * g.row_h;
        const float y1 = bar.last_row >= rows.size()
                             ? rows_bottom + g.row_h * 0.5f
                             : g.origin.y + (static_cast<float>(bar.last_row) + 0.5f) * g.row_h;
        if (y1 < clip_min.y || y0 > clip_max.y) continue;
        const float x = g.x[bar.lifeline];
        draw->AddRectFilled(ImVec2(x - g.bar_half, y0), ImVec2(x + g.bar_half, y1), bar_fill);
        draw->AddRect(ImVec2(x - g.bar_half, y0), ImVec2(x + g.bar_half, y1), bar_edge, 0.0f, 0,
                      g.thickness);
    }

    const size_t selected_packet = flow.packet_by_event_seq(selection.event_seq);
    const size_t selected_row = flow.row_of_packet(selected_packet);
    const ImU32 time_color = ImGui::GetColorU32(theme::muted());
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()), g.row_h);
    while (clipper.Step()) {
        for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
            const LadderRow& row = rows[static_cast<size_t>(r)];
            const ImVec2 top = ImGui::GetCursorScreenPos();
            ImGui::PushID(r);
            ImGui::InvisibleButton("##row", ImVec2(g.width, g.row_h));
            // On press, so the list can scroll to the packet within the frames one input draws.
            const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
            const bool hovered = ImGui::IsItemHovered() && mouse.y > header_bottom;
            ImGui::PopID();
            const bool selected = static_cast<size_t>(r) == selected_row;
            if (selected || hovered)
                draw->AddRectFilled(
                    top, ImVec2(top.x + g.width, top.y + g.row_h),
                    ImGui::GetColorU32(selected ? ImGuiCol_Header : ImGuiCol_HeaderHovered,
                                       selected ? 0.55f : 0.3f));
            const float text_y = row.kind == LadderRowKind::Packet
                                     ? top.y + g.line * 0.1f
                                     : top.y + (g.row_h - g.line) * 0.5f;
            if (show_time) {
                const std::string when = time_text(row.t_us);
                add_text(draw, fonts().mono,
                         ImVec2(top.x + time_w - text_size(fonts().mono, when).x, text_y),
                         time_color, when);
            }
            if (row.kind == LadderRowKind::Packet) {
                const FlowPacket& packet = flow.packets()[row.packet];
                const Event& e = events[packet.event];
                draw_packet_row(draw, g, top.y, sent_row_top(rows, r, e, top.y, g.row_h), flow,
                                packet, e, selection.relative, selected);
                if (hovered) packet_tooltip(flow, packet, e, selection.relative);
                if (clicked && mouse.y > header_bottom) {
                    selection.event_seq = packet.event_seq;
                    selection.reveal_in_list = true;
                    selection.show_detail = true;
                }
            } else {
                draw_call_row(draw, g, top.y, row, events[row.event]);
                if (hovered) call_tooltip(events, rows, row);
            }
        }
    }
    ImGui::PopStyleVar();
    ImGui::PopFont();

    // The pinned header: who each lifeline is, over the rows scrolled beneath it.
    {
        const ImVec2 window_pos = ImGui::GetWindowPos();
        const float pad = ImGui::GetStyle().WindowPadding.y;
        draw->AddRectFilled(ImVec2(window_pos.x + 1.0f, window_pos.y + 1.0f),
                            ImVec2(window_pos.x + ImGui::GetWindowWidth() - 1.0f, header_bottom),
                            ImGui::GetColorU32(ImGuiCol_ChildBg));
        draw->AddLine(ImVec2(window_pos.x + 1.0f, header_bottom),
                      ImVec2(window_pos.x + ImGui::GetWindowWidth() - 1.0f, header_bottom),
                      ImGui::GetColorU32(ImGuiCol_Separator));
        ImFont* bold = font_or_current(fonts().bold);
        const float name_row = staggered ? std::floor(g.line * 1.5f) : 0.0f;
        const float first_y = window_pos.y + pad + (header_h - name_row - bold->FontSize) * 0.5f;
        if (show_time)
            add_text(draw, fonts().regular, ImVec2(g.origin.x, first_y + name_row * 0.5f),
                     time_color, "ms");
        for (size_t i = 0; i < lifelines.size(); ++i) {
            const float label_y = first_y + (i % 2 == 1 ? name_row : 0.0f);
            if (staggered && i % 2 == 0)  // the line reaches up to the name above the other row
                draw->AddLine(ImVec2(g.x[i], label_y + bold->FontSize),
                              ImVec2(g.x[i], header_bottom), lifeline_color, g.thickness * 1.5f);
            const std::string name = lifelines[i].label();
            const float w = text_size(bold, name).x;
            const float box_pad = g.em * 0.5f;
            const ImVec2 box_min(g.x[i] - w * 0.5f - box_pad, label_y - g.em * 0.2f);
            const ImVec2 box_max(g.x[i] + w * 0.5f + box_pad,
                                 label_y + bold->FontSize + g.em * 0.2f);
            draw->AddRectFilled(box_min, box_max, ImGui::GetColorU32(theme::code_background()),
                                g.em * 0.25f);
            draw->AddRect(box_min, box_max, lifeline_color, g.em * 0.25f, 0, g.thickness);
            add_text(draw, bold, ImVec2(g.x[i] - w * 0.5f, label_y),
                     ImGui::GetColorU32(ImGuiCol_Text), name);
            if (ImGui::IsWindowHovered() && ImGui::IsMouseHoveringRect(box_min, box_max)) {
                ImGui::BeginTooltip();
                ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
                if (lifelines[i].actor.empty())
                    ImGui::Text(
                        "%s: no socket of this lesson has this address (a port where "
                        "nothing listens, say: the kernel itself answers, with a RST).",
                        lifelines[i].address.to_string().c_str());
                else
                    ImGui::Text(
                        "%s: its packets start and end on this line, and its socket "
                        "calls are marked on it where they were made.",
                        name.c_str());
                ImGui::PopTextWrapPos();
                ImGui::EndTooltip();
            }
        }
    }

    // Scrolling: show a packet picked in the list; otherwise follow new rows unless the learner
    // scrolled up to read older ones.
    if (selection.reveal_in_ladder && selected_row != SIZE_MAX) {
        const float row_y = g.origin.y + (static_cast<float>(selected_row) + 0.5f) * g.row_h;
        ImGui::SetScrollFromPosY(row_y - ImGui::GetWindowPos().y, 0.5f);
    } else if (at_bottom) {
        ImGui::SetScrollHereY(1.0f);
    }
    selection.reveal_in_ladder = false;
    ImGui::EndChild();
}

}  // namespace socketlab::ui
