// Fuzz target: the `monde-sim mac` vector reader (docs/mac_vectors.md). The input is a vector
// file's text. Invariants: rejections are VectorFormatError "file:line: ..." saying what is
// allowed or expected; accepted tiles that fit the default 16 x 16 array (checked as `mac run`
// does) run through the Verilated RTL and the C++ cycle model with identical bits and cycle
// counts (the numerics contract, DESIGN.md), and checking them against the file's expectations
// never fails to compare; written back (write_vectors), the tiles read back unchanged.
#include <sstream>

#include "tests/fuzz/fuzz_target.hpp"
#include "tlm/ndp/mac_engine.hpp"
#include "tlm/ndp/mac_result_check.hpp"
#include "tlm/ndp/mac_vectors.hpp"

namespace {

// Array cycles one input may run (tiles cost k + rows + 2 cycles each): keeps an input to
// milliseconds so the fuzzer explores the reader, not long tiles.
constexpr std::uint64_t kMaxCyclesPerInput = 20000;

bool same_tiles(const std::vector<monde::ndp::VectorTile>& a, const std::vector<monde::ndp::VectorTile>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto &x = a[i], &y = b[i];
    if (x.name != y.name || x.tile.rows != y.tile.rows || x.tile.cols != y.tile.cols || x.tile.k != y.tile.k ||
        x.tile.first != y.tile.first || x.tile.a != y.tile.a || x.tile.b != y.tile.b || x.expect_fp32 != y.expect_fp32 ||
        x.expect_bf16 != y.expect_bf16 || x.expect_cycles != y.expect_cycles) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace monde;
  constexpr const char* kSource = "fuzz.vec";
  const config::MacArrayShape shape;  // 16 x 16, the default device.ndp.mac_array
  std::vector<ndp::VectorTile> tiles;
  try {
    tiles = ndp::parse_vector_text(fuzz::text_of(data, size), kSource);
    ndp::check_vector_tiles(tiles, shape, kSource);
  } catch (const ndp::VectorFormatError& e) {
    fuzz::check_rejection(e.what(), kSource, true);
    return 0;
  }
  std::ostringstream written;
  ndp::write_vectors(written, tiles);
  try {
    fuzz::require(same_tiles(ndp::parse_vector_text(written.str(), "written.vec"), tiles),
                  "tiles written back read as other tiles:\n" + written.str());
  } catch (const ndp::VectorFormatError& e) {
    fuzz::fail(std::string("accepted tiles, written back, are rejected: ") + e.what() + "\n" + written.str());
  }
  std::uint64_t cycles = 0;
  for (const auto& vt : tiles) cycles += std::uint64_t{vt.tile.k} + vt.tile.rows + 2;
  if (cycles > kMaxCyclesPerInput) return 0;
  // One pair of engines for the process (building the Verilated model per input would dominate);
  // a full first=1 tile clears every accumulator, so each input starts from the same state.
  static const auto rtl = ndp::make_mac_engine(config::PeModel::kRtl, shape);
  static const auto cycle = ndp::make_mac_engine(config::PeModel::kCycle, shape);
  ndp::MacTile clear;
  clear.rows = shape.rows;
  clear.cols = shape.cols;
  clear.k = 1;
  clear.a.assign(shape.rows, 0);
  clear.b.assign(shape.cols, 0);
  rtl->run_tile(clear);
  cycle->run_tile(clear);
  for (const auto& vt : tiles) {
    const ndp::MacTileResult r = rtl->run_tile(vt.tile);
    const ndp::MacTileResult c = cycle->run_tile(vt.tile);
    const auto diff = ndp::compare_results(vt.name, vt.tile, r, c);
    fuzz::require(diff.empty(), "RTL and cycle model differ: " + (diff.empty() ? "" : ndp::describe(diff.front())));
    ndp::check_result(vt, r);
  }
  return 0;
}
