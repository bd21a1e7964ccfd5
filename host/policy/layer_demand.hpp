// What a placement policy decides over: the routed token counts of one MoE layer for one batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/perf/expert_shape.hpp"

namespace monde::policy {

// Every expert of a layer has one shape (core/perf/expert_shape.hpp).
using perf::ExpertShape;

// Prefill and decode differ only for policies that learn from one to plan the other
// (`context`); the others ignore the phase.
enum class Phase { kDecode, kPrefill };

struct LayerDemand {
  ExpertShape shape;  // every expert of a layer has the same shape
  // Tokens routed to each expert in this batch (a token routed to k experts counts k times).
  std::vector<std::uint64_t> tokens_per_expert;
  // Experts whose weights are already in GPU memory before this layer runs (e.g. kept by a
  // cache in the runtime). Empty means none; otherwise one entry per expert.
  std::vector<bool> gpu_resident;
  Phase phase = Phase::kDecode;
  // Which MoNDE device holds each expert's weights (config `devices`, the driver's placement):
  // its NDP jobs run there and its GPU fetch reads that device's DRAM. Empty means every expert on
  // device 0 (one device); otherwise one entry per expert, each < SystemCostModel::ndp_devices.
  std::vector<std::uint32_t> ndp_device;
  // 0: every expert whole on its ndp_device. N >= 2: the layer is split (config devices.split,
  // core/perf/expert_split.hpp): every expert's d_ff slices on devices 0 .. N-1 (ndp_device is then
  // not used), its NDP work is one slice job per device and a reduction on the GPU, and its GPU
  // fetch reads every device.
  std::uint32_t split_devices = 0;
  // The NDP copy's format of each expert (mixed precision per expert: perf::ExpertFormats, chosen
  // at placement). Empty means every expert in shape.ndp_weights (a single-format device);
  // otherwise one entry per expert, and shape_of() gives the expert's own shape: what its NDP jobs
  // stream, and with gpu.fetch_quantised what its fetch moves.
  std::vector<config::WeightEncoding> ndp_weights;

  // Expert i as the cost model sees it: `shape` with its own NDP format.
  ExpertShape shape_of(std::size_t expert) const {
    if (ndp_weights.empty()) return shape;
    ExpertShape s = shape;
    s.ndp_weights = ndp_weights[expert];
    return s;
  }
  // Experts in more than one NDP format.
  bool mixed_formats() const;

  std::size_t expert_count() const { return tokens_per_expert.size(); }
  bool is_active(std::size_t expert) const { return tokens_per_expert[expert] > 0; }
  bool is_resident(std::size_t expert) const {
    return !gpu_resident.empty() && gpu_resident[expert];
  }
  std::uint32_t device_of(std::size_t expert) const { return ndp_device.empty() ? 0 : ndp_device[expert]; }
  bool split() const { return split_devices >= 2; }
  std::size_t active_count() const;
};

// Throws std::invalid_argument naming the problem (no experts, a zero-sized shape, a
// residency vector of the wrong length). Policies and the evaluator call it on entry.
void validate(const LayerDemand& demand);

}  // namespace monde::policy
