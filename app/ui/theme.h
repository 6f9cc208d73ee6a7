// Colours and sizes shared by the panels, so "sent" is the same orange everywhere.
#pragma once

#include <imgui.h>

namespace socketlab::ui::theme {

// Data direction. Colour is never the only cue: the views also print an arrow and a word.
inline ImVec4 sent() {
    return ImVec4(0.96f, 0.60f, 0.20f, 1.0f);
}  // orange
inline ImVec4 received() {
    return ImVec4(0.35f, 0.70f, 1.00f, 1.0f);
}  // blue
inline ImVec4 ok() {
    return ImVec4(0.40f, 0.85f, 0.45f, 1.0f);
}
inline ImVec4 error() {
    return ImVec4(1.00f, 0.42f, 0.40f, 1.0f);
}
inline ImVec4 waiting() {
    return ImVec4(0.95f, 0.85f, 0.35f, 1.0f);
}
inline ImVec4 muted() {
    return ImVec4(0.62f, 0.64f, 0.68f, 1.0f);
}
inline ImVec4 code_background() {
    return ImVec4(0.16f, 0.17f, 0.20f, 1.0f);
}
inline ImVec4 link() {
    return ImVec4(0.45f, 0.75f, 1.0f, 1.0f);
}

// Applies the app's style (dark, rounded, roomy) scaled for the current text size.
void apply_style(float text_scale);

}  // namespace socketlab::ui::theme
