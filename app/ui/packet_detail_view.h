// One packet in full: every header field (layer, name, value) with what it means, and the whole
// IP packet in hex, bytes coloured by layer. Hovering a field highlights its bytes; hovering a
// byte highlights the field(s) it belongs to and explains them. Clicking a field keeps its
// explanation shown.
//
// The packet was decoded once, where it was captured (PacketRecord::decoded): this view only
// reads that decoding, and works out which layer each byte belongs to when the selection changes.
//
// Usage:
//   detail.draw(flow, run.events(), selection, ImVec2(0, height));
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include <imgui.h>

#include <memory>

#include "core/decoded_packet.h"
#include "core/event.h"
#include "ui/packet_flow.h"
#include "ui/packet_style.h"

namespace socketlab::ui {

class PacketDetailView {
  public:
    void draw(const FlowModel& flow, const std::deque<Event>& events, PacketSelection& selection,
              ImVec2 size);

  private:
    void show(const Event& e);
    void draw_fields(float height);
    void draw_meaning(float height);
    void draw_hex(const Event& e, float height, int columns);
    bool field_has_byte(size_t field, size_t offset) const;

    // The shown packet's decoding, for the event with this seq and time (a reset restarts seq
    // numbers).
    uint64_t decoded_seq_ = 0;
    int64_t decoded_t_us_ = -1;
    std::shared_ptr<const DecodedPacket> decoded_;
    std::vector<uint8_t> byte_layer_;  // per byte: 0 IP, 1 transport, 2 option, 3 payload

    size_t hovered_field_ = SIZE_MAX;   // this frame, from the field list
    size_t hovered_byte_ = SIZE_MAX;    // last frame, from the hex view
    size_t pinned_field_ = SIZE_MAX;    // clicked: its explanation stays
    size_t revealed_field_ = SIZE_MAX;  // scrolled into view for the hovered byte
};

}  // namespace socketlab::ui
