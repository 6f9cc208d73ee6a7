// The live pane's "Packets" tab, for lessons with `capture: yes`: where the packets come from
// (or exactly why there are none and what would fix it), dropped counts, the relative/absolute
// toggle and "Save capture…", then the ladder or the time-sequence graph (big, on top; the
// learner picks, and settings keep the pick) and below it the packet list and the selected
// packet's detail (side by side when the pane is wide, else as two tabs).
//
// Usage:
//   packets.draw(run, now, settings);  // fills the rest of the current window
#pragma once

#include <future>
#include <string>

#include "capture/lesson_network.h"
#include "ui/ladder_view.h"
#include "ui/lesson_run.h"
#include "ui/packet_detail_view.h"
#include "ui/packet_flow.h"
#include "ui/packet_list_view.h"
#include "ui/packet_style.h"
#include "ui/settings.h"
#include "ui/time_sequence_view.h"

namespace socketlab::ui {

class PacketsPanel {
  public:
    // compact: presenter mode: the packets, without the header's toggles.
    void draw(LessonRun& run, double now, Settings& settings, bool compact = false);
    // Updates the packet model without drawing (the tab label shows the count).
    size_t packet_count(LessonRun& run);

  private:
    void forget_if_other_run(const LessonRun& run);
    void draw_header(LessonRun& run, double now, Settings& settings, bool compact);
    void draw_toggles(LessonRun& run, Settings& settings);
    void draw_view_choice(Settings& settings);
    void draw_save_popup(LessonRun& run);
    void draw_splitter(float total_height);
    void draw_upper(LessonRun& run, const Settings& settings, float height);

    const LessonRun* run_ = nullptr;  // the run the state below belongs to
    std::string lesson_id_;
    FlowModel flow_;
    PacketSelection selection_;
    LadderView ladder_;
    TimeSequenceView graph_;
    PacketListView list_;
    PacketDetailView detail_;
    float ladder_share_ = 0.52f;  // of the height below the header; the splitter moves it

    // Capture statistics, read a few times a second (not every frame).
    CaptureStats stats_;
    double stats_read_at_ = -1.0;

    // Saving runs on its own thread, so a large file never stalls a frame.
    std::string save_path_;
    std::future<std::string> saving_;  // "" on success, else the error
    size_t saving_count_ = 0;
    std::string save_message_;
    bool save_failed_ = false;
};

}  // namespace socketlab::ui
