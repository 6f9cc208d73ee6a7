#include "ui/window_icon.h"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <stb_image.h>

#include <cstdio>
#include <string>

#include "paths/data_paths.h"

namespace socketlab::ui {

void set_window_icon(GLFWwindow* window) {
    const std::string path = default_assets_dir() + "/icon.png";
    int width = 0, height = 0, channels = 0;
    unsigned char* pixels = stbi_load(path.c_str(), &width, &height, &channels, 4);
    if (!pixels) {
        std::fprintf(stderr, "socketlab: warning: no window icon (%s: %s)\n", path.c_str(),
                     stbi_failure_reason());
        return;
    }
    GLFWimage icon{width, height, pixels};
    glfwSetWindowIcon(window, 1, &icon);
    stbi_image_free(pixels);
}

}  // namespace socketlab::ui
