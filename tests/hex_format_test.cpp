// The hex views' layout math: row geometry, hit-testing, offsets, and the flat row index that
// lets one list clipper serve every chunk of a byte stream.
#include <gtest/gtest.h>

#include "ui/hex_layout.h"

namespace socketlab::ui {
namespace {

TEST(HexRowLayout, SixteenColumnsWithOffsetsAndAscii) {
    // "0000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 0a 00 00 00  Hello, world...."
    const HexRowLayout layout = make_row_layout(16, 4, true);
    EXPECT_EQ(layout.offset_chars, 4);
    EXPECT_EQ(layout.hex_start, 6);
    EXPECT_EQ(layout.hex_char(0), 6);
    EXPECT_EQ(layout.hex_char(7), 6 + 21);
    EXPECT_EQ(layout.hex_char(8), 6 + 25);  // one extra space between the two groups of 8
    EXPECT_EQ(layout.hex_char(15), 6 + 46);
    EXPECT_EQ(layout.ascii_start, 6 + 48 + 2);
    EXPECT_EQ(layout.total_chars, layout.ascii_start + 16);
}

TEST(HexRowLayout, NoOffsetsNoAscii) {
    const HexRowLayout layout = make_row_layout(8, 0, false);
    EXPECT_EQ(layout.offset_chars, 0);
    EXPECT_EQ(layout.hex_start, 0);
    EXPECT_EQ(layout.ascii_start, -1);
    EXPECT_EQ(layout.total_chars, 8 * 3 - 1);
}

TEST(HexRowLayout, ColumnsClampedToOne) {
    const HexRowLayout layout = make_row_layout(0, 4, true);
    EXPECT_EQ(layout.columns, 1);
    EXPECT_EQ(layout.total_chars, 4 + 2 + 2 + 2 + 1);
}

TEST(HexRowLayout, ColumnAtCoversHexPairsGapsAndAscii) {
    const HexRowLayout layout = make_row_layout(16, 4, true);
    EXPECT_EQ(layout.column_at(0.0f), -1);  // offset column
    EXPECT_EQ(layout.column_at(5.5f), -1);  // gap before the hex
    EXPECT_EQ(layout.column_at(6.0f), 0);
    EXPECT_EQ(layout.column_at(7.9f), 0);
    EXPECT_EQ(layout.column_at(8.4f), 0);  // first half of the space after byte 0
    EXPECT_EQ(layout.column_at(8.6f), 1);  // second half belongs to byte 1
    EXPECT_EQ(layout.column_at(static_cast<float>(layout.hex_char(8))), 8);
    EXPECT_EQ(layout.column_at(static_cast<float>(layout.hex_char(15)) + 1.5f), 15);
    EXPECT_EQ(layout.column_at(static_cast<float>(layout.hex_char(15)) + 2.5f), -1);
    EXPECT_EQ(layout.column_at(static_cast<float>(layout.ascii_start)), 0);
    EXPECT_EQ(layout.column_at(static_cast<float>(layout.ascii_start) + 15.9f), 15);
    EXPECT_EQ(layout.column_at(static_cast<float>(layout.total_chars)), -1);
}

TEST(HexRowLayout, ColumnAtEveryHexPairStartsItsOwnColumn) {
    for (int columns : {1, 8, 16, 32}) {
        const HexRowLayout layout = make_row_layout(columns, 8, true);
        for (int column = 0; column < columns; ++column) {
            EXPECT_EQ(layout.column_at(static_cast<float>(layout.hex_char(column))), column);
            EXPECT_EQ(layout.column_at(static_cast<float>(layout.hex_char(column)) + 1.9f), column);
            EXPECT_EQ(layout.column_at(static_cast<float>(layout.ascii_char(column)) + 0.5f),
                      column);
        }
    }
}

TEST(Offsets, DigitsGrowInGroupsOfFour) {
    EXPECT_EQ(offset_digits_for(0), 4);
    EXPECT_EQ(offset_digits_for(0xffff), 4);
    EXPECT_EQ(offset_digits_for(0x10000), 8);
    EXPECT_EQ(offset_digits_for(0xffffffffu), 8);
    EXPECT_EQ(offset_digits_for(size_t{1} << 32), 12);
    EXPECT_EQ(offset_digits_for(SIZE_MAX), 16);
}

TEST(Offsets, FormattedInHexWithASpaceEveryFourDigits) {
    EXPECT_EQ(format_offset(0x10, 4), "0010");
    EXPECT_EQ(format_offset(0x10, 8), "0000 0010");
    EXPECT_EQ(format_offset(0x1abcd, 8), "0001 abcd");
    EXPECT_EQ(offset_text_chars(4), 4);
    EXPECT_EQ(offset_text_chars(8), 9);
    EXPECT_EQ(static_cast<int>(format_offset(0, 16).size()), offset_text_chars(16));
}

TEST(StreamColumns, SixteenWhenTheFullRowFitsElseEightElseFour) {
    const int wide_chars = make_row_layout(16, 4, true).total_chars;
    const int narrow_chars = make_row_layout(8, 4, true).total_chars;
    EXPECT_EQ(choose_stream_columns(static_cast<float>(wide_chars), 4), 16);
    EXPECT_EQ(choose_stream_columns(static_cast<float>(wide_chars) - 0.5f, 4), 8);
    EXPECT_EQ(choose_stream_columns(static_cast<float>(narrow_chars), 4), 8);
    EXPECT_EQ(choose_stream_columns(10.0f, 4), 4);
    // Wider offsets need more room for the same 16 columns.
    EXPECT_EQ(choose_stream_columns(static_cast<float>(wide_chars), 8), 8);
}

TEST(ChunkRows, CountsHeaderDataAndCutNote) {
    EXPECT_EQ(data_row_count(0, 16), 0u);
    EXPECT_EQ(data_row_count(1, 16), 1u);
    EXPECT_EQ(data_row_count(16, 16), 1u);
    EXPECT_EQ(data_row_count(17, 16), 2u);
    EXPECT_EQ(chunk_row_count(0, 0, 16), 1u);    // header only
    EXPECT_EQ(chunk_row_count(10, 10, 16), 2u);  // header + 1 data row
    EXPECT_EQ(chunk_row_count(10, 0, 16), 2u);   // total left at 0: not cut
    EXPECT_EQ(chunk_row_count(32, 100, 8), 6u);  // header + 4 + cut note
    EXPECT_EQ(chunk_row_count(0, 5, 8), 2u);     // nothing kept, still says what was lost
}

TEST(ChunkRows, DescribesEachRow) {
    // 20 bytes kept of 50, 8 per row: header, 8, 8, 4, cut note.
    EXPECT_EQ(describe_chunk_row(0, 20, 8).kind, ChunkRowKind::Header);
    const ChunkRow first = describe_chunk_row(1, 20, 8);
    EXPECT_EQ(first.kind, ChunkRowKind::Bytes);
    EXPECT_EQ(first.first_byte, 0u);
    EXPECT_EQ(first.byte_count, 8u);
    const ChunkRow last = describe_chunk_row(3, 20, 8);
    EXPECT_EQ(last.kind, ChunkRowKind::Bytes);
    EXPECT_EQ(last.first_byte, 16u);
    EXPECT_EQ(last.byte_count, 4u);
    EXPECT_EQ(describe_chunk_row(4, 20, 8).kind, ChunkRowKind::CutNote);
}

TEST(ChunkRows, CutNoteWording) {
    EXPECT_EQ(cut_note(1), "1 more byte not kept");
    EXPECT_EQ(cut_note(65536), "65536 more bytes not kept");
}

TEST(StreamRowIndex, LocatesEveryRow) {
    StreamRowIndex index;
    const size_t rows[] = {1, 3, 2, 1, 5};
    for (size_t count : rows) index.add_chunk(count);
    ASSERT_EQ(index.chunk_count(), 5u);
    ASSERT_EQ(index.total_rows(), 12u);

    size_t flat = 0;
    for (size_t chunk = 0; chunk < 5; ++chunk) {
        EXPECT_EQ(index.first_row(chunk), flat);
        EXPECT_EQ(index.row_count(chunk), rows[chunk]);
        for (size_t row = 0; row < rows[chunk]; ++row, ++flat) {
            const RowLocation at = index.locate(flat);
            EXPECT_EQ(at.chunk, chunk) << "flat row " << flat;
            EXPECT_EQ(at.row_in_chunk, row) << "flat row " << flat;
        }
    }
}

TEST(StreamRowIndex, EveryChunkHasAtLeastItsHeader) {
    StreamRowIndex index;
    index.add_chunk(0);
    index.add_chunk(2);
    EXPECT_EQ(index.total_rows(), 3u);
    EXPECT_EQ(index.locate(1).chunk, 1u);
}

TEST(StreamRowIndex, ClearStartsOver) {
    StreamRowIndex index;
    index.add_chunk(4);
    index.clear();
    EXPECT_EQ(index.chunk_count(), 0u);
    EXPECT_EQ(index.total_rows(), 0u);
}

TEST(StreamRowIndex, HundredThousandChunks) {
    StreamRowIndex index;
    index.reserve(100000);
    for (size_t chunk = 0; chunk < 100000; ++chunk) index.add_chunk(1 + chunk % 4);
    // Rows per group of four chunks: 1 + 2 + 3 + 4.
    EXPECT_EQ(index.total_rows(), 25000u * 10u);
    const RowLocation at = index.locate(10 * 1234 + 1 + 2);  // chunk 4*1234+2, its first row
    EXPECT_EQ(at.chunk, 4u * 1234u + 2u);
    EXPECT_EQ(at.row_in_chunk, 0u);
    EXPECT_EQ(index.locate(index.total_rows() - 1).chunk, 99999u);
}

}  // namespace
}  // namespace socketlab::ui
