// The --serve echo server, in process: any bytes round-trip exactly, misbehaving clients do
// not stop it.
#include "core/echo_server.h"

#include <gtest/gtest.h>

#include "socket_client_util.h"

namespace socketlab::test {
namespace {

TEST(EchoServer, LargeBinaryPayloadRoundTripsByteForByte) {
    EventLog log;
    EchoServer server(log);
    std::string error;
    ASSERT_TRUE(server.start({"127.0.0.1", 0, false}, error)) << error;
    ASSERT_GT(server.address().port(), 0);
    int fd = connect_to(server.address());
    ASSERT_GE(fd, 0);
    auto payload = random_bytes(8 * 1024 * 1024);
    EXPECT_EQ(echo_round_trip(fd, payload), payload);
    ::close(fd);
    server.stop();
}

TEST(EchoServer, SurvivesAbruptDisconnectsAndGarbage) {
    EventLog log;
    EchoServer server(log);
    std::string error;
    ASSERT_TRUE(server.start({"127.0.0.1", 0, false}, error)) << error;
    // A client that sends a lot and vanishes with a reset before reading its echo.
    int rude = connect_to(server.address());
    ASSERT_GE(rude, 0);
    ASSERT_TRUE(send_all(rude, random_bytes(512 * 1024, 3)));
    abort_connection(rude);
    // A client that connects and disconnects at once.
    int shy = connect_to(server.address());
    ASSERT_GE(shy, 0);
    ::close(shy);
    // The server still serves a new client, including every byte value.
    int fd = connect_to(server.address());
    ASSERT_GE(fd, 0);
    std::vector<uint8_t> all_bytes(256);
    for (int i = 0; i < 256; ++i) all_bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
    EXPECT_EQ(echo_round_trip(fd, all_bytes), all_bytes);
    ::close(fd);
    server.stop();
    // Every client was accepted, and the two that left were closed with a reason.
    std::vector<Event> events;
    log.drain(events);
    EXPECT_EQ(std::count_if(events.begin(), events.end(),
                            [](const Event& e) { return e.call == "accept" && e.ret >= 0; }),
              3);
    EXPECT_GE(std::count_if(events.begin(), events.end(),
                            [](const Event& e) { return e.call == "close" && !e.note.empty(); }),
              2);
}

TEST(EchoServer, UdpEchoesEachDatagramWhole) {
    EventLog log;
    EchoServer server(log);
    std::string error;
    ASSERT_TRUE(server.start({"127.0.0.1", 0, true}, error)) << error;
    int fd = connect_to(server.address(), SOCK_DGRAM);
    ASSERT_GE(fd, 0);
    for (size_t size : {1u, 10u, 1400u, 60000u}) {
        auto datagram = random_bytes(size, static_cast<unsigned>(size));
        ASSERT_EQ(::send(fd, datagram.data(), datagram.size(), 0), static_cast<ssize_t>(size));
        std::vector<uint8_t> back(65536);
        ssize_t n = ::recv(fd, back.data(), back.size(), 0);
        ASSERT_EQ(n, static_cast<ssize_t>(size));
        back.resize(static_cast<size_t>(n));
        EXPECT_EQ(back, datagram);
    }
    ::close(fd);
}

TEST(EchoServer, PortInUseIsAClearError) {
    EventLog log;
    EchoServer first(log);
    std::string error;
    ASSERT_TRUE(first.start({"127.0.0.1", 0, false}, error)) << error;
    EchoServer second(log);
    EXPECT_FALSE(second.start({"127.0.0.1", first.address().port(), false}, error));
    EXPECT_NE(error.find("EADDRINUSE"), std::string::npos) << error;
}

}  // namespace
}  // namespace socketlab::test
