// The tracer (tracer.h). [SECTION] index:
//   Reading the child   process_vm_readv with a PTRACE_PEEKDATA fallback
//   Names               the actor's name from /proc/PID/cmdline
//   Decoding            one socket system call -> one Event
//   The trace loop      fork, exec, waitpid, the ptrace events
#include "trace/tracer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
    iovec remote{reinterpret_cast<void*>(addr), len};
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
        // The kernel's restart codes (ERESTARTSYS...) mean a signal interrupted the call.
        if (err >= 512 && err <= 516) err = EINTR;
        return -1;
    }
    return ret;
}

// [SECTION] Decoding
struct SocketFd {
    int family = AF_UNSPEC;
    int type = 0;
    bool cloexec = false;
};

struct Process {
    std::string name;  // "client.py"
    bool python = false;
    std::map<int, SocketFd> sockets;  // fd -> what it is
    int last_op = -1;                 // the previous socket call (for the sendall note)
};

struct Thread {
    int tgid = 0;
    bool in_syscall = false;
    bool seen = false;  // its first stop (the auto-attach SIGSTOP) happened
    user_regs_struct entry{};
};

class Session {
  public:
    Session(const TraceOptions& options, std::function<void(Event)> emit, Clock::time_point start)
        : options_(options), emit_(std::move(emit)), start_(start) {}

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
        name_process(tgid);
        ProgramRecord r;
        r.what = ProgramRecord::What::Started;
        r.pid = tgid;
        const auto cmdline = read_cmdline(tgid);
        for (const auto& a : cmdline) r.text += (r.text.empty() ? "" : " ") + a;
        r.text = "exec " + r.text;
        program_event(tgid, r);
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

    void syscall_exit(int tid, const user_regs_struct& regs);

  private:
    void call(int tid, int fd, CallRecord record, std::string note = "");
    void data_call(int tid, int fd, CallOp op, bool sent, uint64_t buf, uint64_t len,
                   const SocketAddress& address, int flags, int64_t ret, int err, std::string note,
                   std::vector<uint8_t> bytes_read = {}, bool have_bytes = false);

    const TraceOptions& options_;
    std::function<void(Event)> emit_;
    Clock::time_point start_;
    std::set<std::string> noted_;
};

void Session::call(int tid, int fd, CallRecord record, std::string note) {
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
    call(tid, fd, std::move(r), std::move(note));
}

void Session::syscall_exit(int tid, const user_regs_struct& regs) {
    const user_regs_struct& in = threads[tid].entry;
    const auto nr = static_cast<long>(in.orig_rax);
    const uint64_t a0 = in.rdi, a1 = in.rsi, a2 = in.rdx, a3 = in.r10, a4 = in.r8, a5 = in.r9;
    int err = 0;
    const int64_t ret = syscall_result(regs.rax, err);
    Process& proc = process_of(tid);
    auto& socks = proc.sockets;
    const int fd = static_cast<int>(a0);
    const bool is_sock = socks.count(fd) != 0;

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
            if (ret >= 0)
                socks[static_cast<int>(ret)] = {r.spec.family, r.spec.type,
                                                (a1 & SOCK_CLOEXEC) != 0};
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
                for (int s : sv) socks[s] = {r.spec.family, r.spec.type, (a1 & SOCK_CLOEXEC) != 0};
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
                SocketFd s = is_sock ? socks[fd] : SocketFd{};
                s.cloexec = (flags & SOCK_CLOEXEC) != 0;
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

[[noreturn]] void child_exec(const std::vector<std::string>& argv, int out_fd, int err_fd,
                             int status_fd) {
    setpgid(0, 0);
    // The program starts with no signal blocked, whatever the tracer's threads block.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) {
        const int e = errno;
        (void)!write(status_fd, &e, sizeof e);
        _exit(126);
    }
    raise(SIGSTOP);
    execvp(args[0], args.data());
    const int e = errno;
    (void)!write(status_fd, &e, sizeof e);
    _exit(127);
}

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
        why = e == ENOENT   ? "program not found: " + name
              : e == EISDIR ? name + " is a folder, not a program"
                            : name +
                                  " is not executable (chmod +x, or run it with its "
                                  "interpreter, e.g. python3 " +
                                  name + ")";
        return "";
    }
    const char* path_env = getenv("PATH");
    std::stringstream dirs(path_env ? path_env : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    bool found_not_exec = false;
    while (std::getline(dirs, dir, ':')) {
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        const int e = check(candidate);
        if (e == 0) return candidate;
        if (e == EACCES) found_not_exec = true;
    }
    why = found_not_exec ? name + " was found on PATH but is not executable"
                         : "program not found: " + name + " (not a file, and not on PATH)";
    return "";
}

std::string program_display_name(const std::vector<std::string>& cmdline) {
    if (cmdline.empty()) return "program";
    const std::string first = base_name(cmdline[0]);
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
    if (find_program(options.argv[0], why).empty()) {
        result.error = why;
        result.exit_code = 127;
        return result;
    }
    Pipe out, err, status;
    if (!out.open(O_CLOEXEC) || !err.open(O_CLOEXEC) || !status.open(O_CLOEXEC)) {
        result.error = std::string("pipe: ") + std::strerror(errno);
        return result;
    }
    const pid_t child = fork();
    if (child < 0) {
        result.error = std::string("fork: ") + std::strerror(errno);
        return result;
    }
    if (child == 0) child_exec(options.argv, out.fd[1], err.fd[1], status.fd[1]);
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
    session.threads[child] = Thread{child, false, false, {}};
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
        const pid_t tid = waitpid(-1, &st, __WALL);
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
            if (tid == tgid) {
                ProgramRecord r;
                r.what = ProgramRecord::What::Exited;
                r.pid = tid;
                r.exit_status = st;
                r.text = WIFEXITED(st) ? "exited with status " + std::to_string(WEXITSTATUS(st))
                                       : std::string("killed by signal ") + strsignal(WTERMSIG(st));
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
                    session.processes[new_tid] = copy;
                    ProgramRecord r;
                    r.what = ProgramRecord::What::Started;
                    r.pid = new_tid;
                    r.text = std::string(event == PTRACE_EVENT_VFORK ? "vfork" : "fork") + " of " +
                             std::to_string(th.tgid);
                    session.program_event(new_tid, r);
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

    int exec_errno = 0;
    if (::read(status.fd[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
        result.error =
            std::string("could not run ") + options.argv[0] + ": " + std::strerror(exec_errno);
    }
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
    if (!result.error.empty()) result.exit_code = 127;
    return result;
}

}  // namespace socketlab::trace
