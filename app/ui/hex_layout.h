// Layout math for the hex views, kept free of ImGui so it can be unit-tested.
//
// A hex row is measured in characters of a monospace font:
//
//   0000 0010  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 0a 00 00 00  Hello, world....
//   ^offset    ^hex (a wider gap every 8 bytes)                  ^ASCII
//
// The byte stream stacks many chunks into one flat list of rows (a header row, the chunk's
// hex rows, and a "more bytes not kept" row when the chunk was cut); StreamRowIndex maps a
// flat row number back to its chunk in O(log n) so one list clipper can serve them all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace socketlab::ui {

constexpr int kHexGroupSize = 8;     // an extra space after every 8 bytes
constexpr int kColumnGapChars = 2;   // between offset, hex and ASCII columns
constexpr int kMinOffsetDigits = 4;  // offsets show at least "0000"
constexpr int kWideStreamColumns = 16;
constexpr int kNarrowStreamColumns = 8;
constexpr int kTinyStreamColumns = 4;  // three actors side by side at 2x text

// Where each part of a hex row starts, in characters from the row's left edge.
struct HexRowLayout {
    int columns = 16;
    int offset_chars = 0;  // 0 when the offset column is hidden
    int hex_start = 0;     // first character of byte 0's hex pair
    int ascii_start = -1;  // first ASCII character; -1 when the ASCII column is hidden
    int total_chars = 0;   // width of a full row

    // First character of the hex pair for byte `column`.
    int hex_char(int column) const { return hex_start + column * 3 + column / kHexGroupSize; }
    // The ASCII character for byte `column` (only meaningful when ascii_start >= 0).
    int ascii_char(int column) const { return ascii_start + column; }
    // The byte column under horizontal position `char_x` (in characters, may be fractional),
    // in either the hex or the ASCII column, or -1. Hex cells include the half-spaces around
    // the pair so moving the mouse along a row never falls into a dead gap.
    int column_at(float char_x) const;
};

// columns is clamped to at least 1; offset_digits 0 hides the offset column.
HexRowLayout make_row_layout(int columns, int offset_digits, bool show_ascii);

// Hex digits needed to print every offset up to `largest_offset`: 4, 8, 12 or 16.
int offset_digits_for(size_t largest_offset);
// Characters the offset text takes: digits plus a space between groups of four.
int offset_text_chars(int digits);
// "0010" (4 digits) or "0001 0010" (8 digits).
std::string format_offset(size_t offset, int digits);

// 16 bytes per row when a full 16-byte row (with ASCII) fits in `available_chars`, else 8.
int choose_stream_columns(float available_chars, int offset_digits);

// Rows holding `byte_count` bytes at `columns` per row (the last row may be partial).
size_t data_row_count(size_t byte_count, int columns);
// Rows one chunk takes in the stream: header + data rows + one "not kept" row if cut.
size_t chunk_row_count(size_t kept_bytes, uint64_t total_bytes, int columns);

enum class ChunkRowKind { Header, Bytes, CutNote };

struct ChunkRow {
    ChunkRowKind kind = ChunkRowKind::Header;
    size_t first_byte = 0;  // Bytes rows: offset of the row's first byte within the chunk
    size_t byte_count = 0;  // Bytes rows: how many bytes the row shows
};

// What row `row_in_chunk` of a chunk holding `kept_bytes` shows. Rows past the data rows are
// the cut note; callers only ask for rows below chunk_row_count().
ChunkRow describe_chunk_row(size_t row_in_chunk, size_t kept_bytes, int columns);

// "1 more byte not kept", "300 more bytes not kept".
std::string cut_note(uint64_t missing_bytes);

struct RowLocation {
    size_t chunk = 0;
    size_t row_in_chunk = 0;
};

// Prefix sums of per-chunk row counts, for finding the chunk that owns a flat row.
class StreamRowIndex {
  public:
    void clear();
    void reserve(size_t chunk_count) { first_rows_.reserve(chunk_count + 1); }
    // Appends the next chunk; every chunk has at least its header row.
    void add_chunk(size_t row_count);

    size_t chunk_count() const { return first_rows_.size() - 1; }
    size_t total_rows() const { return first_rows_.back(); }
    size_t first_row(size_t chunk) const { return first_rows_[chunk]; }
    size_t row_count(size_t chunk) const { return first_rows_[chunk + 1] - first_rows_[chunk]; }

    // The chunk owning `flat_row` (which must be below total_rows()), by binary search.
    RowLocation locate(size_t flat_row) const;

  private:
    std::vector<size_t> first_rows_{0};  // first_rows_[i]: flat row of chunk i's header
};

}  // namespace socketlab::ui
