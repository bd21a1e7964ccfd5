// What the GPU model is asked to do for one MoE layer's hot experts, and what it reports back.
// Times are absolute simulated picoseconds (the kernel's resolution). No SystemC.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/weight_format.hpp"

namespace monde::gpu {

// One hot expert: its weights live in device memory at [weights_hpa, weights_hpa + weight_bytes)
// (host physical addresses, i.e. the CXL HDM range) and must be DMA-read into HBM before the GPU
// runs the expert FFN on `tokens` tokens. weight_bytes is given, not derived from the shape, so
// that a caller may fetch only part of an expert (or nothing: 0 = already resident in HBM).
struct HotExpertJob {
  std::uint64_t weights_hpa = 0;
  std::uint64_t weight_bytes = 0;
  std::uint64_t tokens = 0;
  std::uint64_t d_model = 0;
  std::uint64_t d_ff = 0;
  bool gated = false;
  // The fetched copy is quantised in this encoding (gpu.fetch_quantised): before its GEMMs the
  // expert pays the dequantise kernel of the whole (d_model, d_ff) expert on the compute units
  // (core/perf/gpu_dequant.hpp). bf16 (the default): nothing to dequantise.
  config::WeightEncoding dequantise{};
};

struct HotExpertTiming {
  // First chunk issued .. last chunk completed (both = the run's start when nothing is fetched).
  std::uint64_t fetch_start_ps = 0;
  std::uint64_t fetch_end_ps = 0;
  // Compute runs when the weights are in and the compute units are free (compute_start >=
  // fetch_end and >= the previous expert's compute_end). A failed expert is not computed:
  // compute_start = compute_end = fetch_end.
  std::uint64_t compute_start_ps = 0;
  std::uint64_t compute_end_ps = 0;
  std::uint64_t bytes_fetched = 0;  // bytes of chunks that completed with TLM_OK_RESPONSE
  std::uint64_t chunks = 0;
  bool ok = true;
  std::string error;  // first failure, e.g. "TLM_ADDRESS_ERROR_RESPONSE reading 2097152 B at HPA 0x..."
  // The weights came back poisoned (CXL poison on the read data): how many 64 B lines and the
  // host physical address of the first. The expert is not computed (ok is false).
  std::uint64_t poisoned_lines = 0;
  std::uint64_t poison_hpa = 0;
};

struct HotExpertRunResult {
  std::uint64_t start_ps = 0;  // run_hot_experts was called
  std::uint64_t end_ps = 0;    // every expert fetched and computed (or failed)
  std::vector<HotExpertTiming> experts;  // in job order
  std::uint64_t bytes_fetched = 0;
  bool ok = true;      // every expert fetched and computed
  std::string error;   // the first expert's error, prefixed with its index
};

}  // namespace monde::gpu
