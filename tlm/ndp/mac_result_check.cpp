#include "tlm/ndp/mac_result_check.hpp"

#include "tlm/ndp/numerics/quant.hpp"

#include <cstring>
#include <iomanip>
#include <sstream>

namespace monde::ndp {

std::string fp32_text(num::fp32_t x) {
  float f;
  std::memcpy(&f, &x, sizeof f);
  std::ostringstream s;
  s << "0x" << std::hex << std::uppercase << std::setw(8) << std::setfill('0') << x << " ("
    << std::setprecision(9) << std::defaultfloat << f << ")";
  return s.str();
}

std::string bf16_text(num::bf16_t x) {
  float f;
  const std::uint32_t w = num::to_fp32(x);
  std::memcpy(&f, &w, sizeof f);
  std::ostringstream s;
  s << "0x" << std::hex << std::uppercase << std::setw(4) << std::setfill('0') << x << " ("
    << std::setprecision(4) << std::defaultfloat << f << ")";
  return s.str();
}

namespace {

constexpr unsigned kShownInputs = 8;

std::string inputs_of(const MacTile& t, unsigned r, unsigned c) {
  std::ostringstream s;
  s << std::hex << std::uppercase << std::setfill('0');
  s << "A[" << std::dec << r << "][0.." << t.k - 1 << "] = [" << std::hex;
  for (unsigned k = 0; k < t.k && k < kShownInputs; ++k) s << (k ? " " : "") << std::setw(4) << t.a[std::size_t(r) * t.k + k];
  s << (t.k > kShownInputs ? " ...]" : "]") << ", B[0.." << std::dec << t.k - 1 << "][" << c << "] = [" << std::hex;
  if (t.b_format == config::WeightFormat::kBf16) {
    for (unsigned k = 0; k < t.k && k < kShownInputs; ++k) s << (k ? " " : "") << std::setw(4) << t.b[std::size_t(k) * t.cols + c];
  } else {
    // Quantised B: code x scale -> operand, as the dequantiser saw it.
    for (unsigned k = 0; k < t.k && k < kShownInputs; ++k) {
      const std::size_t i = std::size_t(k) * t.cols + c;
      s << (k ? " " : "") << std::setw(2) << unsigned(t.b_codes[i]) << "x" << std::setw(4) << t.b_scales[i] << "="
        << std::setw(4) << num::weight_operand(t.b_format, t.b_codes[i], t.b_scales[i]);
    }
  }
  s << (t.k > kShownInputs ? " ...]" : "]");
  if (t.b_format != config::WeightFormat::kBf16) s << " (" << config::to_string(t.b_format) << " code x scale = operand)";
  if (!t.first) s << ", continuing earlier sums (first=0)";
  return s.str();
}

template <typename T>
void diff(std::vector<Mismatch>& out, const std::string& name, const char* what, const MacTile& t,
          const std::vector<T>& got, const std::vector<T>& expected) {
  for (unsigned r = 0; r < t.rows; ++r) {
    for (unsigned c = 0; c < t.cols; ++c) {
      const std::size_t i = std::size_t(r) * t.cols + c;
      if (got.at(i) != expected.at(i)) out.push_back({name, what, r, c, got[i], expected[i], inputs_of(t, r, c)});
    }
  }
}

}  // namespace

std::vector<Mismatch> check_result(const VectorTile& vt, const MacTileResult& result) {
  std::vector<Mismatch> out;
  if (vt.expect_fp32) diff(out, vt.name, "fp32", vt.tile, result.c_fp32, *vt.expect_fp32);
  if (vt.expect_bf16) diff(out, vt.name, "bf16", vt.tile, result.c_bf16, *vt.expect_bf16);
  if (vt.expect_cycles && *vt.expect_cycles != result.cycles) {
    out.push_back({vt.name, "cycles", 0, 0, result.cycles, *vt.expect_cycles, ""});
  }
  return out;
}

std::vector<Mismatch> compare_results(const std::string& name, const MacTile& tile, const MacTileResult& got,
                                      const MacTileResult& expected) {
  std::vector<Mismatch> out;
  diff(out, name, "fp32", tile, got.c_fp32, expected.c_fp32);
  diff(out, name, "bf16", tile, got.c_bf16, expected.c_bf16);
  if (got.cycles != expected.cycles) out.push_back({name, "cycles", 0, 0, got.cycles, expected.cycles, ""});
  return out;
}

std::string describe(const Mismatch& m) {
  std::ostringstream s;
  s << "tile '" << m.tile << "' ";
  if (m.what == "cycles") {
    s << "cycles: got " << m.got << ", expected " << m.expected;
    return s.str();
  }
  const bool fp = m.what == "fp32";
  s << "C[" << m.row << "][" << m.col << "] " << m.what << ": got "
    << (fp ? fp32_text(static_cast<num::fp32_t>(m.got)) : bf16_text(static_cast<num::bf16_t>(m.got)))
    << ", expected "
    << (fp ? fp32_text(static_cast<num::fp32_t>(m.expected)) : bf16_text(static_cast<num::bf16_t>(m.expected)))
    << "; inputs " << m.inputs;
  return s.str();
}

}  // namespace monde::ndp
