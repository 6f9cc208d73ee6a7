// Who owns which socket, address and port: the one place every part of SocketLab asks. The
// engine publishes its actors' sockets here after every call; the kept-open server, the link's
// two sides and a traced program's sockets can join it too (their `source`). The capture
// filter, the TCP state watcher, the packet matcher, the ladder and the panels read it.
// Thread-safe: workers publish, anyone reads a copy.
//
// It also remembers every connection it has seen during the run (bounded), so packets and
// TCP states that outlive a socket (the FIN exchange after close, TIME_WAIT) still have an
// owner.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/calls/call_args.h"

namespace socketlab {

// A socket as the panels show it on its actor's column.
struct SocketSnapshot {
    std::string name;
    int fd = -1;
    int family = AF_INET;
    int type = SOCK_STREAM;
    bool listening = false;
    bool nonblocking = false;
    bool bound = false;  // has a local port (bind, or the kernel's automatic bind on use)
    SocketAddress local;
    SocketAddress peer;
    uint64_t inode = 0;  // fstat(fd).st_ino: the kernel's sock_diag names the socket by it
};

enum class SocketSource { Engine, KeptServer, Link, Traced };

struct SocketOwner {
    std::string actor;
    std::string socket;
};

// A socket bound to 0.0.0.0 or :: (a UDP client's automatic bind) is reached on loopback at
// 127.0.0.1 or ::1: the address its peer's recvfrom reports, and what a learner would write.
// Other addresses are returned as they are.
SocketAddress reach_on_loopback(const SocketAddress& address);

class SocketDirectory {
  public:
    // Replaces what `actor` owns (from `source`) with these sockets.
    void publish(SocketSource source, const std::string& actor,
                 std::vector<SocketSnapshot> sockets);
    // Forgets everything (a lesson reset); kept-open server sockets stay if keep_kept is set.
    void clear(bool keep_kept_server = true);

    std::vector<std::string> actors() const;
    std::vector<SocketSnapshot> sockets_of(const std::string& actor) const;
    bool has_sockets(const std::string& actor) const;

    // The address an actor's socket is bound to: the named socket, else its listening socket,
    // else its most recently bound one. Empty if none.
    SocketAddress bound_address(const std::string& actor, const std::string& socket = "") const;

    // Who sends from this address (wildcard-bound sockets own their loopback address).
    std::optional<SocketOwner> owner_of(const SocketAddress& address) const;
    // Whether a packet between these two addresses (tcp: is_stream) belongs to one of the
    // directory's sockets, past or present: its local address is one end and, for a connected
    // socket, its peer is the other. A port alone is not enough: another program on the host
    // may use the same port number for the other protocol or another peer.
    std::optional<SocketOwner> owner_of_packet(const SocketAddress& src, const SocketAddress& dst,
                                               bool is_stream) const;
    // The socket with this inode (sock_diag's idiag_inode), while a descriptor refers to it:
    // found even before it has an address (a connect() in SYN_SENT).
    std::optional<SocketOwner> owner_of_inode(uint64_t inode) const;
    // The TCP socket whose own address is `local`, talking to `peer` (as the kernel lists it):
    // the connected socket, else an unconnected one with that address (connect() still going);
    // else the listener on local's port, with *queued set: a connection in its accept queue.
    std::optional<SocketOwner> owner_of_tcp_socket(const SocketAddress& local,
                                                   const SocketAddress& peer, bool* queued) const;
    // Every local port of the directory's sockets (past ones included), for capture filters.
    std::set<uint16_t> ports() const;
    // Whether a socket of this protocol (past or present) has this local port: a packet of a
    // connection still being made (connect() has not returned) is known by its port alone.
    bool has_port(uint16_t port, bool is_stream) const;

    static constexpr size_t kMaxRemembered = 4096;

  private:
    struct Entry {
        SocketSource source;
        std::string actor;
        SocketSnapshot socket;
    };
    struct Remembered {
        SocketOwner owner;
        SocketAddress local;  // as reached on loopback
        SocketAddress peer;   // empty: not connected (a listener, an unconnected UDP socket)
        bool stream = true;
        bool listening = false;
    };
    void remember_locked(const Entry& entry);

    mutable std::mutex mutex_;
    std::vector<Entry> entries_;          // in publication order (creation order per actor)
    std::vector<Remembered> remembered_;  // bounded: the oldest go first
};

}  // namespace socketlab
