#include "ui/conversation_view.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "ui/event_text.h"
#include "ui/fonts.h"
#include "ui/theme.h"
#include "ui/toolbar_layout.h"

namespace socketlab::ui {
namespace {

// The first sender's bytes are orange, the other's blue: the colours of "sent" and "received"
// elsewhere, and the legend names both ends, so colour is never the only cue.
ImVec4 color_of(bool from_first) {
    return from_first ? theme::sent() : theme::received();
}

// Beyond this many chunks the text shows the newest (the hex view has them all).
constexpr size_t kMaxTextChunks = 2000;

}  // namespace

void ConversationView::update(LessonRun& run) {
    const RunRecord& record = run.record();
    if (&run != run_) {
        *this = ConversationView{};
        run_ = &run;
    }
    if (record.generation() == built_generation_ && record.events().size() == built_events_) return;
    built_generation_ = record.generation();
    built_events_ = record.events().size();
    conversations_ = build_conversations(record, run.session()->directory());
}

size_t ConversationView::conversation_count(LessonRun& run) {
    update(run);
    return conversations_.size();
}

void ConversationView::draw(LessonRun& run) {
    update(run);
    if (conversations_.empty()) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled(
            "No bytes have gone between two sockets yet. Once a step sends data, each "
            "connection's bytes show here, as text or hex, each direction in its own colour.");
        ImGui::PopTextWrapPos();
        return;
    }
    const Conversation* picked = &conversations_.back();  // the newest, until one is picked
    for (const auto& c : conversations_)
        if (c.label() == picked_) picked = &c;
    const std::string label = picked->label();
    if (conversations_.size() > 1) {
        ImGui::SetNextItemWidth(
            std::min(ImGui::GetContentRegionAvail().x,
                     ImGui::CalcTextSize(label.c_str()).x + ImGui::GetFontSize() * 3.0f));
        if (ImGui::BeginCombo("##conversation", label.c_str())) {
            for (const auto& c : conversations_) {
                const std::string l = c.label();
                if (ImGui::Selectable(l.c_str(), &c == picked)) picked_ = l;
            }
            ImGui::EndCombo();
        }
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Which connection (or UDP pair) to read");
    } else {
        ImGui::TextUnformatted(label.c_str());
    }
    const Conversation& c = *picked;
    const std::string first = c.first_actor.empty() ? c.first.to_string() : c.first_actor;
    const std::string second = c.second_actor.empty() ? c.second.to_string() : c.second_actor;
    char legend[256];
    std::snprintf(legend, sizeof legend, "%s \xE2\x86\x92 %s: %llu bytes", first.c_str(),
                  second.c_str(), static_cast<unsigned long long>(c.bytes_from_first));
    same_line_if_fits(ImGui::CalcTextSize(legend).x);
    ImGui::TextColored(color_of(true), "%s", legend);
    std::snprintf(legend, sizeof legend, "%s \xE2\x86\x92 %s: %llu bytes", second.c_str(),
                  first.c_str(), static_cast<unsigned long long>(c.bytes_from_second));
    same_line_if_fits(ImGui::CalcTextSize(legend).x);
    ImGui::TextColored(color_of(false), "%s", legend);
    const float radio = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x;
    same_line_if_fits(ImGui::CalcTextSize("Text").x + radio);
    if (ImGui::RadioButton("Text", !hex_)) hex_ = false;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("As a text protocol reads: each line on its own line, other bytes as .");
    same_line_if_fits(ImGui::CalcTextSize("Hex").x + radio);
    if (ImGui::RadioButton("Hex", hex_)) hex_ = true;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Every byte, in hex and ASCII");
    if (hex_)
        draw_hex(run, c);
    else
        draw_text(run, c);
}

void ConversationView::draw_text(const LessonRun& run, const Conversation& c) {
    const auto& events = run.record().events();
    ImGui::BeginChild("conversation-text", ImVec2(0, 0), true);
    const size_t begin = c.chunks.size() > kMaxTextChunks ? c.chunks.size() - kMaxTextChunks : 0;
    if (begin > 0)
        ImGui::TextDisabled("\xE2\x80\xA6 %zu earlier chunks: the Hex view has them all", begin);
    for (size_t i = begin; i < c.chunks.size(); ++i) {
        const Conversation::Chunk& chunk = c.chunks[i];
        const Event& e = events[chunk.event];
        const CallRecord& call = *e.call();
        // Who, with which call, when: the honest source of these bytes.
        ImGui::TextDisabled("%s %s  %s() %llu bytes at %.1f ms",
                            chunk.from_first ? "\xE2\x86\x92" : "\xE2\x86\x90", e.actor.c_str(),
                            event_call_name(e).c_str(),
                            static_cast<unsigned long long>(call.bytes_total),
                            static_cast<double>(e.t_us) / 1000.0);
        ImGui::PushFont(fonts().mono);
        ImGui::PushStyleColor(ImGuiCol_Text, color_of(chunk.from_first));
        ImGui::PushTextWrapPos(0.0f);
        const std::string text = conversation_text(call.bytes);
        ImGui::TextUnformatted(text.data(), text.data() + text.size());
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
        ImGui::PopFont();
        if (call.bytes_total > call.bytes.size())
            ImGui::TextDisabled(
                "\xE2\x80\xA6 %llu more bytes not kept",
                static_cast<unsigned long long>(call.bytes_total - call.bytes.size()));
    }
    // Follow the newest while the learner is at the bottom.
    if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - ImGui::GetFontSize())
        ImGui::SetScrollHereY(1.0f);
    ImGui::EndChild();
}

void ConversationView::draw_hex(const LessonRun& run, const Conversation& c) {
    const auto& events = run.record().events();
    hex_chunks_.clear();
    for (const Conversation::Chunk& chunk : c.chunks) {
        const Event& e = events[chunk.event];
        const CallRecord& call = *e.call();
        ByteChunk b;
        b.direction = chunk.from_first ? ByteDirection::Sent : ByteDirection::Received;
        b.label = e.actor + " " + event_call_name(e) + "() " + std::to_string(call.bytes_total) +
                  " bytes";
        b.plain_label = true;  // the arrow and the actor say which way
        b.bytes = &call.bytes;
        b.total = call.bytes_total;
        hex_chunks_.push_back(std::move(b));
    }
    draw_byte_stream("conversation-hex", hex_chunks_, true);
}

}  // namespace socketlab::ui
