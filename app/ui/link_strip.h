// The live pane's Link strip, in lessons with SocketLab's own link (front matter `link:`):
// what the link does now (loss, delay, rate, MTU, seed) and what it has done (packets in,
// dropped, held), one-click "drop the next packet from the client / the server", duplicate,
// hold and release, and, opened, sliders for loss and delay, the rate and the seed. Usable at
// any moment of the lesson; every click is logged as the learner's doing through the app, and
// the strip says plainly that the link is SocketLab's, so its drops are never taken for the
// kernel's. The lesson's own settings come back with "Lesson's settings" or Reset.
#pragma once

#include <cstdint>
#include <string>

#include "capture/link_relay.h"
#include "ui/lesson_run.h"

namespace socketlab::ui {

class LinkStrip {
  public:
    void draw(LessonRun& run, double now);

  private:
    void apply(LessonRun& run, const std::string& command);
    void draw_settings(LessonRun& run);

    const LessonRun* run_ = nullptr;
    bool shown_ = true;  // the buttons are shown (else the strip is one line)
    bool open_ = false;  // the sliders are shown too
    // Read a few times a second, not every frame (each read takes the relay's lock).
    double read_at_ = -1.0;
    LinkSettings settings_;
    LinkCounters counters_;
    std::string pending_;
    // The sliders' values while dragged; applied when let go.
    float loss_percent_ = 0, delay_ms_ = 0;
    int seed_ = 1;
    std::string message_;  // why the last command could not be applied
};

}  // namespace socketlab::ui
