// The resolution family: getaddrinfo.
#include <netdb.h>

#include <array>
#include <cerrno>

#include "core/calls/call_table.h"
#include "core/calls/socket_constants.h"
#include "core/errno_text.h"

namespace socketlab {
namespace {

std::string parse_getaddrinfo(const StepCallWords& words, ParsedStepCall& out) {
    const auto& args = words.args;
    if (args.empty())
        return "'getaddrinfo' takes HOST [PORT] [FAMILY] [TYPE] [AI_FLAGS...] (use None for no "
               "host or no port)";
    CallSpec& spec = out.spec;
    spec.host = args[0] == "None" ? "" : args[0];
    if (spec.host.size() >= 2 && spec.host.front() == '"' && spec.host.back() == '"')
        spec.host = spec.host.substr(1, spec.host.size() - 2);
    spec.family = AF_UNSPEC;
    spec.type = 0;
    for (size_t i = 1; i < args.size(); ++i) {
        auto family = value_of(socket_families(), args[i]);
        auto type = value_of(socket_types(), args[i]);
        auto flag = value_of(addrinfo_flags(), args[i]);
        if (family && (*family == AF_INET || *family == AF_INET6 || *family == AF_UNSPEC ||
                       *family == AF_UNIX)) {
            spec.family = *family;
        } else if (type && *type != SOCK_RAW) {
            spec.type = *type;
        } else if (flag) {
            spec.ai_flags |= *flag;
        } else if (i == 1) {
            spec.service = args[i] == "None" ? "" : args[i];
        } else {
            return "unexpected '" + args[i] +
                   "' (after HOST PORT: AF_INET, AF_INET6, AF_UNSPEC, SOCK_STREAM, SOCK_DGRAM, "
                   "or an AI_ flag: " +
                   known_names(addrinfo_flags()) + ")";
        }
    }
    return "";
}

std::string entry_text(int family, int type, int protocol, const SocketAddress& address) {
    return "(" + name_of(socket_families(), family) + ", " + name_of(socket_types(), type) + ", " +
           name_of(socket_protocols(), protocol) + ", " + address.to_string() + ")";
}

void run_getaddrinfo(CallRun& run) {
    const CallSpec& spec = run.spec;
    addrinfo hints{};
    hints.ai_family = spec.family;
    hints.ai_socktype = spec.type;
    hints.ai_flags = spec.ai_flags;
    addrinfo* list = nullptr;
    const int rc =
        ::getaddrinfo(spec.host.empty() ? nullptr : spec.host.c_str(),
                      spec.service.empty() ? nullptr : spec.service.c_str(), &hints, &list);
    if (rc != 0) {
        run.out.ret = -1;
        run.out.err = rc == EAI_SYSTEM ? errno : gai_error_as_err(rc);
        return;
    }
    std::string lines;
    int count = 0;
    for (addrinfo* a = list; a; a = a->ai_next) {
        ++count;
        lines += entry_text(a->ai_family, a->ai_socktype, a->ai_protocol,
                            SocketAddress::from_sockaddr(a->ai_addr, a->ai_addrlen)) +
                 "\n";
    }
    freeaddrinfo(list);
    run.out.ret = count;
    run.out.data.assign(lines.begin(), lines.end());
    run.note = std::to_string(count) + " result" + (count == 1 ? "" : "s") + ":\n" +
               lines.substr(0, lines.empty() ? 0 : lines.size() - 1);
}

std::string getaddrinfo_text(const CallRecord& call) {
    const CallSpec& spec = call.spec;
    std::string text = (spec.host.empty() ? "None" : "\"" + spec.host + "\"") + ", " +
                       (spec.service.empty() ? "None" : "\"" + spec.service + "\"") + ", " +
                       name_of(socket_families(), spec.family) + ", " +
                       (spec.type == 0 ? "0" : name_of(socket_types(), spec.type));
    if (spec.ai_flags) text += ", " + bit_names(addrinfo_flags(), spec.ai_flags);
    return text;
}

constexpr std::array kEntries = {
    CallEntry{CallOp::GetAddrInfo, "getaddrinfo", "HOST [PORT] [FAMILY] [TYPE] [AI_FLAGS...]",
              false, false, parse_getaddrinfo, run_getaddrinfo, getaddrinfo_text},
};

}  // namespace

std::span<const CallEntry> resolution_calls() {
    return kEntries;
}

}  // namespace socketlab
