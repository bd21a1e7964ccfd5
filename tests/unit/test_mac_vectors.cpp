// The `monde-sim mac` vector format: parsing, round trip, and file:line errors.
#include <gtest/gtest.h>

#include <sstream>

#include "tlm/ndp/mac_result_check.hpp"
#include "tlm/ndp/mac_vectors.hpp"

namespace monde::ndp {
namespace {

constexpr const char* kGood = R"(# two tiles
tile t0 rows=2 cols=3 k=2
a
3F80 4000      # A[0] = 1, 2
0x3F80 0       # A[1] = 1, 0
b
3F80 3F80 3F80
4000 C000 0000
expect_fp32
40A00000 BF800000 3F800000
3F800000 3F800000 3F800000
expect_bf16
40A0 BF80 3F80
3F80 3F80 3F80
expect_cycles 6
end
tile t1 rows=1 cols=1 k=1 first=0
a
1
b
1
end
)";

// A quantised B by hand (docs/mac_array.md: operand = to_bf16(int x scale)):
//   codes k0 = [02 FE] (2, -2), k1 = [7F 80] (127, -128); scales k0 = [0.5 2], k1 = [1 2^-8]
//   operands k0 = [1 -4], k1 = [127 -0.5]; A = [1 2]
//   C[0][0] = 1 x 1 + 2 x 127 = 255 (0x437F0000), C[0][1] = 1 x -4 + 2 x -0.5 = -5 (0xC0A00000)
//   cycles = k + rows + 2 = 2 + 1 + 2 = 5
constexpr const char* kInt8 = R"(tile q rows=1 cols=2 k=2 weights=int8
a
3F80 4000
b
02 FE
7F 80
scales
3F00 4000
3F80 3B80
expect_fp32
437F0000 C0A00000
expect_bf16
437F C0A0
expect_cycles 5
end
)";

std::vector<VectorTile> parse(const std::string& s) {
  std::istringstream in(s);
  return parse_vectors(in, "v.txt");
}

std::string error_of(const std::string& s) {
  try {
    parse(s);
  } catch (const VectorFormatError& e) {
    return e.what();
  }
  return "no error";
}

TEST(MacVectors, ParsesTilesAndExpectations) {
  const auto v = parse(kGood);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].name, "t0");
  EXPECT_EQ(v[0].line, 2);
  EXPECT_EQ(v[0].tile.a, (std::vector<num::bf16_t>{0x3F80, 0x4000, 0x3F80, 0x0000}));
  EXPECT_EQ(v[0].tile.b, (std::vector<num::bf16_t>{0x3F80, 0x3F80, 0x3F80, 0x4000, 0xC000, 0x0000}));
  ASSERT_TRUE(v[0].expect_fp32);
  EXPECT_EQ((*v[0].expect_fp32)[0], 0x40A00000u);  // 1*1 + 2*2 = 5
  EXPECT_EQ(*v[0].expect_cycles, 6u);                // k=2 + 2 + rows=2
  EXPECT_TRUE(v[0].tile.first);
  EXPECT_FALSE(v[1].tile.first);
  EXPECT_FALSE(v[1].expect_fp32);
}

TEST(MacVectors, WriteThenReadIsIdentity) {
  const auto v = parse(kGood);
  std::ostringstream out;
  write_vectors(out, v);
  const auto w = parse(out.str());
  ASSERT_EQ(w.size(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(w[i].tile.a, v[i].tile.a);
    EXPECT_EQ(w[i].tile.b, v[i].tile.b);
    EXPECT_EQ(w[i].expect_fp32, v[i].expect_fp32);
    EXPECT_EQ(w[i].expect_bf16, v[i].expect_bf16);
    EXPECT_EQ(w[i].expect_cycles, v[i].expect_cycles);
    EXPECT_EQ(w[i].tile.first, v[i].tile.first);
  }
}

TEST(MacVectors, QuantisedTileCarriesCodesAndPerBeatScales) {
  const auto v = parse(kInt8);
  ASSERT_EQ(v.size(), 1u);
  const auto& t = v[0].tile;
  EXPECT_EQ(t.b_format, config::WeightFormat::kInt8);
  EXPECT_TRUE(t.b.empty());
  EXPECT_EQ(t.b_codes, (std::vector<std::uint8_t>{0x02, 0xFE, 0x7F, 0x80}));
  EXPECT_EQ(t.b_scales, (std::vector<num::bf16_t>{0x3F00, 0x4000, 0x3F80, 0x3B80}));
  EXPECT_EQ(check_tile(config::MacArrayShape{}, t), "");
  // The operands the PEs multiply: 1, -4, 127, -0.5.
  EXPECT_EQ(b_operands(t), (std::vector<num::bf16_t>{0x3F80, 0xC080, 0x42FE, 0xBF00}));
  // Written back: the same header field, codes of 2 digits, the scales section; read again, equal.
  std::ostringstream out;
  write_vectors(out, v);
  EXPECT_NE(out.str().find("tile q rows=1 cols=2 k=2 first=1 weights=int8\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("b\n02 FE\n7F 80\nscales\n3F00 4000\n3F80 3B80\n"), std::string::npos) << out.str();
  const auto w = parse(out.str());
  EXPECT_EQ(w[0].tile.b_codes, t.b_codes);
  EXPECT_EQ(w[0].tile.b_scales, t.b_scales);
  EXPECT_EQ(w[0].expect_fp32, v[0].expect_fp32);
  // int4: one hex digit per code (the nibble, 8 = -8), so "F" is -1 and "1F" is not a code.
  const auto q4 = parse("tile n rows=1 cols=1 k=2 weights=int4\na\n1 1\nb\nF\n8\nscales\n3F80\n3F80\nend\n");
  EXPECT_EQ(q4[0].tile.b_codes, (std::vector<std::uint8_t>{0x0F, 0x08}));
  EXPECT_EQ(b_operands(q4[0].tile), (std::vector<num::bf16_t>{0xBF80, 0xC100}));  // -1, -8
  // A bf16 tile is written as before (no weights= field), so existing vector files round-trip unchanged.
  std::ostringstream bf;
  write_vectors(bf, parse(kGood));
  EXPECT_EQ(bf.str().find("weights="), std::string::npos);
}

TEST(MacVectors, QuantisedTileErrorsNameLineAndWhatIsAllowed) {
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1 weights=int2\n"), "v.txt:1: weights = 'int2'; allowed bf16, int8, int4");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1 weights=int4\na\n1\nb\n1F\n"),
            "v.txt:5: '1F' is not an int4 code hex word; expected 1..1 hex digits, optionally after 0x");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1 weights=int8\na\n1\nb\n100\n"),
            "v.txt:5: '100' is not an int8 code hex word; expected 1..2 hex digits, optionally after 0x");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1 weights=int8\na\n1\nb\n1\nend\n"),
            "v.txt:6: tile 'x' (weights=int8) has no 'scales' section; expected 'scales' then k lines of cols bf16 words");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na\n1\nscales\n1\n"),
            "v.txt:4: section 'scales' is for int8 / int4 weights (weights=int8|int4 in the tile header); bf16 B has no "
            "scales");
}

// One check per message class of the reader: each names file:line and what is allowed or expected.
TEST(MacVectors, ErrorsCarryFileLineAndWhatIsAllowed) {
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na\nZZ\n"),
            "v.txt:3: 'ZZ' is not a bf16 hex word (bad digit 'Z'); expected hex digits 0-9, a-f, A-F");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na\n12345\n"),
            "v.txt:3: '12345' is not a bf16 hex word; expected 1..4 hex digits, optionally after 0x");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na\n1\nb\n1\nexpect_fp32\n123456789\n"),
            "v.txt:7: '123456789' is not a fp32 hex word; expected 1..8 hex digits, optionally after 0x");
  EXPECT_EQ(error_of("tile x rows=2 cols=1 k=2\na\n1 2\n3\n"), "v.txt:4: section 'a' row 1 has 1 words, expected 2");
  EXPECT_EQ(error_of("tile x rows=2 cols=1 k=2\na\n1 2\n"), "v.txt:3: section 'a' ends early: expected 2 rows");
  EXPECT_EQ(error_of("\n\ntile x rows=0 cols=1 k=1\n"), "v.txt:3: rows = '0': allowed an integer in 1..4096");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1048577\n"), "v.txt:1: k = '1048577': allowed an integer in 1..1048576");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1 first=2\n"), "v.txt:1: first = '2': allowed an integer in 0..1");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1 rows\n"), "v.txt:1: expected key=value, got 'rows'");
  EXPECT_EQ(error_of("tile\n"),
            "v.txt:1: 'tile' needs a name; expected 'tile NAME rows=R cols=C k=K [first=1|0] [weights=bf16|int8|int4]'");
  EXPECT_EQ(error_of("tile x rows=1 cols=1\n"),
            "v.txt:1: tile 'x' needs rows=, cols= and k=; expected 'tile NAME rows=R cols=C k=K [first=1|0] "
            "[weights=bf16|int8|int4]'");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1 depth=3\n"), "v.txt:1: unknown tile field 'depth'; allowed rows, cols, k, first, weights");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na\n1\nb\n1\n"),
            "v.txt:5: tile 'x' has no 'end'; expected its sections, then a line 'end'");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\nb\n1\nend\n"),
            "v.txt:4: tile 'x' has no 'a' section; expected 'a' then rows lines of k words");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na\n1\nend\n"),
            "v.txt:4: tile 'x' has no 'b' section; expected 'b' then k lines of cols words");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\nc\n"),
            "v.txt:2: unknown section 'c'; allowed a, b, scales, expect_fp32, expect_bf16, expect_cycles, end");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na 1\n"),
            "v.txt:2: section 'a' takes no arguments; expected the section name alone on its line");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\nexpect_cycles\n"),
            "v.txt:2: expect_cycles takes one number; expected 'expect_cycles N'");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na\n1\na\n"),
            "v.txt:4: section 'a' appears twice in tile 'x'; allowed once per tile");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na\n1\nb\n1\nend\ntile x rows=1 cols=1 k=1\n"),
            "v.txt:7: tile name 'x' already used at line 1; allowed each name once (results are reported by name)");
  EXPECT_EQ(error_of("mac 1 2\n"), "v.txt:1: expected 'tile NAME rows=R cols=C k=K', got 'mac'");
  // Found by fuzzing: a NUL byte in a word ended the message there. Control bytes show as '?',
  // and a long word is cut (config::shown_text).
  EXPECT_EQ(error_of(std::string("tile x rows=1 cols=1 k=1\na\n1") + '\0' + "\n"),
            "v.txt:3: '1?' is not a bf16 hex word (bad digit '?'); expected hex digits 0-9, a-f, A-F");
  EXPECT_EQ(error_of("tile x rows=1 cols=1 k=1\na\n" + std::string(100, 'Z') + "\n"),
            "v.txt:3: '" + std::string(77, 'Z') + "... (100 characters)' is not a bf16 hex word; expected 1..4 hex "
            "digits, optionally after 0x");
}

// Found by fuzzing: the header's sizes were reserved before any row was read, so 40 bytes claiming
// a 4096 x 1048576 A allocated 8 GiB first. Now the missing rows are the error. (The allocation
// itself is caught where a malloc limit applies: libFuzzer's, when make fuzz replays
// tests/fuzz/regressions/mac_vectors/huge_tile_header.vec.)
TEST(MacVectors, HugeTileHeaderFailsAtItsMissingRows) {
  EXPECT_EQ(error_of("tile x rows=4096 cols=16 k=1048576\na\n1\n"),
            "v.txt:3: section 'a' row 0 has 1 words, expected 1048576");
}

TEST(MacVectors, WholeFileErrorsNameTheFile) {
  try {
    parse_vector_text("# only a comment\n", "c.vec");
    ADD_FAILURE() << "no error";
  } catch (const VectorFormatError& e) {
    EXPECT_EQ(std::string(e.what()), "c.vec: no tiles (empty, or comments only); allowed one or more "
                                     "'tile NAME rows=R cols=C k=K' blocks (docs/mac_vectors.md)");
  }
  std::string rows;
  for (int i = 0; i < 20; ++i) rows += "1\n";
  try {
    check_vector_tiles(parse("tile big rows=20 cols=1 k=1\na\n" + rows + "b\n1\nend\n"), config::MacArrayShape{},
                       "v.txt");
    ADD_FAILURE() << "no error";
  } catch (const VectorFormatError& e) {
    EXPECT_EQ(std::string(e.what()), "v.txt:1: tile 'big': rows = 20 is out of range (allowed 1..16) for a 16 x 16 array");
  }
}

TEST(MacVectors, MismatchReportNamesIndexInputsAndBothValues) {
  const auto v = parse(kGood);
  MacTileResult r;
  r.rows = 2;
  r.cols = 3;
  r.c_fp32 = *v[0].expect_fp32;
  r.c_bf16 = *v[0].expect_bf16;
  r.cycles = 6;
  EXPECT_TRUE(check_result(v[0], r).empty());
  r.c_fp32[1 * 3 + 2] = 0x40000000;  // C[1][2] = 2 instead of 1
  r.cycles = 7;
  const auto mm = check_result(v[0], r);
  ASSERT_EQ(mm.size(), 2u);
  EXPECT_EQ(describe(mm[0]),
            "tile 't0' C[1][2] fp32: got 0x40000000 (2), expected 0x3F800000 (1); inputs "
            "A[1][0..1] = [3F80 0000], B[0..1][2] = [3F80 0000]");
  EXPECT_EQ(describe(mm[1]), "tile 't0' cycles: got 7, expected 6");
}

}  // namespace
}  // namespace monde::ndp
