// [SECTION] Helpers: monospace scope, row metrics and colours, glyph fallbacks
// [SECTION] One row of bytes (shared by both views), byte tooltip
// [SECTION] draw_hex_view
// [SECTION] draw_byte_stream
//
// Every row is drawn with ImDrawList text at positions computed from the monospace glyph width
// (see hex_layout.h), then submitted as one Dummy item, so each row advances the cursor by
// exactly one clipper item height.
#include "ui/hex_view.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "ui/fonts.h"
#include "ui/hex_layout.h"
#include "ui/theme.h"

namespace socketlab::ui {
namespace {

//-------------------------------------------------------------------------------------------
// [SECTION] Helpers
//-------------------------------------------------------------------------------------------

constexpr char kHexDigits[] = "0123456789abcdef";

bool is_printable(uint8_t value) {
    return value >= 0x20 && value < 0x7f;
}

int clamp_to_int(size_t count) {
    return static_cast<int>(std::min<size_t>(count, INT_MAX));
}

size_t kept_size(const ByteChunk& chunk) {
    return chunk.bytes ? chunk.bytes->size() : 0;
}

// Pushes the monospace font (when loaded) and tighter line spacing, so a hex dump reads as a
// block; pops both when the scope ends.
class MonoTextScope {
  public:
    MonoTextScope() {
        if (ImFont* mono = fonts().mono) {
            ImGui::PushFont(mono);
            font_pushed_ = true;
        }
        const ImVec2 spacing = ImGui::GetStyle().ItemSpacing;
        ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing,
                            ImVec2(spacing.x, std::floor(spacing.y * 0.5f)));
    }
    ~MonoTextScope() {
        ImGui::PopStyleVar();
        if (font_pushed_) ImGui::PopFont();
    }
    MonoTextScope(const MonoTextScope&) = delete;
    MonoTextScope& operator=(const MonoTextScope&) = delete;

  private:
    bool font_pushed_ = false;
};

// Pixel sizes shared by every row of one view; read inside a MonoTextScope.
struct RowMetrics {
    float glyph_width = 0.0f;  // one monospace character
    float line_height = 0.0f;  // height of the text (and of each row's item)
    float row_pitch = 0.0f;    // line height + spacing: the clipper's item height
};

RowMetrics current_row_metrics() {
    RowMetrics metrics;
    metrics.glyph_width = ImGui::CalcTextSize("0").x;
    metrics.line_height = ImGui::GetTextLineHeight();
    metrics.row_pitch = ImGui::GetTextLineHeightWithSpacing();
    return metrics;
}

struct RowColors {
    ImU32 text = 0;
    ImU32 dim = 0;        // '.' for unprintable bytes, the "not kept" note
    ImU32 offset = 0;     // offset column
    ImU32 highlight = 0;  // background of the hovered byte
};

RowColors current_row_colors() {
    RowColors colors;
    colors.text = ImGui::GetColorU32(ImGuiCol_Text);
    colors.dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    colors.offset = ImGui::GetColorU32(theme::muted());
    colors.highlight = ImGui::GetColorU32(ImGuiCol_TextSelectedBg);
    return colors;
}

// The UTF-8 text when `font` has the glyph, else an ASCII stand-in: the atlas may hold only
// Latin-1, and a missing glyph would show as '?'.
const char* glyph_or_fallback(const ImFont* font, ImWchar codepoint, const char* utf8,
                              const char* fallback) {
    return font && font->FindGlyphNoFallback(codepoint) ? utf8 : fallback;
}

//-------------------------------------------------------------------------------------------
// [SECTION] One row of bytes, byte tooltip
//-------------------------------------------------------------------------------------------

struct ByteColoring {
    ImU32 (*byte_color)(size_t offset, void* user) = nullptr;
    void* user = nullptr;
    size_t highlight_begin = 0;  // background behind [begin, end)
    size_t highlight_end = 0;
    ImU32 highlight = 0;
};

struct HoveredByte {
    bool found = false;
    size_t offset = 0;  // as shown in the offset column
    uint8_t value = 0;
};

struct BytesRow {
    const uint8_t* bytes = nullptr;
    size_t count = 0;         // bytes in this row (the last row may be partial)
    size_t first_offset = 0;  // offset of bytes[0], shown in the offset column
};

// Draws one row (offset, hex, ASCII) at the cursor and submits it as one item. Records the byte
// under the mouse, if any, in `hovered`; that byte is highlighted in both columns.
void draw_bytes_row(const BytesRow& row, const HexRowLayout& layout, int offset_digits,
                    const RowMetrics& metrics, const RowColors& colors,
                    const ByteColoring& coloring, bool window_hovered, HoveredByte& hovered) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const auto x_at = [&](int chars) {
        return origin.x + static_cast<float>(chars) * metrics.glyph_width;
    };

    // The hit band covers the spacing below the row too, so there is no dead strip between rows.
    int hovered_column = -1;
    const ImVec2 row_max(x_at(layout.total_chars), origin.y + metrics.row_pitch);
    if (window_hovered && ImGui::IsMouseHoveringRect(origin, row_max)) {
        const float mouse_chars = (ImGui::GetIO().MousePos.x - origin.x) / metrics.glyph_width;
        const int column = layout.column_at(mouse_chars);
        if (column >= 0 && static_cast<size_t>(column) < row.count) hovered_column = column;
    }

    if (layout.offset_chars > 0) {
        const std::string offset_text = format_offset(row.first_offset, offset_digits);
        draw->AddText(origin, colors.offset, offset_text.c_str());
    }

    for (size_t index = 0; index < row.count; ++index) {
        const int column = static_cast<int>(index);
        const uint8_t value = row.bytes[index];
        ImU32 color = colors.text;
        if (coloring.byte_color) {
            const ImU32 custom = coloring.byte_color(row.first_offset + index, coloring.user);
            if (custom != 0) color = custom;
        }

        const ImVec2 hex_pos(x_at(layout.hex_char(column)), origin.y);
        const ImVec2 ascii_pos(x_at(layout.ascii_char(column)), origin.y);
        const size_t offset = row.first_offset + index;
        // Fills behind the byte's hex pair (widened by `pad` glyphs each side) and its ASCII.
        auto fill_byte = [&](float pad, ImU32 fill) {
            draw->AddRectFilled(ImVec2(hex_pos.x - pad * metrics.glyph_width, hex_pos.y),
                                ImVec2(hex_pos.x + (2.0f + pad) * metrics.glyph_width,
                                       hex_pos.y + metrics.line_height),
                                fill);
            if (layout.ascii_start >= 0)
                draw->AddRectFilled(
                    ascii_pos,
                    ImVec2(ascii_pos.x + metrics.glyph_width, ascii_pos.y + metrics.line_height),
                    fill);
        };
        // Half a space either side of a highlighted pair: neighbours touch, so a field reads as
        // one band, and translucent colours never overlap.
        if (offset >= coloring.highlight_begin && offset < coloring.highlight_end)
            fill_byte(0.5f, coloring.highlight);
        if (column == hovered_column) fill_byte(0.0f, colors.highlight);

        const char hex_pair[2] = {kHexDigits[value >> 4], kHexDigits[value & 0xf]};
        draw->AddText(hex_pos, color, hex_pair, hex_pair + 2);
        if (layout.ascii_start >= 0) {
            const bool printable = is_printable(value);
            const char shown = printable ? static_cast<char>(value) : '.';
            draw->AddText(ascii_pos, printable ? color : colors.dim, &shown, &shown + 1);
        }
    }

    ImGui::Dummy(ImVec2(x_at(layout.total_chars) - origin.x, metrics.line_height));

    if (hovered_column >= 0) {
        hovered.found = true;
        hovered.offset = row.first_offset + static_cast<size_t>(hovered_column);
        hovered.value = row.bytes[hovered_column];
    }
}

// Offset, hex, decimal and (if printable) the character of one byte. `context`, when given,
// is a first line saying where the byte belongs (e.g. the chunk's header).
void show_byte_tooltip(const HoveredByte& hovered, const char* context) {
    ImGui::BeginTooltip();
    {
        MonoTextScope mono;  // aligns the values; the context uses the header's glyphs
        if (context) ImGui::TextUnformatted(context);
        ImGui::Text("Offset   0x%zx (%zu)", hovered.offset, hovered.offset);
        ImGui::Text("Hex      0x%02x", hovered.value);
        ImGui::Text("Decimal  %u", static_cast<unsigned>(hovered.value));
        if (is_printable(hovered.value))
            ImGui::Text("Char     '%c'", static_cast<char>(hovered.value));
        else
            ImGui::TextDisabled("Char     (not printable)");
    }  // pops before EndTooltip: the style stack must balance per window
    ImGui::EndTooltip();
}

//-------------------------------------------------------------------------------------------
// [SECTION] Byte stream rows
//-------------------------------------------------------------------------------------------

// Everything the stream's rows share, computed once per frame.
struct StreamStyle {
    HexRowLayout layout;
    int offset_digits = 0;
    RowMetrics metrics;
    RowColors colors;
    float bar_width = 0.0f;    // direction bar at the left edge of every row of a chunk
    float text_indent = 0.0f;  // from the bar's left edge to the row's text
    ImU32 sent = 0;
    ImU32 received = 0;
    ImU32 sent_band = 0;  // header background, a faint wash of the direction colour
    ImU32 received_band = 0;
    ImFont* header_font = nullptr;  // pushed for header rows when set
    const char* sent_arrow = "->";
    const char* received_arrow = "<-";
    const char* ellipsis = "...";
};

ImU32 with_alpha(ImVec4 color, float alpha) {
    color.w *= alpha;
    return ImGui::GetColorU32(color);
}

StreamStyle make_stream_style(const std::vector<ByteChunk>& chunks) {
    StreamStyle style;
    style.metrics = current_row_metrics();
    style.colors = current_row_colors();
    style.bar_width = std::max(2.0f, std::round(style.metrics.glyph_width * 0.3f));
    style.text_indent = style.bar_width + style.metrics.glyph_width;

    size_t largest_chunk = 0;
    for (const ByteChunk& chunk : chunks) largest_chunk = std::max(largest_chunk, kept_size(chunk));
    style.offset_digits = offset_digits_for(largest_chunk > 0 ? largest_chunk - 1 : 0);

    const float available_chars =
        (ImGui::GetContentRegionAvail().x - style.text_indent) / style.metrics.glyph_width;
    const int columns = choose_stream_columns(available_chars, style.offset_digits);
    style.layout = make_row_layout(columns, style.offset_digits, true);

    style.sent = ImGui::GetColorU32(theme::sent());
    style.received = ImGui::GetColorU32(theme::received());
    style.sent_band = with_alpha(theme::sent(), 0.14f);
    style.received_band = with_alpha(theme::received(), 0.14f);

    style.header_font = fonts().mono_bold;
    const ImFont* header_font = style.header_font ? style.header_font : ImGui::GetFont();
    style.sent_arrow = glyph_or_fallback(header_font, 0x2192, "\xE2\x86\x92", "->");
    style.received_arrow = glyph_or_fallback(header_font, 0x2190, "\xE2\x86\x90", "<-");
    style.ellipsis = glyph_or_fallback(ImGui::GetFont(), 0x2026, "\xE2\x80\xA6", "...");
    return style;
}

std::string header_text(const ByteChunk& chunk, const StreamStyle& style) {
    const bool sent = chunk.direction == ByteDirection::Sent;
    std::string text = sent ? style.sent_arrow : style.received_arrow;
    if (!chunk.plain_label) text += sent ? " SENT  " : " RECEIVED  ";
    if (chunk.plain_label) text += " ";
    text += chunk.label;
    return text;
}

// "→ SENT  send() 10 bytes" on a faint band of the direction colour. A label too long for the
// view is clipped; hovering the row then shows it whole.
void draw_header_row(const ByteChunk& chunk, const StreamStyle& style) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const bool sent = chunk.direction == ByteDirection::Sent;
    const float visible_right = draw->GetClipRectMax().x;
    const float row_width =
        static_cast<float>(style.layout.total_chars) * style.metrics.glyph_width;

    draw->AddRectFilled(
        origin,
        ImVec2(std::max(origin.x + row_width, visible_right), origin.y + style.metrics.line_height),
        sent ? style.sent_band : style.received_band);

    const std::string text = header_text(chunk, style);
    if (style.header_font) ImGui::PushFont(style.header_font);
    const float text_width = ImGui::CalcTextSize(text.c_str()).x;
    draw->AddText(origin, sent ? style.sent : style.received, text.c_str());
    if (style.header_font) ImGui::PopFont();

    ImGui::Dummy(ImVec2(row_width, style.metrics.line_height));
    if (origin.x + text_width > visible_right && ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        {
            MonoTextScope mono;  // the font whose glyphs chose the arrow
            ImGui::TextUnformatted(text.c_str());
        }  // pops before EndTooltip: the style stack must balance per window
        ImGui::EndTooltip();
    }
}

void draw_cut_note_row(const ByteChunk& chunk, const StreamStyle& style) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const uint64_t missing = chunk.total - kept_size(chunk);
    const std::string text = std::string(style.ellipsis) + " " + cut_note(missing);
    const float x =
        origin.x + static_cast<float>(style.layout.hex_start) * style.metrics.glyph_width;
    ImGui::GetWindowDrawList()->AddText(ImVec2(x, origin.y), style.colors.dim, text.c_str());
    ImGui::Dummy(ImVec2(static_cast<float>(style.layout.total_chars) * style.metrics.glyph_width,
                        style.metrics.line_height));
}

}  // namespace

//-------------------------------------------------------------------------------------------
// [SECTION] draw_hex_view
//-------------------------------------------------------------------------------------------

void draw_hex_view(const char* id, const uint8_t* data, size_t size,
                   const HexViewOptions& options) {
    ImGui::PushID(id);
    HoveredByte hovered;
    {
        MonoTextScope mono;
        if (data == nullptr || size == 0) {
            ImGui::TextDisabled("(no bytes)");
        } else {
            const RowMetrics metrics = current_row_metrics();
            const RowColors colors = current_row_colors();
            const int offset_digits = options.show_offsets ? offset_digits_for(size - 1) : 0;
            const HexRowLayout layout =
                make_row_layout(options.columns, offset_digits, options.show_ascii);
            const size_t bytes_per_row = static_cast<size_t>(layout.columns);
            const ByteColoring coloring{
                options.byte_color, options.user, options.highlight_begin, options.highlight_end,
                options.highlight_color != 0 ? options.highlight_color : colors.highlight};
            const bool window_hovered = ImGui::IsWindowHovered();

            ImGuiListClipper clipper;
            clipper.Begin(clamp_to_int(data_row_count(size, layout.columns)), metrics.row_pitch);
            while (clipper.Step()) {
                for (int row_index = clipper.DisplayStart; row_index < clipper.DisplayEnd;
                     ++row_index) {
                    const size_t first = static_cast<size_t>(row_index) * bytes_per_row;
                    const BytesRow row{data + first, std::min(bytes_per_row, size - first), first};
                    draw_bytes_row(row, layout, offset_digits, metrics, colors, coloring,
                                   window_hovered, hovered);
                }
            }
        }
    }
    if (options.hovered_offset) *options.hovered_offset = hovered.found ? hovered.offset : SIZE_MAX;
    if (hovered.found && options.byte_tooltip) show_byte_tooltip(hovered, nullptr);
    ImGui::PopID();
}

//-------------------------------------------------------------------------------------------
// [SECTION] draw_byte_stream
//-------------------------------------------------------------------------------------------

void draw_byte_stream(const char* id, const std::vector<ByteChunk>& chunks, bool follow_tail) {
    ImGui::BeginChild(id, ImVec2(0.0f, 0.0f), false, ImGuiWindowFlags_HorizontalScrollbar);
    // Read before drawing: scroll max still reflects last frame's rows, so "at the bottom" means
    // the user had not scrolled up before these chunks arrived.
    const bool was_at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1.0f;

    HoveredByte hovered;
    std::string hovered_context;
    {
        MonoTextScope mono;
        if (chunks.empty()) ImGui::TextDisabled("No bytes sent or received yet.");

        const StreamStyle style = make_stream_style(chunks);
        const int columns = style.layout.columns;

        // Rebuilt every frame: one pass of additions, far cheaper than drawing, and it never
        // goes stale when the columns change with the width.
        StreamRowIndex row_index;
        row_index.reserve(chunks.size());
        for (const ByteChunk& chunk : chunks)
            row_index.add_chunk(chunk_row_count(kept_size(chunk), chunk.total, columns));

        const bool window_hovered = ImGui::IsWindowHovered();
        const ByteColoring no_coloring;
        ImGui::Indent(style.text_indent);

        ImGuiListClipper clipper;
        clipper.Begin(clamp_to_int(row_index.total_rows()), style.metrics.row_pitch);
        while (clipper.Step()) {
            if (clipper.DisplayStart >= clipper.DisplayEnd) continue;
            RowLocation at = row_index.locate(static_cast<size_t>(clipper.DisplayStart));
            for (int flat_row = clipper.DisplayStart; flat_row < clipper.DisplayEnd; ++flat_row) {
                if (at.row_in_chunk >= row_index.row_count(at.chunk)) {
                    ++at.chunk;
                    at.row_in_chunk = 0;
                }
                const ByteChunk& chunk = chunks[at.chunk];
                const bool sent = chunk.direction == ByteDirection::Sent;

                // The bar spans the whole pitch so a chunk's rows read as one block.
                const ImVec2 text_origin = ImGui::GetCursorScreenPos();
                const float bar_left = text_origin.x - style.text_indent;
                ImGui::GetWindowDrawList()->AddRectFilled(
                    ImVec2(bar_left, text_origin.y),
                    ImVec2(bar_left + style.bar_width, text_origin.y + style.metrics.row_pitch),
                    sent ? style.sent : style.received);

                const size_t kept = kept_size(chunk);
                const ChunkRow row = describe_chunk_row(at.row_in_chunk, kept, columns);
                switch (row.kind) {
                    case ChunkRowKind::Header:
                        draw_header_row(chunk, style);
                        break;
                    case ChunkRowKind::CutNote:
                        draw_cut_note_row(chunk, style);
                        break;
                    case ChunkRowKind::Bytes: {
                        const BytesRow bytes_row{chunk.bytes->data() + row.first_byte,
                                                 row.byte_count, row.first_byte};
                        const bool was_found = hovered.found;
                        draw_bytes_row(bytes_row, style.layout, style.offset_digits, style.metrics,
                                       style.colors, no_coloring, window_hovered, hovered);
                        if (hovered.found && !was_found)
                            hovered_context = header_text(chunk, style);
                        break;
                    }
                }
                ++at.row_in_chunk;
            }
        }
        // The clipper left the cursor at the end of all rows: that is the bottom to keep.
        if (follow_tail && was_at_bottom) ImGui::SetScrollHereY(1.0f);
        ImGui::Unindent(style.text_indent);
    }
    if (hovered.found) show_byte_tooltip(hovered, hovered_context.c_str());
    ImGui::EndChild();
}

}  // namespace socketlab::ui
