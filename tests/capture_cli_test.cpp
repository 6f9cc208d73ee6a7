// `--run tcp-handshake --json --pcap FILE`: the packets in the JSON are the ones in the pcap file
// that Wireshark opens (read back with libpcap, decoded again), and they tell the handshake's
// story: SYN without ACK, SYN+ACK acknowledging the SYN's sequence number plus one, ACK
// acknowledging the server's plus one; a new run chooses new initial sequence numbers.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "capture/packet_decode.h"
#include "capture_test_util.h"

namespace socketlab {
namespace {

struct CliRun {
    std::vector<nlohmann::json> packets;
    bool captured = false;  // false: this machine cannot capture (the run said why)
};

CliRun run_handshake(const std::string& pcap_path) {
    const std::string command = std::string(SOCKETLAB_BINARY) + " --lessons " +
                                SOCKETLAB_LESSONS_DIR + " --run tcp-handshake --json --pcap " +
                                pcap_path + " 2>" + pcap_path + ".err";
    FILE* out = popen(command.c_str(), "r");
    EXPECT_NE(out, nullptr);
    CliRun run;
    if (!out) return run;
    std::string text;
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, out)) > 0;) text.append(buffer, n);
    const int status = pclose(out);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.value("kind", "") == "packet") run.packets.push_back(j);
    }
    run.captured = !run.packets.empty();
    return run;
}

TEST(CaptureCli, JsonPacketsMatchThePcapFileAndTellTheHandshake) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("socketlab-capture-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const std::string first_path = (dir / "first.pcap").string();
    CliRun first = run_handshake(first_path);
    if (!first.captured) {
        std::filesystem::remove_all(dir);
        SKIP_OR_FAIL_WITHOUT_CAPTURE(
            "no packets captured on this machine (see socketlab's message)");
    }
    // The same packets, field for field, in the file.
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t* file = pcap_open_offline(first_path.c_str(), errbuf);
    ASSERT_NE(file, nullptr) << errbuf;
    std::vector<DecodedPacket> from_file;
    pcap_pkthdr* header;
    const u_char* data;
    while (pcap_next_ex(file, &header, &data) == 1) {
        auto offset = ip_offset_for_link(pcap_datalink(file), data, header->caplen);
        ASSERT_TRUE(offset);
        from_file.push_back(decode_ip_packet(data + *offset, header->caplen - *offset));
    }
    pcap_close(file);
    ASSERT_EQ(from_file.size(), first.packets.size());
    for (size_t i = 0; i < from_file.size(); ++i) {
        const auto& j = first.packets[i];
        EXPECT_EQ(j["src"], from_file[i].src) << i;
        EXPECT_EQ(j["dst"], from_file[i].dst) << i;
        EXPECT_EQ(j["flags"], from_file[i].flags) << i;
        EXPECT_EQ(j["seq"], from_file[i].seq) << i;
        EXPECT_EQ(j["ack"], from_file[i].ack) << i;
    }
    // The first three packets are the handshake.
    ASSERT_GE(first.packets.size(), 3u);
    const auto& syn = first.packets[0];
    const auto& syn_ack = first.packets[1];
    const auto& ack = first.packets[2];
    EXPECT_EQ(syn["flags"], "SYN");
    EXPECT_EQ(syn_ack["flags"], "SYN,ACK");
    EXPECT_EQ(ack["flags"], "ACK");
    EXPECT_EQ(syn_ack["src"], syn["dst"]);
    EXPECT_EQ(syn_ack["ack"].template get<uint32_t>(), syn["seq"].template get<uint32_t>() + 1);
    EXPECT_EQ(ack["seq"].template get<uint32_t>(), syn["seq"].template get<uint32_t>() + 1);
    EXPECT_EQ(ack["ack"].template get<uint32_t>(), syn_ack["seq"].template get<uint32_t>() + 1);
    // Another run: other initial sequence numbers (and other ports).
    CliRun second = run_handshake((dir / "second.pcap").string());
    ASSERT_FALSE(second.packets.empty());
    EXPECT_NE(second.packets[0]["seq"], syn["seq"]);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace socketlab
