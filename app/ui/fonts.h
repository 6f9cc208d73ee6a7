// The fonts of the window: DejaVu Sans (regular, bold, italic), DejaVu Sans Mono, and heading
// sizes, all rasterised at the current text size so they stay sharp at 2x and 3x.
#pragma once

#include <string>

struct ImFont;

namespace socketlab::ui {

struct FontSet {
    ImFont* regular = nullptr;
    ImFont* bold = nullptr;
    ImFont* italic = nullptr;
    ImFont* bold_italic = nullptr;
    ImFont* mono = nullptr;
    ImFont* mono_bold = nullptr;
    ImFont* mono_large = nullptr;  // presenter mode's code line
    ImFont* heading1 = nullptr;
    ImFont* heading2 = nullptr;
    ImFont* heading3 = nullptr;
    float text_scale = 1.0f;  // 1.0 = 16 px body text
    bool fallback = false;    // DejaVu not found: ImGui's built-in font everywhere
    std::string warning;      // why fallback is set
};

constexpr float kBaseFontPixels = 16.0f;
constexpr float kMinTextScale = 0.75f;
constexpr float kMaxTextScale = 4.0f;

// The fonts built by the last rebuild_fonts().
const FontSet& fonts();

// Rebuilds the atlas at the given text scale. Call between frames (never inside one); the
// renderer's font texture is re-created by the caller (see AppShell).
void rebuild_fonts(float text_scale);

// Finds a font file by fontconfig family/style name, then the standard Debian paths.
std::string find_font_file(const std::string& family, const std::string& style);

}  // namespace socketlab::ui
