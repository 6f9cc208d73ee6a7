// [SECTION] index
// - Errors as text
// - Reading: regular files only, without blocking, bounded
// - Writing: a complete, flushed copy renamed over the old one
// - Keeping a damaged file aside
#include "paths/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace socketlab {
namespace {

// [SECTION] Errors as text
std::string error_text(int err) {
    char buffer[256];
    // The GNU strerror_r (thread-safe, unlike strerror): the text, in buffer or a constant.
    return strerror_r(err, buffer, sizeof buffer);
}

// "No space left on device (writing /x/progress.json)": the reason first, as the learner
// needs it most.
std::string failure(int err, const char* doing, const std::string& path) {
    return error_text(err) + " (" + doing + " " + path + ")";
}

std::string not_a_file(const std::string& path, mode_t mode) {
    const char* kind = S_ISDIR(mode)                    ? "a directory"
                       : S_ISFIFO(mode)                 ? "a named pipe (FIFO)"
                       : S_ISSOCK(mode)                 ? "a socket"
                       : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
                                                        : "a special file";
    return path + " is " + kind + ", not a file";
}

// Closes on every way out of a function.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    // Closes now, for the error close() may report (a write the disk refused, on NFS).
    int close() {
        const int result = ::close(fd_);
        fd_ = -1;
        return result;
    }

  private:
    int fd_;
};

std::string folder_of(const std::string& path) {
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    return folder.empty() ? "." : folder.string();
}

// A rename is a change to the folder: until the folder is flushed, a crash may undo it. Some
// filesystems cannot flush a folder (EINVAL): there is nothing more to do on those.
int flush_folder(const std::string& folder) {
    const FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return errno;
    if (::fsync(fd.get()) != 0 && errno != EINVAL) return errno;
    return 0;
}

}  // namespace

// [SECTION] Reading
StateFileRead read_state_file(const std::string& path, size_t max_bytes) {
    StateFileRead read;
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, forever.
    const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) {
        const int err = errno;
        if (err == ENOENT) return read;
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {  // e.g. a socket (ENXIO)
            read.status = StateFileStatus::NotRegular;
            read.message = not_a_file(path, st.st_mode);
        } else {
            read.status = StateFileStatus::Unreadable;
            read.message = failure(err, "opening", path);
        }
        return read;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        read.status = StateFileStatus::Unreadable;
        read.message = failure(errno, "checking", path);
        return read;
    }
    read.modified = st.st_mtime;
    if (!S_ISREG(st.st_mode)) {
        read.status = StateFileStatus::NotRegular;
        read.message = not_a_file(path, st.st_mode);
        return read;
    }
    const auto too_big = [&] {
        read.status = StateFileStatus::TooBig;
        read.content.clear();
        read.message = path + " is larger than a state file can be (" +
                       std::to_string(max_bytes >> 20) + " MiB)";
        return read;
    };
    if (static_cast<unsigned long long>(st.st_size) > max_bytes) return too_big();
    read.content.reserve(static_cast<size_t>(st.st_size));
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            read.status = StateFileStatus::Unreadable;
            read.content.clear();
            read.message = failure(errno, "reading", path);
            return read;
        }
        if (n == 0) break;
        read.content.append(buffer, static_cast<size_t>(n));
        if (read.content.size() > max_bytes) return too_big();  // it grew while being read
    }
    read.status = StateFileStatus::Ok;
    return read;
}

// [SECTION] Writing
std::string write_state_file_atomically(const std::string& path, std::string_view bytes) {
    std::string target = path;
    mode_t mode = S_IRUSR | S_IWUSR;  // a learner's files are theirs alone, unless they chose
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            // A link (settings kept with the user's dotfiles): replace what it names, keep it.
            if (char* resolved = ::realpath(path.c_str(), nullptr)) {
                target = resolved;
                std::free(resolved);
            }
            if (::stat(target.c_str(), &st) != 0) st.st_mode = S_IFREG | mode;  // dangling
        }
        if (!S_ISREG(st.st_mode)) return not_a_file(path, st.st_mode);
        mode = st.st_mode & 07777;
    } else if (errno != ENOENT) {
        return failure(errno, "checking", path);
    }

    // Beside the target, so the rename stays within one filesystem; a unique name, so two
    // saves never write into one temporary file.
    std::string temp = target + ".tmp-XXXXXX";
    FileDescriptor fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (fd.get() < 0) return failure(errno, "creating a temporary file for", target);
    const auto fail = [&](int err, const char* doing) {
        ::unlink(temp.c_str());
        return failure(err, doing, target);
    };
    if (::fchmod(fd.get(), mode) != 0) return fail(errno, "setting the permissions of");
    const char* next = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {  // write() may take less than all (a signal, a nearly full disk)
        const ssize_t n = ::write(fd.get(), next, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(errno, "writing");
        if (n == 0) return fail(ENOSPC, "writing");
        next += n;
        left -= static_cast<size_t>(n);
    }
    // On disk before the rename, or a crash could leave the new name on an empty file.
    if (::fsync(fd.get()) != 0) return fail(errno, "flushing");
    if (fd.close() != 0) return fail(errno, "closing");
    if (::rename(temp.c_str(), target.c_str()) != 0) return fail(errno, "replacing");
    if (const int err = flush_folder(folder_of(target)); err != 0)
        return failure(err, "flushing the folder of", target);
    return "";
}

// [SECTION] Keeping a damaged file aside
std::string keep_state_file_aside(const std::string& path, std::string* error) {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
    const std::string base = path + ".damaged-" + stamp;
    for (int number = 1; number < 100; ++number) {
        std::string aside = number == 1 ? base : base + "-" + std::to_string(number);
        // Never over an earlier damaged copy: that is someone's progress too.
        int result = ::renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, aside.c_str(), RENAME_NOREPLACE);
        if (result != 0 && errno == EINVAL) {  // a filesystem that cannot refuse: look first
            struct stat st {};
            if (::lstat(aside.c_str(), &st) == 0) continue;
            result = ::rename(path.c_str(), aside.c_str());
        }
        if (result == 0) {
            flush_folder(folder_of(path));
            return aside;
        }
        if (errno != EEXIST) break;
    }
    if (error) *error = failure(errno, "renaming", path);
    return "";
}

}  // namespace socketlab
