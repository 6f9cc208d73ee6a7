// Settings and progress live in the XDG folders, survive a round trip, and a damaged file
// gives the defaults instead of a crash.
#include "ui/settings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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
    std::filesystem::path root_;
};

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
    save_settings(s);
    Settings back = load_settings();
    EXPECT_FLOAT_EQ(back.text_scale, 2.5f);
    EXPECT_EQ(back.window_width, 1920);
    EXPECT_EQ(back.window_height, 1080);
    EXPECT_EQ(back.last_lesson, "tcp-echo");
    EXPECT_FALSE(back.show_lesson_list);

    Progress p;
    p.finished_lessons = {"sockets", "udp-datagrams"};
    save_progress(p);
    EXPECT_EQ(load_progress().finished_lessons, p.finished_lessons);
}

TEST_F(SettingsTest, DamagedOrOutOfRangeValuesGiveDefaults) {
    std::filesystem::create_directories(root_ / "config" / "socketlab");
    std::ofstream(settings_path()) << "{ this is not json";
    EXPECT_FLOAT_EQ(load_settings().text_scale, 1.0f);
    std::ofstream(settings_path()) << R"({"text_scale": 99, "window_width": "wide"})";
    Settings s = load_settings();
    EXPECT_LE(s.text_scale, 4.0f);
    EXPECT_EQ(s.window_width, Settings{}.window_width);
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
