#include "lesson/lesson_reach.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include "capture/link_topology.h"

namespace socketlab {
namespace {

bool is_link_address(const SocketAddress& a) {
    const std::string host = a.host_string();
    return host == nethelper::kClientAddress4 || host == nethelper::kServerAddress4 ||
           host == nethelper::kClientAddress6 || host == nethelper::kServerAddress6;
}

// A host written in the step (HOST:@actor, HOST:unused): "" if the lesson may use it.
std::string check_host(const std::string& host, bool for_bind, bool link_lesson) {
    if (host.empty()) return "";
    const auto a = SocketAddress::from_host_port(host, 0);
    if (!a) return "'" + host + "' is not a numeric address";
    if (a->is_loopback()) return "";
    // A bind reaches nothing by itself; beyond loopback it runs in the private network only.
    if (for_bind) return "";
    if (link_lesson && is_link_address(*a)) return "";
    return std::string("a lesson reaches only its own sockets, on this machine's loopback (") +
           "127.0.0.1, ::1" + (link_lesson ? ", or the link's 198.18.0.1, 198.18.0.2" : "") +
           "); " + host + " is another machine's address or another network's";
}

std::string check_literal(const Step& step, const SocketAddress& a, bool link_lesson) {
    const bool bind = step.spec.op == CallOp::Bind;
    if (std::string why = check_host(a.host_string(), bind, link_lesson); !why.empty()) return why;
    const int port = a.port();
    if (!bind) {
        if (port == 0) return "";  // nothing can listen on port 0: the kernel refuses the call
        return "a lesson reaches only its own sockets: port " + std::to_string(port) +
               " may be another program's (a database, a web server). Write @ACTOR for an "
               "actor's socket, or " +
               (a.family() == AF_INET6 ? "[::1]" : "127.0.0.1") +
               ":unused for a port that nothing listens on";
    }
    if (port == 0) return "";
    if (step.spec.unprivileged && port < 1024) return "";  // refused by the kernel: EACCES
    return "a lesson binds port 0 (the kernel chooses a free port), an actor's port (@ACTOR), "
           "or a port below 1024 with 'unprivileged': port " +
           std::to_string(port) + " may be one that another program needs";
}

}  // namespace

bool binds_wildcard(const Step& step) {
    if (step.spec.op != CallOp::Bind || !step.address) return false;
    const StepAddress& a = *step.address;
    if (a.kind == StepAddress::Kind::Literal) return !a.literal.is_loopback();
    if (a.kind == StepAddress::Kind::ActorSocket && !a.host.empty()) {
        const auto host = SocketAddress::from_host_port(a.host, 0);
        return host && !host->is_loopback();
    }
    return false;
}

std::string check_step_reach(const Step& step, bool link_lesson) {
    if (step.spec.op == CallOp::GetAddrInfo) {
        const std::string& host = step.spec.host;
        // AI_NUMERICHOST: the resolver refuses a name itself, without asking anyone.
        if (host.empty() || host == "localhost" || (step.spec.ai_flags & AI_NUMERICHOST)) return "";
        in6_addr any{};
        if (inet_pton(AF_INET, host.c_str(), &any) == 1 ||
            inet_pton(AF_INET6, host.c_str(), &any) == 1)
            return "";
        return "a lesson resolves only numeric addresses, None and localhost: the name '" + host +
               "' would be sent to your DNS server";
    }
    if (!step.address) return "";
    const StepAddress& a = *step.address;
    const bool bind = step.spec.op == CallOp::Bind;
    switch (a.kind) {
        case StepAddress::Kind::Literal:
            return check_literal(step, a.literal, link_lesson);
        case StepAddress::Kind::ActorSocket:
        case StepAddress::Kind::UnusedPort:
            return check_host(a.host, bind, link_lesson);
        case StepAddress::Kind::UnixPath:
            if (!a.abstract && (a.host == "." || a.host == ".."))
                return "unix:" + a.host + " is a folder, not a socket name in the run's folder";
            return "";
    }
    return "";
}

std::string check_try_server_host(const std::string& host) {
    const auto a = SocketAddress::from_host_port(host, 0);
    if (!a) return "'" + host + "' is not a numeric address (use 127.0.0.1 or ::1)";
    if (a->is_loopback()) return "";
    return "the try-server listens on loopback only (127.0.0.1 or ::1), like `socketlab --serve` "
           "without --allow-remote: on " +
           host + " other machines could reach it";
}

}  // namespace socketlab
