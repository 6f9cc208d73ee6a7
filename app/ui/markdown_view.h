// Draws a parsed Markdown document (lesson prose) in the current ImGui window.
//
//     ImGui::BeginChild("lesson_text");
//     for (const MarkdownDoc& doc : run.prose()) draw_markdown(doc);
//     ImGui::EndChild();
//
// Text wraps to the width available at the cursor, every frame, so it reflows when the window
// is resized or the fonts are rebuilt at another text size. Uses the fonts of ui/fonts.h and
// the colours of ui/theme.h. Hovering a link shows its address; clicking copies it.
// IDs are scoped by the document's address, so several documents may share one window.
#pragma once

#include "lesson/markdown_doc.h"

namespace socketlab::ui {

void draw_markdown(const MarkdownDoc& doc);

}  // namespace socketlab::ui
