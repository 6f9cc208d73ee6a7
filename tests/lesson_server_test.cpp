// The servers for the learner's own client (--serve, Keep the server open), in process: any
// bytes round-trip exactly, each protocol answers, misbehaving clients do not stop them.
#include "core/lesson_server.h"

#include <gtest/gtest.h>

#include "socket_client_util.h"

namespace socketlab::test {
namespace {

LessonServerOptions options(const std::string& kind, int port = 0) {
    LessonServerOptions o;
    o.port = port;
    EXPECT_TRUE(server_kind_options(kind, o)) << kind;
    return o;
}

// Reads until the peer closes (or 5 s pass), as an HTTP/1.0-style client does.
std::string read_to_end(int fd) {
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string out;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        out.append(buffer, static_cast<size_t>(n));
    }
    return out;
}

// A server of this kind on 127.0.0.1, port 0, logging into log.
std::unique_ptr<LessonServer> started(EventLog& log, const std::string& kind) {
    auto server = std::make_unique<LessonServer>(log);
    std::string error;
    EXPECT_TRUE(server->start(options(kind), error)) << error;
    return server;
}

bool send_text(int fd, const std::string& text) {
    return send_all(fd, std::vector<uint8_t>(text.begin(), text.end()));
}

TEST(LessonServer, LargeBinaryPayloadRoundTripsByteForByte) {
    EventLog log;
    auto server_ptr = started(log, "tcp-echo");
    LessonServer& server = *server_ptr;
    ASSERT_GT(server.address().port(), 0);
    int fd = connect_to(server.address());
    ASSERT_GE(fd, 0);
    auto payload = random_bytes(8 * 1024 * 1024);
    EXPECT_EQ(echo_round_trip(fd, payload), payload);
    ::close(fd);
    server.stop();
}

TEST(LessonServer, SurvivesAbruptDisconnectsAndGarbage) {
    EventLog log;
    auto server_ptr = started(log, "tcp-echo");
    LessonServer& server = *server_ptr;
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
                            [](const Event& e) {
                                return e.actor == "server" && e.is_call(CallOp::Accept) &&
                                       e.call()->ret >= 0;
                            }),
              3);
    EXPECT_GE(
        std::count_if(events.begin(), events.end(),
                      [](const Event& e) { return e.is_call(CallOp::Close) && !e.note.empty(); }),
        2);
}

TEST(LessonServer, UdpEchoesEachDatagramWhole) {
    EventLog log;
    auto server_ptr = started(log, "udp-echo");
    LessonServer& server = *server_ptr;
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

TEST(LessonServer, PortInUseIsAClearError) {
    EventLog log;
    LessonServer first(log);
    std::string error;
    ASSERT_TRUE(first.start(options("tcp-echo"), error)) << error;
    LessonServer second(log);
    EXPECT_FALSE(second.start(options("tcp-echo", first.address().port()), error));
    EXPECT_NE(error.find("EADDRINUSE"), std::string::npos) << error;
}

TEST(LessonServer, EachClientIsItsOwnActor) {
    EventLog log;
    auto server_ptr = started(log, "tcp-echo");
    LessonServer& server = *server_ptr;
    int a = connect_to(server.address());
    int b = connect_to(server.address());
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    EXPECT_EQ(echo_round_trip(a, {'a'}), std::vector<uint8_t>{'a'});
    EXPECT_EQ(echo_round_trip(b, {'b'}), std::vector<uint8_t>{'b'});
    ::close(a);
    ::close(b);
    ASSERT_TRUE(log.wait_for(
        [](const Event& e) { return e.actor == "outside-2" && e.is_call(CallOp::Close); },
        std::chrono::seconds(5)));
    std::vector<Event> events;
    log.drain(events);
    auto bytes_of = [&](const std::string& actor, Direction d) {
        std::string out;
        for (const auto& e : events)
            if (e.actor == actor && e.call() && e.call()->direction == d)
                out.append(e.bytes().begin(), e.bytes().end());
        return out;
    };
    EXPECT_EQ(bytes_of("outside-1", Direction::Received), "a");
    EXPECT_EQ(bytes_of("outside-2", Direction::Received), "b");
    EXPECT_EQ(bytes_of("outside-2", Direction::Sent), "b");
    EXPECT_EQ(server.clients_seen(), 2);
}

TEST(LessonServer, HttpAnswersGetWithContentLength) {
    EventLog log;
    auto server_ptr = started(log, "http");
    LessonServer& server = *server_ptr;
    int fd = connect_to(server.address());
    ASSERT_GE(fd, 0);
    // The request in two pieces: the server must wait for the blank line.
    ASSERT_TRUE(send_text(fd, "GET /hello HTTP/1.1\r\nHo"));
    ASSERT_TRUE(send_text(fd, "st: localhost\r\n\r\n"));
    std::string response = read_to_end(fd);
    ::close(fd);
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
    EXPECT_NE(response.find("Content-Length: 14\r\n"), std::string::npos) << response;
    EXPECT_EQ(response.substr(response.find("\r\n\r\n") + 4), "Hello, world!\n");

    fd = connect_to(server.address());
    ASSERT_TRUE(send_text(fd, "HEAD /hello HTTP/1.1\r\n\r\n"));
    response = read_to_end(fd);
    ::close(fd);
    EXPECT_NE(response.find("Content-Length: 14\r\n"), std::string::npos) << response;
    EXPECT_EQ(response.substr(response.size() - 4), "\r\n\r\n") << "HEAD has no body";

    fd = connect_to(server.address());
    ASSERT_TRUE(send_text(fd, "GET /nothing HTTP/1.1\r\n\r\n"));
    EXPECT_EQ(read_to_end(fd).rfind("HTTP/1.1 404 Not Found", 0), 0u);
    ::close(fd);

    fd = connect_to(server.address());
    ASSERT_TRUE(send_text(fd, "\x16\x03\x01 garbage\r\n\r\n"));  // e.g. a TLS hello
    EXPECT_EQ(read_to_end(fd).rfind("HTTP/1.1 400 Bad Request", 0), 0u);
    ::close(fd);
}

TEST(LessonServer, HttpRefusesAnEndlessRequestHead) {
    EventLog log;
    auto server_ptr = started(log, "http");
    LessonServer& server = *server_ptr;
    int fd = connect_to(server.address());
    ASSERT_GE(fd, 0);
    std::string head =
        "GET / HTTP/1.1\r\nX-Long: " + std::string(LessonServer::kMaxRequestBytes, 'x');
    ASSERT_TRUE(send_text(fd, head));
    EXPECT_EQ(read_to_end(fd).rfind("HTTP/1.1 431", 0), 0u);
    ::close(fd);
}

TEST(LessonServer, TextProtocolDialogue) {
    EventLog log;
    auto server_ptr = started(log, "text-protocol");
    LessonServer& server = *server_ptr;
    int fd = connect_to(server.address());
    ASSERT_GE(fd, 0);
    EXPECT_EQ(read_line(fd).rfind("220 ", 0), 0u);
    // Two commands in one send: one recv is not one line, the server must split them.
    ASSERT_TRUE(send_text(fd, "HELO learner\r\nECHO one two\r\n"));
    EXPECT_EQ(read_line(fd), "250 Hello learner\r\n");
    EXPECT_EQ(read_line(fd), "250 one two\r\n");
    ASSERT_TRUE(send_text(fd, "FROB\r\n"));
    EXPECT_EQ(read_line(fd).rfind("500 ", 0), 0u);
    ASSERT_TRUE(send_text(fd, std::string(LessonServer::kMaxRequestBytes + 10, 'z') + "\r\n"));
    EXPECT_EQ(read_line(fd), "500 Line too long (over 16 KiB)\r\n");
    ASSERT_TRUE(send_text(fd, "quit\r\n"));
    EXPECT_EQ(read_to_end(fd), "221 Bye\r\n");
    ::close(fd);
}

TEST(LessonServer, ClientCommandsNameTheRealPort) {
    auto address = *SocketAddress::parse("127.0.0.1:4321");
    EXPECT_EQ(client_command("tcp-echo", address), "nc 127.0.0.1 4321");
    EXPECT_EQ(client_command("udp-echo", address), "nc -u 127.0.0.1 4321");
    EXPECT_EQ(client_command("http", address), "curl -v http://127.0.0.1:4321/hello");
    auto v6 = *SocketAddress::parse("[::1]:4321");
    EXPECT_NE(python_client_snippet("tcp-echo", v6).find("(\"::1\", 4321)"), std::string::npos);
}

}  // namespace
}  // namespace socketlab::test
