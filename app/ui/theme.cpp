#include "ui/theme.h"

namespace socketlab::ui::theme {

void apply_style(float text_scale) {
    ImGuiStyle style;  // start from defaults so repeated scaling does not compound
    ImGui::StyleColorsDark(&style);
    style.WindowRounding = 0.0f;
    style.FrameRounding = 4.0f;
    style.GrabRounding = 4.0f;
    style.ChildRounding = 4.0f;
    style.FramePadding = ImVec2(8.0f, 5.0f);
    style.ItemSpacing = ImVec2(8.0f, 6.0f);
    style.CellPadding = ImVec2(6.0f, 3.0f);
    style.ScrollbarSize = 16.0f;
    style.Colors[ImGuiCol_WindowBg] = ImVec4(0.11f, 0.12f, 0.14f, 1.0f);
    style.Colors[ImGuiCol_ChildBg] = ImVec4(0.13f, 0.14f, 0.16f, 1.0f);
    style.Colors[ImGuiCol_Text] = ImVec4(0.92f, 0.93f, 0.95f, 1.0f);
    style.Colors[ImGuiCol_Header] = ImVec4(0.22f, 0.36f, 0.55f, 0.8f);
    style.Colors[ImGuiCol_HeaderHovered] = ImVec4(0.26f, 0.42f, 0.65f, 0.9f);
    style.Colors[ImGuiCol_Button] = ImVec4(0.20f, 0.38f, 0.60f, 1.0f);
    style.Colors[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.46f, 0.72f, 1.0f);
    style.ScaleAllSizes(text_scale);
    ImGui::GetStyle() = style;
}

}  // namespace socketlab::ui::theme
