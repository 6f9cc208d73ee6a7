#include "ui/hex_layout.h"

#include <algorithm>

namespace socketlab::ui {

int HexRowLayout::column_at(float char_x) const {
    if (ascii_start >= 0 && char_x >= static_cast<float>(ascii_start) &&
        char_x < static_cast<float>(ascii_start + columns))
        return static_cast<int>(char_x) - ascii_start;

    const float hex_end = static_cast<float>(hex_char(columns - 1) + 2);
    if (char_x < static_cast<float>(hex_start) || char_x >= hex_end) return -1;
    // Each cell reaches to the middle of the gap on either side of its pair.
    for (int column = 0; column < columns - 1; ++column) {
        const float gap_middle =
            static_cast<float>(hex_char(column) + 2 + hex_char(column + 1)) / 2.0f;
        if (char_x < gap_middle) return column;
    }
    return columns - 1;
}

HexRowLayout make_row_layout(int columns, int offset_digits, bool show_ascii) {
    HexRowLayout layout;
    layout.columns = std::max(columns, 1);
    layout.offset_chars = offset_digits > 0 ? offset_text_chars(offset_digits) : 0;
    layout.hex_start = layout.offset_chars > 0 ? layout.offset_chars + kColumnGapChars : 0;
    const int hex_end = layout.hex_char(layout.columns - 1) + 2;
    if (show_ascii) {
        layout.ascii_start = hex_end + kColumnGapChars;
        layout.total_chars = layout.ascii_start + layout.columns;
    } else {
        layout.total_chars = hex_end;
    }
    return layout;
}

int offset_digits_for(size_t largest_offset) {
    int digits = kMinOffsetDigits;
    while (digits < 16 && (largest_offset >> (digits * 4)) != 0) digits += 4;
    return digits;
}

int offset_text_chars(int digits) {
    return digits + (digits - 1) / 4;
}

std::string format_offset(size_t offset, int digits) {
    static constexpr char kHexDigits[] = "0123456789abcdef";
    std::string text;
    text.reserve(static_cast<size_t>(offset_text_chars(digits)));
    for (int digit = digits - 1; digit >= 0; --digit) {
        text.push_back(kHexDigits[(static_cast<uint64_t>(offset) >> (digit * 4)) & 0xf]);
        if (digit > 0 && digit % 4 == 0) text.push_back(' ');
    }
    return text;
}

int choose_stream_columns(float available_chars, int offset_digits) {
    for (int columns : {kWideStreamColumns, kNarrowStreamColumns})
        if (static_cast<float>(make_row_layout(columns, offset_digits, true).total_chars) <=
            available_chars)
            return columns;
    return kTinyStreamColumns;
}

size_t data_row_count(size_t byte_count, int columns) {
    const size_t per_row = static_cast<size_t>(std::max(columns, 1));
    return (byte_count + per_row - 1) / per_row;
}

size_t chunk_row_count(size_t kept_bytes, uint64_t total_bytes, int columns) {
    const bool cut = total_bytes > kept_bytes;
    return 1 + data_row_count(kept_bytes, columns) + (cut ? 1 : 0);
}

ChunkRow describe_chunk_row(size_t row_in_chunk, size_t kept_bytes, int columns) {
    ChunkRow row;
    if (row_in_chunk == 0) return row;  // header
    const size_t data_row = row_in_chunk - 1;
    if (data_row >= data_row_count(kept_bytes, columns)) {
        row.kind = ChunkRowKind::CutNote;
        return row;
    }
    const size_t per_row = static_cast<size_t>(std::max(columns, 1));
    row.kind = ChunkRowKind::Bytes;
    row.first_byte = data_row * per_row;
    row.byte_count = std::min(per_row, kept_bytes - row.first_byte);
    return row;
}

std::string cut_note(uint64_t missing_bytes) {
    return std::to_string(missing_bytes) +
           (missing_bytes == 1 ? " more byte not kept" : " more bytes not kept");
}

void StreamRowIndex::clear() {
    first_rows_.assign(1, 0);
}

void StreamRowIndex::add_chunk(size_t row_count) {
    first_rows_.push_back(first_rows_.back() + std::max<size_t>(row_count, 1));
}

RowLocation StreamRowIndex::locate(size_t flat_row) const {
    // The owning chunk is the last one whose first row is <= flat_row.
    const auto after = std::upper_bound(first_rows_.begin(), first_rows_.end() - 1, flat_row);
    const size_t chunk = static_cast<size_t>(after - first_rows_.begin()) - 1;
    return {chunk, flat_row - first_rows_[chunk]};
}

}  // namespace socketlab::ui
