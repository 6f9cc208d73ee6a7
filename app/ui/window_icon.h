// The window's icon, from assets/icon.png (a warning on stderr when it cannot be read).
#pragma once

struct GLFWwindow;

namespace socketlab::ui {

void set_window_icon(GLFWwindow* window);

}  // namespace socketlab::ui
