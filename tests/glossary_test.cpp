// The glossary: lessons/glossary.md parses, holds the course's terms, and parse_markdown marks
// the first use of a term in prose (not in code, links or headings) with its definition.
#include <gtest/gtest.h>

#include "lesson/lesson_library.h"
#include "lesson/markdown_doc.h"

namespace socketlab {
namespace {

// Leaves no glossary behind for other tests in the same process.
struct GlossaryGuard {
    ~GlossaryGuard() { set_markdown_glossary({}); }
};

TEST(Glossary, ParsesTermsFormsAndDefinitions) {
    std::vector<LessonError> errors;
    auto entries = parse_glossary("g.md",
                                  "# Glossary\nIntro text.\n\n## port\nAlso: ports, port number\n"
                                  "A 16-bit number.\nIt picks a socket.\n\n## RST\nA reset.\n",
                                  errors);
    EXPECT_TRUE(errors.empty());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].term, "port");
    EXPECT_EQ(entries[0].forms, (std::vector<std::string>{"port", "ports", "port number"}));
    EXPECT_EQ(entries[0].definition, "A 16-bit number. It picks a socket.");
    EXPECT_EQ(entries[0].line, 4);
    EXPECT_EQ(entries[1].definition, "A reset.");
}

TEST(Glossary, MistakesAreReportedWithTheirLines) {
    std::vector<LessonError> errors;
    parse_glossary("g.md", "## port\n\n## \n## Port\nA number.\n## FIN\n", errors);
    ASSERT_EQ(errors.size(), 4u);
    EXPECT_EQ(errors[0].to_string(), "g.md:1: the term 'port' has no definition");
    EXPECT_EQ(errors[1].line, 3);  // an empty heading
    EXPECT_EQ(errors[2].to_string(), "g.md:4: the term 'Port' is already defined at line 1");
    EXPECT_EQ(errors[3].to_string(), "g.md:6: the term 'FIN' has no definition");
}

TEST(Glossary, ShippedGlossaryHasTheCourseTerms) {
    GlossaryGuard guard;
    LessonLibrary library = load_lesson_library(SOCKETLAB_LESSONS_DIR);
    for (const auto& e : library.errors) ADD_FAILURE() << e.to_string();
    for (const char* term : {"socket",
                             "port",
                             "ephemeral port",
                             "loopback",
                             "datagram",
                             "segment",
                             "handshake",
                             "SYN",
                             "ACK",
                             "FIN",
                             "RST",
                             "MSS",
                             "MTU",
                             "window",
                             "TIME_WAIT",
                             "backlog",
                             "DNS",
                             "resolver",
                             "byte order",
                             "Nagle's algorithm",
                             "delayed ACK",
                             "MSG_WAITALL",
                             "EAGAIN",
                             "poll()"}) {
        bool found = false;
        for (const auto& e : library.glossary) found |= e.term == term && !e.definition.empty();
        EXPECT_TRUE(found) << term;
    }
    EXPECT_EQ(library.lessons.size(), 22u) << "glossary.md must not load as a lesson";
}

GlossaryEntry entry(std::string term, std::vector<std::string> more, std::string definition) {
    GlossaryEntry e;
    e.term = term;
    e.forms.push_back(term);
    for (auto& f : more) e.forms.push_back(f);
    e.definition = definition;
    return e;
}

TEST(Glossary, MarksTheFirstUseOfATermInProseOnly) {
    GlossaryGuard guard;
    set_markdown_glossary({entry("backlog", {}, "The queue."),
                           entry("port", {"ports"}, "A number."),
                           entry("ephemeral port", {}, "Picked by the kernel.")});
    MarkdownDoc doc = parse_markdown(
        "# The backlog\n\nA `backlog` in code, then the backlog, and the backlog again.\n\n"
        "See *Addresses and ports*. An ephemeral port, then ports, and [port](http://x) as a "
        "link. Important is no port.\n");
    ASSERT_EQ(doc.blocks.size(), 3u);
    for (const auto& s : doc.blocks[0].spans) EXPECT_TRUE(s.glossary.empty()) << "heading";
    int marked = 0;
    for (const auto& s : doc.blocks[1].spans)
        if (!s.glossary.empty()) {
            ++marked;
            EXPECT_EQ(s.text, "backlog");
            EXPECT_FALSE(s.code);
            EXPECT_EQ(s.glossary, "The queue.");
        }
    EXPECT_EQ(marked, 1) << "only the first use";
    EXPECT_EQ(plain_text(doc.blocks[1].spans),
              "A backlog in code, then the backlog, and the backlog again.");
    std::vector<std::string> terms;
    for (const auto& s : doc.blocks[2].spans)
        if (!s.glossary.empty()) terms.push_back(s.text);
    // The longer form wins, "ports" is a form of "port", and "Important" holds no "port".
    EXPECT_EQ(terms, (std::vector<std::string>{"ephemeral port", "ports"}));
}

TEST(Glossary, QuizQuestionsAreNotMarked) {
    GlossaryGuard guard;
    set_markdown_glossary({entry("backlog", {}, "The queue.")});
    MarkdownDoc doc = parse_markdown("What does the backlog hold?", false);
    ASSERT_EQ(doc.blocks.size(), 1u);
    ASSERT_EQ(doc.blocks[0].spans.size(), 1u);
    EXPECT_TRUE(doc.blocks[0].spans[0].glossary.empty());
}

TEST(Glossary, NoGlossaryChangesNothing) {
    set_markdown_glossary({});
    MarkdownDoc doc = parse_markdown("The backlog and the port.");
    ASSERT_EQ(doc.blocks.size(), 1u);
    ASSERT_EQ(doc.blocks[0].spans.size(), 1u);
    EXPECT_TRUE(doc.blocks[0].spans[0].glossary.empty());
}

}  // namespace
}  // namespace socketlab
