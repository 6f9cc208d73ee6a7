// Rows of buttons that wrap instead of being cut (at 3x text on a 1366x768 screen a toolbar is
// two or three lines): the step controls, the Link strip and the graph's picker share these.
#pragma once

#include <imgui.h>

namespace socketlab::ui {

// The next item goes on this line if `width` still fits, else on the next.
inline void same_line_if_fits(float width) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float line_end = ImGui::GetItemRectMax().x + style.ItemSpacing.x + width;
    if (line_end <= ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x)
        ImGui::SameLine();
}

// The width ImGui::Button(label) will take.
inline float button_width(const char* label) {
    return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2.0f;
}

}  // namespace socketlab::ui
