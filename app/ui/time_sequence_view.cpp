#include "ui/time_sequence_view.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "ui/theme.h"
#include "ui/toolbar_layout.h"

namespace socketlab::ui {
namespace {

// The marks' colours; the legend names each in words, so colour is never the only cue.
ImVec4 data_color() {
    return theme::sent();
}
ImVec4 retransmission_color() {
    return ImVec4(0.90f, 0.45f, 0.95f, 1.0f);  // violet: neither data's orange nor a drop's red
}
ImVec4 ack_color() {
    return theme::ok();
}
ImVec4 window_color() {
    return theme::waiting();
}
ImVec4 sack_color() {
    return theme::received();
}

// A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `count` pieces.
double nice_step(double span, int count) {
    if (span <= 0 || count <= 0) return 1;
    const double raw = span / count;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0})
        if (raw <= m * power) return m * power;
    return 10 * power;
}

std::string time_label(double us, double step_us) {
    if (std::fabs(us) < step_us * 1e-6) us = 0;  // no "-0.0 s"
    char text[32];
    if (step_us >= 1e6)
        std::snprintf(text, sizeof text, "%.0f s", us / 1e6);
    else if (step_us >= 1e5)
        std::snprintf(text, sizeof text, "%.1f s", us / 1e6);
    else if (step_us >= 1e3)
        std::snprintf(text, sizeof text, "%.0f ms", us / 1e3);
    else
        std::snprintf(text, sizeof text, "%.1f ms", us / 1e3);
    return text;
}

std::string seq_label(double seq, double step) {
    if (std::fabs(seq) < step * 1e-6) seq = 0;
    char text[32];
    if (seq >= 1e6)
        std::snprintf(text, sizeof text, "%gM", seq / 1e6);
    else if (seq >= 1e4)
        std::snprintf(text, sizeof text, "%gk", seq / 1e3);
    else
        std::snprintf(text, sizeof text, "%.0f", seq);
    return text;
}

// A coloured word for the legend, and the next one beside it if it fits.
void legend_item(const char* mark, const char* words, ImVec4 color, bool first) {
    std::string text = std::string(mark) + " " + words;
    if (!first) same_line_if_fits(ImGui::CalcTextSize(text.c_str()).x);
    ImGui::TextColored(color, "%s", text.c_str());
}

void cross(ImDrawList* draw, ImVec2 at, float r, ImU32 color, float thickness) {
    draw->AddLine(ImVec2(at.x - r, at.y - r), ImVec2(at.x + r, at.y + r), color, thickness);
    draw->AddLine(ImVec2(at.x - r, at.y + r), ImVec2(at.x + r, at.y - r), color, thickness);
}

}  // namespace

void TimeSequenceView::rebuild_if_changed(const FlowModel& flow, const std::deque<Event>& events) {
    if (flow.generation() == built_generation_) return;
    built_generation_ = flow.generation();
    choices_ = time_sequence_choices(flow, events);
    const TimeSequenceChoice* picked = nullptr;
    for (const auto& c : choices_)
        if (c.connection == picked_connection_ && c.from_client == picked_from_client_) picked = &c;
    if (!picked && !choices_.empty()) {
        // New run, or the old pick is gone: the direction with the most data.
        picked = &choices_.front();
        picked_connection_ = picked->connection;
        picked_from_client_ = picked->from_client;
        zoomed_ = false;
    }
    graph_ = picked ? build_time_sequence(flow, events, *picked) : TimeSequence{};
}

TimeSequenceView::Range TimeSequenceView::whole_run() const {
    Range r;
    r.t1 = std::max<double>(static_cast<double>(graph_.last_us), 1000.0) * 1.04;
    r.t0 = -r.t1 * 0.02;
    // The data and the ACKs fill the height; the window line, usually far above them, shows
    // only where it comes down near them (a receiver that stops reading).
    r.s1 = std::max<double>(graph_.top, 10.0) * 1.12;
    r.s0 = -r.s1 * 0.03;
    return r;
}

void TimeSequenceView::draw_picker(const FlowModel& flow) {
    if (choices_.size() > 1) {
        const TimeSequenceChoice* current = nullptr;
        for (const auto& c : choices_)
            if (c.connection == picked_connection_ && c.from_client == picked_from_client_)
                current = &c;
        const std::string preview = current ? time_sequence_label(flow, *current) : "";
        ImGui::SetNextItemWidth(
            std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 22.0f));
        if (ImGui::BeginCombo("##direction", preview.c_str())) {
            for (const auto& c : choices_) {
                const bool is_current = &c == current;
                if (ImGui::Selectable(time_sequence_label(flow, c).c_str(), is_current)) {
                    picked_connection_ = c.connection;
                    picked_from_client_ = c.from_client;
                    built_generation_ = UINT64_MAX;  // rebuild for the new pick
                    zoomed_ = false;
                }
            }
            ImGui::EndCombo();
        }
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Which connection, and which way its data goes");
    } else if (!choices_.empty()) {
        ImGui::TextUnformatted(time_sequence_label(flow, choices_.front()).c_str());
    }
    // The legend in words; on a narrow pane (2x, 3x text) one hover away, not two lines.
    auto legend = [] {
        legend_item("|", "data sent", data_color(), true);
        legend_item("|", "retransmission", retransmission_color(), false);
        legend_item("\xC3\x97", "dropped by SocketLab's link", theme::error(), false);
        legend_item("\xE2\x80\x94", "ACK", ack_color(), false);
        legend_item("\xE2\x80\x94", "receive window", window_color(), false);
        legend_item("|", "SACK", sack_color(), false);
    };
    if (ImGui::GetContentRegionAvail().x >= ImGui::GetFontSize() * 50.0f) {
        ImGui::SameLine();
        legend();
    } else {
        same_line_if_fits(ImGui::CalcTextSize("What the marks mean").x);
        ImGui::TextDisabled("What the marks mean");
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 20.0f);
            legend();
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
    }
}

void TimeSequenceView::draw(const FlowModel& flow, const std::deque<Event>& events,
                            PacketSelection& selection, float height) {
    rebuild_if_changed(flow, events);
    const float top = ImGui::GetCursorPosY();
    draw_picker(flow);
    if (choices_.empty()) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled(
            "No TCP data yet. Once a connection carries bytes, this graph shows each segment "
            "by its sequence numbers against time, with the receiver's ACKs and window.");
        ImGui::PopTextWrapPos();
        return;
    }
    const float used = ImGui::GetCursorPosY() - top;
    draw_plot(flow, events, selection, std::max(height - used, ImGui::GetFontSize() * 8.0f));
}

void TimeSequenceView::draw_plot(const FlowModel& flow, const std::deque<Event>& events,
                                 PacketSelection& selection, float height) {
    const float font = ImGui::GetFontSize();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float width = std::max(ImGui::GetContentRegionAvail().x, font * 10.0f);
    ImGui::InvisibleButton("time-sequence", ImVec2(width, height));
    const bool hovered = ImGui::IsItemHovered();
    const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    ImDrawList* draw = ImGui::GetWindowDrawList();

    const float left = origin.x + ImGui::CalcTextSize("000.0M").x + font * 0.5f;
    const float right = origin.x + width - font * 0.5f;
    const float plot_top = origin.y + font * 0.3f;
    const float bottom = origin.y + height - font * 1.6f;
    if (right - left < font * 4.0f || bottom - plot_top < font * 3.0f) return;

    // Until the learner zooms or pans, the whole run fits (and the graph grows with it).
    if (!zoomed_) range_ = whole_run();
    Range& r = range_;
    auto x_of = [&](double t) {
        return left + static_cast<float>((t - r.t0) / (r.t1 - r.t0)) * (right - left);
    };
    auto y_of = [&](double s) {
        return bottom - static_cast<float>((s - r.s0) / (r.s1 - r.s0)) * (bottom - plot_top);
    };

    // Zoom around the pointer, pan by dragging, double-click for the whole run.
    const ImGuiIO& io = ImGui::GetIO();
    if (hovered && io.MouseWheel != 0.0f) {
        const double f = std::pow(0.8, static_cast<double>(io.MouseWheel));
        const double t = r.t0 + (io.MousePos.x - left) / (right - left) * (r.t1 - r.t0);
        const double s = r.s0 + (bottom - io.MousePos.y) / (bottom - plot_top) * (r.s1 - r.s0);
        r = Range{t - (t - r.t0) * f, t + (r.t1 - t) * f, s - (s - r.s0) * f, s + (r.s1 - s) * f};
        zoomed_ = true;
    }
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
        const double dt = -io.MouseDelta.x / (right - left) * (r.t1 - r.t0);
        const double ds = io.MouseDelta.y / (bottom - plot_top) * (r.s1 - r.s0);
        r.t0 += dt;
        r.t1 += dt;
        r.s0 += ds;
        r.s1 += ds;
        zoomed_ = true;
    }
    if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) zoomed_ = false;

    // Axes: round ticks, times below, sequence numbers on the left.
    const ImU32 grid = ImGui::GetColorU32(ImVec4(1, 1, 1, 0.07f));
    const ImU32 axis_text = ImGui::GetColorU32(theme::muted());
    draw->AddRect(ImVec2(left, plot_top), ImVec2(right, bottom),
                  ImGui::GetColorU32(ImVec4(1, 1, 1, 0.25f)));
    const double t_step =
        nice_step(r.t1 - r.t0, std::max(2, static_cast<int>((right - left) / (font * 6.0f))));
    for (double t = std::ceil(r.t0 / t_step) * t_step; t <= r.t1; t += t_step) {
        const float x = x_of(t);
        draw->AddLine(ImVec2(x, plot_top), ImVec2(x, bottom), grid);
        const std::string label = time_label(t, t_step);
        const float w = ImGui::CalcTextSize(label.c_str()).x;
        draw->AddText(ImVec2(std::clamp(x - w * 0.5f, left, right - w), bottom + font * 0.2f),
                      axis_text, label.c_str());
    }
    const double s_step =
        nice_step(r.s1 - r.s0, std::max(2, static_cast<int>((bottom - plot_top) / (font * 2.5f))));
    for (double s = std::ceil(r.s0 / s_step) * s_step; s <= r.s1; s += s_step) {
        const float y = y_of(s);
        draw->AddLine(ImVec2(left, y), ImVec2(right, y), grid);
        const std::string label = seq_label(s, s_step);
        const float w = ImGui::CalcTextSize(label.c_str()).x;
        draw->AddText(ImVec2(left - w - font * 0.3f, y - font * 0.5f), axis_text, label.c_str());
    }

    draw->PushClipRect(ImVec2(left, plot_top), ImVec2(right, bottom), true);
    const float thick = std::max(1.0f, font / 14.0f);
    const float cap = std::max(2.0f, font * 0.18f);

    // The ACK and window lines: each steps up where an ACK reached the sender. ACKs that land
    // in one pixel column make one step (a long transfer has more ACKs than the graph pixels).
    std::vector<ImVec2> points;
    auto step_line = [&](auto value_of, ImU32 color) {
        points.clear();
        for (const auto& a : graph_.acks) {
            if (a.dropped) continue;
            const ImVec2 p(std::floor(x_of(static_cast<double>(a.t_us))), y_of(value_of(a)));
            if (points.empty()) {
                points.push_back(p);
            } else if (p.x <= points.back().x) {
                points.back().y = p.y;  // the same column: the step goes on up (or down)
            } else {
                points.emplace_back(p.x, points.back().y);
                points.push_back(p);
            }
        }
        if (points.empty()) return;
        points.emplace_back(right, points.back().y);
        draw->AddPolyline(points.data(), static_cast<int>(points.size()), color, 0, thick);
    };
    step_line([](const TimeSequence::Ack& a) { return static_cast<double>(a.window_edge); },
              ImGui::GetColorU32(window_color()));
    step_line([](const TimeSequence::Ack& a) { return static_cast<double>(a.ack); },
              ImGui::GetColorU32(ack_color()));
    const ImU32 sack = ImGui::GetColorU32(sack_color());
    for (const auto& s : graph_.sacks) {
        const float x = x_of(static_cast<double>(s.t_us)) + cap;
        draw->AddLine(ImVec2(x, y_of(s.left)), ImVec2(x, y_of(s.right)), sack, thick * 2.0f);
    }

    // The segments, with what the pointer is nearest to.
    const float reach = font * 0.6f;
    float best = reach * reach;
    const TimeSequence::Segment* near_segment = nullptr;
    const TimeSequence::Ack* near_ack = nullptr;
    const ImU32 red = ImGui::GetColorU32(theme::error());
    // Segments that fall in one pixel column are drawn as one bar per kind (data, sent again,
    // dropped), with its end caps only when it is one segment tall enough to show them.
    struct Column {
        float x = -1.0f, y0 = 0.0f, y1 = 0.0f;
        int count = 0;
    };
    Column columns[3];
    const ImU32 kind_color[3] = {ImGui::GetColorU32(data_color()),
                                 ImGui::GetColorU32(retransmission_color()),
                                 ImGui::GetColorU32(theme::error())};
    auto flush = [&](int kind) {
        Column& c = columns[kind];
        if (c.count == 0) return;
        draw->AddLine(ImVec2(c.x, c.y0), ImVec2(c.x, c.y1), kind_color[kind], thick);
        if (c.count == 1 && c.y0 - c.y1 >= cap * 2.0f) {
            draw->AddLine(ImVec2(c.x - cap, c.y1), ImVec2(c.x + cap, c.y1), kind_color[kind],
                          thick);
            draw->AddLine(ImVec2(c.x - cap, c.y0), ImVec2(c.x + cap, c.y0), kind_color[kind],
                          thick);
        }
        c.count = 0;
    };
    for (const auto& s : graph_.segments) {
        const float x = std::floor(x_of(static_cast<double>(s.t_us)));
        if (x < left - cap || x > right + cap) continue;
        float y0 = y_of(s.start), y1 = y_of(s.end);
        if (y0 - y1 < 2.0f) y1 = y0 - 2.0f;  // a one-byte segment still shows
        const int kind = s.dropped ? 2 : s.retransmission ? 1 : 0;
        Column& c = columns[kind];
        if (c.count > 0 && c.x != x) flush(kind);
        if (c.count == 0) {
            c = Column{x, y0, y1, 0};
        } else {
            c.y0 = std::max(c.y0, y0);
            c.y1 = std::min(c.y1, y1);
        }
        ++c.count;
        if (s.dropped) cross(draw, ImVec2(x, y1), font * 0.35f, red, thick * 1.5f);
        if (!hovered) continue;
        const float dx = io.MousePos.x - x;
        const float dy = std::max({0.0f, y1 - io.MousePos.y, io.MousePos.y - y0});
        if (dx * dx + dy * dy < best) {
            best = dx * dx + dy * dy;
            near_segment = &s;
            near_ack = nullptr;
        }
    }
    for (int kind = 0; kind < 3; ++kind) flush(kind);
    for (const auto& a : graph_.acks) {
        const ImVec2 p(x_of(static_cast<double>(a.t_us)), y_of(a.ack));
        if (a.dropped) cross(draw, p, font * 0.3f, red, thick * 1.5f);
        if (!hovered) continue;
        const float dx = io.MousePos.x - p.x, dy = io.MousePos.y - p.y;
        if (dx * dx + dy * dy < best) {
            best = dx * dx + dy * dy;
            near_ack = &a;
            near_segment = nullptr;
        }
    }
    draw->PopClipRect();
    // The window line above the top: say where it is rather than squash the data to show it.
    for (auto a = graph_.acks.rbegin(); a != graph_.acks.rend(); ++a) {
        if (a->dropped) continue;
        if (a->window_edge > r.s1) {
            const std::string above = "\xE2\x86\x91 receive window up to " +
                                      std::to_string(a->window_edge) + ", above the graph";
            const float w = ImGui::CalcTextSize(above.c_str()).x;
            draw->AddText(ImVec2(std::max(left, right - w - font * 0.3f), plot_top + font * 0.1f),
                          ImGui::GetColorU32(window_color()), above.c_str());
        }
        break;
    }

    // What the pointer is on: its packet, in words; a click selects it for the list.
    const size_t packet = near_segment ? near_segment->packet
                          : near_ack   ? near_ack->packet
                                       : SIZE_MAX;
    if (packet >= flow.packets().size()) return;
    const FlowPacket& fp = flow.packets()[packet];
    const PacketRecord* p =
        fp.event < events.size() ? std::get_if<PacketRecord>(&events[fp.event].payload) : nullptr;
    if (!p) return;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(font * 26.0f);
    if (near_segment) {
        const double at_ms = static_cast<double>(near_segment->t_us) / 1e3;
        ImGui::Text("#%llu  %s  bytes %u to %u, sent at %.1f ms",
                    static_cast<unsigned long long>(p->number), packet_kind(*p).c_str(),
                    near_segment->start, near_segment->end, at_ms);
        if (p->analysis.retransmission) {
            ImGui::TextColored(retransmission_color(), "%sretransmission of #%llu, %.0f ms later",
                               p->analysis.fast ? "fast " : "",
                               static_cast<unsigned long long>(p->analysis.original),
                               static_cast<double>(p->analysis.after_us) / 1e3);
        }
    } else {
        ImGui::Text("#%llu  ACK %u: the receiver has every byte before it; window up to %u",
                    static_cast<unsigned long long>(p->number), near_ack->ack,
                    near_ack->window_edge);
        if (p->analysis.dup_ack > 0)
            ImGui::TextColored(ack_color(), "duplicate ACK #%d: a segment is missing",
                               p->analysis.dup_ack);
    }
    if (p->link && p->link->fate == LinkRecord::Fate::Dropped)
        ImGui::TextColored(theme::error(), "Dropped by SocketLab's link (%s): it never arrived",
                           p->link->why.c_str());
    ImGui::TextDisabled("Click to select it in the packet list");
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
    if (clicked) {
        selection.event_seq = fp.event_seq;
        selection.reveal_in_list = true;
        selection.reveal_in_ladder = true;
        selection.show_detail = true;
    }
}

}  // namespace socketlab::ui
