// The packet list's "Show" filter (app/ui/packet_list_view.h): which packets each choice keeps.
#include <gtest/gtest.h>

#include "event_test_util.h"
#include "ui/packet_list_view.h"

namespace socketlab::ui {
namespace {

using Filter = PacketListView::Filter;

const PacketRecord& record_of(const Event& e) {
    return *e.packet();
}

TEST(PacketListFilter, EachChoiceKeepsItsPackets) {
    const Event syn = test::packet_event(0, "127.0.0.1:40000", "127.0.0.1:5000", "SYN", 0, 0);
    const Event data =
        test::packet_event(1, "127.0.0.1:40000", "127.0.0.1:5000", "PSH,ACK", 1, 1, 10);
    const Event ack = test::packet_event(2, "127.0.0.1:5000", "127.0.0.1:40000", "ACK", 1, 11);
    const Event udp = test::packet_event(3, "127.0.0.1:40001", "127.0.0.1:5001", "", 0, 0, 4,
                                         TransportProto::Udp);
    Event again = data;
    again.packet()->analysis.retransmission = true;
    Event dropped = data;
    dropped.packet()->link = LinkRecord{};
    dropped.packet()->link->fate = LinkRecord::Fate::Dropped;

    auto keeps = [](Filter f, const Event& e, const char* actor = "") {
        return PacketListView::passes(f, record_of(e), "client", "server", actor);
    };
    for (const Event* e : {&syn, &data, &ack, &udp}) EXPECT_TRUE(keeps(Filter::All, *e));
    EXPECT_TRUE(keeps(Filter::Tcp, syn));
    EXPECT_FALSE(keeps(Filter::Tcp, udp));
    EXPECT_TRUE(keeps(Filter::Udp, udp));
    EXPECT_FALSE(keeps(Filter::Udp, data));
    EXPECT_TRUE(keeps(Filter::OpenClose, syn));
    EXPECT_FALSE(keeps(Filter::OpenClose, data));
    EXPECT_FALSE(keeps(Filter::OpenClose, udp));
    EXPECT_TRUE(keeps(Filter::Data, data));
    EXPECT_TRUE(keeps(Filter::Data, udp));
    EXPECT_FALSE(keeps(Filter::Data, ack));
    EXPECT_FALSE(keeps(Filter::Trouble, data));
    EXPECT_TRUE(keeps(Filter::Trouble, again));
    EXPECT_TRUE(keeps(Filter::Trouble, dropped));
    EXPECT_TRUE(keeps(Filter::Actor, data, "server"));
    EXPECT_FALSE(keeps(Filter::Actor, data, "client2"));
}

}  // namespace
}  // namespace socketlab::ui
