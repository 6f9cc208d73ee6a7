// The bytes views: a reusable read-only hex view, and the live pane's transcript of the bytes
// one actor sent and received.
//
// Both draw in the monospace font, draw only the rows that are visible (ImGuiListClipper),
// never own the bytes they show, and keep no state between frames. Hovering a byte
// highlights it in the hex and ASCII columns and shows its offset and value.
//
// Usage:
//   ImGui::BeginChild("payload", ImVec2(0, 200), true);
//   ui::draw_hex_view("payload_hex", bytes.data(), bytes.size());
//   ImGui::EndChild();
//
//   ui::draw_byte_stream("client_bytes", chunks, /*follow_tail=*/true);  // makes its own child
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <imgui.h>

namespace socketlab::ui {

struct HexViewOptions {
    int columns = 16;          // bytes per row
    bool show_ascii = true;    // ASCII column beside the hex
    bool show_offsets = true;  // offset column (hex, e.g. 0000 0010)
    // Optional per-byte colour: return 0 for the default text colour.
    ImU32 (*byte_color)(size_t offset, void* user) = nullptr;
    void* user = nullptr;
    // Optional background behind bytes [highlight_begin, highlight_end), in the hex and ASCII
    // columns: e.g. the header field hovered in a packet's field list.
    size_t highlight_begin = 0;
    size_t highlight_end = 0;
    ImU32 highlight_color = 0;  // 0: the text selection colour
    // When set, receives the offset of the byte under the mouse this frame, or SIZE_MAX, so the
    // caller can highlight what that byte belongs to.
    size_t* hovered_offset = nullptr;
    bool byte_tooltip = true;  // false when the caller shows its own tooltip for the byte
};

// Draws rows for data[0..size) using ImGuiListClipper so only visible rows cost anything.
// Must be called inside a scrolling child window (it does not create one).
void draw_hex_view(const char* id, const uint8_t* data, size_t size,
                   const HexViewOptions& options = {});

enum class ByteDirection { Sent, Received };

struct ByteChunk {
    ByteDirection direction = ByteDirection::Sent;
    std::string label;                            // e.g. "send() 10 bytes to 127.0.0.1:5000"
    const std::vector<uint8_t>* bytes = nullptr;  // not owned; may be null or empty
    uint64_t total = 0;        // bytes the call really moved (> bytes->size() if cut)
    bool plain_label = false;  // the label says the direction itself (no SENT / RECEIVED)
};

// One scrolling list of all chunks: per chunk a header row ("→ SENT  <label>" in orange or
// "← RECEIVED  <label>" in blue), its hex rows (offsets relative to the chunk), and a
// "… N more bytes not kept" row when the chunk was cut. Rows are 16 bytes wide when that fits
// the available width, else 8.
//
// Creates its own child window, BeginChild(id), filling the remaining content region, and
// scrolls inside it; the caller may wrap it in a bordered child for a frame, but need not.
//
// follow_tail: while true and the view is scrolled to the bottom, it stays at the bottom as
// chunks arrive; once the user scrolls up it stays put until they scroll back down. (Scrolling
// lands one frame after the rows arrive, as ImGui applies scroll requests on the next frame.)
void draw_byte_stream(const char* id, const std::vector<ByteChunk>& chunks, bool follow_tail);

}  // namespace socketlab::ui
