// The "Your program" panel's reading of a Python error: the line to go to.
#include <gtest/gtest.h>

#include "ui/your_program_panel.h"

namespace socketlab::ui {
namespace {

TEST(YourProgram, TheLineOfTheLastTracebackFrameInTheFile) {
    const std::string path = "/home/ada/client.py";
    const std::string traceback =
        "Traceback (most recent call last):\n"
        "  File \"/home/ada/client.py\", line 3, in <module>\n"
        "    main()\n"
        "  File \"/home/ada/client.py\", line 12, in main\n"
        "    s.send('hi')\n"
        "  File \"/usr/lib/python3.11/socket.py\", line 80, in send\n"
        "TypeError: a bytes-like object is required, not 'str'\n";
    EXPECT_EQ(YourProgramPanel::error_line(traceback, path), 12);
    EXPECT_EQ(YourProgramPanel::error_line("  File \"/home/ada/client.py\", line 7\n"
                                           "    break\nSyntaxError: 'break' outside loop\n",
                                           path),
              7);
    EXPECT_EQ(YourProgramPanel::error_line("all fine\n", path), 0);
    EXPECT_EQ(YourProgramPanel::error_line(traceback, "/home/ada/other.py"), 0);
}

}  // namespace
}  // namespace socketlab::ui
