// How much of a bulk loopback transfer the capture sees: packets per second captured against
// the segments TCP really sent (TCP_INFO's tcpi_segs_out on both sockets), and what was
// dropped (by the kernel's capture buffer, or by our bounded queue).
//
// Run: build/bench/socketlab_bench  (as root: the host loopback; otherwise the private
// namespace through socketlab-net-helper).
#include <benchmark/benchmark.h>
#include <linux/tcp.h>  // the kernel's tcp_info: glibc's lacks tcpi_segs_out
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "capture/lesson_network.h"
#include "core/address.h"

namespace socketlab {
namespace {

uint64_t segments_out(int fd) {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
    return info.tcpi_segs_out;
}

void BM_CaptureBulkTransfer(benchmark::State& state) {
    const size_t total = static_cast<size_t>(state.range(0)) * 1024 * 1024;
    auto net = LessonNetwork::open({});
    if (net->mode() == LessonNetwork::Mode::NoCapture) {
        state.SkipWithError(("no capture: " + net->why_no_capture()).c_str());
        return;
    }
    std::atomic<uint64_t> captured{0};
    std::string error;
    if (!net->start_capture([&](RawPacket) { ++captured; }, &error)) {
        state.SkipWithError(error.c_str());
        return;
    }
    uint64_t sent_segments = 0;
    double seconds = 0;
    for (auto _ : state) {
        int listener = net->make_socket(AF_INET, SOCK_STREAM, 0);
        auto any = *SocketAddress::parse("127.0.0.1:0");
        ::bind(listener, any.get(), any.length);
        ::listen(listener, 1);
        SocketAddress address = local_address_of(listener);
        net->set_ports({static_cast<uint16_t>(address.port())});
        int client = net->make_socket(AF_INET, SOCK_STREAM, 0);
        ::connect(client, address.get(), address.length);
        int server = ::accept(listener, nullptr, nullptr);
        const auto start = std::chrono::steady_clock::now();
        std::thread reader([server, total] {
            std::vector<char> buffer(1 << 16);
            size_t got = 0;
            while (got < total) {
                ssize_t n = ::recv(server, buffer.data(), buffer.size(), 0);
                if (n <= 0) break;
                got += static_cast<size_t>(n);
            }
        });
        std::vector<char> chunk(1 << 16, 'x');
        for (size_t sent = 0; sent < total;) {
            ssize_t n = ::send(client, chunk.data(), std::min(chunk.size(), total - sent), 0);
            if (n <= 0) break;
            sent += static_cast<size_t>(n);
        }
        reader.join();
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        sent_segments += segments_out(client) + segments_out(server);
        ::close(client);
        ::close(server);
        ::close(listener);
    }
    net->flush(std::chrono::seconds(5));
    const CaptureStats stats = net->stats();
    state.counters["segments_sent"] = static_cast<double>(sent_segments);
    state.counters["packets_captured"] = static_cast<double>(captured.load());
    state.counters["captured_per_s"] =
        seconds > 0 ? static_cast<double>(captured.load()) / seconds : 0;
    state.counters["sent_per_s"] = seconds > 0 ? static_cast<double>(sent_segments) / seconds : 0;
    state.counters["dropped_kernel"] = static_cast<double>(stats.dropped_kernel);
    state.counters["dropped_queue"] = static_cast<double>(stats.dropped_queue);
    state.SetLabel(mode_name(net->mode()));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(total));
}
BENCHMARK(BM_CaptureBulkTransfer)->Arg(16)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace socketlab

BENCHMARK_MAIN();
