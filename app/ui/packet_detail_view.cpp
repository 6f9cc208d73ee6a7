#include "ui/packet_detail_view.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "ui/fonts.h"
#include "ui/hex_view.h"
#include "ui/theme.h"

namespace socketlab::ui {
namespace {

enum ByteLayer : uint8_t { kIp = 0, kTransport = 1, kOption = 2, kPayload = 3, kNone = 255 };

ByteLayer layer_code(const std::string& layer) {
    if (layer == "Payload") return kPayload;
    if (layer == "TCP option") return kOption;
    if (layer == "TCP" || layer == "UDP") return kTransport;
    return kIp;  // IPv4, IPv6, IPv6 extension
}

// One colour per layer, in the field list and the hex alike, so the eye can match them.
ImVec4 layer_color(uint8_t code) {
    switch (code) {
        case kIp:
            return ImVec4(0.78f, 0.64f, 1.00f, 1.0f);  // violet
        case kTransport:
            return ImVec4(0.35f, 0.86f, 0.78f, 1.0f);  // teal
        case kOption:
            return ImVec4(0.62f, 0.93f, 0.88f, 1.0f);  // light teal
        case kPayload:
            return theme::sent();
        default:
            return ImGui::GetStyleColorVec4(ImGuiCol_Text);
    }
}

// Bytes per hex row that fit `chars` monospace characters: offset, hex and ASCII columns.
int hex_columns_for(float chars) {
    return chars >= 74.0f ? 16 : chars >= 42.0f ? 8 : 4;
}

ImU32 byte_color_of(size_t offset, void* user) {
    const auto* layers = static_cast<const std::vector<uint8_t>*>(user);
    if (offset >= layers->size() || (*layers)[offset] == kNone) return 0;
    return ImGui::GetColorU32(layer_color((*layers)[offset]));
}

}  // namespace

void PacketDetailView::show(const Event& e) {
    // Decoded once, where it was captured: the view only reads the record.
    static const auto kNothing = std::make_shared<const DecodedPacket>();
    const PacketRecord& p = *e.packet();
    decoded_ = p.decoded ? p.decoded : kNothing;
    decoded_seq_ = e.seq;
    decoded_t_us_ = e.t_us;
    byte_layer_.assign(p.bytes.size(), kNone);
    for (const PacketField& f : decoded_->fields)
        for (size_t i = f.offset; i < f.offset + f.length && i < byte_layer_.size(); ++i)
            byte_layer_[i] = layer_code(f.layer);
    hovered_byte_ = SIZE_MAX;
    pinned_field_ = SIZE_MAX;
}

bool PacketDetailView::field_has_byte(size_t field, size_t offset) const {
    if (field >= decoded_->fields.size() || offset == SIZE_MAX) return false;
    const PacketField& f = decoded_->fields[field];
    return offset >= f.offset && offset < f.offset + f.length;
}

void PacketDetailView::draw(const FlowModel& flow, const std::deque<Event>& events,
                            PacketSelection& selection, ImVec2 size) {
    ImGui::BeginChild("packet-detail", size, false);
    const size_t index = flow.packet_by_event_seq(selection.event_seq);
    if (index == SIZE_MAX) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled(
            "Click a packet in the ladder or the list: every header field shows here with what "
            "it means, and the packet's bytes with the field you point at highlighted.");
        ImGui::PopTextWrapPos();
        ImGui::EndChild();
        return;
    }
    const FlowPacket& packet = flow.packets()[index];
    const Event& e = events[packet.event];
    if (e.seq != decoded_seq_ || e.t_us != decoded_t_us_ || !decoded_) show(e);
    const PacketRecord& p = *e.packet();
    const auto& lifelines = flow.lifelines();

    // What it is, in one line; where it went and when, in the next.
    ImGui::PushFont(fonts().bold);
    ImGui::Text("Packet %zu", index + 1);
    ImGui::SameLine();
    ImGui::PushFont(fonts().mono_bold);
    ImGui::TextColored(packet_color(p), "%s", packet_kind(p).c_str());
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::Text("%s \xE2\x86\x92 %s", lifelines[packet.from_lifeline].label().c_str(),
                lifelines[packet.to_lifeline].label().c_str());
    ImGui::PopFont();
    ImGui::PushTextWrapPos(0.0f);
    ImGui::PushFont(fonts().mono);
    ImGui::TextDisabled("%s \xE2\x86\x92 %s, %zu bytes, at %.3f ms",
                        packet_endpoint(p, p.src).c_str(), packet_endpoint(p, p.dst).c_str(),
                        p.bytes.size(), static_cast<double>(e.t_us) / 1000.0);
    ImGui::PopFont();
    if (!decoded_->problem.empty())
        ImGui::TextColored(theme::error(), "Could not decode all of it: %s",
                           decoded_->problem.c_str());
    ImGui::PopTextWrapPos();

    // The fields and the hex side by side when there is room, else one above the other.
    ImGui::PushFont(fonts().mono);
    const float glyph = ImGui::CalcTextSize("0").x;
    const float pitch = ImGui::GetTextLineHeightWithSpacing();
    ImGui::PopFont();
    const float frame = ImGui::GetStyle().WindowPadding.x * 2.0f + ImGui::GetStyle().ScrollbarSize;
    const auto hex_width = [&](int columns) {
        const int chars = 6 + columns * 3 + columns / 8 + 2 + columns;  // offset, hex, ASCII
        return static_cast<float>(chars) * glyph + frame;
    };
    // Below this height the parts would be slivers: the detail scrolls as a page instead.
    const ImVec2 avail(
        ImGui::GetContentRegionAvail().x,
        std::max(ImGui::GetContentRegionAvail().y, ImGui::GetTextLineHeightWithSpacing() * 12.0f));
    const float field_min = ImGui::GetFontSize() * 20.0f;
    const float meaning_h = ImGui::GetTextLineHeightWithSpacing() * 4.5f;
    // Side by side needs a readable field list beside at least 8 bytes a row.
    const int side_columns = avail.x >= field_min + hex_width(16)  ? 16
                             : avail.x >= field_min + hex_width(8) ? 8
                                                                   : 0;
    hovered_field_ = SIZE_MAX;
    if (side_columns > 0) {
        const float hex_w = hex_width(side_columns);
        ImGui::BeginChild("fields-side",
                          ImVec2(avail.x - hex_w - ImGui::GetStyle().ItemSpacing.x, avail.y),
                          false);
        draw_fields(std::max(avail.y - meaning_h - ImGui::GetStyle().ItemSpacing.y, pitch * 4.0f));
        draw_meaning(0.0f);
        ImGui::EndChild();
        ImGui::SameLine();
        ImGui::BeginGroup();
        draw_hex(e, avail.y, side_columns);
        ImGui::EndGroup();
    } else {
        const auto columns = static_cast<size_t>(hex_columns_for((avail.x - frame) / glyph));
        const size_t row_count = (e.bytes().size() + columns - 1) / columns;  // rounded up
        const float rows = static_cast<float>(row_count);
        const float legend = ImGui::GetTextLineHeightWithSpacing();
        const float hex_h =
            std::min(rows * pitch + legend + ImGui::GetStyle().WindowPadding.y * 2.0f +
                         ImGui::GetStyle().ScrollbarSize,
                     avail.y * 0.35f);
        const float spacing = ImGui::GetStyle().ItemSpacing.y;
        const float meaning = std::min(meaning_h, avail.y * 0.25f);
        draw_fields(std::max(avail.y - hex_h - meaning - spacing * 2.0f, pitch * 3.0f));
        draw_meaning(meaning);
        draw_hex(e, hex_h, static_cast<int>(columns));
    }
    ImGui::EndChild();
}

void PacketDetailView::draw_fields(float height) {
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersOuter |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable |
                                  ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("fields", 2, flags, ImVec2(0.0f, height))) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("Field", ImGuiTableColumnFlags_WidthStretch, 0.45f);
    ImGui::TableSetupColumn("Value", ImGuiTableColumnFlags_WidthStretch, 0.55f);
    ImGui::TableHeadersRow();
    std::string layer;
    for (size_t i = 0; i < decoded_->fields.size(); ++i) {
        const PacketField& f = decoded_->fields[i];
        const uint8_t code = layer_code(f.layer);
        if (f.layer != layer) {
            // A band per layer, in the colour its bytes have in the hex below.
            layer = f.layer;
            ImGui::TableNextRow();
            ImVec4 band = layer_color(code);
            band.w = 0.16f;
            ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, ImGui::GetColorU32(band));
            ImGui::TableNextColumn();
            ImGui::PushFont(fonts().bold);
            ImGui::TextColored(layer_color(code), "%s", layer.c_str());
            ImGui::PopFont();
            ImGui::TableNextColumn();
        }
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::PushID(static_cast<int>(i));
        const bool marked = i == pinned_field_ || field_has_byte(i, hovered_byte_);
        if (ImGui::Selectable(
                f.name.c_str(), marked,
                ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
            pinned_field_ = pinned_field_ == i ? SIZE_MAX : i;
        // The field of a byte pointed at in the hex comes into view once (not every frame, so
        // the learner can still scroll the list).
        if (marked && i != pinned_field_ && i != revealed_field_ && !ImGui::IsItemVisible()) {
            ImGui::SetScrollHereY(0.5f);
            revealed_field_ = i;
        }
        if (ImGui::IsItemHovered()) {
            hovered_field_ = i;
            // Also as a tooltip: the box below may be scrolled out of sight in a small pane.
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
            ImGui::TextUnformatted(f.meaning.c_str());
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
        ImGui::PopID();
        ImGui::TableNextColumn();
        ImGui::PushFont(fonts().mono);
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(f.value.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
    }
    ImGui::EndTable();
}

void PacketDetailView::draw_meaning(float height) {
    size_t shown = hovered_field_;
    if (shown == SIZE_MAX && hovered_byte_ != SIZE_MAX)
        for (size_t i = 0; i < decoded_->fields.size() && shown == SIZE_MAX; ++i)
            if (field_has_byte(i, hovered_byte_)) shown = i;
    if (shown == SIZE_MAX) shown = pinned_field_;
    ImGui::BeginChild("meaning", ImVec2(0.0f, height), true);
    ImGui::PushTextWrapPos(0.0f);
    if (shown < decoded_->fields.size()) {
        const PacketField& f = decoded_->fields[shown];
        ImGui::PushFont(fonts().bold);
        ImGui::TextColored(layer_color(layer_code(f.layer)), "%s %s:", f.layer.c_str(),
                           f.name.c_str());
        ImGui::PopFont();
        ImGui::SameLine();
        ImGui::PushFont(fonts().mono);
        ImGui::TextUnformatted(f.value.c_str());
        ImGui::PopFont();
        ImGui::TextUnformatted(f.meaning.c_str());
        ImGui::TextDisabled("bytes %zu\xE2\x80\x93%zu (%zu byte%s)", f.offset,
                            f.offset + f.length - 1, f.length, f.length == 1 ? "" : "s");
    } else {
        ImGui::TextDisabled(
            "Point at a field or a byte to see what it means; click a field to keep it here.");
    }
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
}

void PacketDetailView::draw_hex(const Event& e, float height, int columns) {
    ImGui::BeginChild("packet-hex", ImVec2(0.0f, height), true,
                      ImGuiWindowFlags_HorizontalScrollbar);
    // Legend: the layers' colours, in words.
    const char* names[] = {"IP header", decoded_->proto == "udp" ? "UDP header" : "TCP header",
                           "TCP options", "payload"};
    for (uint8_t code = kIp; code <= kPayload; ++code) {
        if (std::find(byte_layer_.begin(), byte_layer_.end(), code) == byte_layer_.end()) continue;
        if (code != kIp) ImGui::SameLine();
        ImGui::TextColored(layer_color(code), "%s", names[code]);
    }

    HexViewOptions options;
    options.columns = columns;
    options.byte_color = byte_color_of;
    options.user = &byte_layer_;
    // The field pointed at in the list, else the one under the mouse in the hex, else the kept one.
    size_t field = hovered_field_;
    if (field == SIZE_MAX && hovered_byte_ != SIZE_MAX)
        for (size_t i = 0; i < decoded_->fields.size() && field == SIZE_MAX; ++i)
            if (field_has_byte(i, hovered_byte_)) field = i;
    if (field == SIZE_MAX) field = pinned_field_;
    if (field < decoded_->fields.size()) {
        options.highlight_begin = decoded_->fields[field].offset;
        options.highlight_end = decoded_->fields[field].offset + decoded_->fields[field].length;
        ImVec4 band = theme::waiting();
        band.w = 0.5f;
        options.highlight_color = ImGui::GetColorU32(band);
    }
    size_t hovered = SIZE_MAX;
    options.hovered_offset = &hovered;
    options.byte_tooltip = false;
    draw_hex_view("packet", e.bytes().data(), e.bytes().size(), options);
    if (hovered != SIZE_MAX && hovered < e.bytes().size()) {
        // Which field(s) this byte is part of: a byte can hold several bit fields.
        ImGui::BeginTooltip();
        ImGui::PushFont(fonts().mono);
        ImGui::Text("byte %zu = 0x%02x (%u)", hovered, e.bytes()[hovered],
                    static_cast<unsigned>(e.bytes()[hovered]));
        ImGui::PopFont();
        for (size_t i = 0; i < decoded_->fields.size(); ++i)
            if (field_has_byte(i, hovered))
                ImGui::TextColored(layer_color(layer_code(decoded_->fields[i].layer)), "%s %s",
                                   decoded_->fields[i].layer.c_str(),
                                   decoded_->fields[i].name.c_str());
        ImGui::EndTooltip();
    }
    hovered_byte_ = hovered;
    if (hovered == SIZE_MAX) revealed_field_ = SIZE_MAX;
    ImGui::EndChild();
}

}  // namespace socketlab::ui
