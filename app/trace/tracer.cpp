// The tracer (tracer.h). [SECTION] index:
//   Reading the child   process_vm_readv with a PTRACE_PEEKDATA fallback
//   Names               the actor's name from /proc/PID/cmdline
//   Decoding            one socket system call -> one Event
//   Entry               at a call's entry: select's sets, the blocking hook, restarts
//   Readiness           select, pselect6, epoll_ctl, epoll_wait*
//   Directory           each process's sockets into the SocketDirectory
//   The trace loop      fork, exec, waitpid, the ptrace events
#include "trace/tracer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "core/calls/socket_constants.h"
#include "trace/child_setup.h"
#include "trace/socket_probe.h"

namespace socketlab::trace {

namespace {

#if !defined(__x86_64__)
#error "the tracer decodes x86_64 system calls"
#endif

using Clock = std::chrono::steady_clock;

// [SECTION] Reading the child
bool read_child(int pid, uint64_t addr, void* out, size_t len) {
    if (len == 0) return true;
    iovec local{out, len};
    // An address in the child, not ours.
    iovec remote{reinterpret_cast<void*>(addr), len};  // NOLINT(performance-no-int-to-ptr)
    const ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n == static_cast<ssize_t>(len)) return true;
    // Fallback (e.g. process_vm_readv not allowed): a word at a time through ptrace.
    auto* dst = static_cast<uint8_t*>(out);
    for (size_t done = 0; done < len;) {
        const uint64_t word_addr = (addr + done) & ~uint64_t{7};
        const size_t skip = (addr + done) - word_addr;
        errno = 0;
        const long word = ptrace(PTRACE_PEEKDATA, pid, word_addr, nullptr);
        if (errno != 0) return false;
        uint8_t bytes[8];
        std::memcpy(bytes, &word, sizeof bytes);
        const size_t take = std::min(len - done, sizeof bytes - skip);
        std::memcpy(dst + done, bytes + skip, take);
        done += take;
    }
    return true;
}

std::vector<uint8_t> read_bytes(int pid, uint64_t addr, size_t len) {
    std::vector<uint8_t> out(len);
    if (!read_child(pid, addr, out.data(), len)) out.clear();
    return out;
}

template <typename T>
bool read_value(int pid, uint64_t addr, T& out) {
    return addr != 0 && read_child(pid, addr, &out, sizeof out);
}

SocketAddress read_address(int pid, uint64_t addr, uint64_t len) {
    SocketAddress a;
    if (addr == 0 || len == 0) return a;
    const size_t n = std::min<size_t>(len, sizeof a.storage);
    if (!read_child(pid, addr, &a.storage, n)) return SocketAddress{};
    a.length = static_cast<socklen_t>(n);
    return a;
}

// An address the kernel wrote back: the length is in *len_addr.
SocketAddress read_result_address(int pid, uint64_t addr, uint64_t len_addr) {
    socklen_t len = 0;
    if (addr == 0 || !read_value(pid, len_addr, len)) return SocketAddress{};
    return read_address(pid, addr, len);
}

// The bytes of an iovec array, up to keep, from the first `total` bytes.
std::vector<uint8_t> read_iovecs(int pid, uint64_t iov_addr, uint64_t count, uint64_t total,
                                 size_t keep) {
    std::vector<uint8_t> out;
    count = std::min<uint64_t>(count, 1024);
    for (uint64_t i = 0; i < count && out.size() < keep && total > 0; ++i) {
        iovec v{};
        if (!read_value(pid, iov_addr + i * sizeof(iovec), v)) break;
        const size_t take = std::min({v.iov_len, keep - out.size(), static_cast<size_t>(total)});
        auto part = read_bytes(pid, reinterpret_cast<uint64_t>(v.iov_base), take);
        out.insert(out.end(), part.begin(), part.end());
        total -= take;
    }
    return out;
}

// [SECTION] Names
std::vector<std::string> read_cmdline(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> out;
    std::string part;
    for (char c : all) {
        if (c == '\0') {
            out.push_back(part);
            part.clear();
        } else {
            part += c;
        }
    }
    if (!part.empty()) out.push_back(part);
    return out;
}

std::string base_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_interpreter(const std::string& name) {
    static const char* const kNames[] = {"python", "perl", "ruby", "node", "sh",
                                         "bash",   "dash", "php",  "lua",  "tclsh"};
    for (const char* n : kNames)
        if (name.rfind(n, 0) == 0) return true;
    return false;
}

bool is_python(const std::string& argv0) {
    return base_name(argv0).rfind("python", 0) == 0;
}

int tgid_of(int tid) {
    std::ifstream in("/proc/" + std::to_string(tid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("Tgid:", 0) == 0) return std::atoi(line.c_str() + 5);
    return tid;
}

int64_t syscall_result(uint64_t rax, int& err) {
    const auto ret = static_cast<int64_t>(rax);
    err = 0;
    if (ret < 0 && ret >= -4095) {
        err = static_cast<int>(-ret);
        return -1;
    }
    return ret;
}

// The kernel's restart codes: a signal interrupted the call, which is restarted (or, for a
// handler without SA_RESTART, returns EINTR). Never seen by the program as these numbers.
bool is_restart_code(uint64_t rax) {
    const auto ret = static_cast<int64_t>(rax);
    return ret == -512 || ret == -513 || ret == -514 || ret == -516;  // ERESTARTSYS..
}

const char* syscall_name(long nr) {
    switch (nr) {
        case SYS_accept:
            return "accept";
        case SYS_accept4:
            return "accept4";
        case SYS_connect:
            return "connect";
        case SYS_recvfrom:
            return "recvfrom";
        case SYS_recvmsg:
            return "recvmsg";
        case SYS_recvmmsg:
            return "recvmmsg";
        case SYS_sendto:
            return "sendto";
        case SYS_sendmsg:
            return "sendmsg";
        case SYS_sendmmsg:
            return "sendmmsg";
        case SYS_read:
            return "read";
        case SYS_readv:
            return "readv";
        case SYS_write:
            return "write";
        case SYS_writev:
            return "writev";
        case SYS_poll:
            return "poll";
        case SYS_ppoll:
            return "ppoll";
        case SYS_select:
            return "select";
        case SYS_pselect6:
            return "pselect6";
        case SYS_epoll_wait:
            return "epoll_wait";
        case SYS_epoll_pwait:
            return "epoll_pwait";
        case SYS_epoll_pwait2:
            return "epoll_pwait2";
        default:
            return "a system call";
    }
}

// strsignal's text, safe from any thread.
std::string signal_text(int sig) {
    const char* text = sigdescr_np(sig);
    return text != nullptr ? text : "signal " + std::to_string(sig);
}

std::string fd_name(int fd) {
    return "fd" + std::to_string(fd);
}

// [SECTION] Decoding
struct SocketFd {
    int family = AF_UNSPEC;
    int type = 0;
    bool cloexec = false;
    bool nonblocking = false;
    bool listening = false;
    bool bound = false;   // bind, connect, or a send's automatic bind
    SocketAddress local;  // decoded from the calls (the directory asks the kernel)
    SocketAddress peer;
};

struct EpollInterest {
    uint32_t events = 0;
    uint64_t data = 0;  // what epoll_wait returns for it (usually the fd)
};

struct Process {
    std::string name;  // "client.py"
    bool python = false;
    std::map<int, SocketFd> sockets;  // fd -> what it is
    // epoll fd -> the fds it watches (epoll_ctl), so epoll_wait's answers name sockets.
    std::map<int, std::map<int, EpollInterest>> epolls;
    int last_op = -1;          // the previous socket call (for the sendall note)
    int pidfd = -1;            // for pidfd_getfd (the directory); opened when first needed
    std::string published_as;  // the actor its sockets were published under ("" = none)
};

// What is read at a call's entry because the kernel overwrites it (select's sets).
struct EntryCopy {
    std::array<std::vector<uint64_t>, 3> sets;  // read, write, except
    int timeout_ms = -1;
};

struct Thread {
    int tgid = 0;
    bool in_syscall = false;
    bool seen = false;  // its first stop (the auto-attach SIGSTOP) happened
    user_regs_struct entry{};
    EntryCopy copy;
    // A call that ended in ERESTART_RESTARTBLOCK: restart_syscall continues it.
    bool has_interrupted = false;
    user_regs_struct interrupted{};
    bool interrupt_noted = false;
};

class Session {
  public:
    Session(const TraceOptions& options, std::function<void(Event)> emit, Clock::time_point start)
        : options_(options), emit_(std::move(emit)), start_(start) {}
    ~Session() {
        for (auto& [tgid, p] : processes)
            if (p.pidfd >= 0) ::close(p.pidfd);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    std::map<int, Thread> threads;
    std::map<int, Process> processes;
    uint64_t calls = 0;

    int64_t now_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
    }
    std::string actor(int tid) const {
        auto t = threads.find(tid);
        const int tgid = t == threads.end() ? tid : t->second.tgid;
        auto p = processes.find(tgid);
        const std::string name = p == processes.end() ? "program" : p->second.name;
        return name + "[" + std::to_string(tid) + "]";
    }
    void name_process(int tgid) {
        auto cmdline = read_cmdline(tgid);
        Process& p = processes[tgid];
        if (cmdline.empty()) {
            if (p.name.empty()) p.name = "program";
            return;
        }
        p.name = program_display_name(cmdline);
        p.python = is_python(cmdline[0]);
    }
    void exec_happened(int tgid) {
        Process& p = processes[tgid];
        for (auto it = p.sockets.begin(); it != p.sockets.end();)
            it = it->second.cloexec ? p.sockets.erase(it) : std::next(it);
        p.epolls.clear();  // (epoll fds are almost always EPOLL_CLOEXEC)
        name_process(tgid);
        ProgramRecord r;
        r.what = ProgramRecord::What::Started;
        r.pid = tgid;
        const auto cmdline = read_cmdline(tgid);
        for (const auto& a : cmdline) r.text += (r.text.empty() ? "" : " ") + a;
        r.text = "exec " + r.text;
        program_event(tgid, r);
        publish(tgid);  // under its new name; the old one is emptied
    }
    void program_event(int tid, const ProgramRecord& r) {
        Event e;
        e.kind = EventKind::Program;
        e.t_us = now_us();
        e.actor = actor(tid);
        e.payload = r;
        emit_(std::move(e));
    }
    void note(int tid, std::string text) {
        emit_(make_note(now_us(), actor(tid), 0, std::move(text)));
    }
    void python_note(int tid, const char* key, const char* text) {
        if (!options_.python_notes || !process_of(tid).python) return;
        if (!noted_.insert(key).second) return;
        note(tid, text);
    }
    Process& process_of(int tid) { return processes[threads[tid].tgid]; }

    void syscall_entry(int tid);
    void syscall_exit(int tid, const user_regs_struct& regs);
    // The process's sockets into the directory (an empty list once it has exited).
    void publish(int tgid, bool exited = false);

  private:
    void call(int tid, int fd, CallRecord record, std::string note = "");
    void data_call(int tid, int fd, CallOp op, bool sent, uint64_t buf, uint64_t len,
                   const SocketAddress& address, int flags, int64_t ret, int err, std::string note,
                   std::vector<uint8_t> bytes_read = {}, bool have_bytes = false);
    void mmsg_call(int tid, long nr, int64_t ret, int err);
    void select_call(int tid, long nr, int64_t ret, int err);
    void epoll_ctl_call(int tid, int64_t ret);
    void epoll_wait_call(int tid, long nr, int64_t ret, int err);
    // Whether the call (at its entry) is about one of the process's sockets, and whether it
    // may wait for a peer.
    bool involves_socket(int tid, long nr, bool& may_block);
    void interrupted(int tid, long nr, const user_regs_struct& regs);

    const TraceOptions& options_;
    std::function<void(Event)> emit_;
    Clock::time_point start_;
    std::set<std::string> noted_;
    bool publish_pending_ = false;
};

void Session::call(int tid, int fd, CallRecord record, std::string note) {
    if (publish_pending_) publish(threads[tid].tgid);
    Event e;
    e.kind = EventKind::Call;
    e.t_us = now_us();
    e.actor = actor(tid);
    if (fd >= 0) e.socket_name = "fd" + std::to_string(fd);
    e.note = std::move(note);
    Process& p = process_of(tid);
    const auto op = static_cast<int>(record.spec.op);
    if (record.spec.op == CallOp::Send && p.last_op == op)
        python_note(tid, "sendall",
                    "Python's sendall() is a loop of send() calls: each is one sendto system "
                    "call, until every byte is taken");
    p.last_op = op;
    e.payload = std::move(record);
    ++calls;
    emit_(std::move(e));
}

void Session::data_call(int tid, int fd, CallOp op, bool sent, uint64_t buf, uint64_t len,
                        const SocketAddress& address, int flags, int64_t ret, int err,
                        std::string note, std::vector<uint8_t> bytes_read, bool have_bytes) {
    CallRecord r;
    r.spec.op = op;
    r.spec.flags = flags;
    r.spec.address = address;
    r.ret = ret;
    r.err = err;
    r.direction = sent ? Direction::Sent : Direction::Received;
    const size_t moved = ret > 0 ? static_cast<size_t>(ret) : 0;
    const size_t keep = std::min(moved, options_.keep_bytes);
    if (have_bytes) {
        r.bytes = std::move(bytes_read);
    } else if (keep > 0) {
        r.bytes = read_bytes(tid, buf, keep);
    }
    r.bytes_total = moved;
    if (sent) {
        // The argument as the call table prints it: the first bytes of the buffer.
        if (have_bytes || keep > 0) {
            r.spec.data.assign(
                r.bytes.begin(),
                r.bytes.begin() + static_cast<std::ptrdiff_t>(
                                      std::min(r.bytes.size(), CallRecord::kArgPreviewBytes)));
        } else {
            r.spec.data =
                read_bytes(tid, buf, std::min<uint64_t>(len, CallRecord::kArgPreviewBytes));
        }
        if (ret >= 0 && static_cast<uint64_t>(ret) < len)
            note += (note.empty() ? "" : "; ") + std::string("only ") + std::to_string(ret) +
                    " of " + std::to_string(len) + " bytes were taken";
    } else {
        r.spec.buffer_size = len;
        if (op == CallOp::RecvFrom) r.peer = address;
    }
    if (op == CallOp::SendTo) r.peer = address;
    if (sent && ret >= 0) {
        // A send on an unbound socket (UDP) binds it to a port of the kernel's choice.
        auto& socks = process_of(tid).sockets;
        if (auto it = socks.find(fd); it != socks.end() && !it->second.bound) {
            it->second.bound = true;
            publish_pending_ = true;
        }
    }
    call(tid, fd, std::move(r), std::move(note));
}

void Session::syscall_exit(int tid, const user_regs_struct& regs) {
    Thread& th = threads[tid];
    const user_regs_struct& in = th.entry;
    const auto nr = static_cast<long>(in.orig_rax);
    if (is_restart_code(regs.rax)) {
        interrupted(tid, nr, regs);
        return;
    }
    th.has_interrupted = false;
    th.interrupt_noted = false;
    const uint64_t a0 = in.rdi, a1 = in.rsi, a2 = in.rdx, a3 = in.r10, a4 = in.r8, a5 = in.r9;
    int err = 0;
    const int64_t ret = syscall_result(regs.rax, err);
    Process& proc = process_of(tid);
    auto& socks = proc.sockets;
    const int fd = static_cast<int>(a0);
    const bool is_sock = socks.count(fd) != 0;
    // Calls that change the process's sockets publish them before their event is emitted (so
    // whoever reads the directory on that event sees the change), or here at the latest.
    switch (nr) {
        case SYS_socket:
        case SYS_socketpair:
        case SYS_accept:
        case SYS_accept4:
        case SYS_bind:
        case SYS_connect:
        case SYS_listen:
        case SYS_dup:
        case SYS_dup2:
        case SYS_dup3:
            publish_pending_ = ret >= 0 || err == EINPROGRESS;  // a failure changes nothing
            break;
        case SYS_close:
        case SYS_fcntl:
        case SYS_ioctl:
            publish_pending_ = is_sock;
            break;
        default:
            break;
    }
    struct PublishAtEnd {
        Session& session;
        int tgid;
        ~PublishAtEnd() {
            if (session.publish_pending_) session.publish(tgid);
        }
    } publish_at_end{*this, th.tgid};

    switch (nr) {
        case SYS_socket: {
            CallRecord r;
            r.spec.op = CallOp::Socket;
            r.spec.family = static_cast<int>(a0);
            r.spec.type = static_cast<int>(a1) & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
            r.spec.protocol = static_cast<int>(a2);
            r.ret = ret;
            r.err = err;
            std::string n;
            if (a1 & SOCK_NONBLOCK) n = "SOCK_NONBLOCK";
            if (a1 & SOCK_CLOEXEC) n += std::string(n.empty() ? "" : "|") + "SOCK_CLOEXEC";
            if (!n.empty()) n = "type also has " + n;
            if (ret >= 0) {
                SocketFd& s = socks[static_cast<int>(ret)];
                s = SocketFd{};
                s.family = r.spec.family;
                s.type = r.spec.type;
                s.cloexec = (a1 & SOCK_CLOEXEC) != 0;
                s.nonblocking = (a1 & SOCK_NONBLOCK) != 0;
            }
            call(tid, static_cast<int>(ret), std::move(r), n);
            return;
        }
        case SYS_socketpair: {
            CallRecord r;
            r.spec.op = CallOp::Socket;
            r.spec.family = static_cast<int>(a0);
            r.spec.type = static_cast<int>(a1) & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
            r.spec.protocol = static_cast<int>(a2);
            r.ret = ret;
            r.err = err;
            std::string n = "socketpair()";
            int sv[2] = {-1, -1};
            if (ret == 0 && read_value(tid, a3, sv)) {
                for (int one : sv) {
                    SocketFd& s = socks[one];
                    s = SocketFd{};
                    s.family = r.spec.family;
                    s.type = r.spec.type;
                    s.cloexec = (a1 & SOCK_CLOEXEC) != 0;
                    s.nonblocking = (a1 & SOCK_NONBLOCK) != 0;
                }
                n += ": two connected sockets, fd " + std::to_string(sv[0]) + " and fd " +
                     std::to_string(sv[1]);
            }
            call(tid, sv[0], std::move(r), n);
            return;
        }
        case SYS_bind:
        case SYS_connect: {
            CallRecord r;
            r.spec.op = nr == SYS_bind ? CallOp::Bind : CallOp::Connect;
            r.spec.address = read_address(tid, a1, a2);
            if (nr == SYS_connect) r.peer = r.spec.address;
            r.ret = ret;
            r.err = err;
            if (is_sock && (ret == 0 || (nr == SYS_connect && err == EINPROGRESS))) {
                SocketFd& s = socks[fd];
                s.bound = true;
                (nr == SYS_bind ? s.local : s.peer) = r.spec.address;
            }
            if (nr == SYS_connect)
                python_note(tid, "create_connection",
                            "Python's socket.create_connection() is getaddrinfo() (in the C "
                            "library, no system call of its own) + socket() + connect()");
            call(tid, fd, std::move(r));
            return;
        }
        case SYS_listen: {
            CallRecord r;
            r.spec.op = CallOp::Listen;
            r.spec.backlog = static_cast<int>(a1);
            r.ret = ret;
            r.err = err;
            if (ret == 0 && is_sock) socks[fd].listening = socks[fd].bound = true;
            call(tid, fd, std::move(r));
            return;
        }
        case SYS_accept:
        case SYS_accept4: {
            CallRecord r;
            r.spec.op = CallOp::Accept;
            r.ret = ret;
            r.err = err;
            const int flags = nr == SYS_accept4 ? static_cast<int>(a3) : 0;
            if (ret >= 0) {
                r.peer = read_result_address(tid, a1, a2);
                const SocketFd listener = is_sock ? socks[fd] : SocketFd{};
                SocketFd s;
                s.family = listener.family;
                s.type = listener.type;
                s.local = listener.local;
                s.peer = r.peer;
                s.bound = true;
                s.cloexec = (flags & SOCK_CLOEXEC) != 0;
                s.nonblocking = (flags & SOCK_NONBLOCK) != 0;
                socks[static_cast<int>(ret)] = s;
            }
            std::string n = "fd " + std::to_string(ret);
            if (nr == SYS_accept4) {
                n = "accept4" + std::string(flags & SOCK_CLOEXEC ? "(SOCK_CLOEXEC)" : "") +
                    ": new socket fd " + std::to_string(ret);
                python_note(tid, "accept4",
                            "Python's socket.accept() is the accept4 system call (with "
                            "SOCK_CLOEXEC), returning a new socket");
            }
            if (ret < 0) n.clear();
            call(tid, fd, std::move(r), n);
            return;
        }
        case SYS_sendto: {
            const SocketAddress to = read_address(tid, a4, a5);
            const CallOp op = to.empty() ? CallOp::Send : CallOp::SendTo;
            if (op == CallOp::Send)
                python_note(tid, "sendto",
                            "Python's socket.send() is the sendto system call with no address");
            data_call(tid, fd, op, true, a1, a2, to, static_cast<int>(a3), ret, err, "");
            return;
        }
        case SYS_recvfrom: {
            const SocketAddress from =
                ret >= 0 ? read_result_address(tid, a4, a5) : SocketAddress{};
            const CallOp op = a4 == 0 ? CallOp::Recv : CallOp::RecvFrom;
            data_call(tid, fd, op, false, a1, a2, from, static_cast<int>(a3), ret, err, "");
            return;
        }
        case SYS_sendmsg:
        case SYS_recvmsg: {
            const bool sent = nr == SYS_sendmsg;
            msghdr m{};
            if (!read_value(tid, a1, m)) m = msghdr{};
            SocketAddress addr;
            if (m.msg_name != nullptr) {
                if (sent) {
                    addr = read_address(tid, reinterpret_cast<uint64_t>(m.msg_name), m.msg_namelen);
                } else if (ret >= 0) {
                    msghdr after{};
                    if (read_value(tid, a1, after))
                        addr = read_address(tid, reinterpret_cast<uint64_t>(after.msg_name),
                                            after.msg_namelen);
                }
            }
            uint64_t len = 0;
            for (size_t i = 0; i < std::min<size_t>(m.msg_iovlen, 1024); ++i) {
                iovec v{};
                if (read_value(tid, reinterpret_cast<uint64_t>(m.msg_iov) + i * sizeof v, v))
                    len += v.iov_len;
            }
            const uint64_t moved = ret > 0 ? static_cast<uint64_t>(ret) : 0;
            auto bytes = read_iovecs(tid, reinterpret_cast<uint64_t>(m.msg_iov), m.msg_iovlen,
                                     moved, options_.keep_bytes);
            CallOp op = sent ? (addr.empty() ? CallOp::Send : CallOp::SendTo)
                             : (m.msg_name == nullptr ? CallOp::Recv : CallOp::RecvFrom);
            data_call(tid, fd, op, sent, 0, len, addr, static_cast<int>(a2), ret, err,
                      std::string(sent ? "sendmsg" : "recvmsg") + " with " +
                          std::to_string(m.msg_iovlen) + " buffer(s)",
                      std::move(bytes), true);
            return;
        }
        case SYS_read:
        case SYS_write:
        case SYS_readv:
        case SYS_writev: {
            if (!is_sock) return;
            const bool sent = nr == SYS_write || nr == SYS_writev;
            const bool vec = nr == SYS_readv || nr == SYS_writev;
            const char* name = nr == SYS_read    ? "read()"
                               : nr == SYS_write ? "write()"
                               : nr == SYS_readv ? "readv()"
                                                 : "writev()";
            const std::string n = std::string(name) + " on a socket: the same as " +
                                  (sent ? "send" : "recv") + " with no flags";
            if (vec) {
                const uint64_t moved = ret > 0 ? static_cast<uint64_t>(ret) : 0;
                auto bytes = read_iovecs(tid, a1, a2, moved, options_.keep_bytes);
                data_call(tid, fd, sent ? CallOp::Send : CallOp::Recv, sent, 0, moved, {}, 0, ret,
                          err, n, std::move(bytes), true);
            } else {
                data_call(tid, fd, sent ? CallOp::Send : CallOp::Recv, sent, a1, a2, {}, 0, ret,
                          err, n);
            }
            return;
        }
        case SYS_shutdown: {
            if (!is_sock && ret == 0) return;
            CallRecord r;
            r.spec.op = CallOp::Shutdown;
            r.spec.how = static_cast<int>(a1);
            r.ret = ret;
            r.err = err;
            call(tid, fd, std::move(r));
            return;
        }
        case SYS_close: {
            if (ret == 0 || err != EBADF) {
                proc.epolls.erase(fd);
                for (auto& [epfd, interest] : proc.epolls) interest.erase(fd);
            }
            if (!is_sock) return;
            socks.erase(fd);
            CallRecord r;
            r.spec.op = CallOp::Close;
            r.ret = ret;
            r.err = err;
            call(tid, fd, std::move(r));
            return;
        }
        case SYS_setsockopt:
        case SYS_getsockopt: {
            CallRecord r;
            r.spec.op = nr == SYS_setsockopt ? CallOp::SetSockOpt : CallOp::GetSockOpt;
            r.spec.level = static_cast<int>(a1);
            r.spec.option = static_cast<int>(a2);
            r.ret = ret;
            r.err = err;
            std::string n;
            int value = 0;
            if (nr == SYS_setsockopt) {
                if (a4 == sizeof(int) && read_value(tid, a3, value)) r.spec.value = value;
            } else if (ret == 0) {
                socklen_t len = 0;
                if (read_value(tid, a4, len) && len == sizeof(int) && read_value(tid, a3, value))
                    n = "value " + std::to_string(value);
            }
            if (find_option(r.spec.level, r.spec.option) == nullptr)
                n += std::string(n.empty() ? "" : "; ") + "level " + std::to_string(r.spec.level) +
                     ", option " + std::to_string(r.spec.option);
            call(tid, fd, std::move(r), n);
            return;
        }
        case SYS_getsockname:
        case SYS_getpeername: {
            CallRecord r;
            r.spec.op = nr == SYS_getsockname ? CallOp::GetSockName : CallOp::GetPeerName;
            r.ret = ret;
            r.err = err;
            std::string n;
            if (ret == 0) {
                const SocketAddress a = read_result_address(tid, a1, a2);
                (nr == SYS_getsockname ? r.local : r.peer) = a;
                n = "returned " + a.to_string();
            }
            call(tid, fd, std::move(r), n);
            return;
        }
        case SYS_fcntl: {
            if (!is_sock) return;
            const int cmd = static_cast<int>(a1);
            if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
                if (ret >= 0) {
                    SocketFd s = socks[fd];
                    s.cloexec = cmd == F_DUPFD_CLOEXEC;
                    socks[static_cast<int>(ret)] = s;
                }
            } else if (cmd == F_SETFD) {
                socks[fd].cloexec = (a2 & FD_CLOEXEC) != 0;
            } else if (cmd == F_SETFL) {
                if (ret == 0) socks[fd].nonblocking = (a2 & O_NONBLOCK) != 0;
                CallRecord r;
                r.spec.op = CallOp::SetBlocking;
                r.spec.blocking = (a2 & O_NONBLOCK) == 0;
                r.ret = ret;
                r.err = err;
                call(tid, fd, std::move(r));
            }
            return;
        }
        case SYS_dup:
        case SYS_dup2:
        case SYS_dup3: {
            if (ret < 0) return;
            const int to = static_cast<int>(ret);
            if (to == fd) return;
            if (is_sock) {
                SocketFd s = socks[fd];
                s.cloexec = nr == SYS_dup3 && (a2 & O_CLOEXEC) != 0;
                socks[to] = s;
            } else {
                socks.erase(to);  // dup2 over a socket closes it
            }
            return;
        }
        case SYS_ioctl: {
            // Python's setblocking() and settimeout() are ioctl(FIONBIO), not fcntl.
            int on = 0;
            if (!is_sock || a1 != FIONBIO || !read_value(tid, a2, on)) return;
            if (ret == 0) socks[fd].nonblocking = on != 0;
            CallRecord r;
            r.spec.op = CallOp::SetBlocking;
            r.spec.blocking = on == 0;
            r.ret = ret;
            r.err = err;
            call(tid, fd, std::move(r), "ioctl(FIONBIO): the same as fcntl's O_NONBLOCK");
            return;
        }
        case SYS_sendmmsg:
        case SYS_recvmmsg:
            mmsg_call(tid, nr, ret, err);
            return;
        case SYS_select:
        case SYS_pselect6:
            select_call(tid, nr, ret, err);
            return;
        case SYS_epoll_ctl:
            epoll_ctl_call(tid, ret);
            return;
        case SYS_epoll_wait:
        case SYS_epoll_pwait:
        case SYS_epoll_pwait2:
            epoll_wait_call(tid, nr, ret, err);
            return;
        case SYS_poll:
        case SYS_ppoll: {
            const uint64_t count = std::min<uint64_t>(a1, 64);
            std::vector<pollfd> fds(count);
            if (count == 0 || !read_child(tid, a0, fds.data(), count * sizeof(pollfd))) return;
            CallRecord r;
            r.spec.op = CallOp::Poll;
            r.ret = ret;
            r.err = err;
            bool any = false;
            std::string n = "revents:";
            for (const auto& p : fds) {
                if (socks.count(p.fd) == 0) continue;
                any = true;
                r.spec.poll_events = static_cast<short>(r.spec.poll_events | p.events);
                r.spec.poll_sockets.push_back("fd" + std::to_string(p.fd));
                r.socket_names.push_back("fd" + std::to_string(p.fd));
                n += " fd" + std::to_string(p.fd) + "=" +
                     (p.revents ? bit_names(poll_event_bits(), p.revents) : "0");
            }
            if (!any) return;
            if (nr == SYS_poll) {
                r.spec.timeout_ms = static_cast<int>(a2);
            } else {
                timespec ts{};
                r.spec.timeout_ms = read_value(tid, a2, ts)
                                        ? static_cast<int>(ts.tv_sec * 1000 + ts.tv_nsec / 1000000)
                                        : -1;
            }
            call(tid, fds.size() == 1 ? fds[0].fd : -1, std::move(r),
                 std::string(nr == SYS_ppoll ? "ppoll; " : "") + n);
            return;
        }
        default:
            return;
    }
}

void Session::mmsg_call(int tid, long nr, int64_t ret, int err) {
    const user_regs_struct& in = threads[tid].entry;
    const int fd = static_cast<int>(in.rdi);
    const bool sent = nr == SYS_sendmmsg;
    const uint64_t asked = std::min<uint64_t>(in.rdx, 1024);  // vlen (the kernel's UIO_MAXIOV)
    const int flags = static_cast<int>(in.r10);
    const std::string name = sent ? "sendmmsg" : "recvmmsg";
    if (ret <= 0) {
        data_call(tid, fd, sent ? CallOp::Send : CallOp::Recv, sent, 0, 0, {}, flags, ret, err,
                  name + " of " + std::to_string(asked) + " message(s)", {}, true);
        return;
    }
    // One event per message moved: each has its own bytes (cut at keep_bytes) and address.
    const auto count = std::min<uint64_t>(static_cast<uint64_t>(ret), asked);
    for (uint64_t i = 0; i < count; ++i) {
        mmsghdr mh{};
        if (!read_value(tid, in.rsi + i * sizeof(mmsghdr), mh)) break;
        const msghdr& m = mh.msg_hdr;
        const auto name_addr = reinterpret_cast<uint64_t>(m.msg_name);
        const auto iov_addr = reinterpret_cast<uint64_t>(m.msg_iov);
        // At the exit the kernel has written a received message's address and its length.
        const SocketAddress addr = read_address(tid, name_addr, m.msg_namelen);
        uint64_t len = 0;
        for (size_t v = 0; v < std::min<size_t>(m.msg_iovlen, 1024); ++v) {
            iovec one{};
            if (read_value(tid, iov_addr + v * sizeof one, one)) len += one.iov_len;
        }
        auto bytes = read_iovecs(tid, iov_addr, m.msg_iovlen, mh.msg_len, options_.keep_bytes);
        const CallOp op = sent ? (addr.empty() ? CallOp::Send : CallOp::SendTo)
                               : (name_addr == 0 ? CallOp::Recv : CallOp::RecvFrom);
        std::string n =
            name + ": message " + std::to_string(i + 1) + " of " + std::to_string(count);
        if (count < asked) n += " (" + std::to_string(asked) + " offered)";
        data_call(tid, fd, op, sent, 0, len, addr, flags, mh.msg_len, 0, n, std::move(bytes), true);
    }
}

namespace {

bool fd_in_set(const std::vector<uint64_t>& set, int fd) {
    const auto word = static_cast<size_t>(fd) / 64;
    return word < set.size() && ((set[word] >> (static_cast<unsigned>(fd) % 64)) & 1) != 0;
}

int timespec_ms(int pid, uint64_t addr, bool microseconds) {
    if (addr == 0) return -1;  // no timeout: waits for ever
    timespec ts{};
    if (microseconds) {
        timeval tv{};
        if (!read_value(pid, addr, tv)) return -1;
        return static_cast<int>(tv.tv_sec * 1000 + tv.tv_usec / 1000);
    }
    if (!read_value(pid, addr, ts)) return -1;
    return static_cast<int>(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

// "EPOLLIN|EPOLLOUT": the poll table's names (the bits are the same) with epoll's prefix.
std::string epoll_bits_text(uint32_t events) {
    std::string out;
    const std::string poll = bit_names(poll_event_bits(), static_cast<int>(events & 0xffff));
    std::stringstream parts(poll);
    std::string part;
    while (std::getline(parts, part, '|'))
        out += (out.empty() ? "" : "|") + (part.rfind("POLL", 0) == 0 ? "E" + part : part);
    if (events & EPOLLET) out += (out.empty() ? "" : "|") + std::string("EPOLLET");
    if (events & EPOLLONESHOT) out += (out.empty() ? "" : "|") + std::string("EPOLLONESHOT");
    if (events & EPOLLEXCLUSIVE) out += (out.empty() ? "" : "|") + std::string("EPOLLEXCLUSIVE");
    return out.empty() ? "0" : out;
}

}  // namespace

void Session::select_call(int tid, long nr, int64_t ret, int err) {
    Thread& th = threads[tid];
    const user_regs_struct& in = th.entry;
    const int nfds = static_cast<int>(std::min<uint64_t>(in.rdi, FD_SETSIZE));
    const auto& socks = process_of(tid).sockets;
    const uint64_t addrs[3] = {in.rsi, in.rdx, in.r10};
    std::array<std::vector<uint64_t>, 3> after;  // the kernel leaves only the ready fds
    for (size_t k = 0; k < 3; ++k) {
        if (ret <= 0 || addrs[k] == 0 || th.copy.sets[k].empty()) continue;
        after[k].resize(th.copy.sets[k].size());
        if (!read_child(tid, addrs[k], after[k].data(), after[k].size() * sizeof(uint64_t)))
            after[k].clear();
    }
    static const char* const kKinds[3] = {"read", "write", "except"};
    static const short kEvents[3] = {POLLIN, POLLOUT, POLLPRI};
    CallRecord r;
    r.spec.op = CallOp::Poll;
    r.ret = ret;
    r.err = err;
    r.spec.timeout_ms = th.copy.timeout_ms;
    std::string asked, ready;
    int only_fd = -1;
    for (int fd = 0; fd < nfds; ++fd) {
        if (socks.count(fd) == 0) continue;
        std::string a, now;
        for (size_t k = 0; k < 3; ++k) {
            if (fd_in_set(th.copy.sets[k], fd)) {
                a += (a.empty() ? "" : "|") + std::string(kKinds[k]);
                r.spec.poll_events = static_cast<short>(r.spec.poll_events | kEvents[k]);
            }
            if (fd_in_set(after[k], fd)) now += (now.empty() ? "" : "|") + std::string(kKinds[k]);
        }
        if (a.empty()) continue;
        only_fd = r.spec.poll_sockets.empty() ? fd : -1;
        r.spec.poll_sockets.push_back(fd_name(fd));
        r.socket_names.push_back(fd_name(fd));
        asked += (asked.empty() ? "" : ", ") + fd_name(fd) + " (" + a + ")";
        if (!now.empty()) ready += (ready.empty() ? "" : ", ") + fd_name(fd) + ": " + now;
    }
    if (r.spec.poll_sockets.empty()) return;  // no socket involved
    std::string n =
        std::string(nr == SYS_select ? "select" : "pselect6") + "(): asked about " + asked;
    if (ret == 0)
        n += "; timed out: no socket became ready";
    else if (ret > 0)
        n += "; ready: " + (ready.empty() ? std::string("no socket (another fd)") : ready);
    call(tid, only_fd, std::move(r), n);
}

void Session::epoll_ctl_call(int tid, int64_t ret) {
    const user_regs_struct& in = threads[tid].entry;
    const int epfd = static_cast<int>(in.rdi), op = static_cast<int>(in.rsi);
    const int fd = static_cast<int>(in.rdx);
    Process& p = process_of(tid);
    if (ret != 0) return;  // nothing changed
    epoll_event ev{};
    std::string what;
    if (op == EPOLL_CTL_DEL) {
        p.epolls[epfd].erase(fd);
        what = "EPOLL_CTL_DEL";
    } else if (read_value(tid, in.r10, ev)) {
        p.epolls[epfd][fd] = EpollInterest{ev.events, ev.data.u64};
        what = std::string(op == EPOLL_CTL_ADD ? "EPOLL_CTL_ADD" : "EPOLL_CTL_MOD") + ", " +
               fd_name(fd) + ", " + epoll_bits_text(ev.events);
    }
    if (p.sockets.count(fd) == 0 || what.empty()) return;
    if (op == EPOLL_CTL_DEL) what += ", " + fd_name(fd);
    std::string watched;
    for (const auto& [one, interest] : p.epolls[epfd])
        if (p.sockets.count(one) != 0) watched += (watched.empty() ? "" : ", ") + fd_name(one);
    note(tid, "epoll_ctl(" + what + "): epoll fd " + std::to_string(epfd) + " now watches " +
                  (watched.empty() ? std::string("no socket") : watched));
}

void Session::epoll_wait_call(int tid, long nr, int64_t ret, int err) {
    const user_regs_struct& in = threads[tid].entry;
    const int epfd = static_cast<int>(in.rdi);
    Process& p = process_of(tid);
    auto it = p.epolls.find(epfd);
    if (it == p.epolls.end()) return;
    CallRecord r;
    r.spec.op = CallOp::Poll;
    r.ret = ret;
    r.err = err;
    int only_fd = -1;
    for (const auto& [fd, interest] : it->second) {
        if (p.sockets.count(fd) == 0) continue;
        only_fd = r.spec.poll_sockets.empty() ? fd : -1;
        r.spec.poll_sockets.push_back(fd_name(fd));
        r.socket_names.push_back(fd_name(fd));
        r.spec.poll_events = static_cast<short>(static_cast<uint32_t>(r.spec.poll_events) |
                                                (interest.events & 0xffff));
    }
    if (r.spec.poll_sockets.empty()) return;
    r.spec.timeout_ms =
        nr == SYS_epoll_pwait2 ? timespec_ms(tid, in.r10, false) : static_cast<int>(in.r10);
    std::string ready;
    if (ret > 0) {
        std::vector<epoll_event> events(std::min<size_t>(static_cast<size_t>(ret), 1024));
        if (!read_child(tid, in.rsi, events.data(), events.size() * sizeof(epoll_event)))
            events.clear();
        for (const epoll_event& ev : events) {
            // epoll_wait returns the data given to epoll_ctl: find whose it is.
            const uint64_t data = ev.data.u64;
            int fd = -1;
            for (const auto& [one, interest] : it->second)
                if (interest.data == data) {
                    fd = one;
                    break;
                }
            if (fd < 0 || p.sockets.count(fd) == 0) continue;
            ready += (ready.empty() ? "" : ", ") + fd_name(fd) + ": " + epoll_bits_text(ev.events);
        }
    }
    std::string n = std::string(syscall_name(nr)) + "(epoll fd " + std::to_string(epfd) + ")";
    if (ret == 0)
        n += "; timed out: no socket became ready";
    else if (ret > 0)
        n += "; ready: " + (ready.empty() ? std::string("no socket (another fd)") : ready);
    call(tid, only_fd, std::move(r), n);
}

// [SECTION] Entry
bool Session::involves_socket(int tid, long nr, bool& may_block) {
    Thread& th = threads[tid];
    const user_regs_struct& in = th.entry;
    Process& p = process_of(tid);
    const int fd = static_cast<int>(in.rdi);
    auto sock = p.sockets.find(fd);
    const bool is_sock = sock != p.sockets.end();
    const bool blocking = is_sock && !sock->second.nonblocking;
    may_block = false;
    switch (nr) {
        case SYS_accept:
        case SYS_accept4:
        case SYS_read:
        case SYS_readv:
            may_block = blocking;
            return is_sock;
        case SYS_connect:
            may_block = blocking && sock->second.type != SOCK_DGRAM;
            return is_sock;
        case SYS_recvfrom:
        case SYS_recvmmsg:
            may_block = blocking && (in.r10 & MSG_DONTWAIT) == 0;
            return is_sock;
        case SYS_recvmsg:
            may_block = blocking && (in.rdx & MSG_DONTWAIT) == 0;
            return is_sock;
        case SYS_sendto:
        case SYS_sendmsg:
        case SYS_sendmmsg:
        case SYS_write:
        case SYS_writev:
            return is_sock;
        case SYS_poll:
        case SYS_ppoll: {
            const uint64_t count = std::min<uint64_t>(in.rsi, 64);
            std::vector<pollfd> fds(count);
            if (count == 0 || !read_child(tid, in.rdi, fds.data(), count * sizeof(pollfd)))
                return false;
            const bool any = std::any_of(fds.begin(), fds.end(), [&](const pollfd& one) {
                return p.sockets.count(one.fd) != 0;
            });
            const int timeout =
                nr == SYS_poll ? static_cast<int>(in.rdx) : timespec_ms(tid, in.rdx, false);
            may_block = any && timeout != 0;
            return any;
        }
        case SYS_select:
        case SYS_pselect6: {
            bool any = false;
            const int nfds = static_cast<int>(std::min<uint64_t>(in.rdi, FD_SETSIZE));
            for (const auto& [one, s] : p.sockets)
                for (const auto& set : th.copy.sets)
                    any = any || (one < nfds && fd_in_set(set, one));
            may_block = any && th.copy.timeout_ms != 0;
            return any;
        }
        case SYS_epoll_wait:
        case SYS_epoll_pwait:
        case SYS_epoll_pwait2: {
            auto it = p.epolls.find(fd);
            if (it == p.epolls.end()) return false;
            const bool any =
                std::any_of(it->second.begin(), it->second.end(),
                            [&](const auto& entry) { return p.sockets.count(entry.first) != 0; });
            const int timeout =
                nr == SYS_epoll_pwait2 ? timespec_ms(tid, in.r10, false) : static_cast<int>(in.r10);
            may_block = any && timeout != 0;
            return any;
        }
        default:
            return false;
    }
}

void Session::syscall_entry(int tid) {
    Thread& th = threads[tid];
    auto nr = static_cast<long>(th.entry.orig_rax);
    if (nr == SYS_restart_syscall && th.has_interrupted) {
        // The kernel continues the interrupted call: decode its exit as that call.
        th.entry = th.interrupted;
        nr = static_cast<long>(th.entry.orig_rax);
        return;  // its arguments were read at its first entry
    }
    if (nr == SYS_select || nr == SYS_pselect6) {
        const user_regs_struct& in = th.entry;
        const auto nfds = std::min<uint64_t>(in.rdi, FD_SETSIZE);
        const size_t words = static_cast<size_t>((nfds + 63) / 64);
        const uint64_t addrs[3] = {in.rsi, in.rdx, in.r10};
        for (size_t k = 0; k < 3; ++k) {
            auto& set = th.copy.sets[k];
            set.assign(addrs[k] == 0 ? 0 : words, 0);
            if (!set.empty() && !read_child(tid, addrs[k], set.data(), words * sizeof(uint64_t)))
                set.clear();
        }
        th.copy.timeout_ms = timespec_ms(tid, in.r8, nr == SYS_select);
    }
    if (!options_.on_blocking_call) return;
    switch (nr) {  // a quick filter: most calls are none of these
        case SYS_accept:
        case SYS_accept4:
        case SYS_connect:
        case SYS_read:
        case SYS_readv:
        case SYS_recvfrom:
        case SYS_recvmsg:
        case SYS_recvmmsg:
        case SYS_poll:
        case SYS_ppoll:
        case SYS_select:
        case SYS_pselect6:
        case SYS_epoll_wait:
        case SYS_epoll_pwait:
        case SYS_epoll_pwait2:
            break;
        default:
            return;
    }
    bool may_block = false;
    if (involves_socket(tid, nr, may_block) && may_block)
        options_.on_blocking_call(actor(tid), syscall_name(nr));
}

void Session::interrupted(int tid, long nr, const user_regs_struct& regs) {
    Thread& th = threads[tid];
    if (static_cast<int64_t>(regs.rax) == -516) {  // ERESTART_RESTARTBLOCK
        th.has_interrupted = true;
        th.interrupted = th.entry;
    }
    bool may_block = false;
    if (th.interrupt_noted || !involves_socket(tid, nr, may_block)) return;
    th.interrupt_noted = true;  // once until a call completes: signals may come often
    note(tid, std::string(syscall_name(nr)) +
                  "() was interrupted by a signal: the kernel restarts it (after a handler "
                  "without SA_RESTART it returns EINTR, and Python calls it again)");
}

// [SECTION] Directory
namespace {

bool has_local_address(const SocketAddress& a) {
    if (a.family() == AF_INET || a.family() == AF_INET6) return a.port() > 0;
    if (a.family() == AF_UNIX) return a.length > sizeof(sa_family_t);
    return false;
}

}  // namespace

void Session::publish(int tgid, bool exited) {
    publish_pending_ = false;
    if (options_.directory == nullptr) return;
    Process& p = processes[tgid];
    if (exited) {
        if (!p.published_as.empty())
            options_.directory->publish(SocketSource::Traced, p.published_as, {});
        p.published_as.clear();
        if (p.pidfd >= 0) ::close(p.pidfd);
        p.pidfd = -1;
        return;
    }
    // Sockets belong to the process: its name with the process id, as its main thread's
    // events are named.
    const std::string as = p.name + "[" + std::to_string(tgid) + "]";
    if (!p.published_as.empty() && p.published_as != as)  // exec renamed it
        options_.directory->publish(SocketSource::Traced, p.published_as, {});
    if (p.sockets.empty() && p.published_as != as) {
        p.published_as.clear();
        return;
    }
    if (p.pidfd < 0) p.pidfd = open_pidfd(tgid);
    std::vector<SocketSnapshot> list;
    list.reserve(p.sockets.size());
    for (const auto& [fd, s] : p.sockets) {
        SocketSnapshot snap;
        snap.name = fd_name(fd);
        snap.fd = fd;
        snap.family = s.family;
        snap.type = s.type;
        snap.listening = s.listening;
        snap.nonblocking = s.nonblocking;
        snap.local = s.local;
        snap.peer = s.peer;
        snap.bound = s.bound;
        // The kernel's own view (the real port of a bind to port 0, a connect's automatic
        // port, the inode); the decoded addresses stay if the descriptor cannot be had.
        if (probe_socket(p.pidfd, fd, snap)) snap.bound = has_local_address(snap.local);
        list.push_back(std::move(snap));
    }
    options_.directory->publish(SocketSource::Traced, as, std::move(list));
    p.published_as = as;
}

// [SECTION] The trace loop
struct Pipe {
    int fd[2] = {-1, -1};
    bool open(int flags) { return pipe2(fd, flags) == 0; }
    void close_end(int i) {
        if (fd[i] >= 0) ::close(fd[i]);
        fd[i] = -1;
    }
    ~Pipe() {
        close_end(0);
        close_end(1);
    }
};

}  // namespace

std::string find_program(const std::string& name, std::string& why) {
    auto check = [&](const std::string& path) -> int {
        struct stat st {};
        if (stat(path.c_str(), &st) != 0) return ENOENT;
        if (S_ISDIR(st.st_mode)) return EISDIR;
        if (access(path.c_str(), X_OK) != 0) return EACCES;
        return 0;
    };
    if (name.empty()) {
        why = "no program given";
        return "";
    }
    if (name.find('/') != std::string::npos) {
        const int e = check(name);
        if (e == 0) return name;
        why = e == ENOENT ? "program not found: " + name
                          : "not executable: " + name + ": " + error_text(e);
        return "";
    }
    const char* path_env = getenv("PATH");
    std::stringstream dirs(path_env ? path_env : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    std::string not_exec;
    while (std::getline(dirs, dir, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        const int e = check(candidate);
        if (e == 0) return candidate;
        if (e == EACCES && not_exec.empty()) not_exec = candidate;
    }
    why = !not_exec.empty() ? "not executable: " + not_exec + ": " + error_text(EACCES)
                            : "program not found: " + name;
    return "";
}

std::string program_display_name(const std::vector<std::string>& cmdline) {
    if (cmdline.empty()) return "program";
    std::string first = base_name(cmdline[0]);
    if (!is_interpreter(first)) return first;
    for (size_t i = 1; i < cmdline.size(); ++i) {
        const std::string& a = cmdline[i];
        if (a == "-c" || a == "-m") {
            if (a == "-m" && i + 1 < cmdline.size()) return cmdline[i + 1];
            return first + " " + a;
        }
        if (a.empty() || a[0] == '-') continue;
        return base_name(a);
    }
    return first;
}

void Tracer::kill_all() {
    // Called with mutex_ held.
    if (pgid_ > 0) ::kill(-pgid_, SIGKILL);
    for (int tid : tracees_) ::kill(tid, SIGKILL);
}

void Tracer::stop() {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
    kill_all();
    done_cv_.notify_all();
}

TraceResult Tracer::run(const TraceOptions& options, const Sink& sink) {
    // The program is forked and waited for on a thread of its own, which waits with
    // __WNOTHREAD: only for its own children and tracees, never for a child another thread
    // made (the lesson network's helper), whose exit status is not ours to take.
    TraceResult result;
    std::thread tracer_thread([&] { result = run_here(options, sink); });
    tracer_thread.join();
    return result;
}

TraceResult Tracer::run_here(const TraceOptions& options, const Sink& sink) {
    TraceResult result;
    const auto start = Clock::now();
    std::mutex sink_mutex;
    auto emit = [&](Event e) {
        std::lock_guard lock(sink_mutex);
        sink(std::move(e));
    };
    if (options.argv.empty()) {
        result.error = "no program given";
        return result;
    }
    std::string why;
    const std::string path = find_program(options.argv[0], why);
    if (path.empty()) {
        result.error = why;
        result.exit_code = why.rfind("program not found", 0) == 0 ? 127 : 126;
        return result;
    }
    // Everything the child needs, made before fork (after it: async-signal-safe calls only).
    ChildPlan plan;
    plan.path = path.c_str();
    plan.argv.reserve(options.argv.size() + 1);
    for (const auto& a : options.argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
    plan.argv.push_back(nullptr);
    plan.userns_fd = options.userns_fd;
    plan.netns_fd = options.netns_fd;
    plan.outer_uid = ::getuid();
    plan.outer_gid = ::getgid();
    plan.drop_bind_capability = options.unprivileged && options.userns_fd < 0 && ::geteuid() == 0;
    Pipe out, err, status;
    if (!out.open(O_CLOEXEC) || !err.open(O_CLOEXEC) || !status.open(O_CLOEXEC)) {
        result.error = std::string("pipe: ") + error_text(errno);
        return result;
    }
    const pid_t child = fork();
    if (child < 0) {
        result.error = std::string("fork: ") + error_text(errno);
        return result;
    }
    if (child == 0) {
        plan.out_fd = out.fd[1];
        plan.err_fd = err.fd[1];
        plan.status_fd = status.fd[1];
        run_child(plan);
    }
    setpgid(child, child);  // also in the child: whichever runs first
    out.close_end(1);
    err.close_end(1);
    status.close_end(1);
    {
        std::lock_guard lock(mutex_);
        pgid_ = child;
        tracees_ = {child};
        done_ = false;
        if (stop_requested_) kill_all();
    }

    Session session(options, emit, start);
    session.threads[child].tgid = child;
    session.processes[child].name = program_display_name(options.argv);
    session.processes[child].python = is_python(options.argv[0]);

    // The program's output, read on its own thread (bounded: the rest is counted).
    std::atomic<uint64_t> output_dropped{0};
    Pipe wake;
    (void)wake.open(O_CLOEXEC | O_NONBLOCK);
    const std::string main_actor = session.actor(child);
    std::thread reader([&, out_fd = out.fd[0], err_fd = err.fd[0], wake_fd = wake.fd[0]] {
        size_t kept = 0;
        pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
        int open_count = 2;
        char buf[4096];
        bool finishing = false;
        while (open_count > 0) {
            // Once the program is gone, only what is already in the pipes is read (a
            // descendant that escaped and holds them open is not waited for).
            const int ready = poll(fds, finishing ? 2 : 3, finishing ? 0 : -1);
            if (ready < 0 && errno == EINTR) continue;
            if (ready < 0 || (finishing && ready == 0)) break;
            if (!finishing && fds[2].revents != 0) {
                finishing = true;
                continue;
            }
            for (int i = 0; i < 2; ++i) {
                if (fds[i].fd < 0 || fds[i].revents == 0) continue;
                const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n <= 0) {
                    fds[i].fd = -1;
                    --open_count;
                    continue;
                }
                const size_t take = std::min(static_cast<size_t>(n), options.output_limit - kept);
                output_dropped += static_cast<size_t>(n) - take;
                if (take == 0) continue;
                kept += take;
                ProgramRecord r;
                r.what = ProgramRecord::What::Output;
                r.pid = child;
                r.tid = i == 0 ? 1 : 2;  // the stream: 1 stdout, 2 stderr
                r.text.assign(buf, take);
                Event e;
                e.kind = EventKind::Program;
                e.t_us = session.now_us();
                e.actor = main_actor;
                e.note = i == 0 ? "stdout" : "stderr";
                e.payload = std::move(r);
                emit(std::move(e));
            }
        }
    });

    // The time limit.
    std::atomic<bool> timed_out{false};
    std::thread watchdog([&] {
        std::unique_lock lock(mutex_);
        if (options.time_limit_s <= 0) {
            done_cv_.wait(lock, [&] { return done_; });
            return;
        }
        const auto deadline =
            start + std::chrono::microseconds(static_cast<int64_t>(options.time_limit_s * 1e6));
        if (!done_cv_.wait_until(lock, deadline, [&] { return done_; })) {
            timed_out = true;
            kill_all();
        }
    });

    {
        ProgramRecord r;
        r.what = ProgramRecord::What::Started;
        r.pid = child;
        for (const auto& a : options.argv) r.text += (r.text.empty() ? "" : " ") + a;
        session.program_event(child, r);
    }

    const long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE |
                      PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC;
    for (;;) {
        int st = 0;
        const pid_t tid = waitpid(-1, &st, __WALL | __WNOTHREAD);
        if (tid < 0) {
            if (errno == EINTR) continue;
            break;  // ECHILD: nothing left
        }
        auto [it, inserted] = session.threads.try_emplace(tid);
        Thread& th = it->second;
        if (inserted) {
            th.tgid = tgid_of(tid);
            std::lock_guard lock(mutex_);
            tracees_.push_back(tid);
        }
        if (WIFEXITED(st) || WIFSIGNALED(st)) {
            const int tgid = th.tgid;
            // Killed inside a call (a recv that never got its bytes): that call never
            // returns, so no call event says it was made; this note does.
            if (const char* name = syscall_name(static_cast<long>(th.entry.orig_rax));
                WIFSIGNALED(st) && th.in_syscall && std::strcmp(name, "a system call") != 0)
                session.note(tid, std::string("killed while inside ") + name +
                                      "(): the call never returned");
            if (tid == tgid) {
                session.publish(tgid, true);
                ProgramRecord r;
                r.what = ProgramRecord::What::Exited;
                r.pid = tid;
                r.exit_status = st;
                r.text = WIFEXITED(st) ? "exited with status " + std::to_string(WEXITSTATUS(st))
                                       : "killed by signal " + signal_text(WTERMSIG(st));
                session.program_event(tid, r);
            }
            if (tid == child) {
                result.wait_status = st;
            }
            session.threads.erase(tid);
            std::lock_guard lock(mutex_);
            std::erase(tracees_, tid);
            continue;
        }
        if (!WIFSTOPPED(st)) continue;
        const int sig = WSTOPSIG(st);
        const int event = st >> 16;
        int deliver = 0;
        if (!th.seen) {
            th.seen = true;
            if (tid == child) {
                ptrace(PTRACE_SETOPTIONS, tid, nullptr, opts);
            }
            if (sig == SIGSTOP) {
                ptrace(PTRACE_SYSCALL, tid, nullptr, nullptr);
                continue;
            }
        }
        if (sig == (SIGTRAP | 0x80)) {
            user_regs_struct regs{};
            ptrace(PTRACE_GETREGS, tid, nullptr, &regs);
            if (!th.in_syscall) {
                th.entry = regs;
                th.in_syscall = true;
                session.syscall_entry(tid);
            } else {
                th.in_syscall = false;
                session.syscall_exit(tid, regs);
            }
        } else if (sig == SIGTRAP && event != 0) {
            if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
                event == PTRACE_EVENT_CLONE) {
                unsigned long msg = 0;
                ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &msg);
                const int new_tid = static_cast<int>(msg);
                auto [nt, fresh] = session.threads.try_emplace(new_tid);
                if (fresh) {
                    std::lock_guard lock(mutex_);
                    tracees_.push_back(new_tid);
                }
                if (event == PTRACE_EVENT_CLONE) {
                    nt->second.tgid = tgid_of(new_tid);
                } else {
                    nt->second.tgid = new_tid;
                }
                if (nt->second.tgid == new_tid) {
                    // A new process: a copy of the parent's descriptors.
                    Process copy = session.process_of(tid);
                    copy.last_op = -1;
                    copy.pidfd = -1;
                    copy.published_as.clear();
                    session.processes[new_tid] = copy;
                    ProgramRecord r;
                    r.what = ProgramRecord::What::Started;
                    r.pid = new_tid;
                    r.text = std::string(event == PTRACE_EVENT_VFORK ? "vfork" : "fork") + " of " +
                             std::to_string(th.tgid);
                    session.program_event(new_tid, r);
                    if (!copy.sockets.empty()) session.publish(new_tid);
                } else {
                    ProgramRecord r;
                    r.what = ProgramRecord::What::Started;
                    r.pid = nt->second.tgid;
                    r.tid = new_tid;
                    r.text = "new thread";
                    session.program_event(new_tid, r);
                }
            } else if (event == PTRACE_EVENT_EXEC) {
                // A multithreaded exec may change the tid; the leader's id is the process.
                unsigned long former = 0;
                ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former);
                th.in_syscall = true;  // the execve's exit stop comes next
                session.exec_happened(th.tgid);
            }
        } else if (event == PTRACE_EVENT_STOP) {
            // (seized tracees only) nothing to do
        } else {
            deliver = sig;  // a real signal for the program
        }
        // The signal to deliver is passed as the data pointer.
        // NOLINTNEXTLINE(performance-no-int-to-ptr)
        ptrace(PTRACE_SYSCALL, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(deliver)));
    }

    // The program is gone (and everything it started): stop the helpers.
    {
        std::lock_guard lock(mutex_);
        kill_all();  // anything that escaped tracing but kept the group
        done_ = true;
        done_cv_.notify_all();
        tracees_.clear();
        pgid_ = 0;
    }
    watchdog.join();
    const char byte = 1;
    (void)!::write(wake.fd[1], &byte, 1);
    reader.join();

    // Whatever was published and not yet emptied (a process that was never reaped).
    for (auto& [tgid, p] : session.processes)
        if (!p.published_as.empty()) session.publish(tgid, true);
    ChildFailure failure;
    int failure_exit = 0;
    if (::read(status.fd[0], &failure, sizeof failure) == sizeof failure)
        result.error = child_failure_text(failure, options.argv[0], failure_exit);
    result.started = result.error.empty();
    result.timed_out = timed_out;
    result.stopped = stop_requested_;
    if (result.timed_out)
        emit(make_note(session.now_us(), main_actor, 0,
                       "the time limit (" + std::to_string(options.time_limit_s) +
                           " s) was reached: the program and everything it started were killed"));
    else if (result.stopped)
        emit(make_note(session.now_us(), main_actor, 0,
                       "stopped: the program and everything it started were killed"));
    result.output_dropped = output_dropped;
    if (result.output_dropped > 0)
        emit(make_note(session.now_us(), main_actor, 0,
                       std::to_string(result.output_dropped) +
                           " bytes of output were not kept (the limit is " +
                           std::to_string(options.output_limit) + ")"));
    result.calls = session.calls;
    const int s = result.wait_status;
    result.exit_code = WIFEXITED(s) ? WEXITSTATUS(s) : WIFSIGNALED(s) ? 128 + WTERMSIG(s) : 1;
    if (!result.error.empty()) result.exit_code = failure_exit;
    return result;
}

}  // namespace socketlab::trace
