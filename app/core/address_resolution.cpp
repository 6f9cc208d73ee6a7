#include "core/address_resolution.h"

#include <unistd.h>

#include <cerrno>

#include "core/engine.h"
#include "core/errno_text.h"

namespace socketlab {
namespace {

// A port nobody listens on: bind port 0, read the kernel's choice, close. Used by
// "HOST:unused" so a lesson can show ECONNREFUSED without a fixed port. Made with the engine's
// socket factory: in the lesson's own network, if it has one. Free for TCP and for UDP: the
// port may be used either way. A few tries, in case another program holds the UDP port the
// kernel picked for TCP.
SocketAddress unused_port(const Engine& engine, const std::string& host, std::string& error) {
    auto addr = SocketAddress::from_host_port(host, 0, &error);
    if (!addr) return {};
    for (int attempt = 0; attempt < 20; ++attempt) {
        const int fd = engine.make_socket(addr->family(), SOCK_STREAM, 0);
        if (fd < 0 || ::bind(fd, addr->get(), addr->length) != 0) {
            error = "could not find an unused port on " + host + ": " +
                    errno_name(fd < 0 ? -fd : errno);
            if (fd >= 0) ::close(fd);
            return {};
        }
        const SocketAddress chosen = local_address_of(fd);
        const int udp = engine.make_socket(addr->family(), SOCK_DGRAM, 0);
        const bool udp_free = udp >= 0 && ::bind(udp, chosen.get(), chosen.length) == 0;
        if (udp >= 0) ::close(udp);
        ::close(fd);
        if (udp_free) return chosen;
    }
    error = "could not find a port on " + host + " that is free for both TCP and UDP";
    return {};
}

}  // namespace

SocketAddress resolve_step_address(const StepAddress& address, const Engine& engine,
                                   std::string& error) {
    switch (address.kind) {
        case StepAddress::Kind::Literal:
            return address.literal;
        case StepAddress::Kind::ActorSocket: {
            SocketAddress bound =
                reach_on_loopback(engine.directory().bound_address(address.actor, address.socket));
            if (bound.empty()) {
                error = address.text + " has no bound address yet (has " + address.actor +
                        " called bind?)";
                return {};
            }
            if (address.host.empty()) return bound;
            // [::1]:@server: the server's port on another of this machine's addresses.
            auto other = SocketAddress::from_host_port(address.host, bound.port(), &error);
            return other ? *other : SocketAddress{};
        }
        case StepAddress::Kind::UnusedPort:
            return unused_port(engine, address.host, error);
        case StepAddress::Kind::UnixPath: {
            if (address.abstract)
                return SocketAddress::from_unix_path(std::string(1, '\0') +
                                                     engine.abstract_name(address.host));
            const std::string path = engine.unix_path(address.host, &error);
            return path.empty() ? SocketAddress{} : SocketAddress::from_unix_path(path);
        }
    }
    return {};
}

}  // namespace socketlab
