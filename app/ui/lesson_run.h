// The live state of the lesson on screen: its Session and the UI's own copy of the events,
// drained from the engine's log once per frame. Panels draw only from this copy.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_log.h"
#include "core/lesson_server.h"
#include "lesson/markdown_doc.h"
#include "lesson/session.h"
#include "ui/hex_view.h"

namespace socketlab::ui {

// What one actor's column shows, built up as events arrive.
struct ActorView {
    explicit ActorView(std::string actor_name) : name(std::move(actor_name)) {}
    std::string name;
    std::vector<size_t> timeline;      // indices into LessonRun::events (calls, waits, notes)
    std::vector<ByteChunk> chunks;     // data sent and received, pointing into events
    std::vector<size_t> chunk_events;  // the event each chunk points into
    size_t selected = SIZE_MAX;        // timeline row shown in the detail box; SIZE_MAX = latest
    // A long transcript (an outside client's flood) keeps the newest events: what was let go.
    size_t dropped_calls = 0;
    uint64_t dropped_bytes = 0;
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
    // Indices into events() of the captured packets, in order.
    const std::vector<size_t>& packet_events() const { return packet_events_; }
    // The kernel's TCP state of each socket, from the State events: "actor.socket" -> state.
    const std::map<std::string, std::string>& tcp_states() const { return tcp_states_; }
    ActorView* find_actor(const std::string& name);

    bool step();   // starts the next step if it is ready
    void reset();  // closes everything and starts over (a kept-open server stays open)

    // "Keep the server open" (lesson front matter try-server): a server of the lesson's kind for
    // the learner's own client, whose clients appear as actors. False with error on failure.
    bool open_kept_server(std::string& error);
    void close_kept_server();
    const LessonServer* kept_server() const { return kept_server_.get(); }

    // The UI's copy is bounded: past these, the oldest events go (and their bytes).
    static constexpr size_t kMaxEvents = 20000;
    static constexpr size_t kMaxEventBytes = size_t{64} * 1024 * 1024;
    uint64_t dropped_events() const { return dropped_events_; }

    bool playing = false;
    double next_play_time = 0.0;
    std::string own_text = "Hello from me";
    // The unanswered prediction question asked before the next step ("" = none); set by the
    // lesson text panel, which knows the learner's answers.
    std::string pending_prediction;

  private:
    void add_to_actor(size_t index);
    void trim_events();
    void restart_clock();

    EventLog log_;
    Session session_;
    std::vector<MarkdownDoc> prose_;
    std::deque<Event> events_;  // a deque: ByteChunk points at bytes inside these events
    std::vector<ActorView> actors_;
    std::vector<size_t> packet_events_;
    std::map<std::string, std::string> tcp_states_;
    size_t event_bytes_ = 0;
    uint64_t dropped_events_ = 0;
    // The kept-open server stamps its events on the lesson engine's clock, which restarts on
    // Reset; it reads the start from here (it runs on its own thread).
    std::atomic<int64_t> clock_start_ns_{0};
    std::unique_ptr<LessonServer> kept_server_;
};

}  // namespace socketlab::ui
