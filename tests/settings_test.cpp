// Settings and progress live in the XDG folders and survive a round trip. A damaged file is
// kept aside and the backup loaded, so nothing is lost; something that is not a file gives the
// defaults, is left alone, and a save says why it failed; keys of a newer version are kept.
#include "ui/settings.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "paths/data_paths.h"

namespace socketlab::ui {
namespace {

class SettingsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = std::filesystem::temp_directory_path() /
                ("socketlab-settings-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(root_);
        setenv("XDG_CONFIG_HOME", (root_ / "config").c_str(), 1);
        setenv("XDG_DATA_HOME", (root_ / "data").c_str(), 1);
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    // The names in the folder that start with prefix.
    static std::vector<std::string> names_like(const std::string& file, const std::string& prefix) {
        std::vector<std::string> found;
        for (const auto& entry :
             std::filesystem::directory_iterator(std::filesystem::path(file).parent_path()))
            if (entry.path().filename().string().rfind(prefix, 0) == 0)
                found.push_back(entry.path().string());
        return found;
    }
    std::filesystem::path root_;
};

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Progress four_lessons_four_answers() {
    Progress p;
    p.finished_lessons = {"sockets", "tcp-echo", "udp-datagrams", "nonblocking"};
    p.quiz_answers["sockets"] = {{"q1", 2}, {"q2", 0}};
    p.quiz_answers["tcp-echo"] = {{"q1", 1}, {"q2", 3}};
    return p;
}

TEST_F(SettingsTest, LiveInTheXdgFolders) {
    EXPECT_EQ(config_dir(), (root_ / "config" / "socketlab").string());
    EXPECT_EQ(settings_path(), (root_ / "config" / "socketlab" / "settings.json").string());
    EXPECT_EQ(imgui_ini_path(), (root_ / "config" / "socketlab" / "imgui.ini").string());
    EXPECT_EQ(progress_path(), (root_ / "data" / "socketlab" / "progress.json").string());
}

TEST_F(SettingsTest, RoundTrip) {
    Settings s;
    s.text_scale = 2.5f;
    s.window_width = 1920;
    s.window_height = 1080;
    s.last_lesson = "tcp-echo";
    s.show_lesson_list = false;
    ASSERT_EQ(save_settings(s), "");
    Settings back = load_settings();
    EXPECT_FLOAT_EQ(back.text_scale, 2.5f);
    EXPECT_EQ(back.window_width, 1920);
    EXPECT_EQ(back.window_height, 1080);
    EXPECT_EQ(back.last_lesson, "tcp-echo");
    EXPECT_FALSE(back.show_lesson_list);

    Progress p;
    p.finished_lessons = {"sockets", "udp-datagrams"};
    ASSERT_EQ(save_progress(p), "");
    EXPECT_EQ(load_progress().finished_lessons, p.finished_lessons);
}

TEST_F(SettingsTest, DamagedOrOutOfRangeValuesGiveDefaults) {
    std::filesystem::create_directories(root_ / "config" / "socketlab");
    std::ofstream(settings_path()) << "{ this is not json";
    std::string notice;
    EXPECT_FLOAT_EQ(load_settings(&notice).text_scale, 1.0f);
    EXPECT_NE(notice.find("no usable backup"), std::string::npos) << notice;
    std::ofstream(settings_path()) << R"({"text_scale": 99, "window_width": "wide"})";
    Settings s = load_settings();
    EXPECT_LE(s.text_scale, 4.0f);
    EXPECT_EQ(s.window_width, Settings{}.window_width);
}

// The tester's case: one byte after the end of the file. Before, the next save replaced four
// finished lessons and four quiz answers with one.
TEST_F(SettingsTest, ADamagedProgressIsKeptAsideAndTheBackupLoaded) {
    const Progress saved = four_lessons_four_answers();
    ASSERT_EQ(save_progress(saved), "");
    std::ofstream(progress_path(), std::ios::app) << 'x';
    const std::string damaged = contents(progress_path());

    std::string notice;
    Progress loaded = load_progress(&notice);
    EXPECT_EQ(loaded.finished_lessons, saved.finished_lessons);
    EXPECT_EQ(loaded.quiz_answers, saved.quiz_answers);
    const std::vector<std::string> aside = names_like(progress_path(), "progress.json.damaged-");
    ASSERT_EQ(aside.size(), 1u);
    EXPECT_EQ(contents(aside[0]), damaged);  // byte for byte, for the learner or a tester
    EXPECT_NE(notice.find("Your progress file was damaged"), std::string::npos) << notice;
    EXPECT_NE(notice.find("it is kept as " + aside[0]), std::string::npos) << notice;
    EXPECT_NE(notice.find("loaded your progress from its backup of"), std::string::npos) << notice;

    // Put back at once: the next start loads it without a word, even with no save between.
    std::string next_notice = "unset";
    EXPECT_EQ(load_progress(&next_notice).finished_lessons, saved.finished_lessons);
    EXPECT_EQ(next_notice, "");

    // The next save adds to what was there.
    loaded.finished_lessons.insert("select-poll");
    loaded.quiz_answers["udp-datagrams"]["q1"] = 1;
    ASSERT_EQ(save_progress(loaded), "");
    const Progress after = load_progress();
    EXPECT_EQ(after.finished_lessons.size(), 5u);
    EXPECT_EQ(after.quiz_answers.size(), 3u);
    EXPECT_EQ(after.quiz_answers.at("tcp-echo").at("q2"), 3);
    EXPECT_EQ(contents(aside[0]), damaged);  // a save never touches the damaged copy
}

TEST_F(SettingsTest, ADamagedProgressWithoutABackupIsStillKept) {
    std::filesystem::create_directories(std::filesystem::path(progress_path()).parent_path());
    std::ofstream(progress_path()) << R"({"finished_lessons": ["sockets", "tcp-e)";
    std::string notice;
    EXPECT_TRUE(load_progress(&notice).finished_lessons.empty());
    EXPECT_NE(notice.find("no usable backup"), std::string::npos) << notice;
    const std::vector<std::string> aside = names_like(progress_path(), "progress.json.damaged-");
    ASSERT_EQ(aside.size(), 1u);
    EXPECT_EQ(contents(aside[0]), R"({"finished_lessons": ["sockets", "tcp-e)");
    ASSERT_EQ(save_progress(Progress{}), "");
    EXPECT_EQ(names_like(progress_path(), "progress.json.damaged-").size(), 1u);
}

// Over the size bound (16 MiB, a sparse file here): not read, but kept like a damaged one.
TEST_F(SettingsTest, AProgressFileOverTheBoundIsRefusedAndKept) {
    ASSERT_EQ(save_progress(four_lessons_four_answers()), "");
    std::filesystem::resize_file(progress_path(), (size_t{16} << 20) + 1);
    std::string notice;
    EXPECT_EQ(load_progress(&notice).finished_lessons.size(), 4u);
    EXPECT_NE(notice.find("larger than a state file can be"), std::string::npos) << notice;
    const std::vector<std::string> aside = names_like(progress_path(), "progress.json.damaged-");
    ASSERT_EQ(aside.size(), 1u);
    EXPECT_EQ(std::filesystem::file_size(aside[0]), (size_t{16} << 20) + 1);
}

// The tester's case: a directory in place of the file aborted the app (std::ios_failure).
TEST_F(SettingsTest, ADirectoryInPlaceOfProgressGivesTheDefaultsAndIsLeftAlone) {
    std::filesystem::create_directories(progress_path());
    std::ofstream(progress_path() + "/notes.txt") << "the learner's own";
    std::string notice;
    EXPECT_TRUE(load_progress(&notice).finished_lessons.empty());
    EXPECT_NE(notice.find("is a directory, not a file"), std::string::npos) << notice;
    const std::string error = save_progress(four_lessons_four_answers());
    EXPECT_NE(error.find("Could not save your progress: "), std::string::npos) << error;
    EXPECT_NE(error.find("is a directory, not a file; move it away to save"), std::string::npos)
        << error;
    EXPECT_EQ(contents(progress_path() + "/notes.txt"), "the learner's own");
    EXPECT_FALSE(std::filesystem::exists(progress_path() + ".bak"));
}

// The tester's case: a FIFO in place of the file hung start-up. If the load blocks anyway, the
// test opens the FIFO's writing end (possible only while a reader waits) and fails, not hangs.
TEST_F(SettingsTest, AFifoInPlaceOfSettingsGivesTheDefaultsWithoutBlocking) {
    std::filesystem::create_directories(std::filesystem::path(settings_path()).parent_path());
    ASSERT_EQ(::mkfifo(settings_path().c_str(), 0600), 0);
    std::string notice;
    auto loading = std::async(std::launch::async, [&] { return load_settings(&notice); });
    if (loading.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        ADD_FAILURE() << "loading the settings blocked on a FIFO";
        const int writer = ::open(settings_path().c_str(), O_WRONLY | O_NONBLOCK);
        if (writer >= 0) ::close(writer);
    }
    EXPECT_FLOAT_EQ(loading.get().text_scale, Settings{}.text_scale);
    EXPECT_NE(notice.find("is a named pipe (FIFO), not a file"), std::string::npos) << notice;
    Settings s;
    s.text_scale = 2.0f;
    EXPECT_NE(save_settings(s).find("Could not save your settings: "), std::string::npos);
    EXPECT_TRUE(std::filesystem::is_fifo(settings_path()));
}

// A newer SocketLab's keys survive a save by this one.
TEST_F(SettingsTest, UnknownKeysAreKeptOnSave) {
    std::filesystem::create_directories(std::filesystem::path(settings_path()).parent_path());
    std::filesystem::create_directories(std::filesystem::path(progress_path()).parent_path());
    std::ofstream(settings_path())
        << R"({"text_scale": 2.0, "theme": {"name": "light", "contrast": [1, 2]}})";
    std::ofstream(progress_path()) << R"({"finished_lessons": ["sockets"], "streak_days": 12})";

    Settings s = load_settings();
    EXPECT_FLOAT_EQ(s.text_scale, 2.0f);
    s.text_scale = 3.0f;
    ASSERT_EQ(save_settings(s), "");
    const auto settings_file = nlohmann::json::parse(contents(settings_path()));
    EXPECT_EQ(settings_file.at("theme"),
              nlohmann::json::parse(R"({"name": "light", "contrast": [1, 2]})"));
    EXPECT_FLOAT_EQ(settings_file.at("text_scale").get<float>(), 3.0f);

    Progress p = load_progress();
    p.finished_lessons.insert("tcp-echo");
    ASSERT_EQ(save_progress(p), "");
    const auto progress_file = nlohmann::json::parse(contents(progress_path()));
    EXPECT_EQ(progress_file.at("streak_days"), 12);
    EXPECT_EQ(progress_file.at("finished_lessons").size(), 2u);
    // And in the backup, which is what a damaged file is replaced with.
    EXPECT_EQ(nlohmann::json::parse(contents(progress_path() + ".bak")), progress_file);
}

// A 1366x768 laptop gets a window inside its work area; a large screen the wanted size.
TEST(WindowSize, FitsTheMonitorsWorkArea) {
    const WindowSize laptop = fit_window_size({1400, 860}, 1366, 740);
    EXPECT_EQ(laptop.width, 1229);
    EXPECT_EQ(laptop.height, 666);
    const WindowSize big = fit_window_size({1400, 860}, 1920, 1050);
    EXPECT_EQ(big.width, 1400);
    EXPECT_EQ(big.height, 860);
    const WindowSize unknown = fit_window_size({1400, 860}, 0, 0);
    EXPECT_EQ(unknown.width, 1400);
    EXPECT_EQ(unknown.height, 860);
}

}  // namespace
}  // namespace socketlab::ui
