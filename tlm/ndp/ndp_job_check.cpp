#include "tlm/ndp/ndp_job_check.hpp"

#include <iomanip>
#include <sstream>

#include "tlm/ndp/mac_result_check.hpp"  // bf16_text
#include "tlm/ndp/numerics/golden_expert.hpp"
#include "tlm/ndp/numerics/quant.hpp"

namespace monde::ndp {

NdpJobOutcome golden_job(const VectorJob& j) {
  std::vector<num::bf16_t> up = j.w_up, gate = j.w_gate, down = j.w_down;
  if (j.weights.quantised()) {
    up = num::dequantise(j.q_up);
    if (j.gated) gate = num::dequantise(j.q_gate);
    down = num::dequantise(j.q_down);
  }
  const auto r = num::golden_expert({j.x.data(), up.data(), j.gated ? gate.data() : nullptr, down.data()},
                                    {j.tokens, j.d_model, j.d_ff},
                                    j.gated ? num::ExpertActivation::kSiluGated : num::ExpertActivation::kRelu);
  return {NdpErrorCode::kOk, r.h, r.y};
}

namespace {

constexpr std::size_t kShownInputs = 8;

// "name[row][0..n-1] = [w0 w1 ... ]": the first kShownInputs words of a row of bf16 words.
std::string bf16_row(const char* name, const num::bf16_t* row, std::size_t n, std::size_t index) {
  std::ostringstream s;
  s << name << "[" << index << "][0.." << n - 1 << "] = [" << std::hex << std::uppercase << std::setfill('0');
  for (std::size_t k = 0; k < n && k < kShownInputs; ++k) s << (k ? " " : "") << std::setw(4) << row[k];
  s << (n > kShownInputs ? " ...]" : "]");
  return s.str();
}

// A weight row: bf16 words, or code x scale for int8 / int4 (as the dequantiser sees them).
std::string weight_row(const VectorJob& j, const char* name, const std::vector<num::bf16_t>& bf16,
                       const num::QuantisedMatrix& q, std::size_t row, std::size_t n) {
  if (!j.weights.quantised()) return bf16_row(name, bf16.data() + row * n, n, row);
  std::ostringstream s;
  s << name << "[" << row << "][0.." << n - 1 << "] = [" << std::hex << std::uppercase << std::setfill('0');
  const int digits = j.weights.format == config::WeightFormat::kInt8 ? 2 : 1;
  for (std::size_t k = 0; k < n && k < kShownInputs; ++k) {
    s << (k ? " " : "") << std::setw(digits) << unsigned(q.code(row, k)) << "x" << std::setw(4) << q.scale(row, k);
  }
  s << (n > kShownInputs ? " ...]" : "]");
  return s.str();
}

}  // namespace

std::vector<std::string> check_job(const VectorJob& j, const NdpJobOutcome& got) {
  std::vector<std::string> out;
  const std::string job = "job '" + j.name + "' ";
  const NdpErrorCode want = j.expected_code();
  if (got.code != want) {
    out.push_back(job + "completion: got " + to_string(got.code) + " (" + std::to_string(unsigned(got.code)) +
                  "), expected " + to_string(want) + " (" + std::to_string(unsigned(want)) + ")");
    return out;  // h and y of a job that did not complete as expected say nothing more
  }
  if (got.code != NdpErrorCode::kOk) return out;
  const std::size_t D = j.d_model, F = j.d_ff;
  const auto compare = [&](const char* what, const std::vector<num::bf16_t>& g, const std::vector<num::bf16_t>& e,
                           std::size_t cols, auto inputs) {
    for (std::size_t i = 0; i < e.size() && i < g.size(); ++i) {
      if (g[i] == e[i]) continue;
      const std::size_t t = i / cols, c = i % cols;
      out.push_back(job + what + "[token " + std::to_string(t) + "][column " + std::to_string(c) + "]: got " +
                    bf16_text(g[i]) + ", expected " + bf16_text(e[i]) + "; inputs " + inputs(t, c));
    }
  };
  if (j.expect_h) {
    compare("h", got.h, *j.expect_h, F, [&](std::size_t t, std::size_t c) {
      std::string s = bf16_row("x", j.x.data() + t * D, D, t) + ", " + weight_row(j, "w_up", j.w_up, j.q_up, c, D);
      if (j.gated) s += ", " + weight_row(j, "w_gate", j.w_gate, j.q_gate, c, D);
      return s;
    });
  }
  if (j.expect_y) {
    compare("y", got.y, *j.expect_y, D, [&](std::size_t t, std::size_t c) {
      return bf16_row("h", got.h.data() + t * F, F, t) + " (as the device wrote it), " +
             weight_row(j, "w_down", j.w_down, j.q_down, c, F);
    });
  }
  return out;
}

}  // namespace monde::ndp
