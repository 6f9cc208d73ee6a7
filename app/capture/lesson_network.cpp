// [SECTION] index
//   helpers          capabilities, paths, sysctls
//   PacketQueue      the bounded queue between the capture and the sink
//   Impl             state of one LessonNetwork
//   host mode        libpcap on the host's lo, in this process
//   namespace mode   socketlab-net-helper: spawn, requests, the packet reader
//   open             choosing the mode; why not, and how to fix it
//   public API
#include "capture/lesson_network.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/auxv.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture/error_text.h"
#include "capture/link_relay.h"
#include "capture/link_topology.h"
#include "capture/net_helper_protocol.h"

extern char** environ;

namespace socketlab {

namespace nh = nethelper;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// [SECTION] helpers
namespace {

constexpr const char* kHelperName = "socketlab-net-helper";
constexpr auto kRequestTimeout = 5000ms;

std::string errno_text(int err) {
    return system_error_text(err);
}

// Capabilities are per thread on Linux (the engine drops some in its workers), so this asks
// about the calling thread, which is the one that opens the capture.
bool has_effective_cap(int cap) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

std::string self_exe() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "";
    return std::string(buf, static_cast<size_t>(n));
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

// The value of a sysctl file, or -1 when it does not exist on this kernel.
long read_sysctl(const char* path) {
    std::ifstream in(path);
    long value = -1;
    if (!(in >> value)) return -1;
    return value;
}

// Where the helper is; "" when not found. *looked lists the places tried.
std::string find_helper(const std::string& explicit_path, std::vector<std::string>* looked) {
    if (!explicit_path.empty()) return explicit_path;
    // The environment is not trusted in a set-uid or file-capability process.
    if (const char* env = std::getenv("SOCKETLAB_NET_HELPER"); env && *env && !getauxval(AT_SECURE))
        return env;
    std::vector<std::string> candidates;
    const std::string exe = self_exe();
    // Only places relative to the executable (no compiled-in path): the build tree (beside it),
    // then the install prefix, wherever it was moved (bin/../libexec/socketlab).
    if (!exe.empty()) {
        candidates.push_back(dir_of(exe) + "/" + kHelperName);
        candidates.push_back(dir_of(exe) + "/" SOCKETLAB_NET_HELPER_DIR_FROM_BIN "/" + kHelperName);
    }
    for (const auto& c : candidates) {
        looked->push_back(c);
        if (::access(c.c_str(), X_OK) == 0) return c;
    }
    return "";
}

// Inside a user namespace (a rootless container, or a test's `unshare --user`), files of
// unmapped owners, root's among them, show the overflow uid: such an owner is no stranger.
bool is_unmapped_owner(uid_t uid) {
    std::ifstream map("/proc/self/uid_map");
    long inside = -1, outside = -1, count = -1;
    const bool initial_namespace =
        (map >> inside >> outside >> count) && inside == 0 && outside == 0 && count == 4294967295L;
    return !initial_namespace &&
           static_cast<long>(uid) == read_sysctl("/proc/sys/kernel/overflowuid");
}

bool trusted_owner(uid_t uid) {
    return uid == 0 || uid == ::geteuid() || uid == ::getuid() || is_unmapped_owner(uid);
}

std::string mode_text(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// Why the helper at path must not be run ("" if it may). It runs with the user's rights, so
// nobody else may be able to change it: not the file, and not the folder it is in, where a
// stranger could put another program in its place (a sticky world-writable folder such as
// /tmp included: its owner's files are safe there, not the name of a missing one, nor one
// this user does not own). Only the folder it is in counts: /tmp above a build tree is fine.
std::string helper_trust_problem(const std::string& path) {
    char* resolved = ::realpath(path.c_str(), nullptr);
    if (!resolved) return "";  // missing: starting it says why
    const std::string file = resolved;
    std::free(resolved);
    const std::string dir = dir_of(file).empty() ? "/" : dir_of(file);
    struct stat st {
    }, dst{};
    if (::stat(file.c_str(), &st) != 0 || ::stat(dir.c_str(), &dst) != 0) return "";
    if (st.st_mode & S_IWOTH)
        return file + " is writable by every user (mode " + mode_text(st.st_mode) + ")";
    if (!trusted_owner(st.st_uid))
        return file + " belongs to uid " + std::to_string(st.st_uid) +
               ", neither root nor this user";
    if (dst.st_mode & S_IWOTH)
        return "its folder " + dir + " is writable by every user (mode " + mode_text(dst.st_mode) +
               "), so anyone could put another program in its place";
    if (!trusted_owner(dst.st_uid))
        return "its folder " + dir + " belongs to uid " + std::to_string(dst.st_uid) +
               ", neither root nor this user, who could put another program in its place";
    return "";
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts) {
        if (p.empty()) continue;
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

std::string ports_filter(const std::set<uint16_t>& ports) {
    // "less 1" matches nothing (no frame is that short). libpcap refuses to compile a filter
    // it can prove rejects everything ("ip and not ip"), so say it this way.
    if (ports.empty()) return "less 1";
    // "inbound": on lo the kernel hands every packet to a capture twice, as it leaves and as
    // it arrives. libpcap throws the outgoing copy away, but only after it took a slot in the
    // ring, and a full ring then counts both copies as dropped. Filtering in the kernel
    // halves the ring's load and keeps the drop count honest.
    std::string f = "inbound and (tcp or udp) and (";
    bool first = true;
    for (uint16_t p : ports) {
        if (!first) f += " or ";
        f += "port " + std::to_string(p);
        first = false;
    }
    return f + ")";
}

}  // namespace

// [SECTION] PacketQueue
namespace {

// Between the capture (our pcap thread, or the reader of the helper's messages) and the
// delivery thread that calls the sink. Bounded in packets and bytes; a full queue drops the
// packet and counts it. Markers (flush/stop) are never dropped: they are few and small, and a
// dropped marker would make flush() wait for nothing.
class PacketQueue {
  public:
    struct Item {
        uint64_t marker = 0;  // != 0: a marker, no packet
        RawPacket packet;
    };

    void set_limits(size_t packets, size_t bytes) {
        std::lock_guard lock(mutex_);
        max_packets_ = packets;
        max_bytes_ = bytes;
    }

    void push(RawPacket packet) {
        const size_t size = packet.ip_bytes.size() + sizeof(RawPacket);
        {
            std::lock_guard lock(mutex_);
            if (closed_) return;
            if (packets_ >= max_packets_ || bytes_ + size > max_bytes_) {
                ++dropped_;
                return;
            }
            ++packets_;
            bytes_ += size;
            items_.push_back(Item{0, std::move(packet)});
        }
        ready_.notify_one();
    }

    void push_marker(uint64_t id) {
        {
            std::lock_guard lock(mutex_);
            items_.push_back(Item{id, {}});
        }
        ready_.notify_one();
    }

    // Waits for the next item; false once closed and empty.
    bool pop(Item* out) {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !items_.empty() || closed_; });
        if (items_.empty()) return false;
        *out = std::move(items_.front());
        items_.pop_front();
        if (!out->marker) {
            --packets_;
            bytes_ -= out->packet.ip_bytes.size() + sizeof(RawPacket);
        }
        return true;
    }

    // The delivery thread has finished with an item.
    void done(const Item& item) {
        {
            std::lock_guard lock(mutex_);
            if (item.marker)
                markers_done_ = std::max(markers_done_, item.marker);
            else
                ++delivered_;
        }
        done_cv_.notify_all();
    }

    // The delivery thread is leaving: nothing queued will be delivered any more.
    void finished() {
        {
            std::lock_guard lock(mutex_);
            finished_ = true;
        }
        done_cv_.notify_all();
    }

    bool wait_marker(uint64_t id, Clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        done_cv_.wait_until(lock, deadline, [&] { return markers_done_ >= id || finished_; });
        return markers_done_ >= id;
    }

    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }

    uint64_t dropped() const {
        std::lock_guard lock(mutex_);
        return dropped_;
    }
    uint64_t delivered() const {
        std::lock_guard lock(mutex_);
        return delivered_;
    }
    uint64_t queued() const {
        std::lock_guard lock(mutex_);
        return packets_;
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable done_cv_;
    std::deque<Item> items_;
    size_t max_packets_ = LessonNetwork::kQueuePackets;
    size_t max_bytes_ = LessonNetwork::kQueueBytes;
    size_t packets_ = 0;
    size_t bytes_ = 0;
    bool closed_ = false;
    bool finished_ = false;
    uint64_t dropped_ = 0;
    uint64_t delivered_ = 0;
    uint64_t markers_done_ = 0;
};

}  // namespace

// [SECTION] Impl
struct LessonNetwork::Impl {
    Mode mode = Mode::NoCapture;
    std::string why;
    std::string fix;

    // Host mode. pcap_mutex guards pcap: the capture thread holds it only while reading
    // (non-blocking), so set_ports() can change the filter at once.
    mutable std::mutex pcap_mutex;
    pcap_t* pcap = nullptr;
    int dlt = -1;
    int pcap_fd = -1;
    std::atomic<uint64_t> next_marker{0};

    // Link lessons (NetworkOptions::link).
    std::optional<LinkSettings> link_settings;
    std::unique_ptr<LinkRelay> relay;
    int link_fds[2] = {-1, -1};  // until the relay owns them

    // Namespace mode.
    std::string helper_path;
    std::shared_ptr<const std::atomic<bool>> cancel;  // NetworkOptions::cancel
    bool cancelled() const { return cancel && cancel->load(); }
    // poll() on one fd, in short slices so a cancel is seen; 0 on timeout or cancel.
    int poll_cancellable(pollfd& pfd, std::chrono::milliseconds timeout) const;
    pid_t pid = -1;
    int control = -1;  // requests and replies
    int packets = -1;  // packets and markers from the helper
    std::mutex control_mutex;
    uint32_t next_id = 1;
    std::atomic<bool> helper_gone{false};
    std::atomic<uint64_t> kernel_drops{0};  // namespace: from the helper; host: after stop
    bool spawn_failed = false;              // the helper program could not be run at all
    std::thread supervisor;                 // spawned the helper; reaps it (see start_helper)
    std::mutex child_mutex;
    std::condition_variable child_cv;
    bool child_exited = false;

    // The capture, both modes.
    std::mutex state_mutex;  // start/stop
    bool started = false;
    bool stopped = false;
    std::function<void(RawPacket)> sink;
    PacketQueue queue;
    std::thread producer;
    std::thread delivery;
    int wake_fd = -1;  // eventfd: wakes the producer
    std::atomic<bool> stopping{false};

    ~Impl();

    // host mode
    bool open_host_capture(std::string* error);
    void host_loop();
    void drain_pcap_locked();
    void on_frame(const pcap_pkthdr* header, const u_char* frame);
    static void host_frame(u_char* user, const pcap_pkthdr* header, const u_char* frame) {
        reinterpret_cast<Impl*>(user)->on_frame(header, frame);
    }

    // namespace mode
    bool start_helper(const std::string& path, std::chrono::milliseconds timeout, int* err,
                      std::string* problem);
    void end_helper();
    int request(nh::MsgType type, const int64_t (&values)[4], const void* payload, size_t size,
                int pass_fd, nh::Message* reply, uint32_t* id_out,
                std::chrono::milliseconds timeout = kRequestTimeout);
    void reader_loop();

    void deliver_loop();
    void wake() {
        uint64_t one = 1;
        if (wake_fd >= 0) {
            [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
        }
    }
    void stop();
};

LessonNetwork::Impl::~Impl() {
    stop();
    relay.reset();
    for (int& fd : link_fds)
        if (fd >= 0) ::close(fd), fd = -1;
    end_helper();
    std::lock_guard lock(pcap_mutex);
    if (pcap) pcap_close(pcap);
    pcap = nullptr;
    if (wake_fd >= 0) ::close(wake_fd);
}

void LessonNetwork::Impl::deliver_loop() {
    PacketQueue::Item item;
    while (queue.pop(&item)) {
        if (!item.marker) sink(std::move(item.packet));
        queue.done(item);
    }
    queue.finished();
}

// [SECTION] host mode
bool LessonNetwork::Impl::open_host_capture(std::string* error) {
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t* p = pcap_create("lo", errbuf);
    if (!p) {
        *error = errbuf;
        return false;
    }
    pcap_set_snaplen(p, 262144);
    // Each packet as soon as the kernel has it (no buffer timeout): flush() relies on it.
    pcap_set_immediate_mode(p, 1);
    pcap_set_buffer_size(p, 8 * 1024 * 1024);
    if (pcap_activate(p) < 0) {
        *error = pcap_geterr(p);
        pcap_close(p);
        return false;
    }
    if (pcap_setnonblock(p, 1, errbuf) != 0) {
        *error = errbuf;
        pcap_close(p);
        return false;
    }
    // Nothing until set_ports(): the host's lo carries other programs' traffic too.
    if (!nh::attach_kernel_filter(p, ports_filter({}), error)) {
        pcap_close(p);
        return false;
    }
    // Throw away what other programs sent on lo before that filter was in place.
    while (pcap_dispatch(
               p, -1, [](u_char*, const pcap_pkthdr*, const u_char*) {}, nullptr) > 0) {
    }
    pcap = p;
    dlt = pcap_datalink(p);
    pcap_fd = pcap_get_selectable_fd(p);
    return true;
}

void LessonNetwork::Impl::on_frame(const pcap_pkthdr* header, const u_char* frame) {
    int at = nh::ip_offset(dlt, frame, header->caplen);
    if (at < 0) return;
    RawPacket packet;
    packet.realtime_us = static_cast<int64_t>(header->ts.tv_sec) * 1000000 + header->ts.tv_usec;
    packet.original_length = header->len - static_cast<uint32_t>(at);
    size_t size = std::min<size_t>(header->caplen - static_cast<size_t>(at), nh::kMaxPacketBytes);
    packet.ip_bytes.assign(frame + at, frame + at + size);
    queue.push(std::move(packet));
}

void LessonNetwork::Impl::drain_pcap_locked() {
    if (!pcap) return;
    while (pcap_dispatch(pcap, -1, host_frame, reinterpret_cast<u_char*>(this)) > 0) {
    }
}

void LessonNetwork::Impl::host_loop() {
    while (!stopping.load()) {
        pollfd fds[2] = {{pcap_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
        if (fds[1].revents & POLLIN) {
            uint64_t count;
            [[maybe_unused]] auto n = ::read(wake_fd, &count, sizeof count);
        }
        std::lock_guard lock(pcap_mutex);
        // A bounded batch, so set_ports() and flush() never wait long for the mutex.
        if (pcap) pcap_dispatch(pcap, 256, host_frame, reinterpret_cast<u_char*>(this));
    }
    std::lock_guard lock(pcap_mutex);
    drain_pcap_locked();
}

// [SECTION] namespace mode
//
// The helper is spawned by a thread of ours (supervisor) that then waits for it to exit and
// reaps it at once, so it never lingers as a zombie even if it dies mid-lesson. A dedicated
// thread because the helper's PR_SET_PDEATHSIG fires when the *thread* that created it exits,
// not the process: spawned from, say, a short-lived worker, it would be killed with that
// worker. The supervisor lives exactly as long as the helper.
bool LessonNetwork::Impl::start_helper(const std::string& path, std::chrono::milliseconds timeout,
                                       int* err, std::string* problem) {
    helper_path = path;
    int control_pair[2], packet_pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control_pair) != 0) {
        *err = errno;
        *problem = "making the channel to the network helper failed: " + errno_text(*err);
        return false;
    }
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, packet_pair) != 0) {
        *err = errno;
        *problem = "making the channel to the network helper failed: " + errno_text(*err);
        ::close(control_pair[0]);
        ::close(control_pair[1]);
        return false;
    }
    // The child's ends go to fds 3 and 4. Move them above 10 first, so that posix_spawn's
    // dup2 never meets oldfd == newfd (which would leave close-on-exec set).
    auto high = [](int fd) {
        int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
        ::close(fd);
        return moved;
    };
    const int child_control = high(control_pair[1]);
    const int child_packets = high(packet_pair[1]);
    control = control_pair[0];
    packets = packet_pair[0];

    std::promise<int> spawned;  // pid, or -errno
    auto spawned_future = spawned.get_future();
    const std::string parent = std::to_string(::getpid());
    supervisor = std::thread([this, path, parent, child_control, child_packets, &spawned] {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, child_control, nh::kControlFd);
        posix_spawn_file_actions_adddup2(&actions, child_packets, nh::kPacketFd);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
        // The lesson's sockets are not close-on-exec; the helper must not hold copies.
        // (The helper closes them too, for older C libraries.)
        posix_spawn_file_actions_addclosefrom_np(&actions, nh::kPacketFd + 1);
#endif
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);  // the engine blocks SIGUSR2 in workers
        posix_spawnattr_setsigdefault(&attr, &all);
        // Its own process group: Ctrl+C in the terminal is for the app, which then ends the
        // helper in order (the helper would otherwise die first, under a running lesson).
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(
            &attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
        const std::string mtu = link_settings ? std::to_string(link_settings->mtu) : "";
        std::vector<char*> argv = {const_cast<char*>(path.c_str()), const_cast<char*>("--parent"),
                                   const_cast<char*>(parent.c_str())};
        if (link_settings) {
            argv.push_back(const_cast<char*>("--link"));
            argv.push_back(const_cast<char*>(mtu.c_str()));
        }
        argv.push_back(nullptr);
        pid_t child = -1;
        int rc = posix_spawn(&child, path.c_str(), &actions, &attr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        spawned.set_value(rc == 0 ? child : -rc);
        if (rc != 0) return;
        // Wait without reaping (WNOWAIT), note the exit under child_mutex, then reap: so
        // end_helper() can kill() under the same mutex and never hit a recycled pid.
        siginfo_t info{};
        while (::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) != 0 &&
               errno == EINTR) {
        }
        std::lock_guard lock(child_mutex);
        child_exited = true;
        ::waitpid(child, nullptr, 0);  // ECHILD if SIGCHLD is ignored: then the kernel reaped it
        child_cv.notify_all();
    });
    const int result = spawned_future.get();
    ::close(child_control);
    ::close(child_packets);
    if (result < 0) {
        spawn_failed = true;
        *err = -result;
        *problem = "starting the network helper " + path + " failed: " + errno_text(-result);
        end_helper();
        return false;
    }
    pid = result;

    // Wait for Ready.
    pollfd pfd{control, POLLIN, 0};
    const int n = poll_cancellable(pfd, timeout);
    if (n == 0 && cancelled()) {
        *err = ECANCELED;
        *problem = "the lesson closed before the network helper " + path + " reported";
        end_helper();
        return false;
    }
    if (n == 0) {
        *err = ETIMEDOUT;
        *problem = "the network helper " + path + " did not report within " +
                   std::to_string(timeout.count()) + " ms";
        end_helper();
        return false;
    }
    nh::Message ready;
    int got = nh::receive_message(control, &ready);
    if (got != 1 || ready.type() != nh::MsgType::Ready) {
        *err = got < 0 ? -got : ECHILD;
        *problem = "the network helper " + path + " exited before setting up its namespace";
        end_helper();
        return false;
    }
    if (ready.header.values[0] != 0) {
        *err = static_cast<int>(-ready.header.values[0]);
        *problem = ready.text();
        end_helper();
        return false;
    }
    return true;
}

// Ends the helper: end of file on its channels makes it exit; if it has not within 2 s, it
// is killed. Either way it is reaped before this returns.
void LessonNetwork::Impl::end_helper() {
    if (control >= 0) ::close(control);
    if (packets >= 0) ::close(packets);
    control = packets = -1;
    helper_gone = true;
    if (!supervisor.joinable()) return;
    {
        std::unique_lock lock(child_mutex);
        if (pid > 0 && !child_cv.wait_for(lock, 2s, [&] { return child_exited; }))
            ::kill(pid, SIGKILL);  // not yet reaped (we hold child_mutex), so still our child
    }
    supervisor.join();
}

int LessonNetwork::Impl::poll_cancellable(pollfd& pfd, std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (cancelled()) return 0;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() < 0) return 0;
        if (cancel) left = std::min(left, NetworkOptions::kCancelCheck);
        const int n = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n != 0) return n;
        if (Clock::now() >= deadline) return 0;
    }
}

int LessonNetwork::Impl::request(nh::MsgType type, const int64_t (&values)[4], const void* payload,
                                 size_t size, int pass_fd, nh::Message* reply, uint32_t* id_out,
                                 std::chrono::milliseconds timeout) {
    std::lock_guard lock(control_mutex);
    if (helper_gone || control < 0) return -ENETDOWN;
    nh::MessageHeader header;
    header.type = static_cast<uint32_t>(type);
    header.id = next_id++;
    std::copy(std::begin(values), std::end(values), header.values);
    if (id_out) *id_out = header.id;
    if (nh::send_message(control, header, payload, size, pass_fd) < 0) {
        helper_gone = true;
        return -ENETDOWN;
    }
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd pfd{control, POLLIN, 0};
        int n = poll_cancellable(pfd, std::max(left, std::chrono::milliseconds(0)));
        // A late reply to this request is recognised by its id and skipped next time.
        if (n == 0) return cancelled() ? -ECANCELED : -ETIMEDOUT;
        int got = nh::receive_message(control, reply);
        if (got <= 0) {
            helper_gone = true;
            return -ENETDOWN;
        }
        if (reply->type() == nh::MsgType::Reply && reply->header.id == header.id) return 0;
        if (reply->fd >= 0) ::close(reply->fd);  // the answer to an earlier, timed-out request
    }
}

void LessonNetwork::Impl::reader_loop() {
    nh::Message m;
    while (!stopping.load()) {
        pollfd fds[2] = {{packets, POLLIN, 0}, {wake_fd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
        if (fds[1].revents & POLLIN) {
            uint64_t count;
            [[maybe_unused]] auto n = ::read(wake_fd, &count, sizeof count);
        }
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        int got = nh::receive_message(packets, &m, MSG_DONTWAIT);
        if (got == -EAGAIN || got == -EBADMSG) continue;
        if (got <= 0) {  // the helper is gone
            helper_gone = true;
            break;
        }
        if (m.fd >= 0) ::close(m.fd);
        switch (m.type()) {
            case nh::MsgType::Packet: {
                RawPacket packet;
                packet.realtime_us = m.header.values[0];
                packet.original_length = static_cast<uint32_t>(m.header.values[1]);
                packet.ip_bytes = std::move(m.payload);  // exactly its size (receive_message)
                queue.push(std::move(packet));
                break;
            }
            case nh::MsgType::Stats:
                kernel_drops = static_cast<uint64_t>(m.header.values[1] + m.header.values[2]);
                break;
            case nh::MsgType::Flushed:
                queue.push_marker(m.header.id);
                break;
            case nh::MsgType::Stopped:
                queue.push_marker(m.header.id);
                return;  // nothing more will come
            default:
                break;
        }
    }
}

// [SECTION] stopping
void LessonNetwork::Impl::stop() {
    std::lock_guard state(state_mutex);
    if (!started || stopped) {
        stopped = true;
        return;
    }
    stopped = true;
    if (relay) {
        relay->settle(1s);
        relay->stop();
    } else if (mode == Mode::PrivateNamespace) {
        nh::Message reply;
        uint32_t id = 0;
        const int64_t none[4] = {0, 0, 0, 0};
        // The helper drains its capture, then sends Stopped after the last packet.
        if (request(nh::MsgType::StopCapture, none, nullptr, 0, -1, &reply, &id) == 0)
            queue.wait_marker(id, Clock::now() + 3s);
    }
    stopping = true;
    wake();
    if (producer.joinable()) producer.join();
    queue.close();
    if (delivery.joinable()) delivery.join();
    if (mode == Mode::HostLoopback) {
        std::lock_guard lock(pcap_mutex);
        pcap_stat st{};
        if (pcap && pcap_stats(pcap, &st) == 0) kernel_drops = st.ps_drop + st.ps_ifdrop;
        if (pcap) pcap_close(pcap);
        pcap = nullptr;
    }
}

// [SECTION] open
namespace {

// helper_runs: the helper program exists and could be started (so the namespace step failed).
std::string fix_for(bool privileged, bool helper_runs, const std::string& helper, int helper_err,
                    const std::string& exe) {
    std::vector<std::string> fixes;
    if (!privileged)
        fixes.push_back("Give SocketLab the right to capture: `sudo setcap cap_net_raw+ep " +
                        (exe.empty() ? std::string("/path/to/socketlab") : exe) +
                        "` (or run it as root); it then captures on the host loopback, where "
                        "Wireshark and tcpdump see the same packets.");
    if (!helper_runs) {
        fixes.push_back(
            "Install socketlab-net-helper (it is built and installed with SocketLab) "
            "or set SOCKETLAB_NET_HELPER to its path (tried: " +
            helper + "); with it, SocketLab captures on a private network with no privileges.");
        return join(fixes, " Or: ");
    }
    const long userns_clone = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone");
    const long max_userns = read_sysctl("/proc/sys/user/max_user_namespaces");
    const long apparmor = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    bool named = false;
    if (userns_clone == 0) {
        fixes.push_back(
            "Allow unprivileged user namespaces (Debian's default): "
            "`sudo sysctl -w kernel.unprivileged_userns_clone=1`.");
        named = true;
    }
    if (max_userns == 0 || helper_err == ENOSPC) {
        fixes.push_back("Allow user namespaces: `sudo sysctl -w user.max_user_namespaces=15000`.");
        named = true;
    }
    if (apparmor == 1) {
        fixes.push_back("Let the helper use user namespaces under AppArmor (Ubuntu 23.10+): give " +
                        helper +
                        " a profile with the `userns,` rule, or "
                        "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`.");
        named = true;
    }
    if (!named && (helper_err == EPERM || helper_err == EACCES || helper_err == ENOSYS))
        fixes.push_back(
            "If SocketLab runs in a container, its seccomp profile or missing "
            "capabilities forbid user namespaces: run the container with "
            "`--cap-add NET_RAW` (SocketLab then captures directly) or with a "
            "profile that allows unshare(CLONE_NEWUSER).");
    return join(fixes, " Or: ");
}

}  // namespace

LessonNetwork::LessonNetwork() : impl_(std::make_unique<Impl>()) {}
LessonNetwork::~LessonNetwork() = default;

std::unique_ptr<LessonNetwork> LessonNetwork::open(const NetworkOptions& options) {
    std::unique_ptr<LessonNetwork> net(new LessonNetwork());
    Impl& d = *net->impl_;
    d.cancel = options.cancel;
    d.queue.set_limits(std::max<size_t>(options.queue_packets, 1),
                       std::max<size_t>(options.queue_bytes, 1));
    if (!options.want_capture) {
        d.mode = Mode::NoCapture;
        d.why = "packet capture was not asked for";
        return net;
    }

    std::vector<std::string> reasons;
    const bool privileged = has_effective_cap(CAP_NET_RAW);
    d.link_settings = options.link;
    if (privileged && !options.force_namespace && !options.link) {
        std::string error;
        if (d.open_host_capture(&error)) {
            d.mode = Mode::HostLoopback;
            return net;
        }
        // E.g. CAP_NET_RAW in a container's user namespace that does not own this network.
        reasons.push_back("capturing on the host loopback (lo) failed: " + error);
    } else if (!privileged) {
        reasons.push_back(
            ::geteuid() == 0
                ? "SocketLab runs as root but without CAP_NET_RAW (a container or a restricted "
                  "service?), which capturing on the host loopback needs"
                : "SocketLab lacks CAP_NET_RAW, which capturing on the host loopback needs (it is "
                  "not root, and the program has no file capability)");
    }

    std::vector<std::string> looked;
    const std::string path = find_helper(options.helper_path, &looked);
    int err = 0;
    std::string why;
    const std::string untrusted = path.empty() ? "" : helper_trust_problem(path);
    if (path.empty()) {
        why = std::string("the network helper ") + kHelperName + " was not found (looked for " +
              join(looked, ", ") + ")";
    } else if (!untrusted.empty()) {
        why = "the network helper " + path + " was not run: " + untrusted;
    } else if (d.start_helper(path, options.helper_timeout, &err, &why)) {
        d.mode = Mode::PrivateNamespace;
        if (!options.link) return net;
        // Both ends of the link, for the relay.
        bool ok = true;
        for (int side = 0; side < 2 && ok; ++side) {
            nh::Message reply;
            const int64_t values[4] = {side, 0, 0, 0};
            const int rc =
                d.request(nh::MsgType::LinkPackets, values, nullptr, 0, -1, &reply, nullptr);
            if (rc < 0 || reply.header.values[0] < 0 || reply.fd < 0) {
                if (reply.fd >= 0) ::close(reply.fd);
                why =
                    "the network helper made no link: " + (rc < 0 ? errno_text(-rc) : reply.text());
                ok = false;
            } else {
                d.link_fds[side] = reply.fd;
            }
        }
        if (ok) return net;
        d.end_helper();
    }
    reasons.push_back("the private network could not be made: " + why);
    d.mode = Mode::NoCapture;
    d.why = join(reasons, "; and ");
    const bool helper_runs = !path.empty() && !d.spawn_failed;
    d.fix =
        untrusted.empty()
            ? fix_for(privileged, helper_runs, path.empty() ? join(looked, ", ") : path, err,
                      self_exe())
            : "Put " + std::string(kHelperName) +
                  " in a folder that only root or you can write to, owned by one of you and "
                  "not writable by others (e.g. `chmod o-w` it; the installed libexec/socketlab "
                  "is), and point SOCKETLAB_NET_HELPER there if it is not where SocketLab "
                  "looks.";
    return net;
}

// [SECTION] public API
LessonNetwork::Mode LessonNetwork::mode() const {
    return impl_->mode;
}
std::string LessonNetwork::why_no_capture() const {
    return impl_->mode == Mode::NoCapture ? impl_->why : "";
}
std::string LessonNetwork::how_to_fix() const {
    return impl_->mode == Mode::NoCapture ? impl_->fix : "";
}

std::string LessonNetwork::describe() const {
    switch (impl_->mode) {
        case Mode::HostLoopback:
            return std::string("capturing on the host loopback (lo) ") +
                   (::geteuid() == 0 ? "as root" : "with CAP_NET_RAW") +
                   "; Wireshark and tcpdump on lo see the same packets";
        case Mode::PrivateNamespace:
            if (impl_->link_settings)
                return std::string("client side ") + nh::kClientAddress4 + ", server side " +
                       nh::kServerAddress4 + ", joined by SocketLab's link (" +
                       impl_->link_settings->text() +
                       "), which sees and captures every packet; no privileges needed";
            return "capturing on a private loopback in a user+network namespace (no privileges "
                   "needed; tools outside SocketLab cannot see it)";
        case Mode::NoCapture:
            break;
    }
    return "no packet capture: " + impl_->why;
}

LinkSide LessonNetwork::side_of_actor(const std::string& actor) {
    return actor.find("server") != std::string::npos ? LinkSide::Server : LinkSide::Client;
}

int LessonNetwork::make_socket(int family, int type, int protocol, const std::string& actor) {
    if (impl_->mode != Mode::PrivateNamespace) {
        int fd = ::socket(family, type, protocol);
        return fd >= 0 ? fd : -errno;
    }
    nh::Message reply;
    // A link lesson: the actor's side of the link (the helper's own namespace has nothing).
    const int64_t side = !impl_->link_settings                      ? 0
                         : side_of_actor(actor) == LinkSide::Client ? 1
                                                                    : 2;
    const int64_t values[4] = {family, type, protocol, side};
    int rc = impl_->request(nh::MsgType::MakeSocket, values, nullptr, 0, -1, &reply, nullptr);
    if (rc < 0) return rc == -ETIMEDOUT ? -ENETDOWN : rc;
    if (reply.header.values[0] < 0) {
        if (reply.fd >= 0) ::close(reply.fd);
        return static_cast<int>(reply.header.values[0]);
    }
    if (reply.fd < 0) return -EPROTO;
    // It arrived close-on-exec; keep socket()'s meaning of SOCK_CLOEXEC.
    if (!(type & SOCK_CLOEXEC)) ::fcntl(reply.fd, F_SETFD, 0);
    return reply.fd;
}

int LessonNetwork::bind_unprivileged(int fd, const sockaddr* address, socklen_t length) {
    if (impl_->mode != Mode::PrivateNamespace) return -ENOSYS;
    if (fd < 0 || !address || length == 0 || length > sizeof(sockaddr_storage)) return -EINVAL;
    nh::Message reply;
    const int64_t none[4] = {0, 0, 0, 0};
    int rc =
        impl_->request(nh::MsgType::BindUnprivileged, none, address, length, fd, &reply, nullptr);
    if (rc < 0) return rc == -ETIMEDOUT ? -ENETDOWN : rc;
    if (reply.fd >= 0) ::close(reply.fd);
    return static_cast<int>(reply.header.values[0]);
}

bool LessonNetwork::start_capture(std::function<void(RawPacket)> sink, std::string* error) {
    Impl& d = *impl_;
    auto fail = [&](std::string text) {
        if (error) *error = std::move(text);
        return false;
    };
    std::lock_guard state(d.state_mutex);
    if (d.mode == Mode::NoCapture) return fail("no packet capture: " + d.why);
    if (d.started) return fail("the capture was already started");
    if (d.stopped) return fail("the capture was stopped");
    if (!sink) return fail("no sink for the packets");
    d.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d.wake_fd < 0) return fail("eventfd failed: " + errno_text(errno));
    d.sink = std::move(sink);
    d.delivery = std::thread([&d] { d.deliver_loop(); });
    if (d.link_settings) {
        PacketQueue* queue = &d.queue;
        d.relay = std::make_unique<LinkRelay>(d.link_fds[0], d.link_fds[1], *d.link_settings,
                                              [queue](RawPacket p) { queue->push(std::move(p)); });
        d.link_fds[0] = d.link_fds[1] = -1;
        d.relay->start();
    } else if (d.mode == Mode::HostLoopback) {
        d.producer = std::thread([&d] { d.host_loop(); });
    } else {
        d.producer = std::thread([&d] { d.reader_loop(); });
        nh::Message reply;
        const int64_t none[4] = {0, 0, 0, 0};
        int rc = d.request(nh::MsgType::StartCapture, none, nullptr, 0, -1, &reply, nullptr);
        std::string problem;
        if (rc < 0)
            problem = "the network helper did not answer: " + errno_text(-rc);
        else if (reply.header.values[0] < 0)
            problem = "the network helper could not start the capture: " + reply.text();
        if (!problem.empty()) {
            d.stopping = true;
            d.wake();
            d.producer.join();
            d.queue.close();
            d.delivery.join();
            d.stopped = true;
            return fail(problem);
        }
    }
    d.started = true;
    return true;
}

void LessonNetwork::set_ports(const std::set<uint16_t>& ports) {
    Impl& d = *impl_;
    if (d.mode != Mode::HostLoopback) return;
    std::lock_guard lock(d.pcap_mutex);
    if (!d.pcap) return;
    std::string error;
    nh::attach_kernel_filter(d.pcap, ports_filter(ports), &error);  // cannot fail for ports
}

bool LessonNetwork::flush(std::chrono::milliseconds timeout) {
    Impl& d = *impl_;
    const auto deadline = Clock::now() + timeout;
    {
        std::lock_guard state(d.state_mutex);
        if (!d.started || d.stopped) return false;
    }
    uint64_t id = 0;
    if (d.relay) {
        if (!d.relay->settle(std::max(1ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                                               deadline - Clock::now()))))
            return false;
        id = ++d.next_marker;
        d.queue.push_marker(id);
    } else if (d.mode == Mode::HostLoopback) {
        std::lock_guard lock(d.pcap_mutex);
        d.drain_pcap_locked();  // everything the kernel holds, then the marker behind it
        id = ++d.next_marker;
        d.queue.push_marker(id);
    } else {
        nh::Message reply;
        uint32_t request_id = 0;
        const int64_t none[4] = {0, 0, 0, 0};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (d.request(nh::MsgType::Flush, none, nullptr, 0, -1, &reply, &request_id,
                      std::max(left, 1ms)) != 0)
            return false;
        id = request_id;
    }
    return d.queue.wait_marker(id, deadline);
}

CaptureStats LessonNetwork::stats() const {
    const Impl& d = *impl_;
    CaptureStats s;
    s.captured = d.queue.delivered();
    s.dropped_queue = d.queue.dropped();
    s.queued = d.queue.queued();
    if (d.mode == Mode::HostLoopback) {
        std::lock_guard lock(d.pcap_mutex);
        pcap_stat st{};
        s.dropped_kernel = d.pcap && pcap_stats(d.pcap, &st) == 0 ? st.ps_drop + st.ps_ifdrop
                                                                  : d.kernel_drops.load();
    } else {
        s.dropped_kernel = d.kernel_drops.load();
    }
    return s;
}

void LessonNetwork::stop() {
    impl_->stop();
}

pid_t LessonNetwork::helper_pid() const {
    return impl_->pid;
}

bool LessonNetwork::namespace_fds(int& userns_fd, int& netns_fd, std::string& error) const {
    userns_fd = netns_fd = -1;
    if (impl_->mode != Mode::PrivateNamespace || impl_->pid <= 0) {
        error = "the lesson network is not a private namespace here";
        return false;
    }
    const std::string dir = "/proc/" + std::to_string(impl_->pid) + "/ns/";
    userns_fd = ::open((dir + "user").c_str(), O_RDONLY | O_CLOEXEC);
    if (userns_fd >= 0) netns_fd = ::open((dir + "net").c_str(), O_RDONLY | O_CLOEXEC);
    if (userns_fd >= 0 && netns_fd >= 0) return true;
    error = "could not open " + dir + (userns_fd < 0 ? "user" : "net") + ": " + errno_text(errno);
    if (userns_fd >= 0) ::close(userns_fd);
    userns_fd = -1;
    return false;
}

LinkRelay* LessonNetwork::link() const {
    return impl_->relay.get();
}

std::string LessonNetwork::set_link_mtu(int mtu) {
    if (!has_link() || !impl_->relay) return "this lesson has no link of SocketLab's";
    if (mtu < 1280 || mtu > 9000)
        return "the link's MTU must be from 1280 (the least IPv6 allows) to 9000 bytes";
    nh::Message reply;
    const int64_t values[4] = {mtu, 0, 0, 0};
    const int rc = impl_->request(nh::MsgType::SetLinkMtu, values, nullptr, 0, -1, &reply, nullptr);
    if (rc < 0) return "the network helper did not answer: " + system_error_text(-rc);
    if (reply.header.values[0] < 0) {
        const std::string detail = reply.text();
        return detail.empty() ? system_error_text(static_cast<int>(-reply.header.values[0]))
                              : detail;
    }
    impl_->relay->set_mtu(mtu);
    return "";
}

bool LessonNetwork::has_link() const {
    return impl_->link_settings.has_value() && impl_->mode == Mode::PrivateNamespace;
}

std::vector<int> LessonNetwork::make_diag_sockets() {
    std::vector<int> fds;
    const std::vector<std::string> owners =
        has_link() ? std::vector<std::string>{"client", "server"} : std::vector<std::string>{""};
    for (const auto& owner : owners) {
        const int fd = make_socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG, owner);
        if (fd >= 0) fds.push_back(fd);
    }
    return fds;
}

const char* mode_name(LessonNetwork::Mode mode) {
    switch (mode) {
        case LessonNetwork::Mode::HostLoopback:
            return "host-loopback";
        case LessonNetwork::Mode::PrivateNamespace:
            return "private-namespace";
        case LessonNetwork::Mode::NoCapture:
            break;
    }
    return "none";
}

}  // namespace socketlab
