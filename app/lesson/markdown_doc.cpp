#include "lesson/markdown_doc.h"

#include <md4c.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <optional>

namespace socketlab {
namespace {

constexpr const char* kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

void append_utf8(std::string& out, uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        out += kReplacementChar;
    } else if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

struct NamedEntity {
    std::string_view name;
    uint32_t code_point;
};

// The named entities a lesson author is likely to type. md4c passes any &name; through as an
// entity, so names not listed here stay as written.
constexpr NamedEntity kNamedEntities[] = {
    {"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},     {"nbsp", 0xA0},     {"shy", 0xAD},      {"copy", 0xA9},
    {"reg", 0xAE},      {"trade", 0x2122},  {"hellip", 0x2026}, {"mdash", 0x2014},
    {"ndash", 0x2013},  {"minus", 0x2212},  {"lsquo", 0x2018},  {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"ldquo", 0x201C},  {"rdquo", 0x201D},  {"bdquo", 0x201E},
    {"laquo", 0xAB},    {"raquo", 0xBB},    {"lsaquo", 0x2039}, {"rsaquo", 0x203A},
    {"bull", 0x2022},   {"middot", 0xB7},   {"deg", 0xB0},      {"plusmn", 0xB1},
    {"times", 0xD7},    {"divide", 0xF7},   {"micro", 0xB5},    {"para", 0xB6},
    {"sect", 0xA7},     {"euro", 0x20AC},   {"pound", 0xA3},    {"yen", 0xA5},
    {"cent", 0xA2},     {"larr", 0x2190},   {"uarr", 0x2191},   {"rarr", 0x2192},
    {"darr", 0x2193},   {"harr", 0x2194},   {"lArr", 0x21D0},   {"rArr", 0x21D2},
    {"hArr", 0x21D4},   {"le", 0x2264},     {"ge", 0x2265},     {"ne", 0x2260},
    {"asymp", 0x2248},  {"infin", 0x221E},  {"prime", 0x2032},  {"Prime", 0x2033},
    {"frac12", 0xBD},   {"frac14", 0xBC},   {"frac34", 0xBE},   {"sup2", 0xB2},
    {"sup3", 0xB3},     {"iexcl", 0xA1},    {"iquest", 0xBF},   {"ensp", 0x2002},
    {"emsp", 0x2003},   {"thinsp", 0x2009}, {"zwnj", 0x200C},   {"zwj", 0x200D},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"permil", 0x2030}, {"not", 0xAC},
    {"check", 0x2713},  {"cross", 0x2717},  {"alpha", 0x3B1},   {"beta", 0x3B2},
    {"gamma", 0x3B3},   {"delta", 0x3B4},   {"epsilon", 0x3B5}, {"lambda", 0x3BB},
    {"mu", 0x3BC},      {"pi", 0x3C0},      {"sigma", 0x3C3},   {"tau", 0x3C4},
    {"omega", 0x3C9},   {"Delta", 0x394},   {"Sigma", 0x3A3},   {"Omega", 0x3A9},
};

// Digits of a numeric entity, or nullopt if there are none or a wrong character.
std::optional<uint32_t> parse_entity_number(std::string_view digits, int base) {
    if (digits.empty()) return std::nullopt;
    uint32_t value = 0;
    for (char c : digits) {
        int d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return std::nullopt;
        }
        // Saturate instead of overflowing: anything past U+10FFFF is invalid anyway.
        value = value > 0x10FFFF ? value
                                 : value * static_cast<uint32_t>(base) + static_cast<uint32_t>(d);
    }
    return value;
}

// ---------------------------------------------------------------------------------------
// Builder: md4c's callbacks -> MarkdownDoc.
// ---------------------------------------------------------------------------------------

class Builder {
  public:
    MarkdownDoc doc;

    int enter_block(MD_BLOCKTYPE type, void* detail) {
        switch (type) {
            case MD_BLOCK_DOC:
                break;
            case MD_BLOCK_THEAD:
                in_table_head_ = true;
                break;
            case MD_BLOCK_TBODY:
                in_table_head_ = false;
                break;
            case MD_BLOCK_QUOTE:
                start_block_level_child();
                containers_.push_back(Container::Quote);
                ++quote_depth_;
                break;
            case MD_BLOCK_UL:
            case MD_BLOCK_OL: {
                start_block_level_child();
                ListFrame frame;
                if (type == MD_BLOCK_OL) {
                    auto* d = static_cast<MD_BLOCK_OL_DETAIL*>(detail);
                    frame.ordered = true;
                    frame.next_number = static_cast<int>(std::min<unsigned>(d->start, INT_MAX));
                    frame.tight = d->is_tight != 0;
                } else {
                    frame.tight = static_cast<MD_BLOCK_UL_DETAIL*>(detail)->is_tight != 0;
                }
                lists_.push_back(frame);
                containers_.push_back(Container::List);
                break;
            }
            case MD_BLOCK_LI:
                close_inline();
                item_pending_ = true;
                if (!lists_.empty()) {
                    pending_number_ = lists_.back().next_number;
                    if (lists_.back().next_number < INT_MAX) ++lists_.back().next_number;
                }
                break;
            case MD_BLOCK_HR:
                start_block_level_child();
                push_block(MarkdownBlock::Kind::Rule);
                break;
            case MD_BLOCK_H: {
                start_block_level_child();
                MarkdownBlock& b = push_block(MarkdownBlock::Kind::Heading);
                b.level = std::clamp(
                    static_cast<int>(static_cast<MD_BLOCK_H_DETAIL*>(detail)->level), 1, 6);
                open_inline_ = doc.blocks.size() - 1;
                break;
            }
            case MD_BLOCK_CODE: {
                start_block_level_child();
                MarkdownBlock& b = push_block(MarkdownBlock::Kind::CodeBlock);
                b.code_language = attribute_text(static_cast<MD_BLOCK_CODE_DETAIL*>(detail)->lang);
                code_block_ = doc.blocks.size() - 1;
                break;
            }
            case MD_BLOCK_HTML:
                // Raw HTML is switched off by the flags; should any arrive, show it verbatim.
                start_block_level_child();
                push_block(MarkdownBlock::Kind::CodeBlock);
                code_block_ = doc.blocks.size() - 1;
                break;
            case MD_BLOCK_P:
                close_inline();
                open_inline_block();
                break;
            case MD_BLOCK_TABLE:
                start_block_level_child();
                push_block(MarkdownBlock::Kind::Table);
                table_ = doc.blocks.size() - 1;
                break;
            case MD_BLOCK_TR:
                if (table_) {
                    MarkdownBlock& t = doc.blocks[*table_];
                    t.rows.emplace_back();
                    if (in_table_head_) ++t.header_rows;
                }
                break;
            case MD_BLOCK_TH:
            case MD_BLOCK_TD:
                if (table_ && !doc.blocks[*table_].rows.empty()) {
                    doc.blocks[*table_].rows.back().emplace_back();
                    in_cell_ = true;
                }
                break;
        }
        return 0;
    }

    int leave_block(MD_BLOCKTYPE type) {
        switch (type) {
            case MD_BLOCK_QUOTE:
                close_inline();
                if (quote_depth_ > 0) --quote_depth_;
                if (!containers_.empty()) containers_.pop_back();
                break;
            case MD_BLOCK_UL:
            case MD_BLOCK_OL:
                close_inline();
                if (!lists_.empty()) lists_.pop_back();
                if (!containers_.empty()) containers_.pop_back();
                break;
            case MD_BLOCK_LI:
                close_inline();
                emit_pending_item();  // an empty item still shows its bullet
                break;
            case MD_BLOCK_H:
            case MD_BLOCK_P:
                close_inline();
                break;
            case MD_BLOCK_CODE:
            case MD_BLOCK_HTML:
                if (code_block_) {
                    std::string& code = doc.blocks[*code_block_].code;
                    if (!code.empty() && code.back() == '\n') code.pop_back();
                }
                code_block_.reset();
                break;
            case MD_BLOCK_TABLE:
                table_.reset();
                in_table_head_ = false;
                break;
            case MD_BLOCK_TH:
            case MD_BLOCK_TD:
                in_cell_ = false;
                break;
            default:
                break;
        }
        return 0;
    }

    int enter_span(MD_SPANTYPE type, void* detail) {
        switch (type) {
            case MD_SPAN_EM:
                ++italic_;
                break;
            case MD_SPAN_STRONG:
                ++bold_;
                break;
            case MD_SPAN_CODE:
                ++code_;
                break;
            case MD_SPAN_DEL:
                ++strike_;
                break;
            case MD_SPAN_A:
                links_.push_back(attribute_text(static_cast<MD_SPAN_A_DETAIL*>(detail)->href));
                break;
            default:  // images show their alt text; other span types are not enabled
                break;
        }
        return 0;
    }

    int leave_span(MD_SPANTYPE type) {
        auto dec = [](int& n) { n = n > 0 ? n - 1 : 0; };
        switch (type) {
            case MD_SPAN_EM:
                dec(italic_);
                break;
            case MD_SPAN_STRONG:
                dec(bold_);
                break;
            case MD_SPAN_CODE:
                dec(code_);
                break;
            case MD_SPAN_DEL:
                dec(strike_);
                break;
            case MD_SPAN_A:
                if (!links_.empty()) links_.pop_back();
                break;
            default:
                break;
        }
        return 0;
    }

    int text(MD_TEXTTYPE type, const MD_CHAR* data, MD_SIZE size) {
        std::string_view raw(data, size);
        if (code_block_) {
            // Verbatim: md4c sends the newlines as text here.
            std::string& code = doc.blocks[*code_block_].code;
            if (type == MD_TEXT_NULLCHAR) {
                code += kReplacementChar;
            } else {
                code.append(raw);
            }
            return 0;
        }
        switch (type) {
            case MD_TEXT_NULLCHAR:
                append_text(kReplacementChar);
                break;
            case MD_TEXT_BR:
                append_text("\n");
                break;
            case MD_TEXT_SOFTBR:
                append_text(" ");
                break;
            case MD_TEXT_ENTITY:
                append_text(decode_html_entity(raw));
                break;
            default:  // normal, code, html, math: the characters as they are
                append_text(raw);
                break;
        }
        return 0;
    }

  private:
    enum class Container { Quote, List };
    struct ListFrame {
        bool ordered = false;
        int next_number = 1;
        bool tight = false;
    };

    MarkdownBlock& push_block(MarkdownBlock::Kind kind) {
        MarkdownBlock& b = doc.blocks.emplace_back();
        b.kind = kind;
        b.list_depth = static_cast<int>(lists_.size());
        b.quote_depth = quote_depth_;
        b.tight = !lists_.empty() && lists_.back().tight;
        return b;
    }

    // A block that cannot carry the item's text (code, nested list, quote, table, rule,
    // heading) starts inside a list item: the item's marker gets a block of its own first.
    void start_block_level_child() {
        close_inline();
        emit_pending_item();
    }

    void emit_pending_item() {
        if (!item_pending_) return;
        open_inline_block();
        close_inline();
    }

    // The block that receives inline text: the pending list item, else a paragraph (a Quote
    // when the innermost container is a block quote).
    void open_inline_block() {
        if (item_pending_) {
            MarkdownBlock& b = push_block(MarkdownBlock::Kind::ListItem);
            b.level = static_cast<int>(lists_.size());
            b.ordered = !lists_.empty() && lists_.back().ordered;
            b.number = b.ordered ? pending_number_ : 0;
            item_pending_ = false;
        } else if (!containers_.empty() && containers_.back() == Container::Quote) {
            MarkdownBlock& b = push_block(MarkdownBlock::Kind::Quote);
            b.level = quote_depth_;
        } else {
            push_block(MarkdownBlock::Kind::Paragraph);
        }
        open_inline_ = doc.blocks.size() - 1;
    }

    void close_inline() { open_inline_.reset(); }

    std::vector<MarkdownSpan>* current_spans() {
        if (table_) {
            // Tables hold only inline content; text outside a cell has nowhere to go.
            MarkdownBlock& t = doc.blocks[*table_];
            if (!in_cell_ || t.rows.empty() || t.rows.back().empty()) return nullptr;
            return &t.rows.back().back();
        }
        if (!open_inline_) open_inline_block();  // text directly inside a tight list item
        return &doc.blocks[*open_inline_].spans;
    }

    void append_text(std::string_view s) {
        if (s.empty()) return;
        std::vector<MarkdownSpan>* spans = current_spans();
        if (!spans) return;
        MarkdownSpan style;
        style.bold = bold_ > 0;
        style.italic = italic_ > 0;
        style.code = code_ > 0;
        style.strike = strike_ > 0;
        if (!links_.empty()) style.link_url = links_.back();
        if (!spans->empty()) {
            MarkdownSpan& last = spans->back();
            if (last.bold == style.bold && last.italic == style.italic && last.code == style.code &&
                last.strike == style.strike && last.link_url == style.link_url) {
                last.text.append(s);
                return;
            }
        }
        style.text.assign(s);
        spans->push_back(std::move(style));
    }

    // An attribute (link target, info string) with its entities decoded.
    static std::string attribute_text(const MD_ATTRIBUTE& attr) {
        std::string out;
        if (!attr.text || attr.size == 0) return out;
        if (!attr.substr_types || !attr.substr_offsets) return std::string(attr.text, attr.size);
        for (size_t i = 0; attr.substr_offsets[i] < attr.size; ++i) {
            MD_OFFSET begin = attr.substr_offsets[i];
            MD_OFFSET end = std::min(attr.substr_offsets[i + 1], attr.size);
            if (end <= begin) continue;
            std::string_view part(attr.text + begin, end - begin);
            switch (attr.substr_types[i]) {
                case MD_TEXT_ENTITY:
                    out += decode_html_entity(part);
                    break;
                case MD_TEXT_NULLCHAR:
                    out += kReplacementChar;
                    break;
                default:
                    out.append(part);
                    break;
            }
        }
        return out;
    }

    std::vector<Container> containers_;
    std::vector<ListFrame> lists_;
    int quote_depth_ = 0;
    bool item_pending_ = false;  // inside an LI whose ListItem block is not made yet
    int pending_number_ = 0;
    std::optional<size_t> open_inline_;  // block receiving inline text
    std::optional<size_t> code_block_;
    std::optional<size_t> table_;
    bool in_table_head_ = false;
    bool in_cell_ = false;

    int bold_ = 0;
    int italic_ = 0;
    int code_ = 0;
    int strike_ = 0;
    std::vector<std::string> links_;
};

// md4c is C: no exception may unwind through it. A failure (out of memory) stops the parse
// and keeps what was built so far.
template <typename F>
int guarded(void* userdata, F&& f) {
    try {
        return f(*static_cast<Builder*>(userdata));
    } catch (...) {
        return 1;
    }
}

}  // namespace

std::string decode_html_entity(std::string_view entity) {
    if (entity.size() < 3 || entity.front() != '&' || entity.back() != ';') {
        return std::string(entity);
    }
    std::string_view body = entity.substr(1, entity.size() - 2);
    std::string out;
    if (body.front() == '#') {
        std::string_view digits = body.substr(1);
        int base = 10;
        if (!digits.empty() && (digits.front() == 'x' || digits.front() == 'X')) {
            base = 16;
            digits.remove_prefix(1);
        }
        std::optional<uint32_t> cp = parse_entity_number(digits, base);
        if (!cp) return std::string(entity);
        append_utf8(out, *cp);
        return out;
    }
    for (const NamedEntity& e : kNamedEntities) {
        if (e.name == body) {
            append_utf8(out, e.code_point);
            return out;
        }
    }
    return std::string(entity);
}

std::string plain_text(const std::vector<MarkdownSpan>& spans) {
    std::string out;
    for (const MarkdownSpan& s : spans) out += s.text;
    return out;
}

namespace {

std::vector<GlossaryEntry>& current_glossary() {
    static std::vector<GlossaryEntry> glossary;
    return glossary;
}

bool word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Where form occurs in text as a whole word, ignoring ASCII case; npos if nowhere.
size_t find_word(const std::string& text, const std::string& form) {
    if (form.empty() || form.size() > text.size()) return std::string::npos;
    for (size_t i = 0; i + form.size() <= text.size(); ++i) {
        bool same = true;
        for (size_t k = 0; same && k < form.size(); ++k)
            same = std::tolower(static_cast<unsigned char>(text[i + k])) ==
                   std::tolower(static_cast<unsigned char>(form[k]));
        if (!same) continue;
        const bool starts = i == 0 || !word_char(text[i - 1]) || !word_char(form.front());
        const size_t end = i + form.size();
        const bool ends = end == text.size() || !word_char(text[end]) || !word_char(form.back());
        if (starts && ends) return i;
    }
    return std::string::npos;
}

// Splits the first use of each not yet marked term out of the spans into a span of its own.
void mark_terms(std::vector<MarkdownSpan>& spans, const std::vector<GlossaryEntry>& glossary,
                std::vector<bool>& marked) {
    for (size_t s = 0; s < spans.size(); ++s) {
        // Italic is how the course names other lessons ("*Addresses and ports*"): not a term.
        if (spans[s].code || spans[s].italic || !spans[s].link_url.empty() ||
            !spans[s].glossary.empty())
            continue;
        // The earliest match in this span; the longer form wins at the same place.
        size_t best_at = std::string::npos, best_len = 0, best_entry = 0;
        for (size_t e = 0; e < glossary.size(); ++e) {
            if (marked[e]) continue;
            for (const auto& form : glossary[e].forms) {
                const size_t at = find_word(spans[s].text, form);
                if (at == std::string::npos) continue;
                if (at < best_at || (at == best_at && form.size() > best_len)) {
                    best_at = at;
                    best_len = form.size();
                    best_entry = e;
                }
            }
        }
        if (best_at == std::string::npos) continue;
        marked[best_entry] = true;
        MarkdownSpan before = spans[s], term = spans[s], after = spans[s];
        before.text = spans[s].text.substr(0, best_at);
        term.text = spans[s].text.substr(best_at, best_len);
        term.glossary = glossary[best_entry].definition;
        after.text = spans[s].text.substr(best_at + best_len);
        std::vector<MarkdownSpan> pieces;
        if (!before.text.empty()) pieces.push_back(before);
        pieces.push_back(term);
        if (!after.text.empty()) pieces.push_back(after);
        spans.erase(spans.begin() + static_cast<std::ptrdiff_t>(s));
        spans.insert(spans.begin() + static_cast<std::ptrdiff_t>(s), pieces.begin(), pieces.end());
        // Look again from the term's span: the text after it may hold another term.
        if (!before.text.empty()) ++s;
    }
}

}  // namespace

void set_markdown_glossary(std::vector<GlossaryEntry> glossary) {
    current_glossary() = std::move(glossary);
}

MarkdownDoc parse_markdown(const std::string& text, bool mark_glossary_terms) {
    Builder builder;
    MD_PARSER parser{};
    parser.abi_version = 0;
    parser.flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_NOHTML;
    parser.enter_block = [](MD_BLOCKTYPE type, void* detail, void* user) {
        return guarded(user, [&](Builder& b) { return b.enter_block(type, detail); });
    };
    parser.leave_block = [](MD_BLOCKTYPE type, void*, void* user) {
        return guarded(user, [&](Builder& b) { return b.leave_block(type); });
    };
    parser.enter_span = [](MD_SPANTYPE type, void* detail, void* user) {
        return guarded(user, [&](Builder& b) { return b.enter_span(type, detail); });
    };
    parser.leave_span = [](MD_SPANTYPE type, void*, void* user) {
        return guarded(user, [&](Builder& b) { return b.leave_span(type); });
    };
    parser.text = [](MD_TEXTTYPE type, const MD_CHAR* data, MD_SIZE size, void* user) {
        return guarded(user, [&](Builder& b) { return b.text(type, data, size); });
    };
    // md4c sizes are 32-bit; a lesson is far smaller, but never pass a wrapped size.
    const MD_SIZE size = static_cast<MD_SIZE>(std::min<size_t>(text.size(), UINT_MAX));
    md_parse(text.data(), size, &parser, &builder);
    const auto& glossary = current_glossary();
    if (mark_glossary_terms && !glossary.empty()) {
        std::vector<bool> marked(glossary.size(), false);
        for (auto& block : builder.doc.blocks) {
            if (block.kind == MarkdownBlock::Kind::Heading) continue;
            mark_terms(block.spans, glossary, marked);
            for (auto& row : block.rows)
                for (auto& cell : row) mark_terms(cell, glossary, marked);
        }
    }
    return std::move(builder.doc);
}

}  // namespace socketlab
