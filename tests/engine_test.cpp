// The live engine on real loopback sockets: every call, and the error paths a lesson shows.
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <fstream>

#include "core/errno_text.h"
#include "engine_test_util.h"

namespace socketlab::test {
namespace {

class EngineTest : public ::testing::Test {
  protected:
    EventLog log;
    Engine engine{log};

    // A listening TCP server on 127.0.0.1 with an OS-chosen port; returns its address.
    SocketAddress listening_server(const std::string& actor = "server", int backlog = 5) {
        EXPECT_GE(call(engine, actor, make_socket()).ret, 0);
        EXPECT_EQ(call(engine, actor, make_bind("127.0.0.1:0")).ret, 0);
        EXPECT_EQ(call(engine, actor, make_listen(backlog)).ret, 0);
        SocketAddress address = engine.directory().bound_address(actor);
        EXPECT_GT(address.port(), 0);
        return address;
    }

    // server and client connected; the server's connection socket is "conn".
    void connected_pair() {
        SocketAddress address = listening_server();
        ASSERT_GE(call(engine, "client", make_socket()).ret, 0);
        ASSERT_EQ(call(engine, "client", make_addr(CallOp::Connect, address)).ret, 0);
        CallOutcome accepted = call(engine, "server", make(CallOp::Accept));
        ASSERT_GE(accepted.ret, 0);
        ASSERT_EQ(accepted.socket_name, "conn");
    }

    std::vector<Event> events() {
        std::vector<Event> out;
        log.drain(out);
        return out;
    }
};

TEST_F(EngineTest, BindPortZeroGetsAnEphemeralPortFromTheKernel) {
    SocketAddress address = listening_server();
    EXPECT_EQ(address.host_string(), "127.0.0.1");
    CallOutcome name = call(engine, "server", make(CallOp::GetSockName));
    EXPECT_EQ(name.ret, 0);
    EXPECT_EQ(name.local.port(), address.port());
}

TEST_F(EngineTest, EchoRoundTripRecordsEveryCallWithBytesAndAddresses) {
    connected_pair();
    EXPECT_EQ(call(engine, "client", make_send("Hello karl")).ret, 10);
    CallOutcome got = call(engine, "server", make_recv(30));
    EXPECT_EQ(got.ret, 10);
    EXPECT_EQ(text_of(got.data), "Hello karl");
    EXPECT_EQ(call(engine, "server", make_send("Hello karl")).ret, 10);
    CallOutcome echo = call(engine, "client", make_recv(30));
    EXPECT_EQ(text_of(echo.data), "Hello karl");

    std::vector<Event> all = events();
    const Event* client_send = nullptr;
    for (const auto& e : all)
        if (e.actor == "client" && e.kind == EventKind::Call && e.is_call(CallOp::Send))
            client_send = &e;
    ASSERT_NE(client_send, nullptr);
    EXPECT_EQ(client_send->call()->direction, Direction::Sent);
    EXPECT_EQ(text_of(client_send->bytes()), "Hello karl");
    EXPECT_EQ(client_send->call()->peer.to_string(),
              engine.directory().bound_address("server").to_string());
    EXPECT_FALSE(client_send->call()->local.empty());
    // One call after another: their times only move forward.
    for (size_t i = 1; i < all.size(); ++i) EXPECT_LE(all[i - 1].t_us, all[i].t_us);
}

TEST_F(EngineTest, AcceptBlocksUntilAClientConnects) {
    SocketAddress address = listening_server();
    uint64_t accept_ticket = engine.submit("server", make(CallOp::Accept));
    ASSERT_TRUE(engine.wait_settled(accept_ticket, kWait));
    EXPECT_EQ(engine.phase(accept_ticket), TicketPhase::Blocked);
    EXPECT_TRUE(log.wait_for(
        [](const Event& e) { return e.kind == EventKind::Wait && e.is_call(CallOp::Accept); },
        kWait));
    ASSERT_GE(call(engine, "client", make_socket()).ret, 0);
    ASSERT_EQ(call(engine, "client", make_addr(CallOp::Connect, address)).ret, 0);
    ASSERT_TRUE(engine.wait_done(accept_ticket, kWait));
    auto accepted = engine.outcome(accept_ticket);
    ASSERT_TRUE(accepted);
    EXPECT_GE(accepted->ret, 0);
    EXPECT_TRUE(accepted->waited);
}

TEST_F(EngineTest, ConnectToAPortNobodyListensOnIsRefused) {
    // Bind then close a socket to learn a port that is free right now.
    SocketAddress free_port;
    {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        auto any = *SocketAddress::parse("127.0.0.1:0");
        ASSERT_EQ(::bind(fd, any.get(), any.length), 0);
        free_port = local_address_of(fd);
        ::close(fd);
    }
    ASSERT_GE(call(engine, "client", make_socket()).ret, 0);
    CallOutcome out = call(engine, "client", make_addr(CallOp::Connect, free_port));
    EXPECT_EQ(out.ret, -1);
    EXPECT_EQ(out.err, ECONNREFUSED);
    auto all = events();
    ASSERT_FALSE(all.empty());
    ASSERT_NE(all.back().call(), nullptr);
    EXPECT_EQ(all.back().call()->err, ECONNREFUSED);
    EXPECT_NE(errno_explanation(ECONNREFUSED).find("listening"), std::string::npos);
}

TEST_F(EngineTest, BindingAnAddressInUseFailsWithEaddrinuse) {
    SocketAddress address = listening_server();
    ASSERT_GE(call(engine, "other", make_socket()).ret, 0);
    CallOutcome out = call(engine, "other", make_addr(CallOp::Bind, address));
    EXPECT_EQ(out.ret, -1);
    EXPECT_EQ(out.err, EADDRINUSE);
}

TEST_F(EngineTest, PrivilegedPortWithoutPrivilegeIsEacces) {
    int unprivileged_start = 1024;
    std::ifstream("/proc/sys/net/ipv4/ip_unprivileged_port_start") >> unprivileged_start;
    if (unprivileged_start <= 80) GTEST_SKIP() << "this kernel lets anyone bind port 80";
    ASSERT_GE(call(engine, "server", make_socket()).ret, 0);
    CallOutcome out = call(engine, "server", make_bind("127.0.0.1:80", true));
    EXPECT_EQ(out.ret, -1);
    EXPECT_EQ(out.err, EACCES);
}

TEST_F(EngineTest, NonBlockingReceiveOnAnEmptySocketIsEagain) {
    connected_pair();
    CallOutcome out = call(engine, "client", make_recv(30, MSG_DONTWAIT));
    EXPECT_EQ(out.ret, -1);
    EXPECT_EQ(out.err, EAGAIN);
    EXPECT_FALSE(out.waited);
}

TEST_F(EngineTest, SmallBufferSplitsAMessageAcrossReceives) {
    connected_pair();
    const std::string message = "This message is longer than thirty bytes!";
    ASSERT_EQ(call(engine, "client", make_send(message)).ret, static_cast<int64_t>(message.size()));
    CallOutcome first = call(engine, "server", make_recv(30));
    CallOutcome second = call(engine, "server", make_recv(30));
    EXPECT_EQ(first.ret, 30);
    EXPECT_EQ(text_of(first.data) + text_of(second.data), message);
}

TEST_F(EngineTest, PeerCloseGivesEndOfStreamAndLingerZeroGivesReset) {
    connected_pair();
    ASSERT_EQ(call(engine, "client", make(CallOp::Close)).ret, 0);
    CallOutcome eof = call(engine, "server", make_recv(30));
    EXPECT_EQ(eof.ret, 0);

    // A second connection, aborted with SO_LINGER {on, 0}: the peer sees ECONNRESET.
    ASSERT_GE(call(engine, "client2", make_socket()).ret, 0);
    ASSERT_EQ(call(engine, "client2",
                   make_addr(CallOp::Connect, engine.directory().bound_address("server")))
                  .ret,
              0);
    CallSpec accept = make(CallOp::Accept);
    accept.socket = "sock";
    CallOutcome accepted = call(engine, "server", accept);
    ASSERT_GE(accepted.ret, 0);
    CallSpec linger = make(CallOp::SetSockOpt);
    linger.option = SO_LINGER;
    linger.value = 0;
    ASSERT_EQ(call(engine, "client2", linger).ret, 0);
    ASSERT_EQ(call(engine, "client2", make(CallOp::Close)).ret, 0);
    CallSpec recv = make_recv(30);
    recv.socket = accepted.socket_name;
    CallOutcome reset = call(engine, "server", recv);
    EXPECT_EQ(reset.ret, -1);
    EXPECT_EQ(reset.err, ECONNRESET);
}

TEST_F(EngineTest, WritingToAClosedPeerGivesEpipeWithoutKillingTheProcess) {
    connected_pair();
    ASSERT_EQ(call(engine, "client", make(CallOp::Close)).ret, 0);
    // The first send is answered with a reset; a later one fails with EPIPE (or ECONNRESET).
    int err = 0;
    for (int i = 0; i < 5 && err == 0; ++i) {
        CallOutcome out = call(engine, "server", make_send("are you there?"));
        if (out.ret < 0) err = out.err;
    }
    EXPECT_TRUE(err == EPIPE || err == ECONNRESET) << errno_name(err);
}

TEST_F(EngineTest, UdpKeepsDatagramBoundariesAndTruncatesIntoASmallBuffer) {
    ASSERT_GE(call(engine, "server", make_socket(AF_INET, SOCK_DGRAM)).ret, 0);
    ASSERT_EQ(call(engine, "server", make_bind("127.0.0.1:0")).ret, 0);
    SocketAddress address = engine.directory().bound_address("server");
    ASSERT_GE(call(engine, "client", make_socket(AF_INET, SOCK_DGRAM)).ret, 0);
    for (std::string text : {"Hello karl", "second", "third datagram"}) {
        CallSpec send = make_addr(CallOp::SendTo, address);
        send.data.assign(text.begin(), text.end());
        ASSERT_EQ(call(engine, "client", send).ret, static_cast<int64_t>(text.size()));
    }
    CallOutcome whole = call(engine, "server", make_recv(1024, 0, CallOp::RecvFrom));
    EXPECT_EQ(text_of(whole.data), "Hello karl");
    EXPECT_EQ(whole.peer.host_string(), "127.0.0.1");
    EXPECT_EQ(whole.peer.port(), engine.directory().bound_address("client").port());
    CallOutcome cut = call(engine, "server", make_recv(4, 0, CallOp::RecvFrom));
    EXPECT_EQ(cut.ret, 4);
    EXPECT_EQ(text_of(cut.data), "seco");
    CallOutcome real_length = call(engine, "server", make_recv(4, MSG_TRUNC, CallOp::RecvFrom));
    EXPECT_EQ(real_length.ret, 14);  // "third datagram": Linux reports the datagram's length
    EXPECT_EQ(text_of(real_length.data), "thir");
}

TEST_F(EngineTest, Ipv6LoopbackEcho) {
    ASSERT_GE(call(engine, "server", make_socket(AF_INET6)).ret, 0);
    CallOutcome bound = call(engine, "server", make_bind("[::1]:0"));
    if (bound.ret != 0 && bound.err == EADDRNOTAVAIL) GTEST_SKIP() << "no IPv6 loopback here";
    ASSERT_EQ(bound.ret, 0);
    ASSERT_EQ(call(engine, "server", make_listen(1)).ret, 0);
    SocketAddress address = engine.directory().bound_address("server");
    EXPECT_EQ(address.to_string().rfind("[::1]:", 0), 0u);
    ASSERT_GE(call(engine, "client", make_socket(AF_INET6)).ret, 0);
    ASSERT_EQ(call(engine, "client", make_addr(CallOp::Connect, address)).ret, 0);
    ASSERT_GE(call(engine, "server", make(CallOp::Accept)).ret, 0);
    ASSERT_EQ(call(engine, "client", make_send("six")).ret, 3);
    EXPECT_EQ(text_of(call(engine, "server", make_recv(10)).data), "six");
}

TEST_F(EngineTest, ShutdownInterruptsABlockedReceivePromptly) {
    connected_pair();
    uint64_t blocked = engine.submit("server", make_recv(30));
    ASSERT_TRUE(engine.wait_settled(blocked, kWait));
    EXPECT_EQ(engine.phase(blocked), TicketPhase::Blocked);
    const auto start = std::chrono::steady_clock::now();
    engine.shutdown();  // must return although nobody ever sends
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(engine.phase(blocked), TicketPhase::Done);
    auto out = engine.outcome(blocked);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->ret, -1);
}

TEST_F(EngineTest, WaitAllWithPartOfTheDataIsReportedBlockedThenReturnsIt) {
    connected_pair();
    ASSERT_EQ(call(engine, "client", make_send("12345")).ret, 5);
    // poll() sees data, so only the watchdog can tell that MSG_WAITALL is waiting for more.
    uint64_t ticket = engine.submit("server", make_recv(10, MSG_WAITALL));
    ASSERT_TRUE(engine.wait_settled(ticket, kWait));
    EXPECT_EQ(engine.phase(ticket), TicketPhase::Blocked);
    ASSERT_EQ(call(engine, "client", make_send("67890")).ret, 5);
    ASSERT_TRUE(engine.wait_done(ticket, kWait));
    auto out = engine.outcome(ticket);
    ASSERT_TRUE(out);
    EXPECT_EQ(text_of(out->data), "1234567890");
    EXPECT_TRUE(out->waited);
    // The Wait event comes before the call's own event.
    auto all = events();
    int wait_at = -1, call_at = -1;
    for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].actor != "server" || !all[i].is_call(CallOp::Recv)) continue;
        (all[i].kind == EventKind::Wait ? wait_at : call_at) = static_cast<int>(i);
    }
    EXPECT_GE(wait_at, 0);
    EXPECT_LT(wait_at, call_at);
}

TEST_F(EngineTest, AnUnboundSocketHasNoBoundAddress) {
    ASSERT_GE(call(engine, "server", make_socket()).ret, 0);
    EXPECT_TRUE(engine.directory().bound_address("server").empty());
    ASSERT_EQ(call(engine, "server", make_bind("127.0.0.1:0")).ret, 0);
    ASSERT_GE(call(engine, "server", make_socket(AF_INET, SOCK_STREAM, "second")).ret, 0);
    // The newer, unbound socket does not hide the bound one.
    EXPECT_GT(engine.directory().bound_address("server").port(), 0);
}

TEST_F(EngineTest, UnknownSocketNameIsAnEngineErrorNotAKernelError) {
    ASSERT_GE(call(engine, "server", make_socket()).ret, 0);
    CallSpec close = make(CallOp::Close);
    close.socket = "nope";
    CallOutcome out = call(engine, "server", close);
    EXPECT_EQ(out.ret, -1);
    EXPECT_EQ(out.err, 0);
    EXPECT_NE(out.engine_error.find("nope"), std::string::npos);
}

TEST_F(EngineTest, AcceptNamesNewSocketsConnConn2) {
    SocketAddress address = listening_server();
    for (const char* client : {"a", "b"}) {
        ASSERT_GE(call(engine, client, make_socket()).ret, 0);
        ASSERT_EQ(call(engine, client, make_addr(CallOp::Connect, address)).ret, 0);
    }
    CallSpec accept = make(CallOp::Accept);
    accept.socket = "sock";
    EXPECT_EQ(call(engine, "server", accept).socket_name, "conn");
    EXPECT_EQ(call(engine, "server", accept).socket_name, "conn2");
    auto sockets = engine.directory().sockets_of("server");
    ASSERT_EQ(sockets.size(), 3u);
    EXPECT_TRUE(sockets[0].listening);
    EXPECT_FALSE(sockets[1].peer.empty());
}

// Nobody reads most tickets (the learner's own text, a long Play): the engine keeps a bounded
// number of settled ones, the newest.
TEST_F(EngineTest, SettledTicketsAreBounded) {
    ASSERT_GE(call(engine, "server", make_socket()).ret, 0);
    const uint64_t first = engine.submit("server", make(CallOp::GetSockName));
    uint64_t last = first;
    for (int i = 0; i < 5000; ++i) last = engine.submit("server", make(CallOp::GetSockName));
    ASSERT_TRUE(engine.wait_done(last, std::chrono::seconds(30)));
    EXPECT_TRUE(engine.outcome(last).has_value());
    EXPECT_FALSE(engine.outcome(first).has_value());  // let go long ago
    EXPECT_EQ(engine.phase(first), TicketPhase::Unknown);
}

TEST_F(EngineTest, SubmittingAfterShutdownFailsCleanly) {
    engine.shutdown();
    uint64_t t = engine.submit("server", make_socket());
    auto out = engine.outcome(t);
    ASSERT_TRUE(out);
    EXPECT_FALSE(out->engine_error.empty());
}

}  // namespace
}  // namespace socketlab::test
