// The network helper is refused where someone else could change it: a helper writable by
// others, in a folder writable by others (sticky /tmp-like folders too), or owned by a
// stranger. Named LessonNetwork.*, so capture_as_user.sh runs them as uid 65534 as well.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "capture/lesson_network.h"

namespace socketlab {
namespace {

namespace fs = std::filesystem;

// A private folder (mkdtemp: 0700) with a "helper" that exits at once.
struct HelperDir {
    std::string dir;
    std::string helper;
    HelperDir() {
        std::string pattern = fs::temp_directory_path() / "socketlab-helper-trust.XXXXXX";
        dir = ::mkdtemp(pattern.data()) ? pattern : "";
        helper = dir + "/socketlab-net-helper";
        std::ofstream(helper) << "#!/bin/sh\nexit 1\n";
        ::chmod(helper.c_str(), 0755);
    }
    ~HelperDir() {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
};

std::unique_ptr<LessonNetwork> open_with(const std::string& helper) {
    NetworkOptions options;
    options.force_namespace = true;  // use the helper even as root
    options.helper_path = helper;
    return LessonNetwork::open(options);
}

TEST(LessonNetwork, HelperInAWorldWritableFolderIsRefused) {
    HelperDir h;
    ASSERT_FALSE(h.dir.empty());
    for (mode_t mode : {0777, 01777, 0773}) {
        SCOPED_TRACE(mode);
        ASSERT_EQ(::chmod(h.dir.c_str(), mode), 0);
        auto net = open_with(h.helper);
        EXPECT_EQ(net->mode(), LessonNetwork::Mode::NoCapture);
        EXPECT_NE(net->why_no_capture().find("was not run: its folder " + h.dir +
                                             " is writable by every user"),
                  std::string::npos)
            << net->why_no_capture();
        EXPECT_NE(net->how_to_fix().find("only root or you can write to"), std::string::npos)
            << net->how_to_fix();
        EXPECT_EQ(net->helper_pid(), -1);
    }
}

TEST(LessonNetwork, HelperWritableByOthersIsRefused) {
    HelperDir h;
    ASSERT_FALSE(h.dir.empty());
    ASSERT_EQ(::chmod(h.dir.c_str(), 0755), 0);
    ASSERT_EQ(::chmod(h.helper.c_str(), 0757), 0);
    auto net = open_with(h.helper);
    EXPECT_EQ(net->mode(), LessonNetwork::Mode::NoCapture);
    EXPECT_NE(net->why_no_capture().find(h.helper + " is writable by every user (mode 0757)"),
              std::string::npos)
        << net->why_no_capture();
}

TEST(LessonNetwork, HelperInAPrivateFolderIsRun) {
    HelperDir h;
    ASSERT_FALSE(h.dir.empty());
    for (mode_t mode : {0700, 0755}) {
        ASSERT_EQ(::chmod(h.dir.c_str(), mode), 0);
        auto net = open_with(h.helper);
        // It was run (and, being a fake, exited before making a namespace).
        EXPECT_EQ(net->why_no_capture().find("was not run"), std::string::npos)
            << net->why_no_capture();
        EXPECT_NE(net->why_no_capture().find("exited before setting up its namespace"),
                  std::string::npos)
            << net->why_no_capture();
    }
}

// Only root can give a file to someone else.
TEST(LessonNetwork, HelperOwnedByAStrangerIsRefused) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown (as a user, see the tests above)";
    HelperDir h;
    ASSERT_FALSE(h.dir.empty());
    ASSERT_EQ(::chmod(h.dir.c_str(), 0755), 0);
    ASSERT_EQ(::chown(h.helper.c_str(), 12345, 12345), 0);
    auto net = open_with(h.helper);
    EXPECT_NE(net->why_no_capture().find(h.helper + " belongs to uid 12345"), std::string::npos)
        << net->why_no_capture();
    ASSERT_EQ(::chown(h.helper.c_str(), 0, 0), 0);
    ASSERT_EQ(::chown(h.dir.c_str(), 12345, 12345), 0);
    net = open_with(h.helper);
    EXPECT_NE(net->why_no_capture().find("its folder " + h.dir + " belongs to uid 12345"),
              std::string::npos)
        << net->why_no_capture();
}

}  // namespace
}  // namespace socketlab
