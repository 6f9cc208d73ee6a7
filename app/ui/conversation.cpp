#include "ui/conversation.h"

#include <algorithm>
#include <map>

namespace socketlab::ui {
namespace {

struct Side {
    std::vector<size_t> sent, received;  // the calls that sent bytes from it / received them
    std::string actor;
};

struct Building {
    SocketAddress a, b;  // in key order
    bool tcp = true;
    Side from_a, from_b;
    int64_t first_t = INT64_MAX;
    bool a_first = true;
};

}  // namespace

std::string Conversation::label() const {
    const std::string one = first_actor.empty() ? first.to_string() : first_actor;
    const std::string two = second_actor.empty() ? second.to_string() : second_actor;
    std::string label = one + " \xE2\x86\x94 " + two + (tcp ? ", TCP" : ", UDP");
    if (same_ends_as_another)
        label += ", :" + std::to_string(first.port()) +
                 " \xE2\x86\x94 :" + std::to_string(second.port());
    return label;
}

std::vector<Conversation> build_conversations(const RunRecord& record,
                                              const SocketDirectory& directory) {
    const auto& events = record.events();
    std::map<std::string, Building> by_key;
    std::vector<std::string> order;  // keys in first-seen order
    for (size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        if (!carries_bytes(e)) continue;
        const CallRecord& call = *e.call();
        if (call.bytes_total == 0 || call.local.empty() || call.peer.empty()) continue;
        const std::string local = call.local.to_string(), peer = call.peer.to_string();
        const bool local_is_a = local < peer;
        const std::string key = local_is_a ? local + "|" + peer : peer + "|" + local;
        auto [it, added] = by_key.try_emplace(key);
        Building& c = it->second;
        if (added) {
            order.push_back(key);
            c.a = local_is_a ? call.local : call.peer;
            c.b = local_is_a ? call.peer : call.local;
        }
        if (added)
            c.tcp = directory.owner_of_packet(call.local, call.peer, true).has_value() ||
                    !directory.owner_of_packet(call.local, call.peer, false).has_value();
        // Which end the bytes left from: ours when we sent them, the peer's when we received.
        const bool sent = call.direction == Direction::Sent;
        const bool from_a = sent == local_is_a;
        Side& side = from_a ? c.from_a : c.from_b;
        (sent ? side.sent : side.received).push_back(i);
        Side& own = local_is_a ? c.from_a : c.from_b;  // the actor whose socket `local` is
        if (own.actor.empty()) own.actor = e.actor;
        if (e.t_us < c.first_t) {
            c.first_t = e.t_us;
            c.a_first = from_a;
        }
    }
    std::vector<Conversation> out;
    for (const std::string& key : order) {
        Building& c = by_key[key];
        Conversation conv;
        conv.tcp = c.tcp;
        conv.first = c.a_first ? c.a : c.b;
        conv.second = c.a_first ? c.b : c.a;
        conv.first_actor = c.a_first ? c.from_a.actor : c.from_b.actor;
        conv.second_actor = c.a_first ? c.from_b.actor : c.from_a.actor;
        // Each byte once: from the sender's calls, else (an outside sender) the receiver's.
        auto take = [&](const Side& side, bool from_first, uint64_t* total) {
            const auto& calls = side.sent.empty() ? side.received : side.sent;
            for (size_t index : calls) {
                conv.chunks.push_back({index, from_first});
                *total += events[index].call()->bytes_total;
            }
        };
        take(c.a_first ? c.from_a : c.from_b, true, &conv.bytes_from_first);
        take(c.a_first ? c.from_b : c.from_a, false, &conv.bytes_from_second);
        std::stable_sort(conv.chunks.begin(), conv.chunks.end(),
                         [&](const Conversation::Chunk& x, const Conversation::Chunk& y) {
                             return events[x.event].t_us < events[y.event].t_us;
                         });
        out.push_back(std::move(conv));
    }
    std::map<std::string, int> labels;
    for (const Conversation& conv : out) ++labels[conv.label()];
    for (Conversation& conv : out) conv.same_ends_as_another = labels[conv.label()] > 1;
    return out;
}

std::string conversation_text(const std::vector<uint8_t>& bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
        const uint8_t c = bytes[i];
        if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') continue;
        if (c == '\n' || (c >= 0x20 && c < 0x7f))
            out.push_back(static_cast<char>(c));
        else
            out.push_back('.');
    }
    return out;
}

}  // namespace socketlab::ui
