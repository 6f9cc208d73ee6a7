// The live state of the lesson on screen: its Session and the UI's own copy of the events,
// drained from the engine's log once per frame. Panels draw only from this copy.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_log.h"
#include "lesson/markdown_doc.h"
#include "lesson/session.h"
#include "ui/hex_view.h"

namespace socketlab::ui {

// What one actor's column shows, built up as events arrive.
struct ActorView {
    std::string name;
    std::vector<size_t> timeline;   // indices into LessonRun::events (calls, waits, notes)
    std::vector<ByteChunk> chunks;  // data sent and received, pointing into events
    size_t selected = SIZE_MAX;     // timeline row shown in the detail box; SIZE_MAX = latest
};

class LessonRun {
  public:
    explicit LessonRun(const Lesson& lesson);
    ~LessonRun();

    const Lesson& lesson() const { return session_.lesson(); }
    Session& session() { return session_; }
    EventLog& log() { return log_; }
    const std::vector<MarkdownDoc>& prose() const { return prose_; }  // one per Prose block

    // Moves new events into the UI's copy and updates the step states. Once per frame.
    void drain_events();
    const std::deque<Event>& events() const { return events_; }
    std::vector<ActorView>& actors() { return actors_; }
    ActorView* find_actor(const std::string& name);

    bool step();   // starts the next step if it is ready
    void reset();  // closes everything and starts over

    bool playing = false;
    double next_play_time = 0.0;
    std::string own_text = "Hello from me";

  private:
    void add_to_actor(size_t index);

    EventLog log_;
    Session session_;
    std::vector<MarkdownDoc> prose_;
    std::deque<Event> events_;  // a deque: ByteChunk points at bytes inside these events
    std::vector<ActorView> actors_;
};

}  // namespace socketlab::ui
