#include "capture/link_topology.h"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "capture/error_text.h"

namespace socketlab::nethelper {
namespace {

constexpr size_t kNetlinkBuffer = 8192;
const uint8_t kClientMac[6] = {0x02, 0x53, 0x4c, 0x00, 0x00, 0x01};
const uint8_t kServerMac[6] = {0x02, 0x53, 0x4c, 0x00, 0x00, 0x02};

std::string text(int err) {
    return system_error_text(err);
}

// Sends one request on a route socket of the current namespace and waits for its ACK.
int talk(mnl_socket* nl, nlmsghdr* request) {
    static unsigned seq = 1;
    request->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    request->nlmsg_seq = seq++;
    if (mnl_socket_sendto(nl, request, request->nlmsg_len) < 0) return -errno;
    char buf[kNetlinkBuffer];
    const ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (n < 0) return -errno;
    const int rc = mnl_cb_run(buf, static_cast<size_t>(n), request->nlmsg_seq,
                              mnl_socket_get_portid(nl), nullptr, nullptr);
    return rc < 0 ? -errno : 0;
}

struct Route {
    mnl_socket* nl = nullptr;
    ~Route() {
        if (nl) mnl_socket_close(nl);
    }
    int open() {
        nl = mnl_socket_open(NETLINK_ROUTE);
        if (!nl) return -errno;
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) return -errno;
        return 0;
    }
};

int make_veth(mnl_socket* nl, const char* name, const char* peer, int peer_ns, int mtu,
              const uint8_t* peer_mac) {
    char buf[kNetlinkBuffer];
    nlmsghdr* h = mnl_nlmsg_put_header(buf);
    h->nlmsg_type = RTM_NEWLINK;
    h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifinfomsg)));
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(h, IFLA_IFNAME, name);
    mnl_attr_put_u32(h, IFLA_MTU, static_cast<uint32_t>(mtu));
    mnl_attr_put_u32(h, IFLA_GSO_MAX_SEGS, 1);
    nlattr* info = mnl_attr_nest_start(h, IFLA_LINKINFO);
    mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
    nlattr* data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
    nlattr* peer_info = mnl_attr_nest_start(h, VETH_INFO_PEER);
    auto* peer_ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifinfomsg)));
    peer_ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(h, IFLA_IFNAME, peer);
    mnl_attr_put_u32(h, IFLA_NET_NS_FD, static_cast<uint32_t>(peer_ns));
    mnl_attr_put_u32(h, IFLA_MTU, static_cast<uint32_t>(mtu));
    mnl_attr_put_u32(h, IFLA_GSO_MAX_SEGS, 1);
    mnl_attr_put(h, IFLA_ADDRESS, 6, peer_mac);
    mnl_attr_nest_end(h, peer_info);
    mnl_attr_nest_end(h, data);
    mnl_attr_nest_end(h, info);
    return talk(nl, h);
}

int set_up(mnl_socket* nl, unsigned index) {
    char buf[kNetlinkBuffer];
    nlmsghdr* h = mnl_nlmsg_put_header(buf);
    h->nlmsg_type = RTM_NEWLINK;
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifinfomsg)));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = static_cast<int>(index);
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    return talk(nl, h);
}

// IF_OPER_UP of <linux/if.h>, which cannot be included beside <net/if.h>.
constexpr int kOperUp = 6;

int on_operstate_attr(const nlattr* a, void* data) {
    if (mnl_attr_get_type(a) == IFLA_OPERSTATE) *static_cast<int*>(data) = mnl_attr_get_u8(a);
    return MNL_CB_OK;
}

int on_link_message(const nlmsghdr* m, void* data) {
    return mnl_attr_parse(m, sizeof(ifinfomsg), on_operstate_attr, data);
}

// The device's operational state (kOperUp, ...), or -1 if it could not be read.
int operstate(mnl_socket* nl, unsigned index) {
    static unsigned seq = 1u << 30;
    char buf[kNetlinkBuffer];
    nlmsghdr* h = mnl_nlmsg_put_header(buf);
    h->nlmsg_type = RTM_GETLINK;
    h->nlmsg_flags = NLM_F_REQUEST;
    h->nlmsg_seq = seq++;
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifinfomsg)));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = static_cast<int>(index);
    if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0) return -1;
    const ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (n <= 0) return -1;
    int state = -1;
    mnl_cb_run(buf, static_cast<size_t>(n), h->nlmsg_seq, mnl_socket_get_portid(nl),
               on_link_message, &state);
    return state;
}

// Bringing a veth up is not enough to send on it: until the kernel's link watcher has seen its
// carrier (asynchronously, later still on a busy machine), its send queue is the "noop" one,
// which throws every packet away; a lesson's first UDP datagram would be lost, and not by the
// link. The watcher marks the device IF_OPER_UP and activates its queue under the RTNL lock,
// so once the state is UP, one more request that takes the lock (set_up again) has waited for
// the activation too. Bounded: 3 s.
int wait_until_sending(mnl_socket* nl, unsigned index) {
    for (int tries = 0; tries < 1500; ++tries) {
        if (operstate(nl, index) == kOperUp) return set_up(nl, index);
        const timespec pause{0, 2L * 1000 * 1000};
        nanosleep(&pause, nullptr);
    }
    return -ETIMEDOUT;
}

int set_mtu(mnl_socket* nl, unsigned index, int mtu) {
    char buf[kNetlinkBuffer];
    nlmsghdr* h = mnl_nlmsg_put_header(buf);
    h->nlmsg_type = RTM_NEWLINK;
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifinfomsg)));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = static_cast<int>(index);
    mnl_attr_put_u32(h, IFLA_MTU, static_cast<uint32_t>(mtu));
    return talk(nl, h);
}

// The MTU of `name` in namespace `ns` (the helper returns to its own namespace after).
int set_mtu_in(int ns, int middle_ns, const char* name, int mtu, std::string* error) {
    if (ns != middle_ns && ::setns(ns, CLONE_NEWNET) != 0) {
        *error = "entering a side's network namespace failed: " + text(errno);
        return -errno;
    }
    Route route;
    int rc = route.open();
    const unsigned index = rc == 0 ? if_nametoindex(name) : 0;
    if (rc == 0) rc = index == 0 ? -ENODEV : set_mtu(route.nl, index, mtu);
    if (rc < 0) *error = std::string("setting the MTU of ") + name + " failed: " + text(-rc);
    if (ns != middle_ns && ::setns(middle_ns, CLONE_NEWNET) != 0 && rc == 0) {
        *error = "returning to the helper's namespace failed: " + text(errno);
        rc = -errno;
    }
    return rc;
}

int add_address(mnl_socket* nl, unsigned index, const char* address, int prefix) {
    char buf[kNetlinkBuffer];
    nlmsghdr* h = mnl_nlmsg_put_header(buf);
    h->nlmsg_type = RTM_NEWADDR;
    h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifaddrmsg)));
    const bool v6 = std::strchr(address, ':') != nullptr;
    ifa->ifa_family = static_cast<unsigned char>(v6 ? AF_INET6 : AF_INET);
    ifa->ifa_prefixlen = static_cast<unsigned char>(prefix);
    ifa->ifa_flags = IFA_F_NODAD;  // usable at once: no duplicate address detection wait
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = index;
    uint8_t bytes[16];
    if (inet_pton(ifa->ifa_family, address, bytes) != 1) return -EINVAL;
    const size_t length = v6 ? 16 : 4;
    mnl_attr_put(h, IFA_LOCAL, length, bytes);
    mnl_attr_put(h, IFA_ADDRESS, length, bytes);
    mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
    return talk(nl, h);
}

int add_neighbour(mnl_socket* nl, unsigned index, const char* address, const uint8_t* mac) {
    char buf[kNetlinkBuffer];
    nlmsghdr* h = mnl_nlmsg_put_header(buf);
    h->nlmsg_type = RTM_NEWNEIGH;
    h->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
    auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ndmsg)));
    const bool v6 = std::strchr(address, ':') != nullptr;
    nd->ndm_family = static_cast<uint8_t>(v6 ? AF_INET6 : AF_INET);
    nd->ndm_ifindex = static_cast<int>(index);
    nd->ndm_state = NUD_PERMANENT;
    uint8_t bytes[16];
    if (inet_pton(nd->ndm_family, address, bytes) != 1) return -EINVAL;
    mnl_attr_put(h, NDA_DST, v6 ? 16 : 4, bytes);
    mnl_attr_put(h, NDA_LLADDR, 6, mac);
    return talk(nl, h);
}

// Segmentation, receive offload and checksum offload off, so frames are real segments with
// real checksums. Best effort: the relay also finishes a checksum left for "hardware".
void offloads_off(const char* name) {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    for (uint32_t cmd : {uint32_t{ETHTOOL_STSO}, uint32_t{ETHTOOL_SGSO}, uint32_t{ETHTOOL_SGRO},
                         uint32_t{ETHTOOL_STXCSUM}, uint32_t{ETHTOOL_SSG}}) {
        ethtool_value value{cmd, 0};
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
        ifr.ifr_data = reinterpret_cast<char*>(&value);
        ::ioctl(s, SIOCETHTOOL, &ifr);
    }
    ::close(s);
}

void write_sysctl(const std::string& path, const char* value) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    [[maybe_unused]] auto n = ::write(fd, value, std::strlen(value));
    ::close(fd);
}

// In a side's namespace (current): lo and eth0 up, addresses, the other side as a static
// neighbour.
int set_up_side(const char* own4, const char* own6, const char* peer4, const char* peer6,
                const uint8_t* peer_mac, std::string* error, const char* side) {
    Route route;
    if (int rc = route.open(); rc < 0) {
        *error = std::string("opening a route socket in the ") + side +
                 " namespace failed: " + text(-rc);
        return rc;
    }
    // No router solicitations: nothing but the lesson's packets on the link.
    write_sysctl("/proc/sys/net/ipv6/conf/eth0/router_solicitations", "0");
    write_sysctl("/proc/sys/net/ipv6/conf/eth0/accept_ra", "0");
    const unsigned lo = if_nametoindex("lo");
    const unsigned eth = if_nametoindex("eth0");
    offloads_off("eth0");
    int rc = 0;
    const char* what = "";
    if ((rc = set_up(route.nl, lo)) < 0)
        what = "bringing up lo";
    else if ((rc = set_up(route.nl, eth)) < 0)
        what = "bringing up eth0";
    else if ((rc = add_address(route.nl, eth, own4, 24)) < 0)
        what = "adding the IPv4 address";
    else if ((rc = add_address(route.nl, eth, own6, 64)) < 0)
        what = "adding the IPv6 address";
    else if ((rc = add_neighbour(route.nl, eth, peer4, peer_mac)) < 0)
        what = "adding the IPv4 neighbour";
    else if ((rc = add_neighbour(route.nl, eth, peer6, peer_mac)) < 0)
        what = "adding the IPv6 neighbour";
    else if ((rc = wait_until_sending(route.nl, eth)) < 0)
        what = "waiting for eth0 to be ready to send";
    if (rc < 0) *error = std::string(what) + " on the " + side + " side failed: " + text(-rc);
    return rc;
}

int packet_socket(const char* name, std::string* error) {
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
    if (fd < 0) {
        const int err = errno;
        *error = std::string("an AF_PACKET socket for ") + name + " failed: " + text(err);
        return -err;
    }
    int one = 1;
    ::setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
#ifdef PACKET_IGNORE_OUTGOING
    ::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
#endif
    int size = 4 * 1024 * 1024;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(if_nametoindex(name));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
        const int err = errno;
        *error = std::string("binding the AF_PACKET socket to ") + name + " failed: " + text(err);
        ::close(fd);
        return -err;
    }
    return fd;
}

int new_namespace(int* out, std::string* error, const char* side) {
    if (::unshare(CLONE_NEWNET) != 0) {
        const int err = errno;
        *error = std::string("creating the ") + side + " network namespace failed: " + text(err);
        return -err;
    }
    *out = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (*out < 0) {
        const int err = errno;
        *error = std::string("opening the ") + side + " namespace failed: " + text(err);
        return -err;
    }
    return 0;
}

}  // namespace

int make_link_topology(int mtu, LinkTopology* t, std::string* error) {
    t->middle_ns = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (t->middle_ns < 0) {
        *error = "opening the helper's network namespace failed: " + text(errno);
        return -errno;
    }
    int rc = new_namespace(&t->client_ns, error, "client");
    if (rc == 0 && ::setns(t->middle_ns, CLONE_NEWNET) != 0) rc = -errno;
    if (rc == 0) rc = new_namespace(&t->server_ns, error, "server");
    if (rc == 0 && ::setns(t->middle_ns, CLONE_NEWNET) != 0) rc = -errno;
    if (rc < 0) {
        if (error->empty()) *error = "returning to the helper's namespace failed: " + text(-rc);
        return rc;
    }
    Route route;
    if ((rc = route.open()) < 0) {
        *error = "opening a route socket failed: " + text(-rc);
        return rc;
    }
    // The middle ends carry no addresses and no IPv6 of their own: they only relay.
    if ((rc = make_veth(route.nl, "sl-client", "eth0", t->client_ns, mtu, kClientMac)) < 0 ||
        (rc = make_veth(route.nl, "sl-server", "eth0", t->server_ns, mtu, kServerMac)) < 0) {
        *error = "creating the link's veth pairs failed: " + text(-rc) +
                 (rc == -EOPNOTSUPP ? " (this kernel has no veth driver)" : "");
        return rc;
    }
    for (const char* name : {"sl-client", "sl-server"}) {
        write_sysctl(std::string("/proc/sys/net/ipv6/conf/") + name + "/disable_ipv6", "1");
        offloads_off(name);
        if ((rc = set_up(route.nl, if_nametoindex(name))) < 0) {
            *error = std::string("bringing up ") + name + " failed: " + text(-rc);
            return rc;
        }
    }
    if ((t->client_packets = packet_socket("sl-client", error)) < 0) return t->client_packets;
    if ((t->server_packets = packet_socket("sl-server", error)) < 0) return t->server_packets;

    if (::setns(t->client_ns, CLONE_NEWNET) != 0) return -errno;
    rc = set_up_side(kClientAddress4, kClientAddress6, kServerAddress4, kServerAddress6, kServerMac,
                     error, "client");
    if (rc == 0 && ::setns(t->server_ns, CLONE_NEWNET) != 0) rc = -errno;
    if (rc == 0)
        rc = set_up_side(kServerAddress4, kServerAddress6, kClientAddress4, kClientAddress6,
                         kClientMac, error, "server");
    if (::setns(t->middle_ns, CLONE_NEWNET) != 0 && rc == 0) rc = -errno;
    if (rc < 0 && error->empty()) *error = "switching network namespaces failed: " + text(-rc);
    for (const char* name : {"sl-client", "sl-server"})
        if (rc == 0 && (rc = wait_until_sending(route.nl, if_nametoindex(name))) < 0)
            *error =
                std::string("waiting for ") + name + " to be ready to send failed: " + text(-rc);
    return rc;
}

int set_link_mtu(const LinkTopology& t, int mtu, std::string* error) {
    // Both ends of both pairs, so neither kernel sends a frame the other end would refuse.
    const struct {
        int ns;
        const char* name;
    } ends[] = {{t.middle_ns, "sl-client"},
                {t.middle_ns, "sl-server"},
                {t.client_ns, "eth0"},
                {t.server_ns, "eth0"}};
    for (const auto& end : ends) {
        const int rc = set_mtu_in(end.ns, t.middle_ns, end.name, mtu, error);
        if (rc < 0) return rc;
    }
    return 0;
}

}  // namespace socketlab::nethelper
