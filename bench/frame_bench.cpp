// Frame CPU time of the window's heaviest views, from ImGui's NewFrame to Render, with no GL
// driver: ImGui runs with a font atlas and a display size but no renderer (a null backend), so
// the figures are our code's and ImGui's, not Mesa's. For each view, 300 frames after 20 to
// warm up; prints p50 and p95 in milliseconds. The goal (issue 12) is p95 under 4 ms on the
// development machine; nothing here asserts it (a busy machine is slower, not wrong).
//
//   the ladder, the packet list and the time-sequence graph with 10,000 packets of a bulk
//   transfer (TCP data one way, ACKs the other, a few retransmissions);
//   an actor's byte stream with 100,000 send/recv chunks, and with 20,000 (the most the
//   window's record holds, LessonRun::kMaxEvents);
//   50 folded actor columns (a 50-client roster) over a record of 100,000 events.
//
// Run: build/bench/socketlab_frame_bench
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "core/event.h"
#include "lesson/run_record.h"
#include "ui/actor_summary.h"
#include "ui/hex_view.h"
#include "ui/ladder_view.h"
#include "ui/packet_flow.h"
#include "ui/packet_list_view.h"
#include "ui/time_sequence_view.h"

namespace socketlab::ui {
namespace {

using Clock = std::chrono::steady_clock;

SocketAddress address(const char* text) {
    return SocketAddress::parse(text).value_or(SocketAddress{});
}

Event packet(int64_t t_us, const SocketAddress& src, const SocketAddress& dst, uint8_t flags,
             uint32_t seq, uint32_t ack, uint32_t len, uint64_t number) {
    Event e;
    e.kind = EventKind::Packet;
    e.t_us = t_us;
    PacketRecord p;
    p.proto = TransportProto::Tcp;
    p.src = src;
    p.dst = dst;
    p.tcp_flags = flags;
    p.seq = seq;
    p.ack = ack;
    p.len = len;
    p.window = 502;
    p.number = number;
    p.bytes_total = 40 + len;
    p.decoded = std::make_shared<const DecodedPacket>();
    e.payload = std::move(p);
    return e;
}

Event data_call(int64_t t_us, const std::string& actor, bool sent, const SocketAddress& local,
                const SocketAddress& peer, const std::vector<uint8_t>& bytes) {
    Event e;
    e.kind = EventKind::Call;
    e.t_us = t_us;
    e.actor = actor;
    e.socket_name = "sock";
    CallRecord c;
    c.spec.op = sent ? CallOp::Send : CallOp::Recv;
    c.local = local;
    c.peer = peer;
    c.ret = static_cast<int64_t>(bytes.size());
    c.direction = sent ? Direction::Sent : Direction::Received;
    c.bytes = bytes;
    c.bytes_total = bytes.size();
    e.payload = std::move(c);
    return e;
}

// A bulk transfer: the handshake, then data segments from the client with an ACK for every
// second one, and every 500th segment sent again 200 ms later.
std::deque<Event> bulk_transfer(size_t packets) {
    const SocketAddress client = address("198.18.0.1:40000");
    const SocketAddress server = address("198.18.0.2:5000");
    std::deque<Event> events;
    uint64_t number = 0, seq_no = 1;
    int64_t t = 0;
    auto add = [&](Event e) {
        e.seq = ++seq_no;
        events.push_back(std::move(e));
    };
    add(packet(t, client, server, kTcpSyn, 1000, 0, 0, ++number));
    add(packet(t += 100, server, client, kTcpSyn | kTcpAck, 5000, 1001, 0, ++number));
    add(packet(t += 100, client, server, kTcpAck, 1001, 5001, 0, ++number));
    uint32_t seq = 1001;
    size_t segment = 0;
    while (events.size() < packets) {
        add(packet(t += 120, client, server, kTcpAck | kTcpPsh, seq, 5001, 1448, ++number));
        if (++segment % 500 == 0) {
            Event again = packet(t + 200000, client, server, kTcpAck, seq, 5001, 1448, ++number);
            again.packet()->analysis.retransmission = true;
            again.packet()->analysis.original = number - 1;
            again.packet()->analysis.after_us = 200000;
            add(std::move(again));
        }
        seq += 1448;
        if (segment % 2 == 0) add(packet(t += 60, server, client, kTcpAck, 5001, seq, 0, ++number));
    }
    return events;
}

struct Figures {
    double p50_ms = 0, p95_ms = 0;
    int vertices = 0;  // in the last frame: proof that it drew something
};

// Frames of `draw` inside one full-screen window; NewFrame to Render, timed.
Figures time_frames(const std::function<void()>& draw) {
    ImGuiIO& io = ImGui::GetIO();
    std::vector<double> ms;
    for (int frame = 0; frame < 320; ++frame) {
        io.DeltaTime = 1.0f / 60.0f;
        const auto start = Clock::now();
        ImGui::NewFrame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::SetNextWindowSize(io.DisplaySize);
        ImGui::Begin("bench", nullptr, ImGuiWindowFlags_NoDecoration);
        draw();
        ImGui::End();
        ImGui::Render();
        const double took = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (frame >= 20) ms.push_back(took);
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[ms.size() * 95 / 100], ImGui::GetDrawData()->TotalVtxCount};
}

void print(const char* what, const Figures& f) {
    std::printf("%-58s p50 %6.2f ms   p95 %6.2f ms   %6d vertices%s\n", what, f.p50_ms, f.p95_ms,
                f.vertices, f.p95_ms < 4.0 ? "" : "   (over the 4 ms goal)");
}

int run() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1920, 1080);
    io.IniFilename = nullptr;
    io.Fonts->AddFontDefault();
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas; no texture is made

    const std::deque<Event> events = bulk_transfer(10000);
    FlowModel flow;
    flow.update(events, 0);
    PacketSelection selection;
    std::printf("SocketLab frame benchmark: ImGui %s, 1920x1080, no GL driver\n", IMGUI_VERSION);
    LadderView ladder;
    print("ladder, 10,000 packets (following the newest)",
          time_frames([&] { ladder.draw(flow, events, selection, 900.0f); }));
    PacketListView list;
    print("packet list, 10,000 packets",
          time_frames([&] { list.draw(flow, events, selection, ImVec2(0, 900)); }));
    TimeSequenceView graph;
    print("time-sequence graph, 10,000 packets (every segment drawn)",
          time_frames([&] { graph.draw(flow, events, selection, 900.0f); }));

    // 100,000 chunks of an echo conversation in one actor's byte stream.
    const SocketAddress client = address("127.0.0.1:40000");
    const SocketAddress server = address("127.0.0.1:5000");
    const std::vector<uint8_t> hello = {'H', 'e', 'l', 'l', 'o', ' ', 'k', 'a', 'r', 'l'};
    RunRecord record(RunRecord::unbounded());
    std::vector<Event> calls;
    calls.reserve(100000);
    for (int i = 0; i < 100000; ++i) {
        Event e = data_call(i * 10, "client", i % 2 == 0, client, server, hello);
        e.seq = static_cast<uint64_t>(i) + 1;
        calls.push_back(std::move(e));
    }
    record.add(calls);
    std::vector<ByteChunk> chunks;
    for (const Event& e : record.events())
        chunks.push_back(
            {e.call()->direction == Direction::Sent ? ByteDirection::Sent : ByteDirection::Received,
             "send() 10 bytes", &e.call()->bytes, e.call()->bytes_total});
    print("an actor's bytes, 100,000 chunks (following the newest)",
          time_frames([&] { draw_byte_stream("bytes", chunks, true); }));
    // The window's record holds at most LessonRun::kMaxEvents (20,000): the most it ever draws.
    const std::vector<ByteChunk> bounded(chunks.end() - 20000, chunks.end());
    print("an actor's bytes, 20,000 chunks (the window's bound)",
          time_frames([&] { draw_byte_stream("bytes-bounded", bounded, true); }));

    // 50 outside clients, folded, over a record with 100,000 events in all.
    std::vector<Event> many;
    for (int i = 0; i < 100000; ++i) {
        const std::string actor = "outside-" + std::to_string(i % 50 + 1);
        Event e = data_call(i * 10, actor, i % 2 == 0, server, client, hello);
        e.seq = static_cast<uint64_t>(i) + 1;
        many.push_back(std::move(e));
    }
    RunRecord roster_record(RunRecord::unbounded());
    roster_record.add(many);
    const std::vector<SocketSnapshot> no_sockets;
    print("50 folded actor columns over 100,000 events", time_frames([&] {
              for (const ActorRecord& actor : roster_record.actors()) {
                  if (actor.name.rfind("outside-", 0) != 0) continue;
                  ImGui::BeginChild(actor.name.c_str(), ImVec2(150, 200), true);
                  draw_actor_summary(roster_record, actor, no_sockets, false);
                  ImGui::EndChild();
                  ImGui::SameLine();
              }
          }));
    ImGui::DestroyContext();
    return 0;
}

}  // namespace
}  // namespace socketlab::ui

int main() {
    return socketlab::ui::run();
}
