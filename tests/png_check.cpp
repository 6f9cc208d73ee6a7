// png_check FILE.png MIN_WIDTH MIN_HEIGHT: exits 0 when the PNG loads, is at least that big,
// and is not blank (a rendered window has text: many colours, no single colour filling it).
#include <stb_image.h>

#include <cstdio>
#include <cstdlib>
#include <map>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: png_check FILE.png MIN_WIDTH MIN_HEIGHT\n");
        return 2;
    }
    int width = 0, height = 0, channels = 0;
    unsigned char* pixels = stbi_load(argv[1], &width, &height, &channels, 3);
    if (!pixels) {
        std::fprintf(stderr, "png_check: cannot read %s: %s\n", argv[1], stbi_failure_reason());
        return 1;
    }
    std::map<unsigned, size_t> counts;
    const size_t total = static_cast<size_t>(width) * height;
    for (size_t i = 0; i < total; ++i) {
        unsigned rgb = pixels[i * 3] << 16 | pixels[i * 3 + 1] << 8 | pixels[i * 3 + 2];
        ++counts[rgb];
    }
    stbi_image_free(pixels);
    size_t most = 0;
    for (const auto& [rgb, n] : counts) most = std::max(most, n);
    std::printf("%s: %dx%d, %zu colours, the commonest covers %.1f%%\n", argv[1], width, height,
                counts.size(), 100.0 * static_cast<double>(most) / static_cast<double>(total));
    if (width < std::atoi(argv[2]) || height < std::atoi(argv[3])) {
        std::fprintf(stderr, "png_check: too small\n");
        return 1;
    }
    if (counts.size() < 50 || most > total * 95 / 100) {
        std::fprintf(stderr, "png_check: the picture looks blank\n");
        return 1;
    }
    return 0;
}
