// The state files' reads and writes on real files: only regular files are read, never
// blocking and within the size bound; a write replaces a file only with a complete one and
// leaves no temporary file; a damaged file is kept aside under a name of its own.
#include "paths/state_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <vector>

namespace socketlab {
namespace {
namespace fs = std::filesystem;

class StateFile : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("socketlab-state-file-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string path(const char* name) const { return (dir_ / name).string(); }
    std::vector<std::string> names() const {
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(dir_))
            found.push_back(entry.path().filename().string());
        std::sort(found.begin(), found.end());
        return found;
    }
    fs::path dir_;
};

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST_F(StateFile, MissingIsNotAnError) {
    const StateFileRead read = read_state_file(path("progress.json"));
    EXPECT_EQ(read.status, StateFileStatus::Missing);
    EXPECT_EQ(read.message, "");
}

TEST_F(StateFile, WritesAWholeFileAndReadsItBack) {
    ASSERT_EQ(write_state_file_atomically(path("progress.json"), "first"), "");
    ASSERT_EQ(write_state_file_atomically(path("progress.json"), "second, longer"), "");
    const StateFileRead read = read_state_file(path("progress.json"));
    EXPECT_EQ(read.status, StateFileStatus::Ok);
    EXPECT_EQ(read.content, "second, longer");
    EXPECT_GT(read.modified, 0);
    EXPECT_EQ(names(), std::vector<std::string>{"progress.json"});  // no temporary file left
}

// A newly made file is the learner's alone; a replaced one keeps the mode it had.
TEST_F(StateFile, KeepsTheFilesPermissions) {
    ASSERT_EQ(write_state_file_atomically(path("settings.json"), "{}"), "");
    EXPECT_EQ(fs::status(path("settings.json")).permissions(),
              fs::perms::owner_read | fs::perms::owner_write);
    fs::permissions(path("settings.json"), fs::perms::owner_read | fs::perms::owner_write |
                                               fs::perms::group_read | fs::perms::others_read);
    ASSERT_EQ(write_state_file_atomically(path("settings.json"), "{ }"), "");
    EXPECT_EQ(fs::status(path("settings.json")).permissions(),
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                  fs::perms::others_read);
}

// Settings kept with the user's dotfiles: the link stays, what it names is replaced.
TEST_F(StateFile, ReplacesWhatASymbolicLinkNames) {
    ASSERT_EQ(write_state_file_atomically(path("dotfiles-settings.json"), "old"), "");
    fs::create_symlink("dotfiles-settings.json", dir_ / "settings.json");
    EXPECT_EQ(read_state_file(path("settings.json")).content, "old");
    ASSERT_EQ(write_state_file_atomically(path("settings.json"), "new"), "");
    EXPECT_TRUE(fs::is_symlink(dir_ / "settings.json"));
    EXPECT_EQ(contents(path("dotfiles-settings.json")), "new");
}

TEST_F(StateFile, ADirectoryIsNeitherReadNorReplaced) {
    fs::create_directory(dir_ / "progress.json");
    const StateFileRead read = read_state_file(path("progress.json"));
    EXPECT_EQ(read.status, StateFileStatus::NotRegular);
    EXPECT_NE(read.message.find("is a directory"), std::string::npos) << read.message;
    const std::string error = write_state_file_atomically(path("progress.json"), "{}");
    EXPECT_NE(error.find("is a directory"), std::string::npos) << error;
    EXPECT_TRUE(fs::is_directory(dir_ / "progress.json"));
    EXPECT_EQ(names(), std::vector<std::string>{"progress.json"});
}

// Opened blocking, a FIFO with no writer would wait forever. If it does, the test opens the
// writing end itself (which succeeds only while a reader waits) to let the read finish, and
// fails instead of hanging.
TEST_F(StateFile, AFifoIsRefusedWithoutBlocking) {
    ASSERT_EQ(::mkfifo(path("progress.json").c_str(), 0600), 0);
    auto reading =
        std::async(std::launch::async, [&] { return read_state_file(path("progress.json")); });
    if (reading.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        ADD_FAILURE() << "reading a FIFO blocked";
        const int writer = ::open(path("progress.json").c_str(), O_WRONLY | O_NONBLOCK);
        if (writer >= 0) ::close(writer);
    }
    const StateFileRead read = reading.get();
    EXPECT_EQ(read.status, StateFileStatus::NotRegular);
    EXPECT_NE(read.message.find("named pipe"), std::string::npos) << read.message;
    EXPECT_NE(write_state_file_atomically(path("progress.json"), "{}"), "");
    EXPECT_TRUE(fs::is_fifo(dir_ / "progress.json"));
}

TEST_F(StateFile, AFileOverTheBoundIsRefused) {
    { std::ofstream(path("small.json")) << std::string(1025, 'x'); }
    EXPECT_EQ(read_state_file(path("small.json"), 1025).status, StateFileStatus::Ok);
    const StateFileRead over = read_state_file(path("small.json"), 1024);
    EXPECT_EQ(over.status, StateFileStatus::TooBig);
    EXPECT_EQ(over.content, "");
    // The real bound, on a sparse file: refused from its size, without reading 16 MiB.
    fs::resize_file(path("small.json"), kMaxStateFileBytes + 1);
    EXPECT_EQ(read_state_file(path("small.json")).status, StateFileStatus::TooBig);
    fs::resize_file(path("small.json"), kMaxStateFileBytes);
    EXPECT_EQ(read_state_file(path("small.json")).status, StateFileStatus::Ok);
}

TEST_F(StateFile, ADamagedFileIsKeptAsideUnderANewNameEachTime) {
    std::string error;
    std::ofstream(path("progress.json")) << "first damage";
    const std::string first = keep_state_file_aside(path("progress.json"), &error);
    ASSERT_NE(first, "") << error;
    std::ofstream(path("progress.json")) << "second damage";
    const std::string second = keep_state_file_aside(path("progress.json"), &error);
    ASSERT_NE(second, "") << error;
    EXPECT_NE(first, second);
    EXPECT_EQ(first.rfind(path("progress.json.damaged-"), 0), 0u) << first;
    EXPECT_EQ(contents(first), "first damage");
    EXPECT_EQ(contents(second), "second damage");
    EXPECT_FALSE(fs::exists(dir_ / "progress.json"));
    EXPECT_EQ(keep_state_file_aside(path("progress.json"), &error), "");
    EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

}  // namespace
}  // namespace socketlab
