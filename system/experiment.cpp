#include "system/experiment.hpp"

#include <algorithm>
#include <cstdio>

#include "core/perf/expert_shape.hpp"
#include "core/perf/expert_split.hpp"
#include "core/perf/hbm_usage.hpp"
#include "core/perf/ndp_job_time.hpp"
#include "host/driver/device_allocator.hpp"
#include "host/driver/driver_options.hpp"
#include "host/moe/routing_registry.hpp"
#include "host/policy/policy_registry.hpp"
#include "system/cost_model.hpp"
#include "system/full_data.hpp"
#include "system/mixed_precision.hpp"
#include "tlm/ndp/mac_rtl_engine.hpp"

namespace monde::system {

namespace {

constexpr std::uint64_t kPage = driver::kTensorAlignment;

std::uint64_t round_up(std::uint64_t v, std::uint64_t unit) { return (v + unit - 1) / unit * unit; }

std::string gib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / double(std::uint64_t{1} << 30));
  return buf;
}

void check_names(const config::SystemConfig& c, const config::ConfigNode& root) {
  const auto* source = moe::find_routing_source(c.routing.source);
  const config::ConfigNode routing = root.section("routing");
  if (source == nullptr) {
    routing.fail("source", "unknown routing source; allowed " + moe::routing_names_text());
  }
  if (source->check) source->check(c, routing);
  std::vector<std::string> seen;
  const config::ConfigNode run = root.section("run");
  for (const auto& p : c.run.policies) {
    if (policy::find_policy(p) == nullptr) {
      run.fail("policies", "has \"" + config::shown_text(p) + "\", which is not a placement policy; allowed " +
                               policy::policy_names_text());
    }
    if (std::find(seen.begin(), seen.end(), p) != seen.end()) {
      run.fail("policies", "names \"" + config::shown_text(p) + "\" twice; allowed each policy once");
    }
    seen.push_back(p);
    const policy::ExpertCacheUse cache = policy::find_policy(p)->expert_cache;
    const config::ExpertCacheMode mode = c.gpu.expert_cache.mode;
    if (cache == policy::ExpertCacheUse::kRequired && mode == config::ExpertCacheMode::kNone) {
      run.fail("policies", "has \"" + p + "\", which runs with the GPU expert cache, but gpu.expert_cache.mode is "
                           "\"none\"; allowed gpu.expert_cache.mode \"pinned\" or \"lru\", or another policy");
    }
    if (cache == policy::ExpertCacheUse::kPinnedOnly && mode == config::ExpertCacheMode::kLru) {
      run.fail("policies", "has \"" + p + "\", which never fetches an expert, so an LRU expert cache would stay "
                           "empty, but gpu.expert_cache.mode is \"lru\"; allowed gpu.expert_cache.mode \"pinned\" "
                           "or \"none\" with it, or another policy");
    }
    if (policy::find_policy(p)->plans_decode_from_prefill && c.model.encoder_decoder() &&
        c.run.phase != config::RunPhase::kPrefill) {
      run.fail("policies", "has \"" + p + "\", which plans each MoE layer's decode placement from that layer's "
                           "prefill, but the decoder layers of '" + c.model.name + "' (an encoder-decoder model) "
                           "never prefill; allowed another policy, or run.phase \"prefill\"");
    }
  }
}

void check_ndp_shape(const config::SystemConfig& c, const config::ConfigNode& root) {
  const auto& m = c.model;
  const config::NdpLimits l = c.device.ndp.limits();
  const config::ConfigNode model = root.section("model");
  const auto check = [&](const char* key, std::uint32_t v, std::uint32_t max, const char* holds) {
    if (v % l.dim_align != 0) {
      model.fail(key, "not a multiple of " + std::to_string(l.dim_align) + " elements (one 64-byte line), which the "
                      "NDP descriptor requires; allowed multiples of " + std::to_string(l.dim_align));
    }
    if (v > max) {
      model.fail(key, std::string("larger than the device's NDP units take (") + holds + "); allowed " +
                          std::to_string(l.dim_align) + " .. " + std::to_string(max) +
                          " with this device.ndp.weight_sram_bytes");
    }
  };
  check("d_model", m.d_model, l.max_d_model, "gate and up rows of one fetch in half the weight SRAM");
  check("d_ff", m.d_ff, l.max_d_ff, "down rows of one fetch in half the weight SRAM");
  // The driver gives each matrix its own page-aligned range, and the GPU and the CPU path read an
  // expert as one range: its matrices must follow each other without padding.
  const std::uint64_t matrix_bytes = std::uint64_t{m.d_model} * m.d_ff * m.bytes_per_element();
  if (matrix_bytes % kPage != 0) {
    model.fail("d_ff", "with d_model " + std::to_string(m.d_model) + " gives matrices of " +
                           std::to_string(matrix_bytes) + " B, not a multiple of the driver's " + std::to_string(kPage) +
                           " B tensor alignment (an expert's matrices must lie back to back, as one range the GPU "
                           "fetches); allowed d_model x d_ff a multiple of " +
                           std::to_string(kPage / m.bytes_per_element()));
  }
  // Quantised NDP experts: every row of every matrix is whole groups (the descriptor's
  // group_misaligned otherwise).
  const config::WeightEncoding q = c.device.ndp.expert_weights();
  if (q.quantised() && (m.d_model % q.group_size != 0 || m.d_ff % q.group_size != 0)) {
    std::string fit;
    for (const std::uint32_t g : config::kQuantGroupSizes) {
      if (m.d_model % g == 0 && m.d_ff % g == 0) fit += (fit.empty() ? "" : ", ") + std::to_string(g);
    }
    root.section("device").section("ndp").fail(
        "expert_weight_group", "does not divide " + m.name + "'s d_model " + std::to_string(m.d_model) + " and d_ff " +
                                   std::to_string(m.d_ff) + " (a group of weights along K must lie in one row); allowed " +
                                   (fit.empty() ? std::string("none of 32, 64, 128: use expert_weight_format \"bf16\"") : fit));
  }
  if (l.max_tokens_for(std::max(m.d_model, m.d_ff)) == 0) {
    root.section("device").section("ndp").fail("act_buffer_bytes", "cannot hold one token of this model (" +
                                                                   std::to_string(std::max(m.d_model, m.d_ff)) +
                                                                   " bf16 values); allowed at least " +
                                                                   std::to_string(std::uint64_t{2} * std::max(m.d_model, m.d_ff)) +
                                                                   " bytes");
  }
}

void check_fits_device(const config::SystemConfig& c, const config::ConfigNode& root) {
  const std::uint64_t need = device_bytes_needed(c);
  const std::uint64_t have = c.device.dram.capacity_bytes();
  if (need > have) {
    const auto& m = c.model;
    root.section("device").section("memory").fail(
        "organization", "gives " + std::to_string(have) + " B (" + gib(have) + "), but the model needs " +
                      std::to_string(need) + " B (" + gib(need) + "): " + std::to_string(m.moe_layers) +
                      " MoE layers x " + std::to_string(experts_per_device(c)) + " experts" +
                      (c.devices.count > 1 ? " (of " + std::to_string(m.experts) + ", on each of " +
                                                 std::to_string(c.devices.count) + " devices)"
                                           : std::string()) +
                      " x " +
                      std::to_string(m.expert_weight_bytes()) + " B of weights" +
                      (c.device.ndp.expert_weights().quantised() ? " (and their " +
                       config::describe(c.device.ndp.expert_weights()) + " copy for the NDP units)" : std::string()) +
                      ", plus the rings and one step's activation buffers; allowed a device of at least that size (e.g. "
                      "more device.memory.organization.ranks or channels)");
  }
}

// The positions a run puts in the model's context: the longest self-attention span of a decoder
// step, and the prompt (or source). The model's max_context_tokens bounds both (0: no limit).
void check_context(const config::SystemConfig& c, const config::ConfigNode& root) {
  const auto& m = c.model;
  const auto& r = c.run;
  if (m.max_context_tokens == 0) return;
  const config::ConfigNode run = root.section("run");
  const std::uint64_t max = m.max_context_tokens;
  const std::string limit = "'" + m.name + "' takes at most " + std::to_string(max) + " positions (max_context_tokens)";
  const bool prompt_used = r.phase != config::RunPhase::kDecode || m.encoder_decoder();
  if (prompt_used && r.prompt_tokens > max) {
    run.fail("prompt_tokens", std::string(m.encoder_decoder() ? "source tokens" : "prompt tokens") + " beyond what " +
                                  limit + "; allowed 1 .. " + std::to_string(max));
  }
  if (r.phase == config::RunPhase::kDecode && std::uint64_t{r.context_tokens} + r.steps > max) {
    run.fail("context_tokens", "with run.steps = " + std::to_string(r.steps) + " the last step attends to " +
                                   std::to_string(std::uint64_t{r.context_tokens} + r.steps) + " positions, but " +
                                   limit + "; allowed 0 .. " + std::to_string(max - std::min<std::uint64_t>(max, r.steps)));
  }
  if (r.phase == config::RunPhase::kGenerate) {
    const std::uint64_t last = (m.encoder_decoder() ? 0 : std::uint64_t{r.prompt_tokens}) + r.steps;
    if (last > max) {
      run.fail("steps", "after the prompt of " + std::to_string(m.encoder_decoder() ? 0 : r.prompt_tokens) +
                            " tokens the last step attends to " + std::to_string(last) + " positions, but " + limit +
                            "; allowed fewer steps or a shorter prompt");
    }
  }
}

// Non-expert weights, the KV cache and the hot experts' buffers must fit in the GPU's memory.
// So must the expert cache (gpu.expert_cache), which must hold at least one expert.
void check_fits_gpu(const config::SystemConfig& c, const config::ConfigNode& root) {
  const perf::HbmUsage u = perf::hbm_usage(c);
  const auto& cache = c.gpu.expert_cache;
  if (u.without_cache() <= c.gpu.hbm_bytes && u.total() > c.gpu.hbm_bytes) {
    const std::uint64_t spare = c.gpu.hbm_bytes - u.without_cache();
    root.section("gpu").section("expert_cache").fail(
        "capacity_bytes", "does not fit the GPU: " + perf::describe(u, c) +
                              " > gpu.hbm_bytes " + std::to_string(c.gpu.hbm_bytes) + " B; allowed at most " +
                              std::to_string(spare) + " B (the HBM left after everything else: " +
                              std::to_string(spare / c.model.expert_weight_bytes()) + " experts), or \"auto\"");
  }
  if (u.total() > c.gpu.hbm_bytes) {
    root.section("gpu").fail("hbm_bytes", "is less than the run needs: " + perf::describe(u, c) +
                                              "; allowed a GPU of at least " + std::to_string(u.total()) +
                                              " B, or fewer sequences (run.batch), a shorter context "
                                              "(run.context_tokens, run.prompt_tokens) or fewer steps");
  }
  if (cache.mode != config::ExpertCacheMode::kNone && u.expert_cache_experts == 0) {
    const std::string what = cache.capacity_bytes ? "= " + std::to_string(*cache.capacity_bytes) + " B"
                                                  : "auto: the spare HBM is " +
                                                        std::to_string(c.gpu.hbm_bytes - std::min(c.gpu.hbm_bytes, u.without_cache())) +
                                                        " B (" + perf::describe(u, c) + ")";
    root.section("gpu").section("expert_cache").fail(
        "capacity_bytes", what + ", which holds no expert of " + std::to_string(c.model.expert_weight_bytes()) +
                              " B; allowed at least one expert's bytes, or gpu.expert_cache.mode \"none\"");
  }
}

}  // namespace

std::uint64_t experts_per_device(const config::SystemConfig& c) {
  return (std::uint64_t{c.model.experts} + c.devices.count - 1) / c.devices.count;
}

std::uint64_t device_bytes_needed(const config::SystemConfig& c) {
  const auto& m = c.model;
  // The bf16 expert and, with a quantised NDP format, its codes and scales (the driver gives each
  // of those tensors its own page-aligned range). With mixed precision per expert any expert may
  // get the largest candidate copy (int8; mixed_candidates() lists it last).
  const config::WeightEncoding q = c.device.ndp.mixed_expert_weights() ? c.device.ndp.mixed_candidates().back()
                                                                        : c.device.ndp.expert_weights();
  // One placed expert (or slice) of d_ff columns.
  const auto placed_bytes = [&](std::uint64_t d_ff) {
    const std::uint64_t quantised_copy =
        q.quantised() ? m.matrices_per_expert() * (round_up(config::weight_matrix_bytes(q.format, d_ff, m.d_model), kPage) +
                                                   round_up(config::scale_matrix_bytes(q, d_ff, m.d_model), kPage))
                      : 0;
    return round_up(m.matrices_per_expert() * m.d_model * d_ff * m.bytes_per_element(), kPage) + quantised_copy;
  };
  // With several devices each holds at most ceil(experts / count) experts of a layer (both
  // placements: policy/device_placement.hpp); one layer's jobs may still all land on one device.
  // A split layer (devices.split) puts one slice of every expert on each device, the first
  // devices the widest (core/perf/expert_split.hpp).
  std::uint64_t per_layer = experts_per_device(c) * placed_bytes(m.d_ff);
  const perf::ExpertShape shape = perf::expert_shape(m, q);
  if (c.devices.split != config::DeviceSplit::kNone && perf::split_fits(shape, c.devices.count)) {
    per_layer = std::max(per_layer, m.experts * placed_bytes(perf::split_d_ff(shape, c.devices.count).front().size));
  }
  const std::uint64_t weights = std::uint64_t{m.moe_layers} * per_layer;
  const driver::DriverOptions ring;
  const std::uint64_t rings = round_up(std::uint64_t{ring.sq_entries} * config::kJobDescriptorBytes, kPage) +
                              round_up(std::uint64_t{ring.cq_entries} * config::kCompletionEntryBytes, kPage);
  // One layer's NDP jobs at most: every routed (token, expert) pair with its x, h and y, and up to
  // a page of alignment for each of a job's three buffers. An expert whose tokens exceed one job's
  // activation buffer runs as several jobs: at most experts + pairs / tokens_per_job in all.
  const std::uint64_t pairs = c.run.tokens_per_step() * m.top_k;
  const std::uint64_t per_job = std::max<std::uint64_t>(1, perf::ndp_tokens_per_job(c.device.ndp, perf::expert_shape(m)));
  const std::uint64_t jobs = m.experts + pairs / per_job;
  const std::uint64_t activations = pairs * (2u * m.d_model + m.d_ff) * m.bytes_per_element() + jobs * 3 * kPage;
  return weights + rings + activations;
}

namespace {

// A tensor-parallel split (devices.split) needs d_ff in whole granules, one per device at least,
// and no policy with a CPU path (core/perf/expert_split.hpp).
void check_split(const config::SystemConfig& c, const config::ConfigNode& root) {
  if (c.devices.split == config::DeviceSplit::kNone) return;
  const std::string split = config::to_string(c.devices.split);
  const perf::ExpertShape shape = perf::expert_shape(c);
  if (!perf::split_fits(shape, c.devices.count)) {
    const std::uint64_t g = perf::split_granule(shape);
    root.section("devices").fail("split", split + ": d_ff " + std::to_string(shape.d_ff) + " of '" + c.model.name +
                                              "' is " + std::to_string(shape.d_ff / g) + " granules of " +
                                              std::to_string(g) + " columns (max(32, the quantisation group)), fewer "
                                              "than devices.count " + std::to_string(c.devices.count) +
                                              "; allowed \"none\", at most " + std::to_string(shape.d_ff / g) +
                                              " devices, or a smaller device.ndp.expert_weight_group");
  }
  for (const auto& name : c.run.policies) {
    const policy::PolicyInfo* p = policy::find_policy(name);
    if (p != nullptr && p->uses_cpu_path) {
      root.section("run").fail("policies", "has \"" + name + "\", whose CPU path reads whole experts, but "
                                           "devices.split is " + split +
                                           "; allowed policies without a CPU path (e.g. monde, offload), or "
                                           "devices.split \"none\"");
    }
    if (uses_host_memory_copy(c, name)) {
      root.section("run").fail("policies", "has \"" + name + "\", which takes whole experts from host DRAM with "
                                           "host_memory.expert_home host_memory, but devices.split is " + split +
                                           "; allowed host_memory.expert_home \"device\", or devices.split \"none\"");
    }
  }
}

// One range interleaved across the devices (devices.interleave_granularity, docs/interleave.md).
// Whole experts (devices.split none): every expert is striped over all devices, so no NDP unit
// holds a whole expert and the NDP drivers are not set up; only policies that never use the NDP
// units run. Split (always): each device's driver places its d_ff slice of every expert in its
// own granules, all at the same addresses, so that an expert's slices make one contiguous range
// the GPU fetches striped over every link: equal slices in whole granules. The GPU fetches the
// bf16 range either way (the quantised copy is the NDP's).
void check_interleave(const config::SystemConfig& c, const config::ConfigNode& root) {
  if (!c.devices.interleaved()) return;
  const std::string granularity = std::to_string(c.devices.interleave_granularity);
  if (c.devices.interleaved_whole_experts()) {
    for (const auto& name : c.run.policies) {
      const policy::PolicyInfo* p = policy::find_policy(name);
      if (p != nullptr && p->places_ndp_experts) {
        root.section("run").fail("policies", "has \"" + name + "\", which places experts on the NDP units, but "
                                             "devices.interleave_granularity is " + granularity +
                                             " with devices.split none: each expert is striped over every device and "
                                             "no NDP unit sees more than its device's granules of it; allowed "
                                             "offload, offload_cached, devices.split \"always\" (each device's "
                                             "slice in its own granules), or devices.interleave_granularity 0");
      }
    }
  } else {
    const perf::ExpertShape shape = perf::expert_shape(c);
    const std::uint32_t n = c.devices.count;
    const std::uint64_t g = perf::split_granule(shape);
    if (perf::split_fits(shape, n) && !perf::split_even(shape, n)) {
      root.section("devices").fail("split", "always with interleave_granularity " + granularity + ": d_ff " +
                                                std::to_string(shape.d_ff) + " of '" + c.model.name + "' is " +
                                                std::to_string(shape.d_ff / g) + " granules of " + std::to_string(g) +
                                                " columns, not a multiple of devices.count " + std::to_string(n) +
                                                " (an expert's slices must be equal to make one contiguous range of "
                                                "the interleaved space); allowed a devices.count that divides it, or "
                                                "devices.split \"none\"");
    }
    const std::uint64_t slice_bytes =
        std::uint64_t{c.model.matrices_per_expert()} * c.model.d_model * (shape.d_ff / n) * 2;
    if (perf::split_even(shape, n) && slice_bytes % c.devices.interleave_granularity != 0) {
      root.section("devices").fail("interleave_granularity",
                                   granularity + " with devices.split always: a slice of '" + c.model.name + "' is " +
                                       std::to_string(slice_bytes) + " bytes of bf16 weights (" +
                                       std::to_string(c.model.matrices_per_expert()) + " x d_model " +
                                       std::to_string(c.model.d_model) + " x " + std::to_string(shape.d_ff / n) +
                                       " columns x 2), not whole granules; allowed a granularity dividing it");
    }
  }
  if (c.gpu.fetch_quantised) {
    root.section("gpu").fail("fetch_quantised", "true with devices.interleave_granularity " +
                                                    std::to_string(c.devices.interleave_granularity) +
                                                    ": the quantised copy is the NDP units', which an interleaved "
                                                    "range does not place; allowed false");
  }
}

// gpu.fetch_quantised fetches the NDP's quantised copy: there must be one, from the device (the
// host-memory copy is bf16 only); with data full, not of a split layer (the GPU path's check of
// fetched slices is built for bf16 slices only).
void check_gpu_fetch(const config::SystemConfig& c, const config::ConfigNode& root) {
  if (!c.gpu.fetch_quantised) return;
  const config::ConfigNode gpu = root.section("gpu");
  if (!c.device.ndp.expert_weights().quantised()) {
    gpu.fail("fetch_quantised", "true fetches the NDP's quantised copy, but device.ndp.expert_weight_format is "
                                "\"bf16\" (no such copy); allowed false, or expert_weight_format \"int8\" or \"int4\"");
  }
  if (!c.run.timing_only() && c.devices.split != config::DeviceSplit::kNone) {
    gpu.fail("fetch_quantised", std::string("true with run.data \"full\" is not built for split experts, but devices.split is ") +
                                    config::to_string(c.devices.split) + "; allowed false, run.data \"timing_only\", "
                                    "or devices.split \"none\"");
  }
  if (c.host_memory.expert_home == config::ExpertHome::kHostMemory) {
    gpu.fail("fetch_quantised", "true fetches the device's quantised copy, but host_memory.expert_home is "
                                "\"host_memory\" (a bf16 copy); allowed false, or host_memory.expert_home \"device\"");
  }
}

// Mixed precision per expert (device.ndp.expert_weight_error_budget > 0, system/mixed_precision.hpp):
// what it is not built with, and a budget no quantised format meets (every expert would stay bf16:
// a mistake worth stopping for). Measures the candidates' errors (the probe, a fraction of a second).
void check_mixed_precision(const config::SystemConfig& c, const config::ConfigNode& root) {
  if (!c.device.ndp.mixed_expert_weights()) return;
  const config::ConfigNode ndp = root.section("device").section("ndp");
  const std::string why = "expert_weight_error_budget > 0 (mixed precision per expert) ";
  if (c.devices.split != config::DeviceSplit::kNone) {
    ndp.fail("expert_weight_error_budget", why + "is not built for devices.split " + config::to_string(c.devices.split) +
                                               " (a split layer has one format); allowed 0, or devices.split \"none\"");
  }
  if (c.gpu.fetch_quantised && c.gpu.expert_cache.mode != config::ExpertCacheMode::kNone) {
    ndp.fail("expert_weight_error_budget", why + "with gpu.fetch_quantised is not built for a GPU expert cache "
                                                 "(it counts one fetch size per expert); allowed 0, "
                                                 "gpu.fetch_quantised false, or gpu.expert_cache.mode \"none\"");
  }
  if (c.host_memory.expert_home == config::ExpertHome::kHostMemory) {
    ndp.fail("expert_weight_error_budget", why + "is not built for host_memory.expert_home \"host_memory\"; allowed 0, "
                                                 "or host_memory.expert_home \"device\"");
  }
  for (const auto& name : c.run.policies) {
    const policy::PolicyInfo* p = policy::find_policy(name);
    if (p != nullptr && p->one_ndp_format) {
      root.section("run").fail("policies", "has \"" + name + "\", which plans for one NDP weight format per layer, but "
                                           "device.ndp.expert_weight_error_budget > 0 gives each expert its own; "
                                           "allowed a policy without that limit (e.g. monde), or budget 0");
    }
  }
  // timing_only: the probe's errors; data: full: every expert's own (the least of each format).
  const std::vector<config::WeightEncoding> candidates = c.device.ndp.mixed_candidates();
  std::vector<FormatError> errors;
  if (c.run.timing_only()) {
    errors = measure_format_errors(c.model, candidates, c.routing.seed);
  } else {
    const ExpertErrors each = measure_expert_errors(c.model, candidates, c.routing.seed);
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      FormatError least_of{candidates[k], {}};
      for (const auto& layer : each) {
        for (const auto& expert : layer) {
          if (least_of.error.elements == 0 || expert[k].error.rel_rms() < least_of.error.rel_rms()) {
            least_of.error = expert[k].error;
          }
        }
      }
      errors.push_back(least_of);
    }
  }
  double least = errors.front().error.rel_rms();
  std::string measured;
  for (const auto& e : errors) {
    least = std::min(least, e.error.rel_rms());
    measured += (measured.empty() ? "" : ", ") + config::describe(e.format) + " " + std::to_string(e.error.rel_rms());
  }
  if (c.device.ndp.expert_weight_error_budget < least) {
    ndp.fail("expert_weight_error_budget",
             "is below the error of every quantised format allowed (relative RMS measured on " +
                 std::string(c.run.timing_only() ? "the seeded probe" : "each expert's own weights, the least") +
                 ": " + measured + "), so every expert would stay bf16; allowed 0 (off) or at least " +
                 std::to_string(least));
  }
}

// The Verilated RTL exists in one array size (CMake MONDE_RTL_ROWS / MONDE_RTL_COLS): another
// size with pe_model rtl would fail as each policy elaborates its device, after routing.
void check_rtl_shape(const config::SystemConfig& c, const config::ConfigNode& root) {
  const auto& mac = c.device.ndp.mac;
  const config::MacArrayShape built = ndp::rtl_built_shape();
  if (mac.pe_model != config::PeModel::kRtl || (mac.shape.rows == built.rows && mac.shape.cols == built.cols)) return;
  root.section("device").section("ndp").fail(
      "pe_model", "rtl, but the RTL was verilated as a " + std::to_string(built.rows) + " x " +
                      std::to_string(built.cols) + " array and device.ndp.mac_array asks for " +
                      std::to_string(mac.shape.rows) + " x " + std::to_string(mac.shape.cols) + "; allowed \"cycle\" "
                      "for other sizes (data timing_only takes the same contract cycles in both), or rebuild with "
                      "CMake -DMONDE_RTL_ROWS/-DMONDE_RTL_COLS");
}

}  // namespace

void check_experiment(const config::SystemConfig& c, const config::ExperimentDocument& document) {
  const config::ConfigNode root = document.root();
  check_names(c, root);
  check_interleave(c, root);
  check_split(c, root);
  check_gpu_fetch(c, root);
  check_ndp_shape(c, root);
  check_mixed_precision(c, root);
  check_rtl_shape(c, root);
  if (!c.run.timing_only() && c.model.total_routed_expert_bytes() > kFullDataMaxWeightBytes) {
    root.section("run").fail("data", "needs a scaled-down model: '" + c.model.name + "' has " +
                                       std::to_string(c.model.total_routed_expert_bytes()) +
                                       " B of routed expert weights, above the full-data limit of 1 GiB (every "
                                       "weight is generated, kept on the host and written to the device); allowed "
                                       "\"timing_only\", or a -tiny model preset");
  }
  check_fits_device(c, root);
  check_context(c, root);
  check_fits_gpu(c, root);
}

void check_policy_limits(const config::SystemConfig& c, const config::ExperimentDocument& document,
                         const Demand& demand) {
  for (const auto& name : c.run.policies) {
    const policy::PolicyInfo* p = policy::find_policy(name);
    if (p == nullptr || p->max_active_experts == 0) continue;
    const auto layers = c.model.moe_layer_indices();
    for (std::size_t s = 0; s < demand.size(); ++s) {
      for (std::size_t l = 0; l < demand[s].size(); ++l) {
        const auto active = static_cast<std::size_t>(
            std::count_if(demand[s][l].begin(), demand[s][l].end(), [](std::uint64_t t) { return t > 0; }));
        if (active > p->max_active_experts) {
          document.root().section("run").fail(
              "policies", "has \"" + name + "\", which takes at most " + std::to_string(p->max_active_experts) +
                              " routed experts per layer, but step " + std::to_string(s) + " routes " +
                              std::to_string(active) + " experts in MoE layer " + std::to_string(layers[l]) +
                              " (" + c.model.name + ", " + std::to_string(c.run.tokens_per_step()) +
                              " tokens per step); allowed a policy without the limit (e.g. monde), fewer tokens "
                              "per step, or a model with fewer experts");
        }
      }
    }
  }
}

Experiment load_experiment(const config::ExperimentSource& source) {
  config::ExperimentDocument document = config::load_experiment_document(source);
  config::SystemConfig c = config::parse_system_config(document);
  check_experiment(c, document);
  return Experiment{std::move(document), std::move(c)};
}

}  // namespace monde::system
