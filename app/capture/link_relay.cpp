// [SECTION] index
//   frames      a frame from one side, its IP fields, checksums
//   State       the rules, what waits, the counters
//   deciding    a frame's fate when it enters the link
//   relay loop  reading both sockets, sending what is due
//   public API
#include "capture/link_relay.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <vector>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/lesson_network.h"

namespace socketlab {
namespace {

int64_t clock_us(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// [SECTION] frames
struct Frame {
    LinkSide from = LinkSide::Client;
    std::vector<uint8_t> bytes;  // the whole Ethernet frame
    int64_t entered_real_us = 0;
    int64_t entered_mono_us = 0;
    uint64_t number = 0;
    // From the IP header (is_ip false: not IPv4/IPv6, or neighbour discovery).
    bool is_ip = false;
    uint8_t proto = 0;
    uint8_t tcp_flags = 0;
    size_t payload = 0;  // TCP/UDP payload bytes
    size_t l4_offset = 0;
};

constexpr size_t kEth = 14;

void read_ip_fields(Frame& f) {
    const auto& b = f.bytes;
    if (b.size() < kEth + 20) return;
    const uint16_t ethertype = static_cast<uint16_t>(b[12] << 8 | b[13]);
    size_t ip_len = 0, total = 0;
    if (ethertype == ETH_P_IP && (b[kEth] >> 4) == 4) {
        ip_len = static_cast<size_t>(b[kEth] & 0x0f) * 4;
        total = static_cast<size_t>(b[kEth + 2] << 8 | b[kEth + 3]);
        f.proto = b[kEth + 9];
    } else if (ethertype == ETH_P_IPV6 && b.size() >= kEth + 40 && (b[kEth] >> 4) == 6) {
        ip_len = 40;
        total = 40 + static_cast<size_t>(b[kEth + 4] << 8 | b[kEth + 5]);
        f.proto = b[kEth + 6];
        // Multicast (MLD reports to ff02::16, all-nodes) is the kernels' own housekeeping.
        if (b[kEth + 24] == 0xff) return;
        // Neighbour discovery and MLD keep the link working: always pass, never reported.
        if (f.proto == IPPROTO_ICMPV6 && b.size() > kEth + 40) {
            const uint8_t type = b[kEth + 40];
            if ((type >= 130 && type <= 137) || type == 143) return;
        }
    } else {
        return;
    }
    f.is_ip = true;
    f.l4_offset = kEth + ip_len;
    const size_t end = std::min(b.size(), kEth + total);
    if (f.proto == IPPROTO_TCP && end >= f.l4_offset + 20) {
        const size_t tcp_len = static_cast<size_t>(b[f.l4_offset + 12] >> 4) * 4;
        f.tcp_flags = b[f.l4_offset + 13];
        f.payload = end > f.l4_offset + tcp_len ? end - f.l4_offset - tcp_len : 0;
    } else if (f.proto == IPPROTO_UDP && end >= f.l4_offset + 8) {
        f.payload = end - f.l4_offset - 8;
    }
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum) {
    for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
    return sum;
}

// The sending kernel may leave a TCP/UDP checksum for the "hardware" to finish (veth then
// never does); the frame reached us as such (TP_STATUS_CSUMNOTREADY). Finish it, so the
// receiving kernel checks a real checksum.
void finish_checksum(Frame& f) {
    if (!f.is_ip || (f.proto != IPPROTO_TCP && f.proto != IPPROTO_UDP)) return;
    auto& b = f.bytes;
    const bool v4 = (b[kEth] >> 4) == 4;
    const size_t total = v4 ? static_cast<size_t>(b[kEth + 2] << 8 | b[kEth + 3])
                            : 40 + static_cast<size_t>(b[kEth + 4] << 8 | b[kEth + 5]);
    if (kEth + total > b.size() || f.l4_offset >= kEth + total) return;
    const size_t l4_len = kEth + total - f.l4_offset;
    const size_t at = f.l4_offset + (f.proto == IPPROTO_TCP ? 16 : 6);
    if (at + 2 > b.size()) return;
    b[at] = b[at + 1] = 0;
    uint32_t sum = v4 ? sum16(&b[kEth + 12], 8, 0) : sum16(&b[kEth + 8], 32, 0);
    sum += f.proto;
    sum += static_cast<uint32_t>(l4_len);
    sum = sum16(&b[f.l4_offset], l4_len, sum);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = static_cast<uint16_t>(~sum);
    if (c == 0 && f.proto == IPPROTO_UDP) c = 0xffff;
    b[at] = static_cast<uint8_t>(c >> 8);
    b[at + 1] = static_cast<uint8_t>(c & 0xff);
}

bool matches(const Frame& f, LinkCommand::Match match) {
    switch (match) {
        case LinkCommand::Match::Any:
            return true;
        case LinkCommand::Match::Data:
            return f.payload > 0;
        case LinkCommand::Match::PureAck:
            return f.proto == IPPROTO_TCP && f.payload == 0 && f.tcp_flags == 0x10;
        case LinkCommand::Match::Syn:
            return f.proto == IPPROTO_TCP && (f.tcp_flags & 0x02);
    }
    return false;
}

std::string ms_text(int64_t us) {
    if (us % 1000 == 0) return std::to_string(us / 1000) + " ms";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1000.0);
    return buf;
}

int side_index(LinkSide s) {
    return s == LinkSide::Client ? 0 : 1;
}

}  // namespace

// [SECTION] State
struct LinkRelay::State {
    int fds[2] = {-1, -1};  // client side, server side
    int wake = -1;
    Sink sink;
    std::atomic<bool> stopping{false};

    mutable std::mutex mutex;
    LinkSettings settings;
    std::mt19937_64 random;
    struct Pending {
        LinkCommand command;
        int left = 0;
    };
    std::deque<Pending> pending;  // one-shot commands, in the order given
    bool holding[2] = {false, false};
    std::deque<Frame> held[2];
    std::optional<Frame> held_back[2];  // reorder: waits for `reorder_after` more
    int reorder_after[2] = {0, 0};
    std::string reorder_why[2];
    int64_t tx_free_at[2] = {0, 0};
    std::deque<int64_t> departures[2];  // of packets in the rate queue
    struct Out {
        Frame frame;
        LinkRecord::Fate fate = LinkRecord::Fate::Delivered;
        std::string why;
    };
    std::multimap<int64_t, Out> scheduled;  // by due time (monotonic us), FIFO among equals
    LinkCounters counters;
    uint64_t next_number = 0;
    uint64_t drained = 0;  // passes of the loop that emptied both sockets
    std::condition_variable drained_cv;

    void report(const Frame& f, LinkRecord::Fate fate, const std::string& why, int64_t now_real);
    void enter(Frame f, int64_t now_mono, int64_t now_real);
    void schedule(Frame f, int64_t now_mono, LinkRecord::Fate fate, std::string why);
    void send_due(int64_t now_mono);
    void send_frame(const Frame& f);
};

void LinkRelay::State::report(const Frame& f, LinkRecord::Fate fate, const std::string& why,
                              int64_t now_real) {
    if (!sink) return;
    RawPacket p;
    p.realtime_us = now_real;
    p.original_length = static_cast<uint32_t>(f.bytes.size() - kEth);
    p.ip_bytes.assign(f.bytes.begin() + kEth, f.bytes.end());
    LinkRecord r;
    r.fate = fate;
    r.why = why;
    r.delay_us = std::max<int64_t>(0, now_real - f.entered_real_us);
    r.from = link_side_name(f.from);
    r.entered_us = f.entered_real_us;
    r.number = f.number;
    p.link = r;
    sink(std::move(p));
}

void LinkRelay::State::send_frame(const Frame& f) {
    const int to = fds[1 - side_index(f.from)];
    if (::send(to, f.bytes.data(), f.bytes.size(), MSG_DONTWAIT) < 0) ++counters.send_errors;
}

// [SECTION] deciding
void LinkRelay::State::schedule(Frame f, int64_t now, LinkRecord::Fate fate, std::string why) {
    const int s = side_index(f.from);
    int64_t due = now;
    if (settings.rate_bits > 0) {
        auto& q = departures[s];
        while (!q.empty() && q.front() <= now) q.pop_front();
        if (static_cast<int>(q.size()) >= settings.queue_packets) {
            ++counters.dropped;
            ++counters.queue_full;
            report(f, LinkRecord::Fate::Dropped,
                   "queue full: " + std::to_string(q.size()) +
                       " packets were already waiting for the rate-limited link",
                   clock_us(CLOCK_REALTIME));
            return;
        }
        const int64_t tx_us =
            static_cast<int64_t>(f.bytes.size() - kEth) * 8 * 1000000 / settings.rate_bits;
        const int64_t departure = std::max(now, tx_free_at[s]) + std::max<int64_t>(tx_us, 1);
        tx_free_at[s] = departure;
        q.push_back(departure);
        due = departure;
    }
    due += settings.delay_us;
    const int64_t waited = due - now;
    if (fate == LinkRecord::Fate::Delivered && waited >= 1000) {
        fate = LinkRecord::Fate::Delayed;
        why = settings.delay_us > 0 && waited - settings.delay_us < 1000
                  ? "delayed " + ms_text(settings.delay_us) + " (the link's delay)"
                  : "delayed " + ms_text(waited) + " (queued for the link's rate" +
                        (settings.delay_us > 0 ? ", plus its delay)" : ")");
    }
    scheduled.emplace(due, Out{std::move(f), fate, std::move(why)});
}

void LinkRelay::State::enter(Frame f, int64_t now, int64_t now_real) {
    const int s = side_index(f.from);
    f.number = ++next_number;
    ++(s == 0 ? counters.from_client : counters.from_server);
    if (holding[s]) {
        if (held[s].size() >= 10000) {
            ++counters.dropped;
            report(f, LinkRecord::Fate::Dropped, "queue full: the link held 10000 packets",
                   now_real);
            return;
        }
        held[s].push_back(std::move(f));
        return;
    }
    // One-shot commands, oldest first: the first that fits this packet takes it.
    LinkRecord::Fate fate = LinkRecord::Fate::Delivered;
    std::string why;
    bool duplicate = false;
    for (auto it = pending.begin(); it != pending.end(); ++it) {
        const LinkCommand& c = it->command;
        if (c.from && *c.from != f.from) continue;
        if (!matches(f, c.match)) continue;
        const std::string asked = "you asked: link: " + c.text;
        const auto kind = c.kind;
        if (--it->left <= 0) pending.erase(it);
        switch (kind) {
            case LinkCommand::Kind::DropNext:
                ++counters.dropped;
                report(f, LinkRecord::Fate::Dropped, asked, now_real);
                return;
            case LinkCommand::Kind::CorruptNext:
                // One bit of the last byte: the payload if there is one, else the header.
                f.bytes.back() ^= 0x01;
                ++counters.corrupted;
                fate = LinkRecord::Fate::Corrupted;
                why =
                    "one bit flipped (" + asked + "); the receiver's checksum check throws it away";
                break;
            case LinkCommand::Kind::DuplicateNext:
                duplicate = true;
                why = asked;
                break;
            case LinkCommand::Kind::ReorderNext:
                if (held_back[s]) break;  // one at a time per side
                reorder_after[s] = c.count - 1;
                reorder_why[s] = "held back and sent after the " + std::to_string(c.count - 1) +
                                 " packet(s) behind it (" + asked + ")";
                held_back[s] = std::move(f);
                return;
            default:
                break;
        }
        break;
    }
    if (fate == LinkRecord::Fate::Delivered && settings.loss_percent > 0 &&
        std::uniform_real_distribution<double>(0, 100)(random) < settings.loss_percent) {
        ++counters.dropped;
        std::ostringstream text;
        text << settings.loss_percent << "% random loss (seed " << settings.seed << ")";
        report(f, LinkRecord::Fate::Dropped, text.str(), now_real);
        return;
    }
    if (!duplicate && settings.duplicate_percent > 0 &&
        std::uniform_real_distribution<double>(0, 100)(random) < settings.duplicate_percent) {
        duplicate = true;
        std::ostringstream text;
        text << settings.duplicate_percent << "% random duplication (seed " << settings.seed << ")";
        why = text.str();
    }
    std::optional<Frame> copy;
    if (duplicate) copy = f;
    schedule(std::move(f), now, fate, fate == LinkRecord::Fate::Delivered ? "" : why);
    if (copy) {
        ++counters.duplicated;
        schedule(std::move(*copy), now, LinkRecord::Fate::Duplicated,
                 "a second copy the link made (" + why + ")");
    }
    if (held_back[s] && --reorder_after[s] <= 0) {
        ++counters.reordered;
        Frame back = std::move(*held_back[s]);
        held_back[s].reset();
        schedule(std::move(back), now, LinkRecord::Fate::Reordered, reorder_why[s]);
    }
}

void LinkRelay::State::send_due(int64_t now) {
    while (!scheduled.empty() && scheduled.begin()->first <= now) {
        Out out = std::move(scheduled.begin()->second);
        scheduled.erase(scheduled.begin());
        send_frame(out.frame);
        ++counters.delivered;
        report(out.frame, out.fate, out.why, clock_us(CLOCK_REALTIME));
    }
}

// [SECTION] relay loop
LinkRelay::LinkRelay(int client_fd, int server_fd, const LinkSettings& settings, Sink sink)
    : state_(std::make_unique<State>()) {
    state_->fds[0] = client_fd;
    state_->fds[1] = server_fd;
    state_->settings = settings;
    state_->random.seed(settings.seed);
    state_->sink = std::move(sink);
    state_->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

LinkRelay::~LinkRelay() {
    stop();
    for (int fd : state_->fds)
        if (fd >= 0) ::close(fd);
    if (state_->wake >= 0) ::close(state_->wake);
}

void LinkRelay::start() {
    State& st = *state_;
    thread_ = std::thread([&st] {
        std::vector<uint8_t> buffer(65536 + 256);
        while (!st.stopping.load()) {
            int64_t timeout_us = -1;
            {
                std::lock_guard lock(st.mutex);
                if (!st.scheduled.empty())
                    timeout_us = std::max<int64_t>(
                        0, st.scheduled.begin()->first - clock_us(CLOCK_MONOTONIC));
            }
            pollfd fds[3] = {{st.fds[0], POLLIN, 0}, {st.fds[1], POLLIN, 0}, {st.wake, POLLIN, 0}};
            timespec ts{timeout_us / 1000000, (timeout_us % 1000000) * 1000};
            if (::ppoll(fds, 3, timeout_us < 0 ? nullptr : &ts, nullptr) < 0 && errno != EINTR)
                break;
            if (fds[2].revents & POLLIN) {
                uint64_t n;
                [[maybe_unused]] auto r = ::read(st.wake, &n, sizeof n);
            }
            bool empty[2] = {false, false};
            for (int round = 0; round < 64 && !(empty[0] && empty[1]); ++round) {
                for (int s = 0; s < 2; ++s) {
                    if (empty[s]) continue;
                    sockaddr_ll from{};
                    char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
                    iovec iov{buffer.data(), buffer.size()};
                    msghdr msg{};
                    msg.msg_name = &from;
                    msg.msg_namelen = sizeof from;
                    msg.msg_iov = &iov;
                    msg.msg_iovlen = 1;
                    msg.msg_control = control;
                    msg.msg_controllen = sizeof control;
                    const ssize_t n = ::recvmsg(st.fds[s], &msg, MSG_DONTWAIT);
                    if (n <= 0) {
                        empty[s] = true;
                        continue;
                    }
                    if (from.sll_pkttype == PACKET_OUTGOING) continue;
                    Frame f;
                    f.from = s == 0 ? LinkSide::Client : LinkSide::Server;
                    f.bytes.assign(buffer.begin(), buffer.begin() + n);
                    f.entered_mono_us = clock_us(CLOCK_MONOTONIC);
                    f.entered_real_us = clock_us(CLOCK_REALTIME);
                    read_ip_fields(f);
                    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
                            tpacket_auxdata aux{};
                            std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
                            if (aux.tp_status & TP_STATUS_CSUMNOTREADY) finish_checksum(f);
                        }
                    std::lock_guard lock(st.mutex);
                    if (!f.is_ip) {
                        st.send_frame(f);  // ARP, neighbour discovery: always pass
                        continue;
                    }
                    st.enter(std::move(f), clock_us(CLOCK_MONOTONIC), clock_us(CLOCK_REALTIME));
                }
            }
            {
                std::lock_guard lock(st.mutex);
                st.send_due(clock_us(CLOCK_MONOTONIC));
                if (empty[0] && empty[1]) ++st.drained;
            }
            st.drained_cv.notify_all();
        }
    });
}

void LinkRelay::stop() {
    if (!thread_.joinable()) return;
    state_->stopping = true;
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(state_->wake, &one, sizeof one);
    thread_.join();
}

bool LinkRelay::settle(std::chrono::milliseconds timeout) {
    State& st = *state_;
    std::unique_lock lock(st.mutex);
    const uint64_t target = st.drained + 2;  // a whole pass that began after this call
    lock.unlock();
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(st.wake, &one, sizeof one);
    lock.lock();
    return st.drained_cv.wait_for(lock, timeout,
                                  [&] { return st.drained >= target || st.stopping; });
}

// [SECTION] public API
void LinkRelay::restart(const LinkSettings& settings) {
    State& st = *state_;
    std::lock_guard lock(st.mutex);
    // What the old run left in the link is not sent into the new one (its sockets are gone)
    // and not reported (the new run's packets start from none).
    st.pending.clear();
    for (int s = 0; s < 2; ++s) {
        st.holding[s] = false;
        st.held[s].clear();
        st.held_back[s].reset();
        st.reorder_after[s] = 0;
        st.reorder_why[s].clear();
        st.tx_free_at[s] = 0;
        st.departures[s].clear();
    }
    st.scheduled.clear();
    const int mtu = st.settings.mtu;  // the interfaces' own: only set_mtu changes it
    st.settings = settings;
    st.settings.mtu = mtu;
    st.random.seed(settings.seed);
    st.counters = LinkCounters{};
    st.next_number = 0;
}

void LinkRelay::set_mtu(int mtu) {
    std::lock_guard lock(state_->mutex);
    state_->settings.mtu = mtu;
}

void LinkRelay::apply(const LinkCommand& c) {
    State& st = *state_;
    {
        std::lock_guard lock(st.mutex);
        const int64_t now = clock_us(CLOCK_MONOTONIC);
        auto sides = [&](auto fn) {
            if (!c.from || *c.from == LinkSide::Client) fn(0);
            if (!c.from || *c.from == LinkSide::Server) fn(1);
        };
        switch (c.kind) {
            case LinkCommand::Kind::DropNext:
            case LinkCommand::Kind::DuplicateNext:
            case LinkCommand::Kind::ReorderNext:
            case LinkCommand::Kind::CorruptNext:
                st.pending.push_back({c, c.kind == LinkCommand::Kind::ReorderNext ? 1 : c.count});
                break;
            case LinkCommand::Kind::Hold:
                sides([&](int s) { st.holding[s] = true; });
                break;
            case LinkCommand::Kind::Release:
                for (int s = 0; s < 2; ++s) {
                    st.holding[s] = false;
                    while (!st.held[s].empty()) {
                        Frame f = std::move(st.held[s].front());
                        st.held[s].pop_front();
                        st.schedule(std::move(f), now, LinkRecord::Fate::Delayed,
                                    "held by the link until 'release' (you asked)");
                    }
                }
                break;
            case LinkCommand::Kind::Clear: {
                const int mtu = st.settings.mtu;
                const uint64_t seed = st.settings.seed;
                st.settings = LinkSettings{};
                st.settings.mtu = mtu;
                st.settings.seed = seed;
                st.pending.clear();
                break;
            }
            case LinkCommand::Kind::Set: {
                const std::string& ch = c.changed;
                auto named = [&](const char* key) {
                    return (" " + ch + " ").find(std::string(" ") + key + " ") != std::string::npos;
                };
                if (named("loss")) st.settings.loss_percent = c.settings.loss_percent;
                if (named("duplicate"))
                    st.settings.duplicate_percent = c.settings.duplicate_percent;
                if (named("delay")) st.settings.delay_us = c.settings.delay_us;
                if (named("rate")) st.settings.rate_bits = c.settings.rate_bits;
                if (named("queue")) st.settings.queue_packets = c.settings.queue_packets;
                if (named("seed")) {
                    st.settings.seed = c.settings.seed;
                    st.random.seed(c.settings.seed);
                }
                break;
            }
        }
    }
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(st.wake, &one, sizeof one);
}

LinkSettings LinkRelay::settings() const {
    std::lock_guard lock(state_->mutex);
    return state_->settings;
}

LinkCounters LinkRelay::counters() const {
    std::lock_guard lock(state_->mutex);
    LinkCounters c = state_->counters;
    c.held = state_->scheduled.size() + state_->held[0].size() + state_->held[1].size() +
             (state_->held_back[0] ? 1 : 0) + (state_->held_back[1] ? 1 : 0);
    return c;
}

std::string LinkRelay::pending_text() const {
    std::lock_guard lock(state_->mutex);
    std::string t;
    for (const auto& p : state_->pending) t += (t.empty() ? "" : "; ") + p.command.text;
    for (int s = 0; s < 2; ++s)
        if (state_->holding[s])
            t += (t.empty() ? "" : "; ") + std::string("holding from ") +
                 link_side_name(s == 0 ? LinkSide::Client : LinkSide::Server);
    return t;
}

}  // namespace socketlab
