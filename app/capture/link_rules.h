// What the app's own link between a link lesson's client side and server side does to packets:
// the standing settings (front matter `link: delay 20ms rate 10mbit mtu 1500`) and the one-shot
// commands of `link:` steps and the window's Link strip. Pure data and parsing; the relay
// (link_relay.h) applies them. Everything here is SocketLab's doing, never the kernel's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace socketlab {

enum class LinkSide { Client, Server };
const char* link_side_name(LinkSide side);  // "client", "server"

struct LinkSettings {
    double loss_percent = 0;  // each packet, either way, dropped with this chance
    double duplicate_percent = 0;
    int64_t delay_us = 0;      // one way: a round trip takes twice this
    int64_t rate_bits = 0;     // per second and direction; 0 = as fast as the relay goes
    int queue_packets = 100;   // packets waiting for a rate-limited link; tail drop beyond
    int mtu = 1500;            // set on the link's interfaces when it is made
    uint64_t seed = 1;         // for the random decisions, shown so a run can be replayed
    std::string text() const;  // "delay 20ms rate 10mbit mtu 1500 seed 1"
};

struct LinkCommand {
    enum class Kind {
        DropNext,       // drop next [N] [data|ack|syn] [from SIDE]
        DuplicateNext,  // duplicate next [N] [data|ack|syn] [from SIDE]
        ReorderNext,    // reorder next [N] [from SIDE]: the next packet goes after N-1 more
        CorruptNext,    // corrupt next [N] [data|ack|syn] [from SIDE]: one bit flipped
        Hold,           // hold [from SIDE]: keep packets until release
        Release,        // release: send what was held, in order
        Set,            // loss P% | duplicate P% | delay D | rate R | queue N | seed N
        Clear,          // clear: no loss, delay, rate or pending commands
    };
    enum class Match { Any, Data, PureAck, Syn };
    Kind kind = Kind::DropNext;
    std::optional<LinkSide> from;  // nullopt: either side
    Match match = Match::Any;
    int count = 1;
    LinkSettings settings;  // Set: the new settings are applied over the current ones
    std::string changed;    // Set: which settings the line names ("loss delay")
    std::string text;       // as written
    // What the learner is told: "SocketLab's link will drop the next packet from the client".
    std::string describe() const;
};

// Parses the words of a front-matter `link:` line over *settings. "" or the problem.
std::string parse_link_settings(const std::string& text, LinkSettings* settings);
// Parses a `link:` step or a control's command. "" or the problem.
std::string parse_link_command(const std::string& text, LinkCommand* command);

}  // namespace socketlab
