// Index of this file:
// [SECTION] Style: the fonts, colours and sizes of one frame
// [SECTION] Inline layout: spans -> wrapped lines of styled pieces
// [SECTION] Inline drawing
// [SECTION] Blocks
// [SECTION] draw_markdown

#include "ui/markdown_view.h"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "ui/fonts.h"
#include "ui/theme.h"

namespace socketlab::ui {
namespace {

//-----------------------------------------------------------------------------------------
// [SECTION] Style: the fonts, colours and sizes of one frame
//-----------------------------------------------------------------------------------------

// Deeper nesting is drawn at this depth, so garbage input cannot push text off the window.
constexpr int kMaxVisualDepth = 8;

struct ViewStyle {
    // Never null: a missing font falls back to regular, then to ImGui's current font.
    ImFont* regular;
    ImFont* bold;
    ImFont* italic;
    ImFont* bold_italic;
    ImFont* mono;
    ImFont* mono_bold;
    ImFont* heading[3];

    float em;            // body font size in pixels
    float line_gap;      // extra space between wrapped lines, as a fraction of the font size
    float block_gap;     // between blocks
    float list_indent;   // per list level; the marker sits in this space
    float quote_indent;  // per quote level; the bar sits in this space
    float min_width;     // narrowest wrap width, so a tiny window cannot loop on letters

    ImU32 text;
    ImU32 muted;
    ImU32 link;
    ImU32 code_bg;
};

ViewStyle make_style() {
    const FontSet& f = fonts();
    ImFont* base = f.regular ? f.regular : ImGui::GetFont();
    auto pick = [base](ImFont* font) { return font ? font : base; };
    ViewStyle s;
    s.regular = base;
    s.bold = pick(f.bold);
    s.italic = pick(f.italic);
    s.bold_italic = f.bold_italic ? f.bold_italic : s.bold;
    s.mono = pick(f.mono);
    s.mono_bold = f.mono_bold ? f.mono_bold : s.mono;
    s.heading[0] = f.heading1 ? f.heading1 : s.bold;
    s.heading[1] = f.heading2 ? f.heading2 : s.heading[0];
    s.heading[2] = f.heading3 ? f.heading3 : s.heading[1];

    s.em = base->FontSize;
    s.line_gap = 0.25f;
    s.block_gap = std::round(0.6f * s.em * (1.0f + s.line_gap));
    s.list_indent = std::round(1.6f * s.em);
    s.quote_indent = std::round(1.1f * s.em);
    s.min_width = 8.0f * s.em;

    s.text = ImGui::GetColorU32(ImGuiCol_Text);
    s.muted = ImGui::GetColorU32(theme::muted());
    s.link = ImGui::GetColorU32(theme::link());
    s.code_bg = ImGui::GetColorU32(theme::code_background());
    return s;
}

//-----------------------------------------------------------------------------------------
// [SECTION] Inline layout: spans -> wrapped lines of styled pieces
//-----------------------------------------------------------------------------------------

// How one block draws its spans.
struct TextStyle {
    ImFont* heading = nullptr;  // one font for all non-code text, or body fonts by span style
    bool all_bold = false;      // table header cells
};

ImFont* font_for(const MarkdownSpan& span, const TextStyle& ts, const ViewStyle& st) {
    const bool bold = span.bold || ts.all_bold;
    if (span.code) return bold ? st.mono_bold : st.mono;
    if (ts.heading) return ts.heading;
    if (bold && span.italic) return st.bold_italic;
    if (bold) return st.bold;
    if (span.italic) return st.italic;
    return st.regular;
}

float text_width(const ImFont* font, std::string_view s) {
    if (s.empty()) return 0.0f;
    return font->CalcTextSizeA(font->FontSize, FLT_MAX, 0.0f, s.data(), s.data() + s.size()).x;
}

// Bytes in the UTF-8 sequence at p (1 for a stray byte), never past end.
size_t utf8_length(const char* p, const char* end) {
    const auto c = static_cast<unsigned char>(*p);
    size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n = std::min<size_t>(n, static_cast<size_t>(end - p));
    for (size_t i = 1; i < n; ++i)
        if ((static_cast<unsigned char>(p[i]) & 0xC0) != 0x80) return i;
    return n;
}

// A word, a run of spaces or a hard break inside one span.
struct Atom {
    enum class Kind { Word, Space, Break };
    Kind kind;
    const MarkdownSpan* span;
    ImFont* font;
    std::string_view text;
    float width;
    float pad_before = 0.0f;  // inline code keeps a margin for its background
    float pad_after = 0.0f;
    float full_width() const { return pad_before + width + pad_after; }
};

std::vector<Atom> make_atoms(const std::vector<MarkdownSpan>& spans, const TextStyle& ts,
                             const ViewStyle& st) {
    std::vector<Atom> atoms;
    for (const MarkdownSpan& span : spans) {
        ImFont* font = font_for(span, ts, st);
        const size_t first = atoms.size();
        std::string_view text = span.text;
        size_t i = 0;
        while (i < text.size()) {
            const char c = text[i];
            Atom::Kind kind = c == '\n'                 ? Atom::Kind::Break
                              : (c == ' ' || c == '\t') ? Atom::Kind::Space
                                                        : Atom::Kind::Word;
            size_t j = i + 1;
            if (kind != Atom::Kind::Break) {
                while (j < text.size()) {
                    const char d = text[j];
                    const bool space = d == ' ' || d == '\t';
                    if (d == '\n' || space != (kind == Atom::Kind::Space)) break;
                    ++j;
                }
            }
            std::string_view part = text.substr(i, j - i);
            const float w = kind == Atom::Kind::Break ? 0.0f : text_width(font, part);
            atoms.push_back(Atom{kind, &span, font, part, w});
            i = j;
        }
        if (span.code && atoms.size() > first) {
            const float pad = std::round(0.15f * font->FontSize);
            atoms[first].pad_before = pad;
            atoms.back().pad_after = pad;
        }
    }
    return atoms;
}

// Text placed on a line, in one span's style.
struct Piece {
    const MarkdownSpan* span;
    ImFont* font;
    std::string_view text;
    bool space;
    float x;  // from the line's left edge to the first glyph
    float width;
    float pad_before;
    float pad_after;
};

struct Line {
    size_t begin = 0;  // pieces [begin, end)
    size_t end = 0;
    float y = 0.0f;  // from the layout's top
    float ascent = 0.0f;
    float height = 0.0f;
    float width = 0.0f;
};

struct InlineLayout {
    std::vector<Piece> pieces;
    std::vector<Line> lines;
    float width = 0.0f;  // widest line
    float height = 0.0f;
};

// Greedy word wrap. Words are runs of non-space characters across span boundaries, so
// "`recv()`," never wraps before the comma; a word wider than the whole line is broken
// between characters.
class LineBreaker {
  public:
    LineBreaker(float wrap_width, ImFont* empty_line_font, float line_gap)
        : wrap_(wrap_width), empty_font_(empty_line_font), line_gap_(line_gap) {}

    InlineLayout run(const std::vector<Atom>& atoms) {
        size_t i = 0;
        while (i < atoms.size()) {
            const Atom& a = atoms[i];
            if (a.kind == Atom::Kind::Break) {
                end_line();
                ++i;
            } else if (a.kind == Atom::Kind::Space) {
                if (!line_empty()) place(a, a.text, a.width, a.pad_before, a.pad_after, true);
                ++i;
            } else {
                size_t j = i;
                float total = 0.0f;
                for (; j < atoms.size() && atoms[j].kind == Atom::Kind::Word; ++j)
                    total += atoms[j].full_width();
                if (!line_empty() && !fits(total)) end_line();
                if (fits(total)) {
                    for (size_t k = i; k < j; ++k)
                        place(atoms[k], atoms[k].text, atoms[k].width, atoms[k].pad_before,
                              atoms[k].pad_after, false);
                } else {
                    for (size_t k = i; k < j; ++k) place_breaking(atoms[k]);
                }
                i = j;
            }
        }
        if (!line_empty() || out_.lines.empty()) end_line();
        return std::move(out_);
    }

  private:
    bool line_empty() const { return out_.pieces.size() == line_begin_; }
    // Half a pixel of slack: widths measured twice must not disagree by rounding.
    bool fits(float w) const { return x_ + w <= wrap_ + 0.5f; }

    void place(const Atom& a, std::string_view text, float width, float pad_before, float pad_after,
               bool space) {
        out_.pieces.push_back(
            Piece{a.span, a.font, text, space, x_ + pad_before, width, pad_before, pad_after});
        x_ += pad_before + width + pad_after;
    }

    void place_breaking(const Atom& a) {
        const char* begin = a.text.data();
        const char* end = begin + a.text.size();
        const char* run = begin;
        float run_width = 0.0f;
        const char* p = begin;
        while (p < end) {
            const size_t n = utf8_length(p, end);
            const float cw = text_width(a.font, std::string_view(p, n));
            const float pad = run == begin ? a.pad_before : 0.0f;
            if (!fits(pad + run_width + cw) && (run_width > 0.0f || !line_empty())) {
                if (run_width > 0.0f)
                    place(a, std::string_view(run, static_cast<size_t>(p - run)), run_width, pad,
                          0.0f, false);
                end_line();
                run = p;
                run_width = 0.0f;
                continue;  // the same character again, now at the start of a line
            }
            run_width += cw;
            p += n;
        }
        place(a, std::string_view(run, static_cast<size_t>(end - run)), run_width,
              run == begin ? a.pad_before : 0.0f, a.pad_after, false);
    }

    void end_line() {
        // Spaces at the end of a wrapped line are not drawn (nor underlined).
        while (!line_empty() && out_.pieces.back().space) out_.pieces.pop_back();
        Line line;
        line.begin = line_begin_;
        line.end = out_.pieces.size();
        float descent = 0.0f;
        for (size_t k = line.begin; k < line.end; ++k) {
            const Piece& p = out_.pieces[k];
            line.ascent = std::max(line.ascent, p.font->Ascent);
            descent = std::max(descent, p.font->FontSize - p.font->Ascent);
            line.width = std::max(line.width, p.x + p.width + p.pad_after);
        }
        if (line.begin == line.end) {
            line.ascent = empty_font_->Ascent;
            descent = empty_font_->FontSize - empty_font_->Ascent;
        }
        line.height = line.ascent + descent;
        if (!out_.lines.empty()) {
            const Line& prev = out_.lines.back();
            line.y = prev.y + prev.height + std::round(line_gap_ * empty_font_->FontSize);
        }
        out_.lines.push_back(line);
        out_.width = std::max(out_.width, line.width);
        out_.height = line.y + line.height;
        line_begin_ = out_.pieces.size();
        x_ = 0.0f;
    }

    float wrap_;
    ImFont* empty_font_;
    float line_gap_;
    InlineLayout out_;
    size_t line_begin_ = 0;
    float x_ = 0.0f;
};

InlineLayout layout_inline(const std::vector<MarkdownSpan>& spans, const TextStyle& ts,
                           const ViewStyle& st, float wrap_width) {
    ImFont* base = ts.heading ? ts.heading : (ts.all_bold ? st.bold : st.regular);
    return LineBreaker(wrap_width, base, st.line_gap).run(make_atoms(spans, ts, st));
}

// Width without wrapping (widest hard-broken line) and the widest single word: the range a
// table column can usefully take.
struct InlineExtent {
    float natural = 0.0f;
    float longest_word = 0.0f;
};

InlineExtent measure_inline(const std::vector<MarkdownSpan>& spans, const TextStyle& ts,
                            const ViewStyle& st) {
    InlineExtent e;
    float line = 0.0f;
    float word = 0.0f;
    for (const Atom& a : make_atoms(spans, ts, st)) {
        if (a.kind == Atom::Kind::Word) {
            word += a.full_width();
        } else {
            e.longest_word = std::max(e.longest_word, word);
            word = 0.0f;
        }
        if (a.kind == Atom::Kind::Break) {
            e.natural = std::max(e.natural, line);
            line = 0.0f;
        } else {
            line += a.full_width();
        }
    }
    e.longest_word = std::max(e.longest_word, word);
    e.natural = std::max(e.natural, line);
    return e;
}

//-----------------------------------------------------------------------------------------
// [SECTION] Inline drawing
//-----------------------------------------------------------------------------------------

void show_link_tooltip(const std::string& url) {
    ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
    ImGui::SetTooltip("%s\n(click to copy the address)", url.c_str());
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) ImGui::SetClipboardText(url.c_str());
}

void draw_inline(const InlineLayout& layout, ImVec2 origin, ImU32 color, const ViewStyle& st) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const bool window_hovered = ImGui::IsWindowHovered();
    for (const Line& line : layout.lines) {
        const float top = origin.y + line.y;
        const ImVec2 line_min(origin.x, top);
        const ImVec2 line_max(origin.x + std::max(line.width, 1.0f), top + line.height);
        if (!ImGui::IsRectVisible(line_min, line_max)) continue;

        // Inline code backgrounds first, one rounded box per run of the same code span.
        for (size_t k = line.begin; k < line.end;) {
            const Piece& first = layout.pieces[k];
            if (!first.span->code) {
                ++k;
                continue;
            }
            size_t m = k + 1;
            while (m < line.end && layout.pieces[m].span == first.span) ++m;
            const Piece& last = layout.pieces[m - 1];
            const float y = top + line.ascent - first.font->Ascent;
            dl->AddRectFilled(
                ImVec2(origin.x + first.x - first.pad_before, y),
                ImVec2(origin.x + last.x + last.width + last.pad_after, y + first.font->FontSize),
                st.code_bg, std::round(0.2f * st.em));
            k = m;
        }

        for (size_t k = line.begin; k < line.end; ++k) {
            const Piece& p = layout.pieces[k];
            const MarkdownSpan& span = *p.span;
            const ImVec2 pos(origin.x + p.x, top + line.ascent - p.font->Ascent);
            const bool is_link = !span.link_url.empty();
            const ImU32 col = is_link ? st.link : color;
            if (!p.space)
                dl->AddText(p.font, p.font->FontSize, pos, col, p.text.data(),
                            p.text.data() + p.text.size());
            const float thickness = std::max(1.0f, std::round(p.font->FontSize / 16.0f));
            const float baseline = pos.y + p.font->Ascent;
            if (span.strike) {
                const float y = std::round(baseline - 0.3f * p.font->FontSize);
                dl->AddLine(ImVec2(pos.x, y), ImVec2(pos.x + p.width, y), col, thickness);
            }
            if (!span.glossary.empty() && !p.space) {
                // A dotted underline: "hover me for a definition", distinct from a link's line.
                const float y = std::round(baseline + 0.15f * p.font->FontSize);
                const float dot = std::max(2.0f, thickness * 2.0f);
                for (float x = pos.x; x < pos.x + p.width; x += dot * 2.0f)
                    dl->AddLine(ImVec2(x, y), ImVec2(std::min(x + dot, pos.x + p.width), y), col,
                                thickness);
                if (window_hovered && ImGui::IsMouseHoveringRect(
                                          pos, ImVec2(pos.x + p.width, pos.y + p.font->FontSize))) {
                    ImGui::BeginTooltip();
                    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
                    ImGui::TextUnformatted(span.glossary.c_str());
                    ImGui::PopTextWrapPos();
                    ImGui::EndTooltip();
                }
            }
            if (is_link) {
                const float y = std::round(baseline + 0.1f * p.font->FontSize);
                dl->AddLine(ImVec2(pos.x, y), ImVec2(pos.x + p.width, y), col, thickness);
                if (window_hovered && ImGui::IsMouseHoveringRect(
                                          pos, ImVec2(pos.x + p.width, pos.y + p.font->FontSize)))
                    show_link_tooltip(span.link_url);
            }
        }
    }
}

//-----------------------------------------------------------------------------------------
// [SECTION] Blocks
//-----------------------------------------------------------------------------------------

float wrap_width(float min_width) {
    return std::max(ImGui::GetContentRegionAvail().x, min_width);
}

// Lays out and draws spans at the cursor, then moves the cursor below them. min_width keeps
// a squeezed window from wrapping after every letter; table cells are sized by draw_table.
InlineLayout draw_spans(const std::vector<MarkdownSpan>& spans, const TextStyle& ts,
                        const ViewStyle& st, float min_width) {
    InlineLayout layout = layout_inline(spans, ts, st, wrap_width(min_width));
    draw_inline(layout, ImGui::GetCursorScreenPos(), st.text, st);
    ImGui::Dummy(ImVec2(layout.width, layout.height));
    return layout;
}

void draw_heading(const MarkdownBlock& b, const ViewStyle& st) {
    TextStyle ts;
    if (b.level <= 3) {
        ts.heading = st.heading[std::clamp(b.level, 1, 3) - 1];
    } else {
        ts.all_bold = true;  // h4-h6: body size, bold
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float width = wrap_width(st.min_width);
    const InlineLayout layout = draw_spans(b.spans, ts, st, st.min_width);
    if (b.level <= 2) {
        // A rule under the two top levels, as readers know from rendered READMEs.
        const float y = std::round(origin.y + layout.height + 0.25f * st.em);
        ImGui::GetWindowDrawList()->AddLine(ImVec2(origin.x, y), ImVec2(origin.x + width, y),
                                            ImGui::GetColorU32(ImGuiCol_Separator));
        ImGui::Dummy(ImVec2(0.0f, std::round(0.35f * st.em)));
    }
}

void draw_list_item(const MarkdownBlock& b, const ViewStyle& st) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const InlineLayout layout = draw_spans(b.spans, TextStyle{}, st, st.min_width);
    const float ascent = layout.lines.empty() ? st.regular->Ascent : layout.lines[0].ascent;
    const float baseline = origin.y + ascent;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    if (b.ordered) {
        const std::string label = std::to_string(b.number) + ".";
        const float w = text_width(st.regular, label);
        const ImVec2 pos(origin.x - std::round(0.4f * st.em) - w, baseline - st.regular->Ascent);
        dl->AddText(st.regular, st.regular->FontSize, pos, st.text, label.c_str());
        return;
    }
    // Drawn shapes, not a glyph: the built-in fallback font has no bullet character.
    const ImVec2 c(std::round(origin.x - 0.8f * st.em), std::round(baseline - 0.32f * st.em));
    const float r = std::max(2.0f, 0.17f * st.em);
    switch (std::min(b.level, kMaxVisualDepth) % 3) {
        case 1:
            dl->AddCircleFilled(c, r, st.text);
            break;
        case 2:
            dl->AddCircle(c, r, st.text, 0, std::max(1.0f, 0.08f * st.em));
            break;
        default:
            dl->AddRectFilled(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), st.text);
            break;
    }
}

// Fenced code keeps its lines: a child window that scrolls sideways instead of wrapping.
void draw_code_block(const MarkdownBlock& b, const ViewStyle& st) {
    std::string expanded;  // tabs as spaces to the next multiple of 4
    const bool has_tabs = b.code.find('\t') != std::string::npos;
    if (has_tabs) {
        size_t column = 0;
        for (char c : b.code) {
            if (c == '\t') {
                const size_t n = 4 - column % 4;
                expanded.append(n, ' ');
                column += n;
                continue;
            }
            expanded += c;
            const bool continuation_byte = (static_cast<unsigned char>(c) & 0xC0) == 0x80;
            if (c == '\n') {
                column = 0;
            } else if (!continuation_byte) {
                ++column;
            }
        }
    }
    const std::string& code = has_tabs ? expanded : b.code;

    ImFont* font = st.mono;
    const ImVec2 text_size =
        font->CalcTextSizeA(font->FontSize, FLT_MAX, 0.0f, code.data(), code.data() + code.size());
    const ImVec2 pad(std::round(0.6f * st.em), std::round(0.45f * st.em));
    const float width = std::max(ImGui::GetContentRegionAvail().x, 4.0f * st.em);
    const bool scrolls = text_size.x + 2.0f * pad.x > width;
    const float height =
        std::ceil(text_size.y + 2.0f * pad.y) + (scrolls ? ImGui::GetStyle().ScrollbarSize : 0.0f);

    ImGui::PushStyleColor(ImGuiCol_ChildBg, theme::code_background());
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, pad);
    ImGui::BeginChild(
        "##code", ImVec2(width, height), false,
        ImGuiWindowFlags_HorizontalScrollbar | ImGuiWindowFlags_AlwaysUseWindowPadding);
    ImGui::PushFont(font);
    ImGui::TextUnformatted(code.data(), code.data() + code.size());
    ImGui::PopFont();
    ImGui::EndChild();
    ImGui::PopStyleVar();
    ImGui::PopStyleColor();
}

// Column widths for this frame's available width, the way browsers size auto tables: every
// column gets its natural width if all fit; else at least its longest word, and the rest of
// the room goes to the columns that want more. When not even the longest words fit, the
// narrow columns keep theirs and the wide ones share what is left (and break inside words).
std::vector<float> column_widths(const std::vector<InlineExtent>& cols, float avail) {
    float sum_natural = 0.0f;
    float sum_word = 0.0f;
    for (const InlineExtent& c : cols) {
        sum_natural += c.natural;
        sum_word += c.longest_word;
    }
    std::vector<float> widths(cols.size());
    if (sum_natural <= avail) {
        for (size_t i = 0; i < cols.size(); ++i) widths[i] = cols[i].natural;
    } else if (sum_word <= avail) {
        const float extra = avail - sum_word;
        const float wanted = sum_natural - sum_word;  // > 0 here
        for (size_t i = 0; i < cols.size(); ++i)
            widths[i] =
                cols[i].longest_word + extra * (cols[i].natural - cols[i].longest_word) / wanted;
    } else {
        std::vector<size_t> order(cols.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&cols](size_t a, size_t b) {
            return cols[a].longest_word < cols[b].longest_word;
        });
        float remaining = avail;
        for (size_t k = 0; k < order.size(); ++k) {
            const float share = remaining / static_cast<float>(order.size() - k);
            const float w = std::min(cols[order[k]].longest_word, share);
            widths[order[k]] = w;
            remaining -= w;
        }
    }
    for (float& w : widths) w = std::max(w, 1.0f);
    return widths;
}

void draw_table(const MarkdownBlock& b, const ViewStyle& st) {
    size_t columns = 0;
    for (const auto& row : b.rows) columns = std::max(columns, row.size());
    columns = std::min<size_t>(columns, 64);  // ImGui's limit
    if (columns == 0) return;

    std::vector<InlineExtent> extents(columns);
    for (size_t r = 0; r < b.rows.size(); ++r) {
        TextStyle ts;
        ts.all_bold = r < b.header_rows;
        for (size_t c = 0; c < std::min(columns, b.rows[r].size()); ++c) {
            const InlineExtent e = measure_inline(b.rows[r][c], ts, st);
            extents[c].natural = std::max(extents[c].natural, e.natural);
            extents[c].longest_word = std::max(extents[c].longest_word, e.longest_word);
        }
    }
    // Room taken by borders and cell padding (ImGuiTableFlags_Borders: 1 px lines, outer
    // padding 1 px, CellPadding.x each side of each cell).
    const float cell_pad = ImGui::GetStyle().CellPadding.x;
    const float n = static_cast<float>(columns);
    const float overhead = n * 2.0f * cell_pad + (n + 1.0f);
    const float avail = std::max(ImGui::GetContentRegionAvail().x, st.min_width);
    std::vector<float> widths = column_widths(extents, std::max(avail - overhead, n));
    float total = overhead;
    for (float& w : widths) {
        w += 2.0f;  // ImGui rounds column widths down; keep a word from wrapping by a pixel
        total += w;
    }

    // Non-resizable stretch columns take the weights given here every frame, so the widths
    // follow the window. A table narrower than the window keeps its natural width.
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_SizingStretchProp |
                                  ImGuiTableFlags_NoSavedSettings;
    if (!ImGui::BeginTable("##table", static_cast<int>(columns), flags,
                           ImVec2(std::min(total, avail), 0.0f)))
        return;
    for (size_t c = 0; c < columns; ++c)
        ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthStretch, widths[c]);
    for (size_t r = 0; r < b.rows.size(); ++r) {
        const bool header = r < b.header_rows;
        ImGui::TableNextRow(header ? ImGuiTableRowFlags_Headers : 0);
        TextStyle ts;
        ts.all_bold = header;
        for (size_t c = 0; c < columns; ++c) {
            ImGui::TableNextColumn();
            if (c < b.rows[r].size()) draw_spans(b.rows[r][c], ts, st, 1.0f);
        }
    }
    ImGui::EndTable();
}

// Like ImGui::Separator(), but within the indented content width (a rule inside a quote
// must not cross the quote's bar).
void draw_rule(const ViewStyle& st) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float width = wrap_width(st.min_width);
    const float height = std::round(0.5f * st.em);
    const float y = std::round(origin.y + 0.5f * height);
    ImGui::GetWindowDrawList()->AddLine(ImVec2(origin.x, y), ImVec2(origin.x + width, y),
                                        ImGui::GetColorU32(ImGuiCol_Separator),
                                        std::max(1.0f, std::round(st.em / 16.0f)));
    ImGui::Dummy(ImVec2(0.0f, height));
}

void draw_block(const MarkdownBlock& b, const ViewStyle& st) {
    switch (b.kind) {
        case MarkdownBlock::Kind::Paragraph:
        case MarkdownBlock::Kind::Quote:
            draw_spans(b.spans, TextStyle{}, st, st.min_width);
            break;
        case MarkdownBlock::Kind::Heading:
            draw_heading(b, st);
            break;
        case MarkdownBlock::Kind::ListItem:
            draw_list_item(b, st);
            break;
        case MarkdownBlock::Kind::CodeBlock:
            draw_code_block(b, st);
            break;
        case MarkdownBlock::Kind::Table:
            draw_table(b, st);
            break;
        case MarkdownBlock::Kind::Rule:
            draw_rule(st);
            break;
    }
}

// Space above a block: more before headings, little between items of a tight list.
float gap_before(const MarkdownBlock* prev, const MarkdownBlock& b, const ViewStyle& st) {
    if (!prev) return 0.0f;
    if (b.kind == MarkdownBlock::Kind::Heading)
        return std::round(st.block_gap * (b.level <= 2 ? 2.0f : 1.6f));
    if (prev->kind == MarkdownBlock::Kind::Heading) return std::round(st.block_gap * 0.7f);
    if (b.list_depth > 0 && prev->list_depth > 0 && b.tight)
        return std::round(st.block_gap * 0.35f);
    return st.block_gap;
}

}  // namespace

//-----------------------------------------------------------------------------------------
// [SECTION] draw_markdown
//-----------------------------------------------------------------------------------------

void draw_markdown(const MarkdownDoc& doc) {
    const ViewStyle st = make_style();
    ImGui::PushID(&doc);
    // Block spacing is ours; ImGui's item spacing would add to it after every Dummy.
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(ImGui::GetStyle().ItemSpacing.x, 0.0f));

    const MarkdownBlock* prev = nullptr;
    for (size_t i = 0; i < doc.blocks.size(); ++i) {
        const MarkdownBlock& b = doc.blocks[i];
        const float gap_top = ImGui::GetCursorScreenPos().y;
        const float gap = gap_before(prev, b, st);
        if (gap > 0.0f) ImGui::Dummy(ImVec2(0.0f, gap));

        const ImVec2 start = ImGui::GetCursorScreenPos();
        const int quotes = std::min(b.quote_depth, kMaxVisualDepth);
        const int lists = std::min(b.list_depth, kMaxVisualDepth);
        const float indent = static_cast<float>(quotes) * st.quote_indent +
                             static_cast<float>(lists) * st.list_indent;

        ImGui::PushID(static_cast<int>(i));
        if (indent > 0.0f) ImGui::Indent(indent);
        draw_block(b, st);
        if (indent > 0.0f) ImGui::Unindent(indent);
        ImGui::PopID();

        // Quote bars, joined across the gap when the block before was in the quote too.
        const float bottom = ImGui::GetCursorScreenPos().y;
        const float bar_width = std::max(2.0f, std::round(0.2f * st.em));
        const int prev_quotes = prev ? std::min(prev->quote_depth, kMaxVisualDepth) : 0;
        for (int q = 0; q < quotes; ++q) {
            const float x =
                start.x + static_cast<float>(q) * st.quote_indent + std::round(0.15f * st.em);
            const float top = q < prev_quotes ? gap_top : start.y;
            ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(x, top), ImVec2(x + bar_width, bottom),
                                                      st.muted);
        }
        prev = &b;
    }

    ImGui::PopStyleVar();
    ImGui::PopID();
}

}  // namespace socketlab::ui
