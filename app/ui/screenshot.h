// Writes what the window's back buffer holds (the frame just rendered) to a PNG file.
#pragma once

#include <string>

struct GLFWwindow;

namespace socketlab::ui {

// Call after rendering and before glfwSwapBuffers. False when the file cannot be written.
bool write_screenshot(GLFWwindow* window, const std::string& path);

}  // namespace socketlab::ui
