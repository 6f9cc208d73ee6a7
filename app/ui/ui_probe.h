// Where named items landed in the last frame, for the layout tests (`--ui-dump FILE` with
// `--screenshot`): the toolbar's buttons, the actor columns, ... each with its rectangle on
// the screen and the part of it the window really showed (not scrolled away, not clipped).
// Off unless enabled: then probe_item() costs one branch.
#pragma once

#include <string>
#include <vector>

#include <imgui.h>

namespace socketlab::ui {

struct ProbedItem {
    std::string name;             // "toolbar:Reset", "actor:server:full", ...
    ImVec2 min, max;              // the item, in screen pixels
    ImVec2 shown_min, shown_max;  // the part of it inside its window's clip rectangle
};

void enable_ui_probe(bool on);
bool ui_probe_enabled();
void clear_ui_probe();  // at the start of each frame
// The last item ImGui submitted (after a Button, after EndChild for a child window).
void probe_item(const std::string& name);
const std::vector<ProbedItem>& probed_items();
// The frame's items as JSON: {"width": W, "height": H, "items": [{"name", "rect", "shown"}]}.
bool write_ui_dump(const std::string& path, int width, int height, float text_scale);

}  // namespace socketlab::ui
