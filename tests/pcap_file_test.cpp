// write_pcap_file, read back with libpcap itself.
#include "capture/pcap_file.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>
#include <cstring>
#include <fstream>

#include <filesystem>
#include <string>
#include <vector>

#include "capture/packet_decode.h"

namespace socketlab {
namespace {

namespace fs = std::filesystem;

class PcapFile : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("socketlab-pcap-test-" + std::to_string(getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

// A 32-byte IPv4 UDP packet and a 53-byte IPv6 UDP packet (loopback, real header layouts).
std::vector<uint8_t> ipv4_udp() {
    return {0x45, 0x00, 0x00, 0x20, 0x00, 0xea, 0x40, 0x00, 0x40, 0x11, 0x3b,
            0xe1, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xa8, 0xef,
            0xb8, 0x14, 0x00, 0x0c, 0xfe, 0x1f, 'p',  'i',  'n',  'g'};
}

std::vector<uint8_t> ipv6_udp() {
    std::vector<uint8_t> b(40, 0);
    b[0] = 0x60;
    b[5] = 8 + 5;  // payload length
    b[6] = 17;
    b[7] = 64;
    b[23] = 1;
    b[39] = 1;
    const uint8_t udp[] = {0xbd, 0x5f, 0xb8, 0x14, 0x00, 0x0d, 0x00, 0x20, 'p', 'i', 'n', 'g', '6'};
    b.insert(b.end(), std::begin(udp), std::end(udp));
    return b;
}

TEST_F(PcapFile, WritesPacketsThatLibpcapReadsBack) {
    const std::string path = (dir_ / "two.pcap").string();
    const std::vector<uint8_t> full = ipv6_udp();
    const std::vector<uint8_t> cut(full.begin(), full.begin() + 20);  // a snapshot length's cut
    std::vector<CapturedPacket> packets = {
        {1700000000123456, ipv4_udp(), 0, ""},
        {1700000001000001, cut, 53, ""},
    };
    std::string error;
    ASSERT_TRUE(write_pcap_file(path, packets, &error)) << error;
    EXPECT_EQ(error, "");

    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    pcap_t* in = pcap_open_offline(path.c_str(), errbuf);
    ASSERT_NE(in, nullptr) << errbuf;
    // Stored as LINKTYPE_RAW (101), which libpcap hands back as this platform's DLT_RAW.
    EXPECT_EQ(pcap_datalink(in), DLT_RAW);
    EXPECT_GE(pcap_snapshot(in), 65535);

    std::vector<CapturedPacket> read;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(in, &header, &data)) == 1) {
        CapturedPacket p;
        p.realtime_us = int64_t{header->ts.tv_sec} * 1000000 + header->ts.tv_usec;
        p.ip_bytes.assign(data, data + header->caplen);
        p.original_length = header->len;
        read.push_back(std::move(p));
    }
    EXPECT_EQ(rc, PCAP_ERROR_BREAK) << pcap_geterr(in);  // the end of the file, not an error
    pcap_close(in);

    ASSERT_EQ(read.size(), 2u);
    EXPECT_EQ(read[0].realtime_us, 1700000000123456);
    EXPECT_EQ(read[0].ip_bytes, ipv4_udp());
    EXPECT_EQ(read[0].original_length, 32u);  // 0 in the input means "all of it"
    EXPECT_EQ(read[1].realtime_us, 1700000001000001);
    EXPECT_EQ(read[1].ip_bytes, packets[1].ip_bytes);
    EXPECT_EQ(read[1].ip_bytes.size(), 20u);
    EXPECT_EQ(read[1].original_length, 53u);

    // The bytes still decode as the packets they were.
    DecodedPacket first = decode_ip_packet(read[0].ip_bytes.data(), read[0].ip_bytes.size());
    EXPECT_EQ(first.problem, "");
    EXPECT_EQ(first.src, "127.0.0.1:43247");
}

// pcapng with a comment on one packet: libpcap reads it back packet for packet, and the
// comment's text is in the file where a pcapng reader finds it (an opt_comment option).
TEST_F(PcapFile, PcapngWithCommentsReadsBack) {
    const std::string path = (dir_ / "link.pcapng").string();
    const std::string comment = "dropped by SocketLab's link (not by a kernel): you asked";
    std::vector<CapturedPacket> packets = {
        {1700000000123456, ipv4_udp(), 0, comment},
        {1700000001000001, ipv6_udp(), 0, ""},
    };
    std::string error;
    ASSERT_TRUE(write_pcapng_file(path, packets, &error)) << error;
    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    pcap_t* in = pcap_open_offline(path.c_str(), errbuf);
    ASSERT_NE(in, nullptr) << errbuf;
    EXPECT_EQ(pcap_datalink(in), DLT_RAW);
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    std::vector<std::pair<int64_t, std::vector<uint8_t>>> read;
    while (pcap_next_ex(in, &header, &data) == 1)
        read.emplace_back(int64_t{header->ts.tv_sec} * 1000000 + header->ts.tv_usec,
                          std::vector<uint8_t>(data, data + header->caplen));
    pcap_close(in);
    ASSERT_EQ(read.size(), 2u);
    EXPECT_EQ(read[0].first, 1700000000123456);
    EXPECT_EQ(read[0].second, ipv4_udp());
    EXPECT_EQ(read[1].first, 1700000001000001);
    EXPECT_EQ(read[1].second, ipv6_udp());
    std::ifstream file(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    const auto at = bytes.find(comment);
    ASSERT_NE(at, std::string::npos);
    uint16_t code = 0, length = 0;
    std::memcpy(&code, bytes.data() + at - 4, 2);
    std::memcpy(&length, bytes.data() + at - 2, 2);
    EXPECT_EQ(code, 1);  // opt_comment
    EXPECT_EQ(length, comment.size());
}

TEST_F(PcapFile, EmptyCaptureIsAValidFile) {
    const std::string path = (dir_ / "empty.pcap").string();
    std::string error;
    ASSERT_TRUE(write_pcap_file(path, {}, &error)) << error;
    EXPECT_EQ(fs::file_size(path), 24u);  // just the file header
    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    pcap_t* in = pcap_open_offline(path.c_str(), errbuf);
    ASSERT_NE(in, nullptr) << errbuf;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    EXPECT_EQ(pcap_next_ex(in, &header, &data), PCAP_ERROR_BREAK);
    pcap_close(in);
}

TEST_F(PcapFile, MissingDirectoryGivesAnErrorNamingThePath) {
    const std::string path = (dir_ / "no-such-dir" / "out.pcap").string();
    std::string error;
    EXPECT_FALSE(write_pcap_file(path, {{1, ipv4_udp(), 0, ""}}, &error));
    EXPECT_NE(error.find(path), std::string::npos) << error;
    EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
    EXPECT_FALSE(fs::exists(path));
    EXPECT_FALSE(write_pcap_file(path, {}, nullptr));  // no error string wanted: still false
}

TEST_F(PcapFile, FullDiskIsReportedAndLeavesNoFile) {
    if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
    // /dev/full accepts the open and fails every write with ENOSPC, like a full disk.
    std::string error;
    std::vector<CapturedPacket> packets(100, CapturedPacket{1, ipv4_udp(), 0, ""});
    EXPECT_FALSE(write_pcap_file("/dev/full", packets, &error));
    EXPECT_NE(error.find("/dev/full"), std::string::npos) << error;
    EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
}

}  // namespace
}  // namespace socketlab
