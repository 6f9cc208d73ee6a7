// Build-time tool: writes the app icon at the hicolor theme's usual sizes, from assets/icon.png.
// Usage: socketlab_icon_sizes ICON.png OUT_DIR SIZE...
// writes OUT_DIR/SIZExSIZE/apps/socketlab.png for each SIZE (stb, packaged by Debian).
#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s ICON.png OUT_DIR SIZE...\n", argv[0]);
        return 2;
    }
    int w = 0, h = 0, channels = 0;
    unsigned char* in = stbi_load(argv[1], &w, &h, &channels, 4);
    if (!in) {
        std::fprintf(stderr, "%s: cannot read %s: %s\n", argv[0], argv[1], stbi_failure_reason());
        return 1;
    }
    int status = 0;
    for (int i = 3; i < argc; ++i) {
        const int size = std::atoi(argv[i]);
        if (size < 8 || size > 1024) {
            std::fprintf(stderr, "%s: bad size %s\n", argv[0], argv[i]);
            status = 1;
            continue;
        }
        std::vector<unsigned char> out(static_cast<size_t>(size) * size * 4);
        // sRGB-correct, alpha-weighted filtering (the icon has transparent rounded corners).
        if (!stbir_resize_uint8_srgb(in, w, h, 0, out.data(), size, size, 0, 4, 3, 0)) {
            std::fprintf(stderr, "%s: cannot resize to %d\n", argv[0], size);
            status = 1;
            continue;
        }
        const std::string dir = std::string(argv[2]) + "/" + std::to_string(size) + "x" +
                                std::to_string(size) + "/apps";
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        const std::string path = dir + "/socketlab.png";
        if (ec || !stbi_write_png(path.c_str(), size, size, 4, out.data(), size * 4)) {
            std::fprintf(stderr, "%s: cannot write %s\n", argv[0], path.c_str());
            status = 1;
        }
    }
    stbi_image_free(in);
    return status;
}
