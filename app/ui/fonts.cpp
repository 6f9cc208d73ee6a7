#include "ui/fonts.h"

#include <imgui.h>

#include <cstdio>
#include <filesystem>

#ifdef SOCKETLAB_HAVE_FONTCONFIG
#include <fontconfig/fontconfig.h>
#endif

namespace socketlab::ui {
namespace {

FontSet g_fonts;

// Latin, punctuation (– — • …), arrows (→ ←), box drawing, shapes (▶ ●), dingbats (✓ ✗).
const ImWchar kGlyphRanges[] = {
    0x0020, 0x00FF, 0x0100, 0x017F, 0x0370, 0x03FF, 0x2000, 0x206F, 0x20A0, 0x20CF, 0x2190,
    0x21FF, 0x2200, 0x22FF, 0x2500, 0x257F, 0x25A0, 0x25FF, 0x2700, 0x27BF, 0,
};

struct FontFileName {
    const char* family;
    const char* style;
    const char* debian_file;
};

}  // namespace

const FontSet& fonts() {
    return g_fonts;
}

std::string find_font_file(const std::string& family, const std::string& style) {
#ifdef SOCKETLAB_HAVE_FONTCONFIG
    if (FcInit()) {
        std::string pattern_text = family + ":style=" + style;
        FcPattern* pattern = FcNameParse(reinterpret_cast<const FcChar8*>(pattern_text.c_str()));
        std::string found;
        if (pattern) {
            FcConfigSubstitute(nullptr, pattern, FcMatchPattern);
            FcDefaultSubstitute(pattern);
            FcResult result;
            FcPattern* match = FcFontMatch(nullptr, pattern, &result);
            FcChar8* file = nullptr;
            FcChar8* matched_family = nullptr;
            // fontconfig always answers with *some* font; accept it only if it is the family.
            if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
                FcPatternGetString(match, FC_FAMILY, 0, &matched_family) == FcResultMatch &&
                family == reinterpret_cast<const char*>(matched_family))
                found = reinterpret_cast<const char*>(file);
            if (match) FcPatternDestroy(match);
            FcPatternDestroy(pattern);
        }
        if (!found.empty()) return found;
    }
#endif
    return "";
}

void rebuild_fonts(float text_scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    g_fonts = FontSet{};
    g_fonts.text_scale = text_scale;
    const float body = kBaseFontPixels * text_scale;

    auto locate = [](const FontFileName& f) -> std::string {
        std::string path = find_font_file(f.family, f.style);
        if (!path.empty()) return path;
        std::string debian = std::string("/usr/share/fonts/truetype/dejavu/") + f.debian_file;
        std::error_code ec;
        return std::filesystem::exists(debian, ec) ? debian : "";
    };
    const FontFileName sans{"DejaVu Sans", "Book", "DejaVuSans.ttf"};
    const FontFileName sans_bold{"DejaVu Sans", "Bold", "DejaVuSans-Bold.ttf"};
    const FontFileName sans_italic{"DejaVu Sans", "Oblique", "DejaVuSans-Oblique.ttf"};
    const FontFileName sans_bold_italic{"DejaVu Sans", "Bold Oblique",
                                        "DejaVuSans-BoldOblique.ttf"};
    const FontFileName mono{"DejaVu Sans Mono", "Book", "DejaVuSansMono.ttf"};
    const FontFileName mono_bold{"DejaVu Sans Mono", "Bold", "DejaVuSansMono-Bold.ttf"};

    std::string regular_path = locate(sans);
    if (regular_path.empty()) {
        g_fonts.fallback = true;
        g_fonts.warning =
            "DejaVu fonts not found (install fonts-dejavu-core); using ImGui's built-in font";
        std::fprintf(stderr, "socketlab: warning: %s\n", g_fonts.warning.c_str());
        ImFontConfig config;
        config.SizePixels = 13.0f * text_scale;  // the built-in font is drawn for 13 px
        ImFont* f = io.Fonts->AddFontDefault(&config);
        g_fonts.regular = g_fonts.bold = g_fonts.italic = g_fonts.bold_italic = f;
        g_fonts.mono = g_fonts.mono_bold = g_fonts.mono_large = f;
        g_fonts.heading1 = g_fonts.heading2 = g_fonts.heading3 = f;
        io.Fonts->Build();
        return;
    }
    auto add = [&](const FontFileName& f, float pixels) -> ImFont* {
        std::string path = locate(f);
        if (path.empty()) path = regular_path;  // a missing style falls back to regular
        ImFontConfig config;
        config.OversampleH = 2;
        config.OversampleV = 1;
        config.PixelSnapH = true;
        return io.Fonts->AddFontFromFileTTF(path.c_str(), pixels, &config, kGlyphRanges);
    };
    // The first font added is ImGui's default.
    g_fonts.regular = add(sans, body);
    g_fonts.bold = add(sans_bold, body);
    g_fonts.italic = add(sans_italic, body);
    g_fonts.bold_italic = add(sans_bold_italic, body);
    g_fonts.mono = add(mono, body * 0.95f);
    g_fonts.mono_bold = add(mono_bold, body * 0.95f);
    g_fonts.mono_large = add(mono, body * 1.3f);
    g_fonts.heading1 = add(sans_bold, body * 1.6f);
    g_fonts.heading2 = add(sans_bold, body * 1.3f);
    g_fonts.heading3 = add(sans_bold, body * 1.12f);
    if (!g_fonts.regular) {
        io.Fonts->Clear();
        io.Fonts->AddFontDefault();
        g_fonts = FontSet{};
        g_fonts.fallback = true;
        g_fonts.warning = "could not load " + regular_path + "; using ImGui's built-in font";
        return;
    }
    io.Fonts->Build();
}

}  // namespace socketlab::ui
