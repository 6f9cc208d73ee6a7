// Where SocketLab finds its lessons and assets, and where it keeps per-user files.
#pragma once

#include <string>

namespace socketlab {

// The lessons folder: $SOCKETLAB_LESSONS, else lessons/ beside the executable's source tree or
// install prefix (found from /proc/self/exe, so the working directory does not matter).
std::string default_lessons_dir();
std::string default_assets_dir();

// $XDG_CONFIG_HOME/socketlab (else ~/.config/socketlab), created if missing. "" if impossible.
std::string config_dir();
// $XDG_DATA_HOME/socketlab (else ~/.local/share/socketlab), created if missing.
std::string data_dir();

}  // namespace socketlab
