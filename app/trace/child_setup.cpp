// The child before exec (child_setup.h). Only raw system calls after fork: no malloc, no
// stdio, no C++ strings.
#include "trace/child_setup.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace socketlab::trace {

namespace {

[[noreturn]] void fail(const ChildPlan& plan, ChildStage stage, int err) {
    const ChildFailure failure{stage, err};
    (void)!::write(plan.status_fd, &failure, sizeof failure);
    _exit(stage == ChildStage::Exec && err == ENOENT ? 127 : 126);
}

// "<a> <b> 1\n" into buf (no snprintf: not async-signal-safe).
size_t format_map(char* buf, unsigned a, unsigned b) {
    size_t n = 0;
    auto put = [&](unsigned v) {
        char digits[12];
        size_t d = 0;
        do {
            digits[d++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (d > 0) buf[n++] = digits[--d];
    };
    put(a);
    buf[n++] = ' ';
    put(b);
    buf[n++] = ' ';
    buf[n++] = '1';
    buf[n++] = '\n';
    return n;
}

int write_file(const char* path, const char* text, size_t len) {
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    const ssize_t n = ::write(fd, text, len);
    const int err = n == static_cast<ssize_t>(len) ? 0 : (n < 0 ? errno : EIO);
    ::close(fd);
    return err;
}

// Joins the helper's user and network namespaces, then makes a user namespace of its own
// under the helper's: there the program is an ordinary user again. (In the helper's namespace
// our uid owns the namespace, and the kernel grants the owner every capability in its
// network, so a bind of port 60 would succeed.)
void enter_namespaces(const ChildPlan& plan) {
    if (plan.userns_fd >= 0 && ::setns(plan.userns_fd, CLONE_NEWUSER) != 0)
        fail(plan, ChildStage::SetnsUser, errno);
    if (plan.netns_fd >= 0 && ::setns(plan.netns_fd, CLONE_NEWNET) != 0)
        fail(plan, ChildStage::SetnsNet, errno);
    if (plan.userns_fd < 0) return;
    const uid_t inner_uid = ::getuid();  // as the helper's namespace maps us
    const gid_t inner_gid = ::getgid();
    if (::unshare(CLONE_NEWUSER) != 0) fail(plan, ChildStage::Unshare, errno);
    int err = write_file("/proc/self/setgroups", "deny\n", 5);
    if (err != 0) fail(plan, ChildStage::Setgroups, err);
    char map[40];
    size_t n = format_map(map, plan.outer_uid, inner_uid);
    if ((err = write_file("/proc/self/uid_map", map, n)) != 0) fail(plan, ChildStage::UidMap, err);
    n = format_map(map, plan.outer_gid, inner_gid);
    if ((err = write_file("/proc/self/gid_map", map, n)) != 0) fail(plan, ChildStage::GidMap, err);
}

// Root keeps every capability through exec unless it leaves the bounding set; the effective,
// permitted and inheritable sets lose it too, so nothing can bring it back.
void drop_bind_capability(const ChildPlan& plan) {
    (void)::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (::prctl(PR_CAPBSET_DROP, CAP_NET_BIND_SERVICE, 0, 0, 0) != 0)
        fail(plan, ChildStage::DropCapability, errno);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &header, data) != 0) fail(plan, ChildStage::DropCapability, errno);
    const unsigned bit = 1u << CAP_NET_BIND_SERVICE;  // in the first word (it is 10)
    data[0].effective &= ~bit;
    data[0].permitted &= ~bit;
    data[0].inheritable &= ~bit;
    if (::syscall(SYS_capset, &header, data) != 0) fail(plan, ChildStage::DropCapability, errno);
}

}  // namespace

void run_child(const ChildPlan& plan) {
    setpgid(0, 0);
    // The program starts with no signal blocked, whatever the tracer's threads block.
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    dup2(plan.out_fd, STDOUT_FILENO);
    dup2(plan.err_fd, STDERR_FILENO);
    enter_namespaces(plan);
    if (plan.drop_bind_capability) drop_bind_capability(plan);
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) fail(plan, ChildStage::Ptrace, errno);
    raise(SIGSTOP);
    // The path has a '/', so no PATH search; execvp still runs a script without #! with sh.
    execvp(plan.path, plan.argv.data());
    fail(plan, ChildStage::Exec, errno);
}

std::string error_text(int err) {
    const char* text = strerrordesc_np(err);
    return text != nullptr ? text : "error " + std::to_string(err);
}

std::string child_failure_text(const ChildFailure& failure, const std::string& program,
                               int& exit_code) {
    const std::string why = error_text(failure.err);
    exit_code = 126;
    switch (failure.stage) {
        case ChildStage::Exec:
            if (failure.err == ENOENT) {
                exit_code = 127;
                // The file was found before fork: what is missing is what it needs to run.
                return "program not found: " + program +
                       (::access(program.c_str(), F_OK) == 0
                            ? " (the file is there: its #! interpreter or its loader is missing)"
                            : "");
            }
            if (failure.err == EACCES) return "not executable: " + program + ": " + why;
            return "could not run " + program + ": " + why;
        case ChildStage::Ptrace:
            return "could not trace the program: ptrace(PTRACE_TRACEME): " + why +
                   " (is SocketLab itself being traced, or is ptrace forbidden here?)";
        case ChildStage::SetnsUser:
            return "could not enter the lesson network's user namespace: setns: " + why;
        case ChildStage::SetnsNet:
            return "could not enter the lesson network's network namespace: setns: " + why;
        case ChildStage::Unshare:
            return "could not make the program's own user namespace: unshare(CLONE_NEWUSER): " +
                   why;
        case ChildStage::Setgroups:
            return "could not write /proc/self/setgroups in the program's user namespace: " + why;
        case ChildStage::UidMap:
            return "could not write /proc/self/uid_map in the program's user namespace: " + why;
        case ChildStage::GidMap:
            return "could not write /proc/self/gid_map in the program's user namespace: " + why;
        case ChildStage::DropCapability:
            return "could not drop CAP_NET_BIND_SERVICE for the program: " + why;
    }
    return "the program could not be started: " + why;
}

}  // namespace socketlab::trace
