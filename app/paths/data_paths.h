// Where SocketLab finds its lessons and assets, and where it keeps per-user files.
#pragma once

#include <string>

namespace socketlab {

// The lessons folder: $SOCKETLAB_LESSONS, else lessons/ beside the executable (the build tree),
// else ../share/socketlab/lessons from the executable's folder (installed; the prefix may be
// moved). Found from /proc/self/exe, so the working directory does not matter; no absolute
// path is compiled in. The assets folder is found the same way.
std::string default_lessons_dir();
std::string default_assets_dir();
// The lessons SocketLab ships (beside the executable or installed; not $SOCKETLAB_LESSONS), and
// whether dir is that folder (by real path). Its `run` steps' programs are trusted; any other
// folder's are the learner's to allow (a lesson file may come from the internet).
std::string shipped_lessons_dir();
bool is_shipped_lessons_dir(const std::string& dir);

// $XDG_CONFIG_HOME/socketlab (else ~/.config/socketlab), created if missing. "" if impossible.
std::string config_dir();
// $XDG_DATA_HOME/socketlab (else ~/.local/share/socketlab), created if missing.
std::string data_dir();

}  // namespace socketlab
