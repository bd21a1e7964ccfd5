// The `monde-sim mac` vector file: tiles of bf16 inputs with optional expected results, as text
// that verification engineers can write and diff by hand. Format (docs/mac_vectors.md):
//
//   # comment                      ('#' to end of line; blank lines ignored)
//   tile NAME rows=R cols=C k=K [first=1|0] [weights=bf16|int8|int4]
//   a                              then R lines of K bf16 hex words (A is R x K)
//   b                              then K lines of C bf16 hex words (B is K x C), or of C
//                                  int8 / int4 codes for a quantised B
//   scales                         int8 / int4 only: K lines of C bf16 words, the scale each
//                                  column's dequantiser sees at that beat
//   expect_fp32                    (optional) R lines of C fp32 hex words
//   expect_bf16                    (optional) R lines of C bf16 hex words
//   expect_cycles N                (optional)
//   end
//
// Hex words are 1-4 (bf16), 1-8 (fp32), 1-2 (int8 code) or 1 (int4 code) hex digits with an
// optional 0x prefix.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "tlm/ndp/mac_tile.hpp"
#include "tlm/ndp/vector_text.hpp"  // VectorFormatError

namespace monde::ndp {

struct VectorTile {
  std::string name;
  int line = 0;  // line of the `tile` header, for messages
  MacTile tile;
  std::optional<std::vector<num::fp32_t>> expect_fp32;
  std::optional<std::vector<num::bf16_t>> expect_bf16;
  std::optional<std::uint64_t> expect_cycles;
};

// Every tile of `in`, however many (none for an empty input).
std::vector<VectorTile> parse_vectors(std::istream& in, const std::string& source);
// A vector file's text (`source` names it in messages): one or more tiles, else an error.
std::vector<VectorTile> parse_vector_text(const std::string& text, const std::string& source);
// Reads and parses a file (a directory, a missing file: an error naming the path).
std::vector<VectorTile> read_vector_file(const std::string& path);

// Checks that every tile fits an array of `shape` (check_tile); VectorFormatError
// "source:line: tile 'NAME': <problem> for a R x C array" at the first that does not.
void check_vector_tiles(const std::vector<VectorTile>& tiles, const config::MacArrayShape& shape,
                        const std::string& source);

// Writes tiles in the same format; with results, they become the expect_* sections, so an
// output file is a valid input that checks a later run against this one.
void write_vectors(std::ostream& out, const std::vector<VectorTile>& tiles);

}  // namespace monde::ndp
