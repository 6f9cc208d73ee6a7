// Markdown text -> a plain list of blocks, for the lesson text panel to draw.
//
// md4c does the parsing (CommonMark + tables + strikethrough, raw HTML off). The model here
// knows nothing of ImGui or fonts, so it can be tested alone and drawn by any view:
//
//     MarkdownDoc doc = parse_markdown("# Title\n\nSome *text*.");
//     // doc.blocks[0]: Heading, level 1, spans {"Title"}
//     // doc.blocks[1]: Paragraph, spans {"Some "}, {"text", italic}, {"."}
//
// Nesting is flattened: every block records how deep it sits in lists and block quotes, and
// a list item's own text is the ListItem block; further paragraphs, code blocks or tables of
// the same item follow it with the same list_depth and no marker of their own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace socketlab {

// A run of inline text in one style. Soft line breaks are already spaces; a hard line break
// (two trailing spaces or a backslash at the end of a line) is a "\n" in text. Entities are
// decoded to UTF-8. Adjacent text in the same style is one span.
struct MarkdownSpan {
    std::string text;
    bool bold = false;
    bool italic = false;
    bool code = false;     // `inline code`
    bool strike = false;   // ~~strikethrough~~
    std::string link_url;  // non-empty when the text is (part of) a link's text
    std::string glossary;  // non-empty when the text is a glossary term: its definition

    bool operator==(const MarkdownSpan&) const = default;
};

struct MarkdownBlock {
    enum class Kind {
        Paragraph,  // spans
        Heading,    // spans, level 1-6
        CodeBlock,  // code, code_language
        ListItem,   // spans (the item's first paragraph; may be empty), level, ordered, number
        Table,      // rows, header_rows
        Quote,      // spans: a paragraph directly inside a block quote, level = quote_depth
        Rule,       // thematic break (---)
    };
    Kind kind = Kind::Paragraph;
    int level = 0;         // Heading: 1-6. ListItem: nesting depth, 1 = top level. Quote: depth.
    bool ordered = false;  // ListItem: numbered list
    int number = 0;        // ListItem in an ordered list: the item's number
    std::vector<MarkdownSpan> spans;

    std::string code;           // CodeBlock: the lines exactly, without the final newline
    std::string code_language;  // CodeBlock: first word of the fence's info string, or ""

    // Table: rows of cells of spans. The first header_rows rows are the header.
    std::vector<std::vector<std::vector<MarkdownSpan>>> rows;
    size_t header_rows = 0;

    // Where the block stands, for indentation. A view indents quotes first, then lists.
    int list_depth = 0;   // lists around the block (a ListItem's list counts)
    int quote_depth = 0;  // block quotes around the block
    bool tight = false;   // inside a list written without blank lines between items
};

struct MarkdownDoc {
    std::vector<MarkdownBlock> blocks;
};

// One term of lessons/glossary.md: the forms that mark it in a text, and what it means.
struct GlossaryEntry {
    std::string term;                // as the heading writes it: "ephemeral port"
    std::vector<std::string> forms;  // term first, then the "Also:" forms ("ephemeral ports")
    std::string definition;          // plain text, one or two sentences
    int line = 0;                    // the heading's line in the file
};

// Never throws and never fails: any byte string is some Markdown document. Once a glossary is
// set, the first use of each term in the document's prose (not in code, italics, links or headings)
// is its own span with `glossary` set, for the view to explain on hover. A quiz question
// passes mark_terms = false: a definition must not hint at the answer.
MarkdownDoc parse_markdown(const std::string& text, bool mark_terms = true);

// The glossary parse_markdown marks terms from (empty: none). Set it from the UI thread, on
// load, before parsing: the lesson library does.
void set_markdown_glossary(std::vector<GlossaryEntry> glossary);

// "&amp;" -> "&", "&#169;" / "&#xA9;" -> "©" (UTF-8). Invalid code points become U+FFFD;
// unknown names are returned as written.
std::string decode_html_entity(std::string_view entity);

// The text of the spans without their styles.
std::string plain_text(const std::vector<MarkdownSpan>& spans);

}  // namespace socketlab
