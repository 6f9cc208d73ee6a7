#include "ui/lesson_run.h"

#include <cstddef>

namespace socketlab::ui {

LessonRun::LessonRun(const Lesson& lesson) : session_(lesson, log_) {
    restart_clock();
    for (const auto& block : lesson.blocks)
        if (block.kind == LessonBlock::Kind::Prose)
            prose_.push_back(parse_markdown(block.markdown));
    // The server and client columns are there from the start, empty until their first call.
    actors_.push_back(ActorView("server"));
    actors_.push_back(ActorView("client"));
}

LessonRun::~LessonRun() {
    close_kept_server();
    log_.set_on_append(nullptr);
    session_.engine().shutdown();
}

ActorView* LessonRun::find_actor(const std::string& name) {
    for (auto& a : actors_)
        if (a.name == name) return &a;
    return nullptr;
}

void LessonRun::add_to_actor(size_t index) {
    const Event& e = events_[index];
    if (e.kind == EventKind::Packet) packet_events_.push_back(index);
    if (e.kind == EventKind::State) tcp_states_[e.actor + "." + e.socket_name] = e.note;
    if (e.actor.empty()) return;
    ActorView* actor = find_actor(e.actor);
    if (!actor) {
        actors_.push_back(ActorView(e.actor));
        actor = &actors_.back();
    }
    if (e.kind == EventKind::Step) return;  // steps are shown by the step controls
    actor->timeline.push_back(index);
    if (e.direction != Direction::None && e.kind == EventKind::Call && e.ret >= 0) {
        ByteChunk chunk;
        chunk.direction =
            e.direction == Direction::Sent ? ByteDirection::Sent : ByteDirection::Received;
        chunk.bytes = &e.bytes;
        chunk.total = e.bytes_total;
        std::string where =
            e.peer.empty() ? ""
                           : (chunk.direction == ByteDirection::Sent ? " to " : " from ") + e.peer;
        chunk.label = e.call + "() " + std::to_string(e.ret) + " bytes" + where;
        if (e.step > 0) chunk.label = "step " + std::to_string(e.step) + ": " + chunk.label;
        actor->chunks.push_back(std::move(chunk));
        actor->chunk_events.push_back(index);
    }
}

void LessonRun::trim_events() {
    if (events_.size() <= kMaxEvents && event_bytes_ <= kMaxEventBytes) return;
    // Drop a tenth more than needed at once, so the index rewrite below is rare.
    size_t drop = 0;
    size_t bytes = event_bytes_;
    while (drop < events_.size() &&
           (events_.size() - drop > kMaxEvents * 9 / 10 || bytes > kMaxEventBytes * 9 / 10)) {
        bytes -= events_[drop].bytes.size();
        ++drop;
    }
    for (auto& actor : actors_) {
        size_t calls = 0;
        while (calls < actor.timeline.size() && actor.timeline[calls] < drop) ++calls;
        actor.timeline.erase(actor.timeline.begin(),
                             actor.timeline.begin() + static_cast<std::ptrdiff_t>(calls));
        actor.dropped_calls += calls;
        for (auto& index : actor.timeline) index -= drop;
        if (actor.selected != SIZE_MAX)
            actor.selected = actor.selected >= calls ? actor.selected - calls : SIZE_MAX;
        size_t chunks = 0;
        while (chunks < actor.chunk_events.size() && actor.chunk_events[chunks] < drop) {
            actor.dropped_bytes += actor.chunks[chunks].total;
            ++chunks;
        }
        actor.chunks.erase(actor.chunks.begin(),
                           actor.chunks.begin() + static_cast<std::ptrdiff_t>(chunks));
        actor.chunk_events.erase(actor.chunk_events.begin(),
                                 actor.chunk_events.begin() + static_cast<std::ptrdiff_t>(chunks));
        for (auto& index : actor.chunk_events) index -= drop;
    }
    size_t packets = 0;
    while (packets < packet_events_.size() && packet_events_[packets] < drop) ++packets;
    packet_events_.erase(packet_events_.begin(),
                         packet_events_.begin() + static_cast<std::ptrdiff_t>(packets));
    for (auto& index : packet_events_) index -= drop;
    // ByteChunks point into the events that stay: a deque keeps them where they are.
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(drop));
    event_bytes_ = bytes;
    dropped_events_ += drop;
}

void LessonRun::restart_clock() {
    clock_start_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          session_.engine().start_time().time_since_epoch())
                          .count();
}

bool LessonRun::open_kept_server(std::string& error) {
    const TryServer& wanted = lesson().try_server;
    if (wanted.kind.empty()) {
        error = "this lesson has no server to keep open";
        return false;
    }
    if (kept_server_) return true;
    LessonServerOptions options;
    server_kind_options(wanted.kind, options);
    options.host = wanted.host;
    options.clock = [this] {
        auto now = std::chrono::steady_clock::now().time_since_epoch();
        return (std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() -
                clock_start_ns_.load()) /
               1000;
    };
    auto server = std::make_unique<LessonServer>(log_);
    if (!server->start(options, error)) return false;
    kept_server_ = std::move(server);
    return true;
}

void LessonRun::close_kept_server() {
    if (kept_server_) kept_server_->stop();
    kept_server_.reset();
}

void LessonRun::drain_events() {
    std::vector<Event> fresh;
    log_.drain(fresh);
    for (auto& e : fresh) {
        event_bytes_ += e.bytes.size();
        events_.push_back(std::move(e));
        add_to_actor(events_.size() - 1);
    }
    trim_events();
    session_.update();
}

bool LessonRun::step() {
    bool started = session_.start_next_step();
    drain_events();
    return started;
}

void LessonRun::reset() {
    playing = false;
    session_.reset();  // joins the old workers: nothing more arrives from them
    restart_clock();
    std::vector<Event> stale;
    log_.drain(stale);
    events_.clear();
    packet_events_.clear();
    tcp_states_.clear();
    event_bytes_ = 0;
    dropped_events_ = 0;
    actors_.clear();
    actors_.push_back(ActorView("server"));
    actors_.push_back(ActorView("client"));
}

}  // namespace socketlab::ui
