// The socket directory: one answer to "who owns this address", wildcard sockets reached on
// loopback, packets matched by both ends, and connections remembered after their socket.
#include "core/socket_directory.h"

#include <gtest/gtest.h>

namespace socketlab {
namespace {

SocketAddress at(const char* text) {
    return *SocketAddress::parse(text);
}

SocketSnapshot snapshot(const char* name, const char* local, const char* peer = "",
                        int type = SOCK_STREAM, bool listening = false) {
    SocketSnapshot s;
    s.name = name;
    s.type = type;
    s.listening = listening;
    s.local = at(local);
    s.bound = s.local.port() > 0;
    if (*peer) s.peer = at(peer);
    return s;
}

TEST(SocketDirectory, BoundAddressPrefersTheListenerThenTheNewestBound) {
    SocketDirectory d;
    d.publish(SocketSource::Engine, "server",
              {snapshot("sock", "127.0.0.1:5000", "", SOCK_STREAM, true),
               snapshot("conn", "127.0.0.1:5000", "127.0.0.1:40000")});
    EXPECT_EQ(d.bound_address("server").to_string(), "127.0.0.1:5000");
    EXPECT_EQ(d.bound_address("server", "conn").to_string(), "127.0.0.1:5000");
    EXPECT_TRUE(d.bound_address("nobody").empty());
    EXPECT_EQ(d.sockets_of("server").size(), 2u);
    // A new publication replaces what the actor had.
    d.publish(SocketSource::Engine, "server", {});
    EXPECT_TRUE(d.sockets_of("server").empty());
}

TEST(SocketDirectory, WildcardSocketsOwnTheirLoopbackAddress) {
    SocketDirectory d;
    d.publish(SocketSource::Engine, "client", {snapshot("sock", "0.0.0.0:41000", "", SOCK_DGRAM)});
    auto owner = d.owner_of(at("127.0.0.1:41000"));
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->actor, "client");
    EXPECT_FALSE(d.owner_of(at("127.0.0.2:41000")));
    EXPECT_EQ(reach_on_loopback(at("[::]:80")).to_string(), "[::1]:80");
    EXPECT_EQ(reach_on_loopback(at("10.0.0.1:80")).to_string(), "10.0.0.1:80");
}

TEST(SocketDirectory, PacketsNeedBothEndsOrTheSameProtocol) {
    SocketDirectory d;
    d.publish(SocketSource::Engine, "client",
              {snapshot("sock", "127.0.0.1:41000", "127.0.0.1:5000")});
    d.publish(SocketSource::Engine, "server", {snapshot("udp", "127.0.0.1:6000", "", SOCK_DGRAM)});
    // The lesson's connection, either way.
    EXPECT_TRUE(d.owner_of_packet(at("127.0.0.1:41000"), at("127.0.0.1:5000"), true));
    EXPECT_TRUE(d.owner_of_packet(at("127.0.0.1:5000"), at("127.0.0.1:41000"), true));
    // Another program whose connection happens to use the same port number with another peer.
    EXPECT_FALSE(d.owner_of_packet(at("127.0.0.1:41000"), at("127.0.0.1:7777"), true));
    // TCP to a port the lesson uses only for UDP is not the lesson's.
    EXPECT_FALSE(d.owner_of_packet(at("127.0.0.1:6000"), at("127.0.0.1:9"), true));
    EXPECT_TRUE(d.owner_of_packet(at("127.0.0.1:9"), at("127.0.0.1:6000"), false));
    EXPECT_TRUE(d.has_port(6000, false));
    EXPECT_FALSE(d.has_port(6000, true));
}

TEST(SocketDirectory, ConnectionsAreRememberedAfterTheirSocketCloses) {
    SocketDirectory d;
    d.publish(SocketSource::Engine, "client",
              {snapshot("sock", "127.0.0.1:41000", "127.0.0.1:5000")});
    d.publish(SocketSource::Engine, "client", {});  // closed: FIN and TIME_WAIT follow
    auto owner = d.owner_of_packet(at("127.0.0.1:41000"), at("127.0.0.1:5000"), true);
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->actor, "client");
    EXPECT_TRUE(d.ports().count(41000));
    d.clear();
    EXPECT_FALSE(d.owner_of_packet(at("127.0.0.1:41000"), at("127.0.0.1:5000"), true));
}

TEST(SocketDirectory, KernelSocketsFindTheirOwnSideAndQueuedConnections) {
    SocketDirectory d;
    d.publish(SocketSource::Engine, "server",
              {snapshot("sock", "0.0.0.0:5000", "", SOCK_STREAM, true)});
    d.publish(SocketSource::Engine, "client",
              {snapshot("sock", "127.0.0.1:41000", "127.0.0.1:5000")});
    bool queued = false;
    // The server's side of a connection not yet accepted: the listener's, queued.
    auto server_side = d.owner_of_tcp_socket(at("127.0.0.1:5000"), at("127.0.0.1:41000"), &queued);
    ASSERT_TRUE(server_side);
    EXPECT_EQ(server_side->actor, "server");
    EXPECT_TRUE(queued);
    // The client's side is the client's, though its peer is the server's port.
    auto client_side = d.owner_of_tcp_socket(at("127.0.0.1:41000"), at("127.0.0.1:5000"), &queued);
    ASSERT_TRUE(client_side);
    EXPECT_EQ(client_side->actor, "client");
    EXPECT_FALSE(queued);
}

TEST(SocketDirectory, KeptServerSocketsSurviveALessonReset) {
    SocketDirectory d;
    d.publish(SocketSource::KeptServer, "server",
              {snapshot("kept", "127.0.0.1:7000", "", SOCK_STREAM, true)});
    d.publish(SocketSource::Engine, "client", {snapshot("sock", "127.0.0.1:41000")});
    d.clear();
    EXPECT_EQ(d.sockets_of("server").size(), 1u);
    EXPECT_TRUE(d.sockets_of("client").empty());
}

}  // namespace
}  // namespace socketlab
