// The lesson's keys (app/ui/step_keys.h): forward steps, back steps back, R resets; in presenter
// mode the forward key at the end of a lesson opens the next one, and only then.
#include <gtest/gtest.h>

#include "ui/step_keys.h"

namespace socketlab::ui {
namespace {

TEST(StepKeys, PresenterForwardGoesOnToTheNextLessonAtTheEnd) {
    EXPECT_EQ(step_key_action(StepKey::Forward, true, true, true), StepKeyAction::NextLesson);
    EXPECT_EQ(step_key_action(StepKey::Forward, true, false, true), StepKeyAction::Step)
        << "mid-lesson the key steps";
    EXPECT_EQ(step_key_action(StepKey::Forward, true, true, false), StepKeyAction::Step)
        << "the last lesson has no next one";
    EXPECT_EQ(step_key_action(StepKey::Forward, false, true, true), StepKeyAction::Step)
        << "outside presenter mode Next lesson is a button, not the step key";
}

TEST(StepKeys, BackAndResetAreTheSameInBothModes) {
    for (bool presenting : {false, true}) {
        EXPECT_EQ(step_key_action(StepKey::Back, presenting, true, true), StepKeyAction::StepBack);
        EXPECT_EQ(step_key_action(StepKey::Reset, presenting, false, true), StepKeyAction::Reset);
        EXPECT_EQ(step_key_action(StepKey::Other, presenting, true, true), StepKeyAction::None);
    }
}

}  // namespace
}  // namespace socketlab::ui
