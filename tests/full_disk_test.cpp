// Saving on a full disk: the old file stays whole, the learner is told "No space left on
// device", and no temporary file is left. On a real small tmpfs, which tests/full_disk.sh
// mounts in a private mount namespace and names in $SOCKETLAB_TEST_FULL_DISK_DIR; skipped
// without it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "paths/state_file.h"
#include "ui/settings.h"

namespace socketlab::ui {
namespace {
namespace fs = std::filesystem;

std::string contents(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Progress of about bytes when saved: many finished lessons with long ids.
Progress progress_of_about(size_t bytes) {
    Progress p;
    for (size_t i = 0; p.finished_lessons.size() * 64 < bytes; ++i)
        p.finished_lessons.insert("lesson-" + std::to_string(i) + std::string(48, 'x'));
    return p;
}

class FullDisk : public ::testing::Test {
  protected:
    void SetUp() override {
        const char* dir = std::getenv("SOCKETLAB_TEST_FULL_DISK_DIR");
        if (!dir || !*dir) GTEST_SKIP() << "no small filesystem to fill (tests/full_disk.sh)";
        disk_ = dir;
        setenv("XDG_CONFIG_HOME", (disk_ / "config").c_str(), 1);
        setenv("XDG_DATA_HOME", (disk_ / "data").c_str(), 1);
        for (const auto& entry : fs::directory_iterator(disk_)) fs::remove_all(entry.path());
    }
    void TearDown() override {
        if (disk_.empty()) return;
        for (const auto& entry : fs::directory_iterator(disk_)) fs::remove_all(entry.path());
    }

    // Writes a filler file until the filesystem refuses (ENOSPC), to its last page.
    void fill_the_disk() {
        const int fd = ::open((disk_ / "filler").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        const std::string chunk(4096, 'f');
        size_t size = chunk.size();
        int err = 0;
        while (size > 0) {
            if (::write(fd, chunk.data(), size) < 0) {
                err = errno;
                size /= 2;  // the last pages: smaller writes, down to none
            }
        }
        ::close(fd);
        ASSERT_EQ(err, ENOSPC);
    }

    static std::vector<std::string> names_in(const fs::path& folder) {
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(folder))
            found.push_back(entry.path().filename().string());
        std::sort(found.begin(), found.end());
        return found;
    }
    static std::vector<std::string> progress_files() {
        return {"progress.json", "progress.json.bak"};
    }

    fs::path disk_;
};

// The tester's first case: progress.json became 0 bytes. The disk fills after the last save.
TEST_F(FullDisk, SavingProgressKeepsTheOldFileAndSaysWhy) {
    Progress old_progress;
    old_progress.finished_lessons = {"sockets", "tcp-echo", "udp-datagrams", "nonblocking"};
    old_progress.quiz_answers["sockets"] = {{"q1", 2}, {"q2", 0}};
    ASSERT_EQ(save_progress(old_progress), "");
    const fs::path file = progress_path();
    const std::string before = contents(file);
    ASSERT_FALSE(before.empty());

    fill_the_disk();
    Progress more = progress_of_about(100 * 1024);
    more.finished_lessons.insert(old_progress.finished_lessons.begin(),
                                 old_progress.finished_lessons.end());
    const std::string error = save_progress(more);
    EXPECT_NE(error.find("Could not save your progress: No space left on device"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("the last saved copy is kept"), std::string::npos) << error;
    EXPECT_EQ(contents(file), before);
    EXPECT_EQ(names_in(file.parent_path()), progress_files());  // no temporary file left
    std::string notice;
    const Progress back = load_progress(&notice);
    EXPECT_EQ(notice, "");
    EXPECT_EQ(back.finished_lessons, old_progress.finished_lessons);
    EXPECT_EQ(back.quiz_answers, old_progress.quiz_answers);

    // Room again: the next save goes through.
    fs::remove(disk_ / "filler");
    ASSERT_EQ(save_progress(more), "");
    EXPECT_EQ(load_progress().finished_lessons, more.finished_lessons);
}

// The tester's second case: a file larger than the room left was cut short. Here the new
// progress is larger than the whole disk: every write of it fails part way.
TEST_F(FullDisk, AProgressLargerThanTheDiskIsNotCutShort) {
    Progress old_progress;
    old_progress.finished_lessons = {"sockets", "tcp-echo"};
    ASSERT_EQ(save_progress(old_progress), "");
    const fs::path file = progress_path();
    const std::string before = contents(file);

    const std::string error = save_progress(progress_of_about(1536 * 1024));
    EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
    EXPECT_EQ(contents(file), before);
    EXPECT_EQ(contents(file.string() + ".bak"), before);
    EXPECT_EQ(names_in(file.parent_path()), progress_files());
    EXPECT_EQ(load_progress().finished_lessons, old_progress.finished_lessons);
}

// The same for the file itself (save_progress stops at the backup, the first write).
TEST_F(FullDisk, AWriteStoppedPartWayLeavesTheOldFile) {
    const std::string file = (disk_ / "state.json").string();
    ASSERT_EQ(write_state_file_atomically(file, "{\"old\": true}\n"), "");
    const std::string error =
        write_state_file_atomically(file, std::string(1536 * 1024, ' ') + "{}");
    EXPECT_NE(error.find("No space left on device (writing " + file + ")"), std::string::npos)
        << error;
    EXPECT_EQ(contents(file), "{\"old\": true}\n");
    for (const std::string& name : names_in(disk_))
        EXPECT_EQ(name.find(".tmp"), std::string::npos) << "left behind: " << name;
}

}  // namespace
}  // namespace socketlab::ui
