#include "ui/lesson_run.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "capture/link_relay.h"
#include "capture/link_rules.h"

namespace socketlab::ui {
namespace {

// A replayed step that neither returns nor blocks in this long ends the replay there.
constexpr std::chrono::milliseconds kReplayStepTimeout{5000};

// A question's text without its Markdown marks, for one line in the step controls.
std::string first_line_text(const std::string& markdown) {
    MarkdownDoc doc = parse_markdown(markdown);
    return doc.blocks.empty() ? markdown : plain_text(doc.blocks[0].spans);
}

ByteChunk chunk_of(const Event& e) {
    const CallRecord& call = *e.call();
    ByteChunk chunk;
    chunk.direction =
        call.direction == Direction::Sent ? ByteDirection::Sent : ByteDirection::Received;
    chunk.bytes = &call.bytes;
    chunk.total = e.bytes_total();
    std::string where =
        call.peer.empty()
            ? ""
            : (chunk.direction == ByteDirection::Sent ? " to " : " from ") + call.peer.to_string();
    chunk.label = std::string(call_op_name(call.spec.op)) + "() " + std::to_string(call.ret) +
                  " bytes" + where;
    if (e.step > 0) chunk.label = "step " + std::to_string(e.step) + ": " + chunk.label;
    return chunk;
}

}  // namespace

void LessonRun::Live::restart_clock() {
    clock_start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         session->engine().start_time().time_since_epoch())
                         .count();
}

LessonRun::LessonRun(const Lesson& lesson, BackgroundJobs& jobs, NetworkOptions network)
    : lesson_(lesson), jobs_(jobs), live_(std::make_shared<Live>()) {
    for (const auto& block : lesson.blocks)
        if (block.kind == LessonBlock::Kind::Prose)
            prose_.push_back(parse_markdown(block.markdown));
    // The lesson's own actors keep their history when a guest (an outside client) floods in.
    std::set<std::string> own = {"server", "client", "link"};
    for (const Step& step : lesson.steps) own.insert(step.actor);
    record_.set_own_actors(std::move(own));
    live_->lesson = lesson;
    live_->network = std::move(network);
    live_->network.cancel = live_->cancel;
    // Opening the lesson network starts the namespace helper: up to seconds.
    job_ = jobs_.post([live = live_] {
        live->session = std::make_unique<Session>(live->lesson, live->log, live->network);
        live->restart_clock();
    });
}

LessonRun::~LessonRun() {
    // Whatever is under way gives up; the rest of the closing happens on the worker, after
    // any job still queued for this lesson (the order of the queue).
    live_->cancel->store(true);
    jobs_.post([live = live_] {
        live->log.set_on_append(nullptr);
        if (live->kept_server) live->kept_server->stop();
        live->kept_server.reset();
        if (live->session) live->session->engine().shutdown();
        live->session.reset();
    });
}

std::string LessonRun::busy_text() const {
    switch (phase_) {
        case Phase::Opening:
            return lesson_.capture ? "Opening the lesson and its network\xE2\x80\xA6"
                                   : "Opening the lesson\xE2\x80\xA6";
        case Phase::Resetting:
            return "Resetting\xE2\x80\xA6 (closing every socket and ending the workers)";
        case Phase::Replaying:
            return replay_steps_ == 0
                       ? std::string("Going back to the start on fresh sockets\xE2\x80\xA6")
                       : "Replaying steps 1\xE2\x80\x93" + std::to_string(replay_steps_) +
                             " on fresh sockets\xE2\x80\xA6";
        case Phase::Ready:
            break;
    }
    return "";
}

void LessonRun::set_on_event(std::function<void()> on_event) {
    live_->log.set_on_append(std::move(on_event));
}

void LessonRun::take_finished_jobs() {
    if (is_done(job_)) {
        job_.get();
        if (phase_ == Phase::Resetting || phase_ == Phase::Replaying) {
            // The old workers are gone: what they logged belongs to the run that ended (a
            // replay let those go itself, before its own steps ran).
            std::vector<Event> stale;
            if (phase_ == Phase::Resetting) live_->log.drain(stale);
            record_.clear();
            chunks_.clear();
            selected_.clear();
        }
        phase_ = Phase::Ready;
    }
    if (is_done(link_job_)) {
        link_job_.get();
        link_error_ = live_->link_error;
    }
    if (is_done(kept_job_)) {
        kept_job_.get();
        kept_error_ = live_->kept_error;
        kept_open_ = live_->kept_server != nullptr;
    }
}

void LessonRun::tick(double now, const std::map<std::string, int>& answers,
                     double play_delay_seconds) {
    take_finished_jobs();
    if (!ready()) return;
    Session& session = *live_->session;
    record_.take_from(live_->log);
    sync_chunks();
    session.update();
    update_prediction(answers);

    if (playing_) {
        if (!session.has_next()) {
            playing_ = false;
        } else if (!pending_prediction_.empty()) {
            // A prediction box before the next step: the learner answers, then presses Play.
            playing_ = false;
            paused_at_prediction_ = true;
        } else if (now >= next_play_time_ && session.ready_for_next()) {
            step();
            next_play_time_ = now + play_delay_seconds;
        }
    }
    if (pending_prediction_.empty()) paused_at_prediction_ = false;
}

void LessonRun::sync_chunks() {
    // A trim or a clear shifted the record's indices: build the chunks again (rare).
    if (record_.generation() != chunks_generation_) {
        chunks_.clear();
        chunks_generation_ = record_.generation();
    }
    for (const ActorRecord& actor : record_.actors()) {
        std::vector<ByteChunk>& chunks = chunks_[actor.name];
        for (size_t i = chunks.size(); i < actor.byte_events.size(); ++i)
            chunks.push_back(chunk_of(record_.events()[actor.byte_events[i]]));
    }
}

void LessonRun::update_prediction(const std::map<std::string, int>& answers) {
    const Session& session = *live_->session;
    const size_t next = session.next_step();
    size_t question = SIZE_MAX;
    for (const auto& quiz : lesson_.quizzes) {
        if (!quiz.is_prediction || quiz.before_step != next) continue;
        for (size_t q = quiz.first_question; q < quiz.first_question + quiz.question_count; ++q)
            if (!answers.count(lesson_.questions[q].id) && question == SIZE_MAX) question = q;
    }
    if (next == prediction_step_ && question == prediction_question_) return;
    prediction_step_ = next;
    prediction_question_ = question;
    pending_prediction_ =
        question == SIZE_MAX ? "" : first_line_text(lesson_.questions[question].question);
}

const std::vector<ByteChunk>& LessonRun::chunks_of(const std::string& actor) const {
    static const std::vector<ByteChunk> kNone;
    auto it = chunks_.find(actor);
    return it == chunks_.end() ? kNone : it->second;
}

size_t LessonRun::selected_row(const ActorRecord& actor) const {
    auto it = selected_.find(actor.name);
    if (it == selected_.end()) return SIZE_MAX;
    const auto& events = record_.events();
    // The timeline is in log order, so by seq; a row let go with old events is no longer there.
    auto row =
        std::lower_bound(actor.timeline.begin(), actor.timeline.end(), it->second,
                         [&](size_t index, uint64_t seq) { return events[index].seq < seq; });
    if (row == actor.timeline.end() || events[*row].seq != it->second) return SIZE_MAX;
    return static_cast<size_t>(row - actor.timeline.begin());
}

void LessonRun::select_row(const ActorRecord& actor, size_t row) {
    if (row >= actor.timeline.size())
        selected_.erase(actor.name);
    else
        selected_[actor.name] = record_.events()[actor.timeline[row]].seq;
}

bool LessonRun::step() {
    return ready() && live_->session->start_next_step();
}

void LessonRun::reset() {
    if (!ready()) return;
    replay_note_.clear();
    playing_ = false;
    paused_at_prediction_ = false;
    phase_ = Phase::Resetting;
    job_ = jobs_.post([live = live_] {
        live->session->reset();  // joins the old workers: nothing more arrives from them
        live->restart_clock();
    });
}

void LessonRun::replay_to(size_t steps) {
    if (!ready()) return;
    steps = std::min(steps, lesson_.steps.size());
    playing_ = false;
    paused_at_prediction_ = false;
    phase_ = Phase::Replaying;
    replay_steps_ = steps;
    replay_note_ =
        steps == 0
            ? "Back at the start on fresh sockets: ports and sequence numbers will differ from "
              "before."
            : "Replayed steps 1\xE2\x80\x93" + std::to_string(steps) +
                  " on fresh sockets: ports and sequence numbers differ from before.";
    job_ = jobs_.post([live = live_, steps] {
        Session& session = *live->session;
        session.reset();  // joins the old workers: nothing more arrives from them
        live->restart_clock();
        std::vector<Event> stale;  // the old run's events; the replay's come after them
        live->log.drain(stale);
        for (size_t i = 0; i < steps && session.start_next_step(); ++i) {
            // Done, or blocked inside the kernel (accept waiting for a later step's connect).
            const bool settled =
                session.engine().wait_settled(session.statuses()[i].ticket, kReplayStepTimeout);
            session.update();
            if (!settled) break;
        }
    });
}

bool LessonRun::step_back() {
    if (!ready() || live_->session->next_step() == 0) return false;
    replay_to(live_->session->next_step() - 1);
    return true;
}

void LessonRun::send_own_bytes(const std::string& actor, const std::string& text) {
    if (ready())
        live_->session->send_own_bytes(actor, std::vector<uint8_t>(text.begin(), text.end()));
}

std::string LessonRun::apply_link(const std::string& text) {
    if (!ready()) return "the lesson is not open yet";
    const LessonNetwork* network = live_->session->network();
    LinkRelay* link = network ? network->link() : nullptr;
    if (!link) return "this lesson has no link of SocketLab's";
    LinkCommand command;
    std::string problem = parse_link_command(text, &command);
    if (!problem.empty()) return problem;
    // Applying only takes the relay's lock and wakes its thread: no socket call here.
    link->apply(command);
    live_->log.append(make_note(live_->session->engine().now_us(), "link", 0,
                                "You, from the Link strip: " + command.describe()));
    return "";
}

void LessonRun::set_link_mtu(int mtu) {
    if (!ready() || link_mtu_busy()) return;
    LessonNetwork* network = live_->session->network();
    if (!network || !network->link()) {
        link_error_ = "this lesson has no link of SocketLab's";
        return;
    }
    link_error_.clear();
    const int64_t now_us = live_->session->engine().now_us();
    link_job_ = jobs_.post([live = live_, network, mtu, now_us] {
        live->link_error = network->set_link_mtu(mtu);
        if (live->link_error.empty())
            live->log.append(
                make_note(now_us, "link", 0,
                          "You, from the Link strip: SocketLab's link now has an MTU of " +
                              std::to_string(mtu) +
                              " bytes: new connections agree on segments that fit it, and open "
                              "ones shrink theirs if "
                              "it got smaller"));
    });
}

void LessonRun::toggle_play(double now) {
    playing_ = !playing_;
    paused_at_prediction_ = false;
    next_play_time_ = now;
}

double LessonRun::seconds_to_next_play(double now) const {
    return playing_ ? next_play_time_ - now : -1.0;
}

const LessonServer* LessonRun::kept_server() const {
    return kept_open_ && !kept_server_busy() ? live_->kept_server.get() : nullptr;
}

void LessonRun::keep_server_open(bool keep) {
    if (kept_server_busy() || keep == kept_open_) return;
    kept_error_.clear();
    if (!keep) {
        kept_open_ = false;
        kept_job_ = jobs_.post([live = live_] {
            if (live->kept_server) live->kept_server->stop();
            live->kept_server.reset();
        });
        return;
    }
    const TryServer& wanted = lesson_.try_server;
    if (wanted.kind.empty()) {
        kept_error_ = "this lesson has no server to keep open";
        return;
    }
    kept_job_ = jobs_.post([live = live_, wanted] {
        LessonServerOptions options;
        server_kind_options(wanted.kind, options);
        options.host = wanted.host;
        Live* clock = live.get();  // the server stops before Live goes (the closing job)
        options.clock = [clock] {
            auto now = std::chrono::steady_clock::now().time_since_epoch();
            return (std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() -
                    clock->clock_start_ns.load()) /
                   1000;
        };
        auto server = std::make_unique<LessonServer>(live->log);
        live->kept_error.clear();
        if (server->start(options, live->kept_error)) live->kept_server = std::move(server);
    });
}

void LessonRun::wait_for_kept_server() {
    if (kept_job_.valid()) kept_job_.wait();
    take_finished_jobs();
}

void LessonRun::wait_until_open() {
    if (job_.valid()) job_.wait();
    take_finished_jobs();
}

bool LessonRun::run_to_end_now(std::vector<std::string>& messages) {
    if (job_.valid()) job_.wait();
    take_finished_jobs();
    if (!ready()) return false;
    return live_->session->run_to_end(std::chrono::milliseconds(5000), messages);
}

}  // namespace socketlab::ui
