// How a step's state looks: a glyph and a colour (never colour alone).
#pragma once

#include <imgui.h>

#include "lesson/session.h"
#include "ui/theme.h"

namespace socketlab::ui {

struct StatusStyle {
    const char* glyph;
    ImVec4 color;
    const char* word;
};

inline StatusStyle status_style(StepState state) {
    switch (state) {
        case StepState::Pending:
            return {"\xE2\x97\x8B", theme::muted(), "not run yet"};  // ○
        case StepState::Running:
            return {"\xE2\x96\xB6", theme::waiting(), "running"};  // ▶
        case StepState::Blocked:
            return {"\xE2\x80\xA6", theme::waiting(), "blocked, waiting"};  // …
        case StepState::Passed:
            return {"\xE2\x9C\x93", theme::ok(), "done"};  // ✓
        case StepState::Failed:
            return {"\xE2\x9C\x97", theme::error(), "not as expected"};  // ✗
    }
    return {"?", theme::muted(), ""};
}

}  // namespace socketlab::ui
