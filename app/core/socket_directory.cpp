#include "core/socket_directory.h"

#include <algorithm>

namespace socketlab {
namespace {

bool same_endpoint(const SocketAddress& a, const SocketAddress& b) {
    return !a.empty() && !b.empty() && a.to_string() == b.to_string();
}

}  // namespace

SocketAddress reach_on_loopback(const SocketAddress& address) {
    const std::string host = address.host_string();
    if (host != "0.0.0.0" && host != "::") return address;
    auto loopback =
        SocketAddress::from_host_port(host == "::" ? "::1" : "127.0.0.1", address.port());
    return loopback ? *loopback : address;
}

void SocketDirectory::publish(SocketSource source, const std::string& actor,
                              std::vector<SocketSnapshot> sockets) {
    std::lock_guard lock(mutex_);
    std::erase_if(entries_, [&](const Entry& e) { return e.source == source && e.actor == actor; });
    for (auto& s : sockets) {
        Entry entry{source, actor, std::move(s)};
        remember_locked(entry);
        entries_.push_back(std::move(entry));
    }
}

void SocketDirectory::remember_locked(const Entry& entry) {
    const SocketSnapshot& s = entry.socket;
    if (!s.bound || s.local.port() <= 0) return;
    Remembered r{{entry.actor, s.name}, reach_on_loopback(s.local), s.peer, s.type == SOCK_STREAM};
    if (s.listening) r.peer = {};
    r.listening = s.listening;
    for (auto& known : remembered_)
        if (same_endpoint(known.local, r.local) && known.stream == r.stream &&
            known.peer.to_string() == r.peer.to_string()) {
            known.owner = r.owner;  // accept's new socket, a handoff: the newest owner
            return;
        }
    remembered_.push_back(std::move(r));
    if (remembered_.size() > kMaxRemembered) remembered_.erase(remembered_.begin());
}

void SocketDirectory::clear(bool keep_kept_server) {
    std::lock_guard lock(mutex_);
    std::erase_if(entries_, [&](const Entry& e) {
        return !(keep_kept_server && e.source == SocketSource::KeptServer);
    });
    remembered_.clear();
}

std::vector<std::string> SocketDirectory::actors() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& e : entries_)
        if (std::find(out.begin(), out.end(), e.actor) == out.end()) out.push_back(e.actor);
    return out;
}

std::vector<SocketSnapshot> SocketDirectory::sockets_of(const std::string& actor) const {
    std::lock_guard lock(mutex_);
    std::vector<SocketSnapshot> out;
    for (const auto& e : entries_)
        if (e.actor == actor) out.push_back(e.socket);
    return out;
}

bool SocketDirectory::has_sockets(const std::string& actor) const {
    std::lock_guard lock(mutex_);
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const Entry& e) { return e.actor == actor; });
}

SocketAddress SocketDirectory::bound_address(const std::string& actor,
                                             const std::string& socket) const {
    std::lock_guard lock(mutex_);
    const SocketSnapshot* pick = nullptr;
    for (const auto& e : entries_) {
        if (e.actor != actor) continue;
        const SocketSnapshot& s = e.socket;
        if (!socket.empty()) {
            if (s.name == socket) pick = &s;
            continue;
        }
        if (!s.bound) continue;  // an unbound socket reads as 0.0.0.0:0
        if (s.listening) {
            pick = &s;
            break;
        }
        pick = &s;  // the most recent bound one wins (entries are in creation order)
    }
    if (!pick || !pick->bound) return {};
    return pick->local;
}

std::optional<SocketOwner> SocketDirectory::owner_of(const SocketAddress& address) const {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
        if (it->socket.bound && same_endpoint(reach_on_loopback(it->socket.local), address))
            return SocketOwner{it->actor, it->socket.name};
    for (auto it = remembered_.rbegin(); it != remembered_.rend(); ++it)
        if (same_endpoint(it->local, address)) return it->owner;
    return std::nullopt;
}

std::optional<SocketOwner> SocketDirectory::owner_of_packet(const SocketAddress& src,
                                                            const SocketAddress& dst,
                                                            bool is_stream) const {
    std::lock_guard lock(mutex_);
    // Connected sockets first: their two ends name the packet exactly.
    for (const SocketAddress* mine : {&src, &dst}) {
        const SocketAddress& other = mine == &src ? dst : src;
        for (auto it = remembered_.rbegin(); it != remembered_.rend(); ++it)
            if (it->stream == is_stream && !it->peer.empty() && same_endpoint(it->local, *mine) &&
                same_endpoint(reach_on_loopback(it->peer), other))
                return it->owner;
    }
    // Then listeners and unconnected datagram sockets: any peer, but the same protocol. For a
    // TCP packet to a listener, only a SYN-time packet has no connected socket yet; the
    // connection's later packets match its accepted (or connecting) socket above.
    for (const SocketAddress* mine : {&src, &dst})
        for (auto it = remembered_.rbegin(); it != remembered_.rend(); ++it)
            if (it->stream == is_stream && it->peer.empty() && same_endpoint(it->local, *mine))
                return it->owner;
    return std::nullopt;
}

std::optional<SocketOwner> SocketDirectory::owner_of_inode(uint64_t inode) const {
    if (inode == 0) return std::nullopt;
    std::lock_guard lock(mutex_);
    for (const auto& e : entries_)
        if (e.socket.inode == inode) return SocketOwner{e.actor, e.socket.name};
    return std::nullopt;
}

std::optional<SocketOwner> SocketDirectory::owner_of_tcp_socket(const SocketAddress& local,
                                                                const SocketAddress& peer,
                                                                bool* queued) const {
    std::lock_guard lock(mutex_);
    *queued = false;
    const SocketAddress here = reach_on_loopback(local);
    for (auto it = remembered_.rbegin(); it != remembered_.rend(); ++it)
        if (it->stream && !it->listening && same_endpoint(it->local, here) &&
            same_endpoint(reach_on_loopback(it->peer), reach_on_loopback(peer)))
            return it->owner;
    for (auto it = remembered_.rbegin(); it != remembered_.rend(); ++it)
        if (it->stream && !it->listening && it->peer.empty() && same_endpoint(it->local, here))
            return it->owner;
    for (auto it = remembered_.rbegin(); it != remembered_.rend(); ++it)
        if (it->stream && it->listening && it->local.port() == local.port()) {
            *queued = true;
            return it->owner;
        }
    return std::nullopt;
}

std::set<uint16_t> SocketDirectory::ports() const {
    std::lock_guard lock(mutex_);
    std::set<uint16_t> out;
    for (const auto& r : remembered_)
        if (r.local.port() > 0) out.insert(static_cast<uint16_t>(r.local.port()));
    return out;
}

bool SocketDirectory::has_port(uint16_t port, bool is_stream) const {
    std::lock_guard lock(mutex_);
    return std::any_of(remembered_.begin(), remembered_.end(), [&](const Remembered& r) {
        return r.stream == is_stream && r.local.port() == port;
    });
}

}  // namespace socketlab
