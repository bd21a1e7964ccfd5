#include "tlm/ndp/mac_vectors.hpp"

#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "core/config/experiment_document.hpp"

namespace monde::ndp {

namespace {

// A word of the file as a message quotes it: short, no control bytes (config::shown_text).
std::string shown(const std::string& word) { return config::shown_text(word); }

using Reader = VectorReader;

template <typename T>
std::vector<T> read_matrix(Reader& rd, const std::string& section, unsigned nrows, unsigned ncols,
                           unsigned max_digits, const char* what) {
  return narrow_words<T>(read_hex_matrix(rd, section, nrows, ncols, max_digits, what));
}

constexpr const char* kHeaderUsage = "tile NAME rows=R cols=C k=K [first=1|0] [weights=bf16|int8|int4]";

// A quantised B's codes: the two's-complement byte (int8, 1-2 hex digits) or nibble (int4, 1).
unsigned code_digits(config::WeightFormat f) { return f == config::WeightFormat::kInt8 ? 2 : 1; }
const char* code_kind(config::WeightFormat f) { return f == config::WeightFormat::kInt8 ? "int8 code" : "int4 code"; }

void parse_header(Reader& rd, const std::vector<std::string>& words, VectorTile& vt) {
  if (words.size() < 2) rd.fail(std::string("'tile' needs a name; expected '") + kHeaderUsage + "'");
  vt.name = words[1];
  vt.line = rd.line();
  bool have_rows = false, have_cols = false, have_k = false;
  for (std::size_t i = 2; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) rd.fail("expected key=value, got '" + shown(words[i]) + "'");
    const auto key = words[i].substr(0, eq);
    const auto val = words[i].substr(eq + 1);
    if (key == "rows") {
      vt.tile.rows = static_cast<unsigned>(parse_uint(rd, val, "rows", 1, 4096));
      have_rows = true;
    } else if (key == "cols") {
      vt.tile.cols = static_cast<unsigned>(parse_uint(rd, val, "cols", 1, 4096));
      have_cols = true;
    } else if (key == "k") {
      vt.tile.k = static_cast<unsigned>(parse_uint(rd, val, "k", 1, kMaxTileK));
      have_k = true;
    } else if (key == "first") {
      vt.tile.first = parse_uint(rd, val, "first", 0, 1) == 1;
    } else if (key == "weights") {
      if (!config::from_string(val, vt.tile.b_format)) rd.fail("weights = '" + shown(val) + "'; allowed bf16, int8, int4");
    } else {
      rd.fail("unknown tile field '" + shown(key) + "'; allowed rows, cols, k, first, weights");
    }
  }
  if (!have_rows || !have_cols || !have_k) {
    rd.fail("tile '" + shown(vt.name) + "' needs rows=, cols= and k=; expected '" + kHeaderUsage + "'");
  }
}

}  // namespace

std::vector<VectorTile> parse_vectors(std::istream& in, const std::string& source) {
  Reader rd(in, source);
  std::vector<VectorTile> tiles;
  std::vector<std::string> words;
  std::map<std::string, std::size_t> tile_lines;  // name -> line of its header: names must be unique
  while (rd.next(words)) {
    if (words[0] != "tile") rd.fail("expected 'tile NAME rows=R cols=C k=K', got '" + shown(words[0]) + "'");
    VectorTile vt;
    parse_header(rd, words, vt);
    if (const auto [it, fresh] = tile_lines.emplace(vt.name, vt.line); !fresh) {
      rd.fail("tile name '" + shown(vt.name) + "' already used at line " + std::to_string(it->second) +
              "; allowed each name once (results are reported by name)");
    }
    const auto& t = vt.tile;
    std::set<std::string> sections;  // each section once per tile: a second 'a' would replace the first
    bool ended = false;
    while (!ended) {
      if (!rd.next(words)) rd.fail("tile '" + shown(vt.name) + "' has no 'end'; expected its sections, then a line 'end'");
      const auto& s = words[0];
      if (words.size() != 1 && s != "expect_cycles") rd.fail("section '" + shown(s) + "' takes no arguments; expected the section name alone on its line");
      if (s != "end" && !sections.insert(s).second) {
        rd.fail("section '" + shown(s) + "' appears twice in tile '" + shown(vt.name) + "'; allowed once per tile");
      }
      if (s == "a") {
        vt.tile.a = read_matrix<num::bf16_t>(rd, "a", t.rows, t.k, 4, "bf16");
      } else if (s == "b" && !config::is_quantised(t.b_format)) {
        vt.tile.b = read_matrix<num::bf16_t>(rd, "b", t.k, t.cols, 4, "bf16");
      } else if (s == "b") {
        vt.tile.b_codes = read_matrix<std::uint8_t>(rd, "b", t.k, t.cols, code_digits(t.b_format), code_kind(t.b_format));
      } else if (s == "scales") {
        if (!config::is_quantised(t.b_format)) {
          rd.fail("section 'scales' is for int8 / int4 weights (weights=int8|int4 in the tile header); bf16 B has no scales");
        }
        vt.tile.b_scales = read_matrix<num::bf16_t>(rd, "scales", t.k, t.cols, 4, "bf16");
      } else if (s == "expect_fp32") {
        vt.expect_fp32 = read_matrix<num::fp32_t>(rd, "expect_fp32", t.rows, t.cols, 8, "fp32");
      } else if (s == "expect_bf16") {
        vt.expect_bf16 = read_matrix<num::bf16_t>(rd, "expect_bf16", t.rows, t.cols, 4, "bf16");
      } else if (s == "expect_cycles") {
        if (words.size() != 2) rd.fail("expect_cycles takes one number; expected 'expect_cycles N'");
        vt.expect_cycles = parse_uint(rd, words[1], "expect_cycles", 0, UINT64_MAX / 2);
      } else if (s == "end") {
        ended = true;
      } else {
        rd.fail("unknown section '" + shown(s) + "'; allowed a, b, scales, expect_fp32, expect_bf16, expect_cycles, end");
      }
    }
    if (vt.tile.a.empty()) rd.fail("tile '" + shown(vt.name) + "' has no 'a' section; expected 'a' then rows lines of k words");
    if (!sections.count("b")) rd.fail("tile '" + shown(vt.name) + "' has no 'b' section; expected 'b' then k lines of cols words");
    if (config::is_quantised(t.b_format) && !sections.count("scales")) {
      rd.fail("tile '" + shown(vt.name) + "' (weights=" + config::to_string(t.b_format) +
              ") has no 'scales' section; expected 'scales' then k lines of cols bf16 words");
    }
    tiles.push_back(std::move(vt));
  }
  return tiles;
}

std::vector<VectorTile> parse_vector_text(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  auto tiles = parse_vectors(in, source);
  // A run of nothing would report "0 mismatches" and pass: an empty file (or /dev/null, or
  // comments only) is a mistake, not a test.
  if (tiles.empty()) {
    throw VectorFormatError(source + ": no tiles (empty, or comments only); allowed one or more "
                                     "'tile NAME rows=R cols=C k=K' blocks (docs/mac_vectors.md)");
  }
  return tiles;
}

std::vector<VectorTile> read_vector_file(const std::string& path) {
  return parse_vector_text(read_vector_text_file(path), path);
}

void check_vector_tiles(const std::vector<VectorTile>& tiles, const config::MacArrayShape& shape,
                        const std::string& source) {
  for (const auto& vt : tiles) {
    if (auto err = check_tile(shape, vt.tile); !err.empty()) {
      throw VectorFormatError(source + ":" + std::to_string(vt.line) + ": tile '" + shown(vt.name) + "': " + err + " for a " +
                              std::to_string(shape.rows) + " x " + std::to_string(shape.cols) + " array");
    }
  }
}

namespace {
template <typename T>
void write_matrix(std::ostream& out, const char* section, const std::vector<T>& m, unsigned ncols, int digits) {
  write_hex_matrix(out, section, widen_words(m), ncols, digits);
}
}  // namespace

void write_vectors(std::ostream& out, const std::vector<VectorTile>& tiles) {
  for (const auto& vt : tiles) {
    const auto& t = vt.tile;
    out << "tile " << vt.name << " rows=" << t.rows << " cols=" << t.cols << " k=" << t.k
        << " first=" << (t.first ? 1 : 0);
    if (config::is_quantised(t.b_format)) out << " weights=" << config::to_string(t.b_format);
    out << '\n';
    write_matrix(out, "a", t.a, t.k, 4);
    if (config::is_quantised(t.b_format)) {
      write_matrix(out, "b", t.b_codes, t.cols, static_cast<int>(code_digits(t.b_format)));
      write_matrix(out, "scales", t.b_scales, t.cols, 4);
    } else {
      write_matrix(out, "b", t.b, t.cols, 4);
    }
    if (vt.expect_fp32) write_matrix(out, "expect_fp32", *vt.expect_fp32, t.cols, 8);
    if (vt.expect_bf16) write_matrix(out, "expect_bf16", *vt.expect_bf16, t.cols, 4);
    if (vt.expect_cycles) out << "expect_cycles " << *vt.expect_cycles << '\n';
    out << "end\n";
  }
}

}  // namespace monde::ndp
