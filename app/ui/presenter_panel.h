// Presenter mode (F5): the whole window for a class at a projector. A bar that says presenter
// mode is on (Esc leaves), the lesson, a large "Step N of M", the step that ran last with its
// caption and Python line large and what it came to, then the live pane without its own step
// block: the actors' columns and the packets.
//
// Not one of the side-by-side panels (panels.cpp): the shell draws it alone, full screen,
// in place of them. Its keys (PageDown / Space / → forward, PageUp / Backspace / ← back, the
// same forward key at the end of a lesson opens the next one) are the shell's (app_shell.cpp).
#pragma once

#include "ui/live_pane_panel.h"
#include "ui/panel.h"

namespace socketlab::ui {

class PresenterPanel : public Panel {
  public:
    // live_pane: the window's live pane, drawn below the header (it must outlive this panel).
    explicit PresenterPanel(LivePanePanel& live_pane) : live_pane_(live_pane) {}
    const char* name() const override { return "Presenter mode"; }
    const char* id() const override { return "presenter"; }
    float width_share() const override { return 1.0f; }
    void draw(PanelContext& context) override;

  private:
    LivePanePanel& live_pane_;
};

}  // namespace socketlab::ui
