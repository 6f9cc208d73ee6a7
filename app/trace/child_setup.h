// The traced program's side of fork(): what the child does before exec (enter the lesson's
// network, give up the right to bind ports below 1024, become traceable) and how a failure is
// told to the tracer. After fork only async-signal-safe calls are allowed (the tracer has
// threads), so everything is computed into a ChildPlan before fork.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace socketlab::trace {

struct ChildPlan {
    const char* path = nullptr;  // where the program is (find_program)
    std::vector<char*> argv;     // null-terminated; points into strings the caller keeps
    int out_fd = -1, err_fd = -1;
    int status_fd = -1;  // a ChildFailure is written here when something fails
    int userns_fd = -1, netns_fd = -1;
    uid_t outer_uid = 0;  // the tracer's uid and gid: what the program sees inside
    gid_t outer_gid = 0;
    bool drop_bind_capability = false;  // root without a namespace: no CAP_NET_BIND_SERVICE
};

// What went wrong in the child, as the tracer reads it from the status pipe.
enum class ChildStage : int {
    Exec = 1,
    Ptrace,
    SetnsUser,
    SetnsNet,
    Unshare,
    Setgroups,
    UidMap,
    GidMap,
    DropCapability,
};

struct ChildFailure {
    ChildStage stage = ChildStage::Exec;
    int err = 0;
};

// Never returns: execs the program or writes a ChildFailure and _exits (126, 127 for ENOENT).
[[noreturn]] void run_child(const ChildPlan& plan);

// The system's text for an errno value, safe from any thread (unlike std::strerror).
std::string error_text(int err);

// The message for TraceResult::error ("program not found: foo") and the shell's exit code.
std::string child_failure_text(const ChildFailure& failure, const std::string& program,
                               int& exit_code);

}  // namespace socketlab::trace
