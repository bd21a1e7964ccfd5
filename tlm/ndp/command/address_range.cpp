// Job regions (address_range.hpp).
#include "tlm/ndp/command/address_range.hpp"

#include <limits>

namespace monde::ndp {
namespace {

constexpr std::uint64_t kBf16Bytes = 2;

// a * b * 2 saturating at 2^64-1: dimensions come straight from untrusted descriptor bytes.
std::uint64_t bf16_bytes(std::uint64_t a, std::uint64_t b) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  if (a != 0 && b > kMax / a) return kMax;
  const std::uint64_t n = a * b;
  return n > kMax / kBf16Bytes ? kMax : n * kBf16Bytes;
}

}  // namespace

JobRegions job_regions(const JobDescriptor& d) {
  JobRegions r;
  const config::WeightEncoding e = weight_encoding(d);
  const bool gated = d.activation == kActivationSiluGated;
  const bool scaled = e.quantised() && config::valid_group_size(e.group_size);
  r.w_up = {d.w_up, config::weight_matrix_bytes(e.format, d.d_ff, d.d_model)};
  if (gated) r.w_gate = {d.w_gate, config::weight_matrix_bytes(e.format, d.d_ff, d.d_model)};
  r.w_down = {d.w_down, config::weight_matrix_bytes(e.format, d.d_model, d.d_ff)};
  if (scaled) {
    r.s_up = {d.s_up, config::scale_matrix_bytes(e, d.d_ff, d.d_model)};
    if (gated) r.s_gate = {d.s_gate, config::scale_matrix_bytes(e, d.d_ff, d.d_model)};
    r.s_down = {d.s_down, config::scale_matrix_bytes(e, d.d_model, d.d_ff)};
  }
  r.x = {d.x_addr, bf16_bytes(d.tokens, d.d_model)};
  r.y = {d.y_addr, bf16_bytes(d.tokens, d.d_model)};
  r.h = {d.h_scratch_addr, bf16_bytes(d.tokens, d.d_ff)};
  return r;
}

}  // namespace monde::ndp
