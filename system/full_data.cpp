#include "system/full_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "host/gpu_backend/expert_job.hpp"
#include "host/gpu_backend/random_bf16.hpp"
#include "host/moe/deterministic_random.hpp"
#include "tlm/ndp/numerics/golden_expert.hpp"
#include "tlm/ndp/numerics/quant.hpp"

namespace monde::system {

namespace {

// Stream tags, so that weights and activations never share a random stream.
constexpr std::uint64_t kWeightStream = 0x57454947ull;      // "WEIG"
constexpr std::uint64_t kActivationStream = 0x41435456ull;  // "ACTV"

gpu_backend::ExpertJob expert_job(const config::MoeModelConfig& m, const WeightView& w, const std::vector<num::bf16_t>& x,
                          std::size_t tokens) {
  if (x.size() != tokens * m.d_model) {
    throw std::invalid_argument("full data: " + std::to_string(x.size()) + " input values for " +
                                std::to_string(tokens) + " tokens x d_model " + std::to_string(m.d_model));
  }
  gpu_backend::ExpertJob j;
  j.tokens = tokens;
  j.d_model = m.d_model;
  j.d_ff = m.d_ff;
  j.gated = m.gated;
  j.activation = m.gated ? gpu_backend::Activation::silu_gated : gpu_backend::Activation::relu;
  j.x = x.data();
  j.w_up = w.up;
  j.w_gate = m.gated ? w.gate : nullptr;
  j.w_down = w.down;
  return j;
}

}  // namespace

void check_full_data_fits(const config::MoeModelConfig& model) {
  const std::uint64_t bytes = model.total_routed_expert_bytes();
  if (bytes > kFullDataMaxWeightBytes) {
    throw std::invalid_argument(
        "run.data \"full\": model '" + model.name + "' has " + std::to_string(bytes) +
        " B of routed expert weights, more than the full-data limit of " + std::to_string(kFullDataMaxWeightBytes) +
        " B (1 GiB; every weight is generated, kept on the host as the reference and written to the device); use "
        "a scaled-down preset (configs/models/*-tiny.json) for full data, or run.data \"timing_only\"");
  }
}

ExpertWeights make_expert_weights(const config::MoeModelConfig& m, std::uint64_t seed, std::uint32_t layer,
                                  std::uint32_t expert) {
  const std::uint64_t base =
      moe::stream_seed(moe::stream_seed(moe::stream_seed(seed, kWeightStream), layer), expert);
  const std::size_t n = std::size_t{m.d_model} * m.d_ff;
  const float in_scale = 2.0f / std::sqrt(static_cast<float>(m.d_model));
  const float down_scale = 2.0f / std::sqrt(static_cast<float>(m.d_ff));
  ExpertWeights w;
  w.up = gpu_backend::random_bf16(n, in_scale, moe::stream_seed(base, 0));
  if (m.gated) w.gate = gpu_backend::random_bf16(n, in_scale, moe::stream_seed(base, 1));
  w.down = gpu_backend::random_bf16(n, down_scale, moe::stream_seed(base, 2));
  return w;
}

std::vector<num::bf16_t> make_activations(std::size_t tokens, std::uint32_t d_model, std::uint64_t seed,
                                          std::uint32_t step, std::uint32_t layer) {
  const std::uint64_t s = moe::stream_seed(moe::stream_seed(moe::stream_seed(seed, kActivationStream), step), layer);
  return gpu_backend::random_bf16(tokens * d_model, 1.0f, s);
}

std::vector<float> widen(const std::vector<num::bf16_t>& v) {
  std::vector<float> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = gpu_backend::bf16_to_float(v[i]);
  return out;
}

std::vector<num::bf16_t> gather_rows_bf16(const std::vector<num::bf16_t>& x, std::size_t d_model,
                                          const std::vector<std::uint32_t>& tokens) {
  const std::vector<float> rows = moe::gather_rows(widen(x), d_model, tokens);
  std::vector<num::bf16_t> out(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) out[i] = gpu_backend::float_to_bf16(rows[i]);  // exact: rows are bf16
  return out;
}

WeightView view_of(const ExpertWeights& w) {
  return WeightView{w.up.data(), w.gate.empty() ? nullptr : w.gate.data(), w.down.data()};
}

std::vector<num::bf16_t> golden_expert_output(const config::MoeModelConfig& m, const ExpertWeights& w,
                                              const std::vector<num::bf16_t>& x, std::size_t tokens) {
  if (tokens == 0) return {};
  if (x.size() != tokens * m.d_model) throw std::invalid_argument("golden_expert_output: x has the wrong size");
  num::ExpertInputs in;
  in.x = x.data();
  in.w_up = w.up.data();
  in.w_gate = m.gated ? w.gate.data() : nullptr;
  in.w_down = w.down.data();
  num::ExpertDims dims;
  dims.tokens = tokens;
  dims.d_model = m.d_model;
  dims.d_ff = m.d_ff;
  return num::golden_expert(in, dims, m.gated ? num::ExpertActivation::kSiluGated : num::ExpertActivation::kRelu).y;
}

std::vector<num::bf16_t> reference_expert_output(gpu_backend::CpuReferenceBackend& backend, const config::MoeModelConfig& m,
                                                 const WeightView& w, const std::vector<num::bf16_t>& x,
                                                 std::size_t tokens) {
  std::vector<num::bf16_t> y(tokens * m.d_model);
  if (tokens == 0) return y;
  gpu_backend::ExpertJob j = expert_job(m, w, x, tokens);
  j.y = y.data();
  backend.run(j);
  return y;
}

gpu_backend::Tolerance expert_tolerance(const gpu_backend::CpuReferenceBackend& backend, const config::MoeModelConfig& m,
                                const ExpertWeights& w, const std::vector<num::bf16_t>& x, std::size_t tokens) {
  if (tokens == 0) return gpu_backend::Tolerance{gpu_backend::kGpuRelTol, 0.0};
  std::vector<num::bf16_t> y(tokens * m.d_model);  // not written: validate() wants an output
  gpu_backend::ExpertJob j = expert_job(m, view_of(w), x, tokens);
  j.y = y.data();
  return gpu_backend::gpu_tolerance(j, backend.hidden(j));
}

ExpertWeights ndp_operand_weights(const config::MoeModelConfig& m, const ExpertWeights& w,
                                  const config::WeightEncoding& q) {
  if (!q.quantised()) return w;
  const auto op = [&q](const std::vector<num::bf16_t>& v, std::size_t rows, std::size_t cols) {
    return num::dequantise(num::quantise(v.data(), rows, cols, q));
  };
  ExpertWeights out;
  out.up = op(w.up, m.d_ff, m.d_model);
  if (m.gated) out.gate = op(w.gate, m.d_ff, m.d_model);
  out.down = op(w.down, m.d_model, m.d_ff);
  return out;
}

ExpertWeights dequantise_fetched_copy(const config::MoeModelConfig& m, const config::WeightEncoding& q,
                                      const ExpertWeights& placed,
                                      const std::vector<const std::vector<num::bf16_t>*>& fetched,
                                      std::uint64_t& mismatched) {
  const std::size_t matrices = m.gated ? 3 : 2;
  if (fetched.size() != 2 * matrices) {
    throw std::invalid_argument("dequantise_fetched_copy: " + std::to_string(fetched.size()) + " tensors, expected " +
                                std::to_string(2 * matrices));
  }
  const auto bytes_differ = [](const unsigned char* a, const unsigned char* b, std::size_t n) {
    std::uint64_t d = 0;
    for (std::size_t i = 0; i < n; ++i) d += a[i] != b[i];
    return d;
  };
  std::size_t t = 0;
  const auto one = [&](const std::vector<num::bf16_t>& w, std::size_t rows, std::size_t cols) {
    const num::QuantisedMatrix want = num::quantise(w.data(), rows, cols, q);
    num::QuantisedMatrix got = want;  // shape and encoding; codes and scales from the fetch
    const std::vector<num::bf16_t>& codes = *fetched[t++];
    const std::vector<num::bf16_t>& scales = *fetched[t++];
    if (codes.size() * sizeof(num::bf16_t) != want.codes.size() || scales.size() != want.scales.size()) {
      throw std::invalid_argument("dequantise_fetched_copy: fetched tensor sizes differ from the copy's");
    }
    std::memcpy(got.codes.data(), codes.data(), got.codes.size());
    std::copy(scales.begin(), scales.end(), got.scales.begin());
    mismatched += bytes_differ(got.codes.data(), want.codes.data(), want.codes.size()) +
                  bytes_differ(reinterpret_cast<const unsigned char*>(got.scales.data()),
                               reinterpret_cast<const unsigned char*>(want.scales.data()),
                               want.scales.size() * sizeof(num::bf16_t));
    return num::dequantise(got);
  };
  ExpertWeights out;
  out.up = one(placed.up, m.d_ff, m.d_model);
  if (m.gated) out.gate = one(placed.gate, m.d_ff, m.d_model);
  out.down = one(placed.down, m.d_model, m.d_ff);
  return out;
}

void OutputError::add(const std::vector<num::bf16_t>& got, const std::vector<num::bf16_t>& ref) {
  if (got.size() != ref.size()) {
    throw std::invalid_argument("OutputError: " + std::to_string(got.size()) + " results for " +
                                std::to_string(ref.size()) + " reference values");
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double g = gpu_backend::bf16_to_float(got[i]), r = gpu_backend::bf16_to_float(ref[i]);
    const double e = std::fabs(g - r);
    max_abs = std::isfinite(e) ? std::max(max_abs, e) : std::numeric_limits<double>::infinity();
    err_sq += (g - r) * (g - r);
    ref_sq += r * r;
  }
  elements += got.size();
}

void OutputError::add(const OutputError& o) {
  elements += o.elements;
  max_abs = std::max(max_abs, o.max_abs);
  err_sq += o.err_sq;
  ref_sq += o.ref_sq;
}

double OutputError::rel_rms() const { return ref_sq > 0 ? std::sqrt(err_sq / ref_sq) : 0.0; }

std::size_t count_mismatches(const std::vector<num::bf16_t>& got, const std::vector<num::bf16_t>& ref) {
  if (got.size() != ref.size()) {
    throw std::invalid_argument("count_mismatches: " + std::to_string(got.size()) + " results for " +
                                std::to_string(ref.size()) + " reference values");
  }
  std::size_t n = 0;
  for (std::size_t i = 0; i < got.size(); ++i) n += got[i] != ref[i];
  return n;
}

}  // namespace monde::system
