#include "ui/lesson_run.h"

namespace socketlab::ui {

LessonRun::LessonRun(const Lesson& lesson) : session_(lesson, log_) {
    for (const auto& block : lesson.blocks)
        if (block.kind == LessonBlock::Kind::Prose)
            prose_.push_back(parse_markdown(block.markdown));
    // The server and client columns are there from the start, empty until their first call.
    actors_.push_back(ActorView{"server", {}, {}, SIZE_MAX});
    actors_.push_back(ActorView{"client", {}, {}, SIZE_MAX});
}

LessonRun::~LessonRun() {
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
    if (e.actor.empty()) return;
    ActorView* actor = find_actor(e.actor);
    if (!actor) {
        actors_.push_back(ActorView{e.actor, {}, {}, SIZE_MAX});
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
    }
}

void LessonRun::drain_events() {
    std::vector<Event> fresh;
    log_.drain(fresh);
    for (auto& e : fresh) {
        events_.push_back(std::move(e));
        add_to_actor(events_.size() - 1);
    }
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
    std::vector<Event> stale;
    log_.drain(stale);
    events_.clear();
    actors_.clear();
    actors_.push_back(ActorView{"server", {}, {}, SIZE_MAX});
    actors_.push_back(ActorView{"client", {}, {}, SIZE_MAX});
}

}  // namespace socketlab::ui
