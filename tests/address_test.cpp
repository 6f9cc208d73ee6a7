#include "core/address.h"

#include <gtest/gtest.h>

#include "core/errno_text.h"

namespace socketlab {
namespace {

TEST(Address, ParsesAndPrintsIpv4AndBracketedIpv6) {
    auto v4 = SocketAddress::parse("127.0.0.1:5000");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->family(), AF_INET);
    EXPECT_EQ(v4->port(), 5000);
    EXPECT_EQ(v4->to_string(), "127.0.0.1:5000");
    EXPECT_TRUE(v4->is_loopback());
    auto v6 = SocketAddress::parse("[::1]:0");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->family(), AF_INET6);
    EXPECT_EQ(v6->to_string(), "[::1]:0");
    EXPECT_TRUE(v6->is_loopback());
    EXPECT_FALSE(SocketAddress::parse("10.1.2.3:80")->is_loopback());
}

TEST(Address, RejectsMalformedAddressesWithAReason) {
    for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:x",
                            "::1:80", "[::1]80", "[::1", "localhost:80", "300.1.1.1:80"}) {
        std::string error;
        EXPECT_FALSE(SocketAddress::parse(bad, &error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

TEST(Errno, NamesRoundTripAndExplain) {
    for (int err : {ECONNREFUSED, EADDRINUSE, EACCES, EAGAIN, ECONNRESET, EPIPE}) {
        auto back = errno_from_name(errno_name(err));
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, err);
        EXPECT_GT(errno_explanation(err).size(), 20u);
    }
    EXPECT_EQ(errno_from_name("EWOULDBLOCK"), EAGAIN);
    EXPECT_FALSE(errno_from_name("ENOTATHING"));
}

// Every errno the system knows has its name, not "E21": the lesson table holds only some.
TEST(Errno, EveryKnownErrnoHasItsName) {
    EXPECT_EQ(errno_name(EISDIR), "EISDIR");
    EXPECT_EQ(errno_name(ENOSPC), "ENOSPC");
    EXPECT_EQ(errno_from_name("EISDIR"), EISDIR);
    for (int err = 1; err <= 133; ++err) {
        const std::string name = errno_name(err);
        if (name == "E" + std::to_string(err)) continue;  // a gap in Linux's numbering
        EXPECT_EQ(name[0], 'E') << err;
        EXPECT_EQ(errno_from_name(name), err == EWOULDBLOCK ? EAGAIN : err) << name;
    }
    EXPECT_EQ(errno_name(999), "E999");
}

}  // namespace
}  // namespace socketlab
