// The window's panels, in layout order (left to right): the one list the View menu and the
// layout are built from. A new panel is one class in its own file and one line in panels.cpp.
#pragma once

#include <memory>
#include <vector>

#include "ui/panel.h"

namespace socketlab::ui {

std::vector<std::unique_ptr<Panel>> make_panels();

}  // namespace socketlab::ui
