// Right panel: the step controls, then one column per actor (server, client, ...); when they
// do not all fit, the acting actor's in full and the others folded (ui/actor_summary.h). For
// lessons with `capture: yes` the columns share the space with the packets, as two tabs: "Calls and
// bytes" (the columns) and "Packets" (ladder, list, detail), which opens first; and in every
// lesson "Conversation": each connection's bytes both ways (ui/conversation_view.h). While the
// lesson opens or resets (in the background), it says so instead.
#pragma once

#include <string>
#include <vector>

#include "ui/actor_column.h"
#include "ui/conversation_view.h"
#include "ui/link_strip.h"
#include "ui/outside_roster.h"
#include "ui/packets_panel.h"
#include "ui/panel.h"
#include "ui/step_controls.h"
#include "ui/try_server_bar.h"

namespace socketlab::ui {

class LivePanePanel : public Panel {
  public:
    const char* name() const override { return "Live pane"; }
    const char* id() const override { return "live-pane"; }
    float width_share() const override { return 0.47f; }
    // "Next lesson" asks for the lesson after this one (context.open_lesson).
    void draw(PanelContext& context) override;
    // Presenter mode draws the step itself, large, above: the live pane then leaves out its
    // step controls and the text field and gives the columns the screen.
    void set_presenting(bool presenting) { presenting_ = presenting; }

  private:
    void draw_columns(LessonRun& run);
    void draw_all_columns(LessonRun& run, const std::vector<const ActorRecord*>& own,
                          const std::vector<const ActorRecord*>& outside, float height);
    static std::string acting_actor(const LessonRun& run);

    bool presenting_ = false;
    bool extras_open_ = false;  // "Your text" and the kept server, on a short pane
    bool short_pane_ = false;   // measured in the Calls tab, last frame
    // Folded columns (more actors than fit): the learner's opened ones, newest first, until
    // the next step; the acting actor scrolls into view when it changes.
    std::vector<std::string> opened_;
    std::string last_acting_;
    bool scroll_to_acting_ = false;

    StepControls controls_;
    TryServerBar try_server_;
    ActorColumn column_;
    OutsideRoster roster_;  // outside clients: one line each, one expanded
    LinkStrip link_strip_;
    PacketsPanel packets_;
    ConversationView conversation_;
    std::string wanted_tab_;   // a tab to select, until it shows
    std::string tabs_lesson_;  // the lesson whose tabs were set up (the Packets tab opens first)
};

}  // namespace socketlab::ui
