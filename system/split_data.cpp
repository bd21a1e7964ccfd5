#include "system/split_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "tlm/ndp/numerics/golden_expert.hpp"

namespace monde::system {

namespace {

double value_of(num::bf16_t v) {
  const num::fp32_t f = num::to_fp32(v);
  float x;
  static_assert(sizeof x == sizeof f);
  std::memcpy(&x, &f, sizeof x);
  return double(x);
}

}  // namespace

config::MoeModelConfig slice_model(const config::MoeModelConfig& model, const perf::DffSlice& slice) {
  config::MoeModelConfig m = model;
  m.d_ff = static_cast<std::uint32_t>(slice.size);
  return m;
}

ExpertWeights slice_expert_weights(const config::MoeModelConfig& m, const ExpertWeights& w, const perf::DffSlice& s) {
  const std::size_t dm = m.d_model, dff = m.d_ff;
  if (s.begin + s.size > dff) throw std::invalid_argument("slice_expert_weights: slice beyond d_ff");
  ExpertWeights out;
  const auto rows = [&](const std::vector<num::bf16_t>& v) {
    return std::vector<num::bf16_t>(v.begin() + std::ptrdiff_t(s.begin * dm), v.begin() + std::ptrdiff_t((s.begin + s.size) * dm));
  };
  out.up = rows(w.up);
  if (m.gated) out.gate = rows(w.gate);
  out.down.reserve(dm * s.size);
  for (std::size_t r = 0; r < dm; ++r) {
    const auto row = w.down.begin() + std::ptrdiff_t(r * dff + s.begin);
    out.down.insert(out.down.end(), row, row + std::ptrdiff_t(s.size));
  }
  return out;
}

ExpertWeights join_expert_slices(const config::MoeModelConfig& m, const std::vector<ExpertWeights>& slices,
                                 const std::vector<perf::DffSlice>& at) {
  if (slices.size() != at.size()) throw std::invalid_argument("join_expert_slices: one slice per position");
  const std::size_t dm = m.d_model, dff = m.d_ff;
  ExpertWeights w;
  w.up.assign(dff * dm, 0);
  if (m.gated) w.gate.assign(dff * dm, 0);
  w.down.assign(dm * dff, 0);
  for (std::size_t d = 0; d < slices.size(); ++d) {
    const perf::DffSlice& s = at[d];
    std::copy(slices[d].up.begin(), slices[d].up.end(), w.up.begin() + std::ptrdiff_t(s.begin * dm));
    if (m.gated) std::copy(slices[d].gate.begin(), slices[d].gate.end(), w.gate.begin() + std::ptrdiff_t(s.begin * dm));
    for (std::size_t r = 0; r < dm; ++r) {
      const auto row = slices[d].down.begin() + std::ptrdiff_t(r * s.size);
      std::copy(row, row + std::ptrdiff_t(s.size), w.down.begin() + std::ptrdiff_t(r * dff + s.begin));
    }
  }
  return w;
}

std::vector<num::bf16_t> reduce_partials(const std::vector<std::vector<num::bf16_t>>& partials) {
  if (partials.empty()) throw std::invalid_argument("reduce_partials: no partials");
  const std::size_t n = partials[0].size();
  for (const auto& p : partials) {
    if (p.size() != n) throw std::invalid_argument("reduce_partials: partials of different sizes");
  }
  std::vector<num::bf16_t> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    num::fp32_t acc = num::kFp32PosZero;
    for (const auto& p : partials) acc = num::add(acc, num::to_fp32(p[i]));
    y[i] = num::to_bf16(acc);
  }
  return y;
}

std::vector<num::bf16_t> golden_split_output(const config::MoeModelConfig& m, const ExpertWeights& w,
                                             const std::vector<perf::DffSlice>& slices,
                                             const std::vector<num::bf16_t>& x, std::size_t tokens) {
  if (tokens == 0) return {};
  std::vector<std::vector<num::bf16_t>> partials;
  for (const auto& s : slices) {
    partials.push_back(golden_expert_output(slice_model(m, s), slice_expert_weights(m, w, s), x, tokens));
  }
  return reduce_partials(partials);
}

void SplitError::add(const SplitError& o) {
  elements += o.elements;
  max_abs = std::max(max_abs, o.max_abs);
  max_bound_ratio = std::max(max_bound_ratio, o.max_bound_ratio);
}

SplitError split_error(const config::MoeModelConfig& m, const ExpertWeights& w,
                       const std::vector<perf::DffSlice>& slices, const std::vector<num::bf16_t>& x,
                       std::size_t tokens) {
  SplitError e;
  if (tokens == 0) return e;
  const std::size_t dm = m.d_model, dff = m.d_ff, n = slices.size();
  num::ExpertInputs in{x.data(), w.up.data(), m.gated ? w.gate.data() : nullptr, w.down.data()};
  const num::ExpertResult whole =
      num::golden_expert(in, {tokens, dm, dff}, m.gated ? num::ExpertActivation::kSiluGated : num::ExpertActivation::kRelu);
  std::vector<std::vector<num::bf16_t>> partials;
  for (const auto& s : slices) {
    partials.push_back(golden_expert_output(slice_model(m, s), slice_expert_weights(m, w, s), x, tokens));
  }
  const std::vector<num::bf16_t> split = reduce_partials(partials);
  const double u = std::ldexp(1.0, -8);
  for (std::size_t t = 0; t < tokens; ++t) {
    for (std::size_t o = 0; o < dm; ++o) {
      const std::size_t i = t * dm + o;
      double terms = 0, parts = 0;
      for (std::size_t f = 0; f < dff; ++f) terms += std::fabs(value_of(whole.h[t * dff + f]) * value_of(w.down[o * dff + f]));
      for (const auto& p : partials) parts += std::fabs(value_of(p[i]));
      const double ys = value_of(split[i]), y = value_of(whole.y[i]);
      const double bound = u * (std::fabs(ys) + std::fabs(y) + parts) + std::ldexp(double(n - 1), -23) * parts +
                           std::ldexp(double(dff), -22) * terms + double(dff + n) * std::ldexp(1.0, -126);
      const double err = std::fabs(ys - y);
      ++e.elements;
      e.max_abs = std::max(e.max_abs, std::isnan(err) ? INFINITY : err);
      e.max_bound_ratio = std::max(e.max_bound_ratio, std::isnan(err) ? INFINITY : err / bound);
    }
  }
  return e;
}

}  // namespace monde::system
