// The lesson on screen: its Session (made, reset and closed in the background), the record of
// what the run has done (lesson/run_record.h), and what only the window needs besides: the
// byte chunks the hex views draw, which timeline row each column has selected, the Play timer,
// the prediction question that waits before the next step, and the kept-open server.
//
// Nothing here waits: opening a lesson (its network helper can take seconds), Reset, closing,
// and starting or stopping the kept-open server run on BackgroundJobs; meanwhile phase() says
// what is under way and session() is null. The UI thread makes no socket call.
//
// Usage (the frame loop):
//   LessonRun run(lesson, jobs);     // opening starts in the background
//   each frame: run.tick(now, answers, delay);  then the panels draw from run.record()
#pragma once

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "capture/lesson_network.h"
#include "core/event_log.h"
#include "core/lesson_server.h"
#include "lesson/markdown_doc.h"
#include "lesson/run_record.h"
#include "lesson/session.h"
#include "ui/background_jobs.h"
#include "ui/hex_view.h"

namespace socketlab::ui {

class LessonRun {
  public:
    enum class Phase { Opening, Ready, Resetting, Replaying };

    // Starts opening the lesson on `jobs` (which must outlive every LessonRun posted to it).
    // network: how the lesson network is opened (tests point it at a helper of their own).
    LessonRun(const Lesson& lesson, BackgroundJobs& jobs, NetworkOptions network = {});
    // Returns at once: the session is shut down and freed on `jobs`; a helper request still
    // under way gives up (NetworkOptions::cancel).
    ~LessonRun();
    LessonRun(const LessonRun&) = delete;
    LessonRun& operator=(const LessonRun&) = delete;

    const Lesson& lesson() const { return lesson_; }
    const std::vector<MarkdownDoc>& prose() const { return prose_; }  // one per Prose block

    Phase phase() const { return phase_; }
    bool ready() const { return phase_ == Phase::Ready; }
    // "Opening the lesson…" / "Resetting…" / "Replaying…" while not ready; "" when ready.
    std::string busy_text() const;
    // The session, only while ready (else null: a background job owns it).
    Session* session() { return ready() ? live_->session.get() : nullptr; }
    const Session* session() const { return ready() ? live_->session.get() : nullptr; }

    // Called (from a worker) after each event is logged: wakes the frame loop.
    void set_on_event(std::function<void()> on_event);

    // Once per frame, before drawing: takes finished background work, moves new events into
    // the record, updates the step states, runs Play, and works out the pending prediction.
    // answers: the learner's saved quiz answers for this lesson (question id -> choice).
    void tick(double now, const std::map<std::string, int>& answers, double play_delay_seconds);

    // What the run has done (empty while opening or resetting).
    const RunRecord& record() const { return record_; }
    // The chunks an actor's hex view draws, one per record().actor(name)->byte_events entry.
    const std::vector<ByteChunk>& chunks_of(const std::string& actor) const;
    // The timeline row shown in an actor's details box (SIZE_MAX = follow the newest).
    size_t selected_row(const ActorRecord& actor) const;
    void select_row(const ActorRecord& actor, size_t row);

    bool step();   // starts the next step if it is ready
    void reset();  // closes everything and starts over (a kept-open server stays open)
    // Step back: closes everything and replays the lesson from the start on fresh sockets, in
    // the background, until `steps` steps have run (0 = none); the next step is then step
    // steps + 1. The kernel hands out new ports and sequence numbers: replay_note() says so.
    void replay_to(size_t steps);
    // One step back: replay_to(steps started - 1). False when no step has run yet.
    bool step_back();
    // "Replayed steps 1–4 on fresh sockets: …" after a replay ("" after anything else).
    const std::string& replay_note() const { return replay_note_; }
    // The learner's own bytes, sent by actor on its current socket.
    void send_own_bytes(const std::string& actor, const std::string& text);
    // The Link strip: a command for SocketLab's link ("drop next from client", "loss 5%"),
    // applied now and logged as a note that it was the learner's doing through the app, not
    // the kernel's. "" or why it could not be (no link, a command that does not parse).
    std::string apply_link(const std::string& command);
    // The link's MTU, changed in the background (the helper sets it on the link's interfaces);
    // link_mtu_busy() meanwhile, then link_mtu_error() says why not, or "".
    void set_link_mtu(int mtu);
    bool link_mtu_busy() const { return link_job_.valid(); }
    const std::string& link_mtu_error() const { return link_error_; }

    // Play: one step every play delay, each only once the previous has settled.
    void toggle_play(double now);
    bool playing() const { return playing_; }
    // Seconds until Play wants the next step (for the frame loop's sleep); < 0 when not playing.
    double seconds_to_next_play(double now) const;
    // The unanswered prediction question asked before the next step ("" = none).
    const std::string& pending_prediction() const { return pending_prediction_; }
    // Play stopped itself at that prediction (until it is answered or Play is pressed again).
    bool paused_at_prediction() const { return paused_at_prediction_; }

    // "Keep the server open" (lesson front matter try-server): a server of the lesson's kind for
    // the learner's own client, whose clients appear as actors. Starts or stops it in the
    // background; kept_server() is null while that is under way or when it is closed.
    void keep_server_open(bool keep);
    bool kept_server_busy() const { return kept_job_.valid(); }
    const LessonServer* kept_server() const;
    const std::string& kept_server_error() const { return kept_error_; }
    // Headless (screenshots): waits until starting or stopping it has finished.
    void wait_for_kept_server();

    // Screenshots only (they show a finished run): waits for the opening, then runs every step
    // to its end. The one place the UI thread waits on purpose.
    bool run_to_end_now(std::vector<std::string>& messages);
    // Headless: waits for the lesson to have opened (the session is then ready).
    void wait_until_open();

    // The record's bounds: past these, the oldest events go (and their bytes).
    static constexpr size_t kMaxEvents = 20000;
    static constexpr size_t kMaxEventBytes = size_t{64} * 1024 * 1024;

  private:
    // What the background jobs share with the window; outlives the LessonRun until closed.
    struct Live {
        Lesson lesson;
        NetworkOptions network;
        EventLog log;
        std::unique_ptr<Session> session;
        std::unique_ptr<LessonServer> kept_server;
        std::string kept_error;  // written by the kept-server job
        std::string link_error;  // written by the link MTU job
        // The kept-open server stamps its events on the lesson engine's clock, which restarts
        // on Reset; it reads the start from here (it runs on its own thread).
        std::atomic<int64_t> clock_start_ns{0};
        std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
        void restart_clock();
    };

    void take_finished_jobs();
    void sync_chunks();
    void update_prediction(const std::map<std::string, int>& answers);

    Lesson lesson_;
    std::vector<MarkdownDoc> prose_;
    BackgroundJobs& jobs_;
    std::shared_ptr<Live> live_;
    Phase phase_ = Phase::Opening;
    std::future<void> job_;       // opening or resetting
    std::future<void> kept_job_;  // starting or stopping the kept-open server
    std::future<void> link_job_;  // changing the link's MTU
    std::string link_error_;
    bool kept_open_ = false;  // the kept server is running (when no kept job is under way)
    std::string kept_error_;

    RunRecord record_{RunRecord::Limits{kMaxEvents, kMaxEventBytes}};
    uint64_t chunks_generation_ = 0;
    std::map<std::string, std::vector<ByteChunk>> chunks_;
    std::map<std::string, uint64_t> selected_;  // actor -> Event::seq of its selected row

    bool playing_ = false;
    bool paused_at_prediction_ = false;
    double next_play_time_ = 0.0;
    size_t prediction_step_ = SIZE_MAX;  // the next step and question the text below is for
    size_t prediction_question_ = SIZE_MAX;
    std::string pending_prediction_;
    size_t replay_steps_ = 0;  // the steps the replay under way runs
    std::string replay_note_;
};

}  // namespace socketlab::ui
