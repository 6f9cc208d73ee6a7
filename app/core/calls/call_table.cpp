#include "core/calls/call_table.h"

#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace socketlab {
namespace {

// Every op once, indexed by its value; checked when first used, so a family that forgets an
// entry or lists one twice is found by the first test that makes any call.
struct Table {
    std::vector<const CallEntry*> by_op;
    std::vector<const CallEntry*> all;

    Table() {
        for (auto family : {connection_calls(), data_calls(), option_calls(), readiness_calls(),
                            resolution_calls()})
            for (const CallEntry& entry : family) {
                const auto index = static_cast<size_t>(entry.op);
                if (by_op.size() <= index) by_op.resize(index + 1, nullptr);
                if (by_op[index]) {
                    std::fprintf(stderr, "call table: '%s' is listed twice\n", entry.name);
                    std::abort();
                }
                by_op[index] = &entry;
                all.push_back(&entry);
            }
        for (size_t i = 0; i < by_op.size(); ++i)
            if (!by_op[i]) {
                std::fprintf(stderr, "call table: CallOp %zu has no entry\n", i);
                std::abort();
            }
    }
};

const Table& table() {
    static const Table t;
    return t;
}

}  // namespace

std::string StepCallWords::want(size_t min, size_t max, const char* usage) const {
    if (args.size() >= min && args.size() <= max) return "";
    return "'" + call + "' takes " + usage + " (got " + std::to_string(args.size()) + " argument" +
           (args.size() == 1 ? "" : "s") + ")";
}

bool CallRun::would_block(short events) const {
    if (spec.flags & MSG_DONTWAIT) return false;
    if (fcntl(fd(), F_GETFL) & O_NONBLOCK) return false;
    pollfd p{fd(), events, 0};
    return ::poll(&p, 1, 0) == 0;
}

void CallRun::refuse(std::string why) {
    out.ret = -1;
    out.engine_error = std::move(why);
}

void set_result(CallRun& run, int64_t ret) {
    run.out.ret = ret;
    run.out.err = ret < 0 ? errno : 0;
}

std::string parse_no_args(const StepCallWords& words, ParsedStepCall&) {
    return words.want(0, 0, "no arguments");
}

std::string no_args_text(const CallRecord&) {
    return "";
}

const CallEntry& call_entry(CallOp op) {
    return *table().by_op.at(static_cast<size_t>(op));
}

const CallEntry* find_call(const std::string& name) {
    for (const CallEntry* entry : table().all)
        if (name == entry->name) return entry;
    return nullptr;
}

std::string known_call_names() {
    std::vector<std::string> names;
    for (const CallEntry* entry : table().all) names.emplace_back(entry->name);
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

const char* call_op_name(CallOp op) {
    return call_entry(op).name;
}

std::string call_args_text(const CallRecord& call) {
    return call_entry(call.spec.op).args_text(call);
}

std::string quoted_preview(const std::vector<uint8_t>& data, bool more) {
    constexpr size_t kShown = 40;
    std::string text = to_printable(data, kShown);
    return "b\"" + text + (more || data.size() > kShown ? "...\"" : "\"");
}

}  // namespace socketlab
