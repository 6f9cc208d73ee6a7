// parse_markdown: Markdown text -> MarkdownDoc blocks and spans.
#include "lesson/markdown_doc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <string>

namespace socketlab {
namespace {

using Kind = MarkdownBlock::Kind;

// A copy, so callers may pass a temporary document.
MarkdownBlock only_block(const MarkdownDoc& doc) {
    EXPECT_EQ(doc.blocks.size(), 1u);
    return doc.blocks.empty() ? MarkdownBlock{} : doc.blocks.front();
}

// The span whose text is exactly `text`, or nullptr.
const MarkdownSpan* find_span(const std::vector<MarkdownSpan>& spans, const std::string& text) {
    for (const MarkdownSpan& s : spans)
        if (s.text == text) return &s;
    return nullptr;
}

TEST(MarkdownDoc, EmptyInputHasNoBlocks) {
    EXPECT_TRUE(parse_markdown("").blocks.empty());
    EXPECT_TRUE(parse_markdown("\n\n   \n").blocks.empty());
}

TEST(MarkdownDoc, HeadingsKeepTheirLevel) {
    MarkdownDoc doc = parse_markdown("# One\n\n## Two\n\n###### Six\n\nSetext\n======\n");
    ASSERT_EQ(doc.blocks.size(), 4u);
    EXPECT_EQ(doc.blocks[0].kind, Kind::Heading);
    EXPECT_EQ(doc.blocks[0].level, 1);
    EXPECT_EQ(plain_text(doc.blocks[0].spans), "One");
    EXPECT_EQ(doc.blocks[1].level, 2);
    EXPECT_EQ(plain_text(doc.blocks[1].spans), "Two");
    EXPECT_EQ(doc.blocks[2].level, 6);
    EXPECT_EQ(doc.blocks[3].kind, Kind::Heading);
    EXPECT_EQ(doc.blocks[3].level, 1);
    EXPECT_EQ(plain_text(doc.blocks[3].spans), "Setext");
}

TEST(MarkdownDoc, ParagraphsAreSeparatedByBlankLines) {
    MarkdownDoc doc = parse_markdown("first paragraph\n\nsecond\nparagraph\n");
    ASSERT_EQ(doc.blocks.size(), 2u);
    EXPECT_EQ(doc.blocks[0].kind, Kind::Paragraph);
    EXPECT_EQ(plain_text(doc.blocks[0].spans), "first paragraph");
    EXPECT_EQ(doc.blocks[1].kind, Kind::Paragraph);
    EXPECT_EQ(doc.blocks[1].list_depth, 0);
    EXPECT_EQ(doc.blocks[1].quote_depth, 0);
}

TEST(MarkdownDoc, SoftBreakIsASpaceHardBreakIsANewline) {
    const MarkdownBlock& b = only_block(parse_markdown("one\ntwo  \nthree\\\nfour"));
    EXPECT_EQ(plain_text(b.spans), "one two\nthree\nfour");
}

TEST(MarkdownDoc, InlineStylesLandOnTheRightSpans) {
    const MarkdownBlock& b =
        only_block(parse_markdown("a *it* **bold** ***both*** `co de` ~~gone~~ z"));
    ASSERT_EQ(b.kind, Kind::Paragraph);
    EXPECT_EQ(plain_text(b.spans), "a it bold both co de gone z");

    const MarkdownSpan* it = find_span(b.spans, "it");
    ASSERT_NE(it, nullptr);
    EXPECT_TRUE(it->italic);
    EXPECT_FALSE(it->bold);

    const MarkdownSpan* bold = find_span(b.spans, "bold");
    ASSERT_NE(bold, nullptr);
    EXPECT_TRUE(bold->bold);
    EXPECT_FALSE(bold->italic);

    const MarkdownSpan* both = find_span(b.spans, "both");
    ASSERT_NE(both, nullptr);
    EXPECT_TRUE(both->bold);
    EXPECT_TRUE(both->italic);

    const MarkdownSpan* code = find_span(b.spans, "co de");
    ASSERT_NE(code, nullptr);
    EXPECT_TRUE(code->code);
    EXPECT_FALSE(code->bold);

    const MarkdownSpan* gone = find_span(b.spans, "gone");
    ASSERT_NE(gone, nullptr);
    EXPECT_TRUE(gone->strike);

    // Unstyled text stays unstyled, and neighbours in the same style are merged.
    ASSERT_FALSE(b.spans.empty());
    EXPECT_EQ(b.spans.front().text, "a ");
    EXPECT_FALSE(b.spans.front().bold || b.spans.front().italic || b.spans.front().code);
    EXPECT_EQ(b.spans.back().text, " z");
}

TEST(MarkdownDoc, StylesNestInsideEachOther) {
    const MarkdownBlock& b = only_block(parse_markdown("**bold *and italic* `code`**"));
    const MarkdownSpan* inner = find_span(b.spans, "and italic");
    ASSERT_NE(inner, nullptr);
    EXPECT_TRUE(inner->bold);
    EXPECT_TRUE(inner->italic);
    const MarkdownSpan* code = find_span(b.spans, "code");
    ASSERT_NE(code, nullptr);
    EXPECT_TRUE(code->code);
    EXPECT_TRUE(code->bold);
    EXPECT_FALSE(code->italic);
}

TEST(MarkdownDoc, LinksKeepTextAndUrl) {
    const MarkdownBlock& b =
        only_block(parse_markdown("see [the *man* page](https://man7.org/a?x=1&amp;y=2) now"));
    EXPECT_EQ(plain_text(b.spans), "see the man page now");
    const MarkdownSpan* man = find_span(b.spans, "man");
    ASSERT_NE(man, nullptr);
    EXPECT_TRUE(man->italic);
    EXPECT_EQ(man->link_url, "https://man7.org/a?x=1&y=2");
    const MarkdownSpan* page = find_span(b.spans, " page");
    ASSERT_NE(page, nullptr);
    EXPECT_EQ(page->link_url, "https://man7.org/a?x=1&y=2");
    EXPECT_TRUE(b.spans.front().link_url.empty());
    EXPECT_TRUE(b.spans.back().link_url.empty());
}

TEST(MarkdownDoc, AutolinkIsALink) {
    const MarkdownBlock& b = only_block(parse_markdown("<https://example.org/x>"));
    ASSERT_EQ(b.spans.size(), 1u);
    EXPECT_EQ(b.spans[0].text, "https://example.org/x");
    EXPECT_EQ(b.spans[0].link_url, "https://example.org/x");
}

TEST(MarkdownDoc, EntitiesAreDecoded) {
    const MarkdownBlock& b = only_block(
        parse_markdown("a &amp; b &lt;tag&gt; &copy; &#169; &#xA9; &#X1F600; &nbsp;|&bogus;"));
    EXPECT_EQ(plain_text(b.spans),
              "a & b <tag> \xC2\xA9 \xC2\xA9 \xC2\xA9 \xF0\x9F\x98\x80 \xC2\xA0|&bogus;");
}

TEST(MarkdownDoc, EntityDecoderEdgeCases) {
    EXPECT_EQ(decode_html_entity("&quot;"), "\"");
    EXPECT_EQ(decode_html_entity("&rarr;"), "\xE2\x86\x92");
    EXPECT_EQ(decode_html_entity("&#65;"), "A");
    EXPECT_EQ(decode_html_entity("&#x41;"), "A");
    EXPECT_EQ(decode_html_entity("&#0;"), "\xEF\xBF\xBD");
    EXPECT_EQ(decode_html_entity("&#xD800;"), "\xEF\xBF\xBD");           // surrogate
    EXPECT_EQ(decode_html_entity("&#x110000;"), "\xEF\xBF\xBD");         // past Unicode
    EXPECT_EQ(decode_html_entity("&#99999999999999;"), "\xEF\xBF\xBD");  // no overflow
    EXPECT_EQ(decode_html_entity("&#x7FF;"), "\xDF\xBF");
    EXPECT_EQ(decode_html_entity("&#xFFFF;"), "\xEF\xBF\xBF");
    EXPECT_EQ(decode_html_entity("&#;"), "&#;");
    EXPECT_EQ(decode_html_entity("&#xZZ;"), "&#xZZ;");
    EXPECT_EQ(decode_html_entity("&AMP;"), "&AMP;");  // names are case-sensitive
    EXPECT_EQ(decode_html_entity("&"), "&");
    EXPECT_EQ(decode_html_entity(""), "");
}

TEST(MarkdownDoc, EntitiesInsideCodeStayLiteral) {
    MarkdownDoc doc = parse_markdown("`&amp;`\n\n```\n&amp;\n```\n");
    ASSERT_EQ(doc.blocks.size(), 2u);
    EXPECT_EQ(plain_text(doc.blocks[0].spans), "&amp;");
    EXPECT_EQ(doc.blocks[1].code, "&amp;");
}

TEST(MarkdownDoc, FencedCodeBlockKeepsLinesAndLanguage) {
    MarkdownDoc doc = parse_markdown(
        "```python extra words\nimport socket\n\n    s = socket.socket()  # *not* emphasis\n```\n");
    const MarkdownBlock& b = only_block(doc);
    EXPECT_EQ(b.kind, Kind::CodeBlock);
    EXPECT_EQ(b.code_language, "python");
    EXPECT_EQ(b.code, "import socket\n\n    s = socket.socket()  # *not* emphasis");
    EXPECT_TRUE(b.spans.empty());
}

TEST(MarkdownDoc, IndentedCodeBlock) {
    const MarkdownBlock& b = only_block(parse_markdown("    int fd;\n      fd = 3;\n"));
    EXPECT_EQ(b.kind, Kind::CodeBlock);
    EXPECT_EQ(b.code_language, "");
    EXPECT_EQ(b.code, "int fd;\n  fd = 3;");
}

TEST(MarkdownDoc, EmptyCodeBlock) {
    const MarkdownBlock& b = only_block(parse_markdown("```c\n```\n"));
    EXPECT_EQ(b.kind, Kind::CodeBlock);
    EXPECT_EQ(b.code_language, "c");
    EXPECT_EQ(b.code, "");
}

TEST(MarkdownDoc, BulletListWithNesting) {
    MarkdownDoc doc = parse_markdown("- one\n- two\n  - two.a\n    - two.a.i\n- three\n");
    ASSERT_EQ(doc.blocks.size(), 5u);
    const int levels[] = {1, 1, 2, 3, 1};
    const char* texts[] = {"one", "two", "two.a", "two.a.i", "three"};
    for (size_t i = 0; i < 5; ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(doc.blocks[i].kind, Kind::ListItem);
        EXPECT_FALSE(doc.blocks[i].ordered);
        EXPECT_EQ(doc.blocks[i].level, levels[i]);
        EXPECT_EQ(doc.blocks[i].list_depth, levels[i]);
        EXPECT_TRUE(doc.blocks[i].tight);
        EXPECT_EQ(plain_text(doc.blocks[i].spans), texts[i]);
    }
}

TEST(MarkdownDoc, OrderedListNumbersStartWhereTheAuthorSaid) {
    MarkdownDoc doc =
        parse_markdown("3. three\n4. four\n   1. inner one\n   2. inner two\n5. five\n");
    ASSERT_EQ(doc.blocks.size(), 5u);
    EXPECT_TRUE(doc.blocks[0].ordered);
    EXPECT_EQ(doc.blocks[0].number, 3);
    EXPECT_EQ(doc.blocks[1].number, 4);
    EXPECT_EQ(doc.blocks[2].number, 1);
    EXPECT_EQ(doc.blocks[2].level, 2);
    EXPECT_EQ(doc.blocks[3].number, 2);
    EXPECT_EQ(doc.blocks[4].number, 5);
    EXPECT_EQ(doc.blocks[4].level, 1);
    EXPECT_EQ(plain_text(doc.blocks[4].spans), "five");
}

TEST(MarkdownDoc, OrderedInsideBulletAndBack) {
    MarkdownDoc doc = parse_markdown("- a\n  1. b\n  2. c\n- d\n");
    ASSERT_EQ(doc.blocks.size(), 4u);
    EXPECT_FALSE(doc.blocks[0].ordered);
    EXPECT_TRUE(doc.blocks[1].ordered);
    EXPECT_EQ(doc.blocks[2].number, 2);
    EXPECT_FALSE(doc.blocks[3].ordered);
    EXPECT_EQ(doc.blocks[3].number, 0);
}

TEST(MarkdownDoc, LooseListItemWithMoreContent) {
    MarkdownDoc doc = parse_markdown(
        "1. first\n\n   more about first\n\n   ```\n   code in item\n   ```\n2. second\n");
    ASSERT_EQ(doc.blocks.size(), 4u);
    EXPECT_EQ(doc.blocks[0].kind, Kind::ListItem);
    EXPECT_FALSE(doc.blocks[0].tight);
    EXPECT_EQ(plain_text(doc.blocks[0].spans), "first");
    EXPECT_EQ(doc.blocks[1].kind, Kind::Paragraph);
    EXPECT_EQ(doc.blocks[1].list_depth, 1);
    EXPECT_EQ(plain_text(doc.blocks[1].spans), "more about first");
    EXPECT_EQ(doc.blocks[2].kind, Kind::CodeBlock);
    EXPECT_EQ(doc.blocks[2].list_depth, 1);
    EXPECT_EQ(doc.blocks[2].code, "code in item");
    EXPECT_EQ(doc.blocks[3].kind, Kind::ListItem);
    EXPECT_EQ(doc.blocks[3].number, 2);
}

TEST(MarkdownDoc, EmptyListItemStillHasItsMarker) {
    MarkdownDoc doc = parse_markdown("1. a\n2.\n3. c\n");
    ASSERT_EQ(doc.blocks.size(), 3u);
    EXPECT_EQ(doc.blocks[1].kind, Kind::ListItem);
    EXPECT_EQ(doc.blocks[1].number, 2);
    EXPECT_TRUE(doc.blocks[1].spans.empty());
}

TEST(MarkdownDoc, ItemStartingWithCodeGetsAMarkerBlockFirst) {
    MarkdownDoc doc = parse_markdown("- ```\n  x\n  ```\n");
    ASSERT_EQ(doc.blocks.size(), 2u);
    EXPECT_EQ(doc.blocks[0].kind, Kind::ListItem);
    EXPECT_TRUE(doc.blocks[0].spans.empty());
    EXPECT_EQ(doc.blocks[1].kind, Kind::CodeBlock);
    EXPECT_EQ(doc.blocks[1].code, "x");
}

TEST(MarkdownDoc, ListItemInlineStyles) {
    const MarkdownBlock& b = only_block(parse_markdown("- **FAMILY**: `AF_INET` (IPv4)\n"));
    EXPECT_EQ(b.kind, Kind::ListItem);
    ASSERT_GE(b.spans.size(), 3u);
    EXPECT_EQ(b.spans[0].text, "FAMILY");
    EXPECT_TRUE(b.spans[0].bold);
    EXPECT_EQ(b.spans[1].text, ": ");
    EXPECT_FALSE(b.spans[1].bold);
    EXPECT_EQ(b.spans[2].text, "AF_INET");
    EXPECT_TRUE(b.spans[2].code);
}

TEST(MarkdownDoc, BlockQuotes) {
    MarkdownDoc doc = parse_markdown("> outer *q*\n>\n> > inner\n>\n> - item\n\nafter\n");
    ASSERT_EQ(doc.blocks.size(), 4u);
    EXPECT_EQ(doc.blocks[0].kind, Kind::Quote);
    EXPECT_EQ(doc.blocks[0].level, 1);
    EXPECT_EQ(doc.blocks[0].quote_depth, 1);
    EXPECT_EQ(plain_text(doc.blocks[0].spans), "outer q");
    EXPECT_EQ(doc.blocks[1].kind, Kind::Quote);
    EXPECT_EQ(doc.blocks[1].quote_depth, 2);
    EXPECT_EQ(plain_text(doc.blocks[1].spans), "inner");
    EXPECT_EQ(doc.blocks[2].kind, Kind::ListItem);
    EXPECT_EQ(doc.blocks[2].quote_depth, 1);
    EXPECT_EQ(doc.blocks[2].list_depth, 1);
    EXPECT_EQ(doc.blocks[3].kind, Kind::Paragraph);
    EXPECT_EQ(doc.blocks[3].quote_depth, 0);
}

TEST(MarkdownDoc, CodeBlockInsideQuote) {
    MarkdownDoc doc = parse_markdown("> ```\n> quoted code\n> ```\n");
    const MarkdownBlock& b = only_block(doc);
    EXPECT_EQ(b.kind, Kind::CodeBlock);
    EXPECT_EQ(b.quote_depth, 1);
    EXPECT_EQ(b.code, "quoted code");
}

TEST(MarkdownDoc, ThematicBreaks) {
    MarkdownDoc doc = parse_markdown("above\n\n---\n\n***\n\nbelow\n");
    ASSERT_EQ(doc.blocks.size(), 4u);
    EXPECT_EQ(doc.blocks[0].kind, Kind::Paragraph);
    EXPECT_EQ(doc.blocks[1].kind, Kind::Rule);
    EXPECT_EQ(doc.blocks[2].kind, Kind::Rule);
    EXPECT_EQ(doc.blocks[3].kind, Kind::Paragraph);
}

TEST(MarkdownDoc, TableRowsCellsAndFormatting) {
    MarkdownDoc doc = parse_markdown(
        "| call | arguments |\n"
        "|------|-----------|\n"
        "| `socket` | `FAMILY` **TYPE** |\n"
        "| `listen` | |\n"
        "| a | b | extra cell is dropped |\n");
    const MarkdownBlock& t = only_block(doc);
    ASSERT_EQ(t.kind, Kind::Table);
    EXPECT_EQ(t.header_rows, 1u);
    ASSERT_EQ(t.rows.size(), 4u);
    for (const auto& row : t.rows) EXPECT_EQ(row.size(), 2u);

    EXPECT_EQ(plain_text(t.rows[0][0]), "call");
    EXPECT_EQ(plain_text(t.rows[0][1]), "arguments");

    ASSERT_EQ(t.rows[1][0].size(), 1u);
    EXPECT_EQ(t.rows[1][0][0].text, "socket");
    EXPECT_TRUE(t.rows[1][0][0].code);
    const MarkdownSpan* type = find_span(t.rows[1][1], "TYPE");
    ASSERT_NE(type, nullptr);
    EXPECT_TRUE(type->bold);
    EXPECT_FALSE(type->code);

    EXPECT_TRUE(t.rows[2][1].empty());
    EXPECT_EQ(plain_text(t.rows[3][1]), "b");
    EXPECT_TRUE(t.spans.empty());
}

TEST(MarkdownDoc, TableWithoutBodyRows) {
    const MarkdownBlock& t = only_block(parse_markdown("| a | b | c |\n|---|:-:|--:|\n"));
    ASSERT_EQ(t.kind, Kind::Table);
    EXPECT_EQ(t.header_rows, 1u);
    ASSERT_EQ(t.rows.size(), 1u);
    EXPECT_EQ(t.rows[0].size(), 3u);
}

TEST(MarkdownDoc, RawHtmlIsShownAsText) {
    const MarkdownBlock& b = only_block(parse_markdown("a <b>not bold</b> c"));
    EXPECT_EQ(plain_text(b.spans), "a <b>not bold</b> c");
    for (const MarkdownSpan& s : b.spans) EXPECT_FALSE(s.bold);
}

TEST(MarkdownDoc, ImageShowsItsAltText) {
    const MarkdownBlock& b = only_block(parse_markdown("![a diagram](x.png)"));
    EXPECT_EQ(plain_text(b.spans), "a diagram");
}

TEST(MarkdownDoc, NulBytesBecomeReplacementCharacters) {
    const MarkdownBlock& b = only_block(parse_markdown(std::string("a\0b", 3)));
    EXPECT_EQ(plain_text(b.spans),
              "a\xEF\xBF\xBD"
              "b");
}

TEST(MarkdownDoc, DocumentOrderIsKept) {
    MarkdownDoc doc = parse_markdown(
        "# H\n\npara\n\n- item\n\n```\ncode\n```\n\n> quote\n\n---\n\n| t |\n|---|\n| 1 |\n");
    const Kind expected[] = {Kind::Heading, Kind::Paragraph, Kind::ListItem, Kind::CodeBlock,
                             Kind::Quote,   Kind::Rule,      Kind::Table};
    ASSERT_EQ(doc.blocks.size(), std::size(expected));
    for (size_t i = 0; i < doc.blocks.size(); ++i) EXPECT_EQ(doc.blocks[i].kind, expected[i]) << i;
}

TEST(MarkdownDoc, RandomBytesDoNotCrash) {
    std::mt19937 rng(12345);
    for (int round = 0; round < 5; ++round) {
        std::string junk(100 * 1024, '\0');
        for (char& c : junk) c = static_cast<char>(rng() & 0xFF);
        MarkdownDoc doc = parse_markdown(junk);
        EXPECT_FALSE(doc.blocks.empty());
    }
}

TEST(MarkdownDoc, RandomMarkdownCharactersDoNotCrash) {
    // Mostly Markdown punctuation, so md4c's inline and table code get exercised.
    const std::string alphabet = "*_`~[]()<>!|#-+=>:.&;x1 \n\n\t\\\"'";
    std::mt19937 rng(777);
    for (int round = 0; round < 20; ++round) {
        std::string text(20000, ' ');
        for (char& c : text) c = alphabet[rng() % alphabet.size()];
        MarkdownDoc doc = parse_markdown(text);
        for (const MarkdownBlock& b : doc.blocks) {
            EXPECT_GE(b.list_depth, 0);
            EXPECT_GE(b.quote_depth, 0);
            if (b.kind == Kind::Heading) {
                EXPECT_GE(b.level, 1);
                EXPECT_LE(b.level, 6);
            }
            if (b.kind == Kind::Table) {
                EXPECT_LE(b.header_rows, b.rows.size());
            }
        }
    }
}

TEST(MarkdownDoc, DeeplyNestedQuotesAndLists) {
    std::string quotes(5000, '>');
    quotes += " deep\n";
    MarkdownDoc doc = parse_markdown(quotes);
    ASSERT_EQ(doc.blocks.size(), 1u);
    EXPECT_EQ(doc.blocks[0].kind, Kind::Quote);
    EXPECT_EQ(doc.blocks[0].quote_depth, 5000);
    EXPECT_EQ(plain_text(doc.blocks[0].spans), "deep");

    std::string lists;
    for (int i = 0; i < 2000; ++i) lists += std::string(2 * i, ' ') + "- item\n";
    doc = parse_markdown(lists);
    ASSERT_FALSE(doc.blocks.empty());
    int max_depth = 0;
    for (const MarkdownBlock& b : doc.blocks) {
        EXPECT_EQ(b.kind == Kind::ListItem || b.kind == Kind::CodeBlock, true);
        max_depth = std::max(max_depth, b.list_depth);
    }
    EXPECT_GT(max_depth, 100);

    std::string mixed;
    for (int i = 0; i < 3000; ++i) mixed += "> - ";
    mixed += "x\n";
    doc = parse_markdown(mixed);
    ASSERT_FALSE(doc.blocks.empty());
    EXPECT_EQ(plain_text(doc.blocks.back().spans), "x");
    EXPECT_EQ(doc.blocks.back().quote_depth, 3000);
    EXPECT_EQ(doc.blocks.back().list_depth, 3000);
}

TEST(MarkdownDoc, PathologicalInlineNesting) {
    std::string stars = std::string(20000, '*') + "x" + std::string(20000, '*');
    std::string brackets = std::string(20000, '[') + "x" + std::string(20000, ']');
    std::string ticks = "a " + std::string(20000, '`') + "x";  // not at line start: no fence
    for (const std::string& text : {stars, brackets, ticks}) {
        MarkdownDoc doc = parse_markdown(text);
        ASSERT_EQ(doc.blocks.size(), 1u);
        EXPECT_NE(plain_text(doc.blocks[0].spans).find('x'), std::string::npos);
    }
}

TEST(MarkdownDoc, WideTable) {
    std::string header, rule, body;
    for (int i = 0; i < 500; ++i) {
        header += "| h" + std::to_string(i) + " ";
        rule += "|---";
        body += "| " + std::to_string(i) + " ";
    }
    const MarkdownBlock& t =
        only_block(parse_markdown(header + "|\n" + rule + "|\n" + body + "|\n"));
    ASSERT_EQ(t.kind, Kind::Table);
    ASSERT_EQ(t.rows.size(), 2u);
    EXPECT_EQ(t.rows[0].size(), 500u);
    EXPECT_EQ(plain_text(t.rows[1][499]), "499");
}

}  // namespace
}  // namespace socketlab
