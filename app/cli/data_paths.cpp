#include "cli/data_paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace socketlab {
namespace {
namespace fs = std::filesystem;

fs::path executable_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

std::string find_data_subdir(const char* name) {
    std::error_code ec;
    std::vector<fs::path> candidates;
    fs::path exe_dir = executable_dir();
    if (!exe_dir.empty()) {
        candidates.push_back(exe_dir / ".." / "share" / "socketlab" / name);  // installed
        candidates.push_back(exe_dir / name);                                 // beside the binary
    }
    candidates.push_back(fs::path(SOCKETLAB_SOURCE_DATA_DIR) / name);  // the source tree
    candidates.push_back(fs::path(SOCKETLAB_INSTALL_DATA_DIR) / name);
    for (const auto& c : candidates)
        if (fs::is_directory(c, ec)) return fs::weakly_canonical(c, ec).string();
    return (fs::path(SOCKETLAB_SOURCE_DATA_DIR) / name).string();
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
