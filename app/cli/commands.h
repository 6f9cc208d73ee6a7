// The headless commands. Each returns the process exit status.
#pragma once

#include <string>

namespace socketlab {

int list_lessons_command(const std::string& lessons_dir);
int run_lesson_command(const std::string& lessons_dir, const std::string& id, bool json);

struct ServeOptions {
    std::string kind = "tcp-echo";  // or "udp-echo"
    std::string host = "127.0.0.1";
    int port = 0;
    bool allow_remote = false;
    bool json = false;
};
int serve_command(const ServeOptions& options);

}  // namespace socketlab
