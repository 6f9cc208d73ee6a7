// The live pane's "Conversation" tab (ui/conversation.h has the data): pick a connection and
// read what its two ends said, as text (a text protocol reads as it does on the wire: HTTP's
// request and response, SMTP's commands and replies) or as hex, each direction in its own
// colour and named in the legend, each chunk headed by who sent it with which call and when.
//
// Usage:
//   conversation.draw(run);  // fills the rest of the current window
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ui/conversation.h"
#include "ui/hex_view.h"
#include "ui/lesson_run.h"

namespace socketlab::ui {

class ConversationView {
  public:
    void draw(LessonRun& run);
    // For the tab's label: how many conversations there are (updates the model).
    size_t conversation_count(LessonRun& run);

  private:
    void update(LessonRun& run);
    void draw_text(const LessonRun& run, const Conversation& c);
    void draw_hex(const LessonRun& run, const Conversation& c);

    const LessonRun* run_ = nullptr;
    uint64_t built_generation_ = UINT64_MAX;
    size_t built_events_ = 0;
    std::vector<Conversation> conversations_;
    std::string picked_;  // the picked conversation's label (kept while others arrive)
    bool hex_ = false;
    std::vector<ByteChunk> hex_chunks_;  // rebuilt with the model
};

}  // namespace socketlab::ui
