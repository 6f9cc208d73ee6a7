#include "paths/data_paths.h"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

namespace socketlab {
namespace {
namespace fs = std::filesystem;

fs::path executable_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

// Only paths relative to the executable, so an installed SocketLab can be moved (a relocatable
// prefix) and no build-tree path is compiled in. The build tree has lessons/ and assets/ beside
// the binary: symbolic links to the source tree, made when CMake configures.
std::string find_data_subdir(const char* name) {
    std::error_code ec;
    fs::path exe_dir = executable_dir();
    if (exe_dir.empty()) return name;  // no /proc: relative to the working directory
    const fs::path candidates[] = {
        exe_dir / name,                                // the build tree
        exe_dir / SOCKETLAB_DATA_DIR_FROM_BIN / name,  // installed: ../share/socketlab
    };
    for (const auto& c : candidates)
        if (fs::is_directory(c, ec)) return fs::weakly_canonical(c, ec).string();
    return (exe_dir / SOCKETLAB_DATA_DIR_FROM_BIN / name).lexically_normal().string();
}

std::string xdg_dir(const char* variable, const char* fallback) {
    fs::path base;
    const char* value = std::getenv(variable);
    if (value && *value && fs::path(value).is_absolute()) {
        base = value;
    } else {
        const char* home = std::getenv("HOME");
        if (!home || !*home) return "";
        base = fs::path(home) / fallback;
    }
    fs::path dir = base / "socketlab";
    std::error_code ec;
    fs::create_directories(dir, ec);
    return ec ? "" : dir.string();
}

}  // namespace

std::string default_lessons_dir() {
    if (const char* env = std::getenv("SOCKETLAB_LESSONS"); env && *env) return env;
    return find_data_subdir("lessons");
}

std::string shipped_lessons_dir() {
    return find_data_subdir("lessons");
}

bool is_shipped_lessons_dir(const std::string& dir) {
    const std::string shipped = shipped_lessons_dir();
    if (shipped.empty() || dir.empty()) return false;
    std::unique_ptr<char, decltype(&std::free)> a(::realpath(shipped.c_str(), nullptr), &std::free);
    std::unique_ptr<char, decltype(&std::free)> b(::realpath(dir.c_str(), nullptr), &std::free);
    return a && b && std::string(a.get()) == b.get();
}

std::string default_assets_dir() {
    return find_data_subdir("assets");
}

std::string config_dir() {
    return xdg_dir("XDG_CONFIG_HOME", ".config");
}
std::string data_dir() {
    return xdg_dir("XDG_DATA_HOME", ".local/share");
}

}  // namespace socketlab
