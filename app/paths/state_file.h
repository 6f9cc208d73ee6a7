// The per-user state files (settings, progress) read and written so that a learner's work is
// never lost: reads open only regular files, never block and are bounded in size; writes
// replace a file only with a complete, flushed copy, and report every error.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

namespace socketlab {

// Larger than any real settings or progress file by far; a bigger one is not ours.
constexpr size_t kMaxStateFileBytes = size_t{16} << 20;

enum class StateFileStatus {
    Missing,     // nothing there (first run): the defaults, nothing to tell
    Ok,          // content holds the whole file
    NotRegular,  // a directory, a FIFO, a device...: never read, never replaced
    TooBig,      // a regular file over the size bound
    Unreadable,  // a regular file that could not be read (permissions, I/O error)
};

struct StateFileRead {
    StateFileStatus status = StateFileStatus::Missing;
    std::string content;
    std::time_t modified = 0;  // the file's modification time, when it exists
    std::string message;       // why it was not read, naming the path; "" for Ok and Missing
};

// Opens without blocking (a FIFO is refused, not waited on) and follows symbolic links to the
// regular file they name.
StateFileRead read_state_file(const std::string& path, size_t max_bytes = kMaxStateFileBytes);

// Writes bytes to a new file in path's folder, flushes it to disk and renames it over path, then
// flushes the folder. "" when done; else why not (e.g. "No space left on device (writing
// /x/progress.json)"), with path as it was and no temporary file left behind. Refuses to replace
// something that is not a regular file. A symbolic link is kept: its target is replaced.
std::string write_state_file_atomically(const std::string& path, std::string_view bytes);

// Renames a damaged file to path.damaged-YYYYMMDD-HHMMSS (local time; -2, -3... if taken), so a
// later save does not destroy what it held. The new path, or "" with *error set.
std::string keep_state_file_aside(const std::string& path, std::string* error);

}  // namespace socketlab
