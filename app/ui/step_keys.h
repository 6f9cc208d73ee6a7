// What a key does to the lesson (the shell's keys, app_shell.cpp): a clicker sends PageDown and
// PageUp, a keyboard has Space / Backspace and the arrows, R resets. In presenter mode the
// forward key at the end of a lesson opens the next one, so a teacher goes on with one key.
// Pure, so the decision is tested without a window.
#pragma once

namespace socketlab::ui {

enum class StepKey { Forward, Back, Reset, Other };
enum class StepKeyAction { None, Step, StepBack, Reset, NextLesson };

// finished: every step has run; has_next_lesson: there is a lesson after this one.
inline StepKeyAction step_key_action(StepKey key, bool presenting, bool finished,
                                     bool has_next_lesson) {
    switch (key) {
        case StepKey::Forward:
            return presenting && finished && has_next_lesson ? StepKeyAction::NextLesson
                                                             : StepKeyAction::Step;
        case StepKey::Back:
            return StepKeyAction::StepBack;
        case StepKey::Reset:
            return StepKeyAction::Reset;
        case StepKey::Other:
            return StepKeyAction::None;
    }
    return StepKeyAction::None;
}

}  // namespace socketlab::ui
