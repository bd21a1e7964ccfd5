#include "system/moe_runtime.hpp"

// sc_spawn (one host thread per device on the NDP path): the dynamic-process part of <systemc> is
// outside its include guard, so including it again with the macro set adds it.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/perf/cpu_expert_time.hpp"
#include "core/perf/expert_shape.hpp"
#include "core/perf/hbm_usage.hpp"
#include "core/perf/ndp_job_time.hpp"
#include "system/cost_model.hpp"
#include "tlm/common/blocking_access.hpp"
#include "host/gpu_backend/compare.hpp"
#include "host/moe/moe_layer.hpp"
#include "host/moe/token_route.hpp"
#include "host/policy/device_placement.hpp"
#include "host/policy/expert_costs.hpp"
#include "host/driver/ndp_job_error.hpp"
#include "host/policy/policy_registry.hpp"

namespace monde::system {

namespace {

double now_s() { return sc_core::sc_time_stamp().to_seconds(); }

// Differing bytes between two bf16 arrays of n elements.
std::uint64_t mismatched_bytes(const num::bf16_t* a, const num::bf16_t* b, std::size_t n) {
  std::uint64_t d = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned x = static_cast<unsigned>(a[i] ^ b[i]);
    d += ((x & 0xFFu) != 0) + ((x >> 8) != 0);
  }
  return d;
}

// The matrices of an expert inside a buffer holding its contiguous weight range [w_up, ...).
WeightView view_in_range(const driver::ExpertHandle& h, const std::vector<num::bf16_t>& range) {
  WeightView w;
  w.up = range.data();
  w.gate = h.shape.gated ? range.data() + (h.w_gate - h.w_up) / 2 : nullptr;
  w.down = range.data() + (h.w_down - h.w_up) / 2;
  return w;
}

// A striped fetch (a split expert on an interleaved range) back into its `ways` slices: granule
// k of the range is granule k / ways of the slice on device k mod ways (docs/interleave.md).
std::vector<std::vector<num::bf16_t>> unstripe(const std::vector<num::bf16_t>& range, std::size_t ways,
                                                std::uint64_t granularity) {
  const std::size_t granule = granularity / sizeof(num::bf16_t);
  std::vector<std::vector<num::bf16_t>> slices(ways);
  for (auto& s : slices) s.reserve(range.size() / ways);
  for (std::size_t k = 0; k * granule < range.size(); ++k) {
    const auto begin = range.begin() + static_cast<std::ptrdiff_t>(k * granule);
    const auto end = range.begin() + static_cast<std::ptrdiff_t>(std::min(range.size(), (k + 1) * granule));
    slices[k % ways].insert(slices[k % ways].end(), begin, end);
  }
  return slices;
}

// Bytes of a fetched weight range that differ from the placed weights.
std::uint64_t fetched_mismatches(const driver::ExpertHandle& h, const std::vector<num::bf16_t>& range,
                                 const ExpertWeights& placed) {
  const WeightView w = view_in_range(h, range);
  std::uint64_t d = mismatched_bytes(w.up, placed.up.data(), placed.up.size());
  if (w.gate != nullptr) d += mismatched_bytes(w.gate, placed.gate.data(), placed.gate.size());
  return d + mismatched_bytes(w.down, placed.down.data(), placed.down.size());
}

}  // namespace

MoeRuntime::MoeRuntime(const config::SystemConfig& config, MondeSystem& system, policy::SystemCostModel cost)
    : config_(config),
      system_(system),
      cost_(std::move(cost)),
      host_cost_(host_memory_cost_model(cost_, config)),
      plan_(perf::step_plan(config.model, config.run)),
      moe_layers_(config.model.moe_layer_indices()),
      full_(!config.run.timing_only()) {
  for (std::size_t i = 0; i < moe_layers_.size(); ++i) moe_index_[moe_layers_[i]] = i;
  if (full_) check_full_data_fits(config.model);
  driver::DriverOptions o;
  o.timing_only = config.run.timing_only();
  o.job_timeout = sc_core::sc_time(config.faults.ndp.job_timeout_ms, sc_core::SC_MS);
  if (config.devices.interleaved_whole_experts()) {
    // One HDM range over all devices (docs/interleave.md): one weights-only driver places the
    // experts in it through the root complex, which stripes every write over the devices; no NDP
    // rings (no unit sees a whole expert, and only policies without NDP experts run).
    o.memory_only = true;
    drivers_.push_back(std::make_unique<driver::NdpDriver>(
        system.bus(0), config::interleaved_range_bytes(config.device, config.devices), o));
    return;
  }
  // Split experts on an interleaved range: every device's driver places its slices at the same
  // addresses (the same placements in the same order), granule aligned, so that an expert's slices
  // make one contiguous range of the interleaved HPA space, which the GPU fetches whole.
  if (config.devices.interleaved()) {
    o.expert_alignment = std::max(o.expert_alignment, config.devices.interleave_granularity);
  }
  for (std::size_t d = 0; d < system.device_count(); ++d) {
    drivers_.push_back(std::make_unique<driver::NdpDriver>(system.bus(d), config.device.dram.capacity_bytes(), o));
  }
}

void MoeRuntime::setup() {
  if (!config_.devices.interleaved_whole_experts()) {
    for (auto& d : drivers_) d->init();
  }
  device_of_ = system::expert_devices(config_);
  formats_ = expert_format_plan(config_);
  const auto& m = config_.model;
  experts_.assign(moe_layers_.size(), {});
  if (full_ && formats_.formats.any_quantised()) ndp_operands_.assign(moe_layers_.size(), {});
  if (full_) {
    routes_ = route_experiment_tokens(config_);
    backend_ = std::make_unique<gpu_backend::CpuReferenceBackend>();
    weights_.assign(moe_layers_.size(), {});
    // The GPU model hands over every fetched chunk: assemble each hot job's weight range.
    system_.gpu.gpu.set_data_sink(
        [this](std::size_t job, std::uint64_t offset, const unsigned char* data, std::uint64_t bytes) {
          if (job >= gpu_fetch_.size() || offset + bytes > gpu_fetch_[job].size() * sizeof(num::bf16_t)) {
            SC_REPORT_FATAL("monde/runtime", "GPU data sink: a chunk outside the fetched weight range");
            return;
          }
          std::memcpy(reinterpret_cast<unsigned char*>(gpu_fetch_[job].data()) + offset, data, bytes);
        });
  }
  split_ = split_layers(config_, cost_, device_of_);
  const bool any_split =
      std::any_of(split_.begin(), split_.end(), [](const LayerSplitChoice& c) { return c.split_devices > 0; });
  // A split is refused with mixed precision: every expert of a split layer has the layer's format.
  if (any_split) dff_slices_ = perf::split_d_ff(perf::expert_shape(m, formats_.formats.of(0, 0)), config_.devices.count);
  slices_.assign(moe_layers_.size(), {});
  for (std::size_t l = 0; l < moe_layers_.size(); ++l) {
    for (std::uint32_t e = 0; e < m.experts; ++e) {
      // Interleaved: no NDP copy (no NDP jobs run), the bf16 range only.
      const config::WeightEncoding ndp_weights =
          config_.devices.interleaved_whole_experts() ? config::WeightEncoding{} : formats_.formats.of(l, e);
      const driver::ExpertShape shape{m.d_model, m.d_ff, m.gated, ndp_weights};
      if (split_[l].split_devices > 0) {
        place_split_expert(l, full_ ? make_expert_weights(m, config_.routing.seed, moe_layers_[l], e) : ExpertWeights{});
        continue;
      }
      if (full_) {
        // Real weights, written through CXL.mem; the host keeps them as the reference's copy.
        weights_[l].push_back(make_expert_weights(m, config_.routing.seed, moe_layers_[l], e));
        const auto& w = weights_[l].back();
        experts_[l].push_back(drivers_[device_of_[l][e]]->place_expert(
            shape, w.up.data(), m.gated ? w.gate.data() : nullptr, w.down.data(), expert_label(l, e)));
        // The reference of the NDP path: the operands the driver's quantised copy turns into.
        if (!ndp_operands_.empty()) ndp_operands_[l].push_back(ndp_operand_weights(m, w, ndp_weights));
      } else {
        // timing_only: the driver allocates and takes the weights as resident (no bytes exist).
        experts_[l].push_back(
            drivers_[device_of_[l][e]]->place_expert(shape, nullptr, nullptr, nullptr, expert_label(l, e)));
      }
      const auto& h = experts_[l].back();
      const std::uint64_t matrix = std::uint64_t{m.d_model} * m.d_ff * 2;
      // The GPU fetches an expert as one range: the driver places its matrices back to back.
      if (h.w_down + matrix - h.w_up != m.expert_weight_bytes()) {
        throw std::logic_error("MoE runtime: an expert's matrices are not contiguous in device memory");
      }
    }
  }
  if (full_ && config_.host_memory.expert_home == config::ExpertHome::kHostMemory) place_host_copy();
}

std::uint64_t MoeRuntime::host_copy_offset(std::size_t moe_index, std::size_t expert) const {
  const auto& m = config_.model;
  return (std::uint64_t{moe_index} * m.experts + expert) * m.expert_weight_bytes();
}

void MoeRuntime::place_host_copy() {
  // The host-memory baselines' copy: the same bytes as the device's range of each expert, placed
  // before the run (a load from storage, not simulated).
  const auto& m = config_.model;
  std::vector<num::bf16_t> range(m.expert_weight_bytes() / sizeof(num::bf16_t));
  for (std::size_t l = 0; l < moe_layers_.size(); ++l) {
    // A split layer has no whole-expert handles to copy the layout from; no host-memory baseline
    // runs with a split (system/experiment.cpp refuses it).
    if (split_[l].split_devices > 0) continue;
    for (std::size_t e = 0; e < m.experts; ++e) {
      const auto& h = experts_[l][e];
      const auto& w = weights_[l][e];
      std::copy(w.up.begin(), w.up.end(), range.begin());
      if (m.gated) std::copy(w.gate.begin(), w.gate.end(), range.begin() + (h.w_gate - h.w_up) / 2);
      std::copy(w.down.begin(), w.down.end(), range.begin() + (h.w_down - h.w_up) / 2);
      system_.host_memory.preload(host_copy_offset(l, e), reinterpret_cast<const unsigned char*>(range.data()),
                                  m.expert_weight_bytes());
    }
  }
}

std::string MoeRuntime::expert_label(std::size_t moe_index, std::size_t expert) const {
  return "layer " + std::to_string(moe_layers_[moe_index]) + " expert " + std::to_string(expert);
}

void MoeRuntime::place_split_expert(std::size_t l, ExpertWeights w) {
  // Device d gets slice d of the expert (its own contiguous w_up, w_gate, w_down range; the
  // driver quantises each slice on placement, which gives the unsplit expert's codes and scales
  // for those rows: the slices are whole quantisation groups, core/perf/expert_split.hpp).
  const auto& m = config_.model;
  const config::WeightEncoding& ndp_weights = formats_.formats.of(l, experts_[l].size());
  slices_[l].emplace_back();
  for (std::size_t d = 0; d < dff_slices_.size(); ++d) {
    const perf::DffSlice& s = dff_slices_[d];
    const driver::ExpertShape shape{m.d_model, static_cast<std::uint32_t>(s.size), m.gated, ndp_weights};
    driver::ExpertHandle h;
    const std::string label = expert_label(l, slices_[l].size() - 1) + " slice " + std::to_string(d);
    if (full_) {
      const ExpertWeights sw = slice_expert_weights(m, w, s);
      h = drivers_[d]->place_expert(shape, sw.up.data(), m.gated ? sw.gate.data() : nullptr, sw.down.data(), label);
    } else {
      h = drivers_[d]->place_expert(shape, nullptr, nullptr, nullptr, label);
    }
    if (h.w_down + std::uint64_t{m.d_model} * s.size * 2 - h.w_up != m.matrices_per_expert() * m.d_model * s.size * 2) {
      throw std::logic_error("MoE runtime: an expert slice's matrices are not contiguous in device memory");
    }
    slices_[l].back().push_back(h);
  }
  if (config_.devices.interleaved()) {
    // Striped: the GPU fetches the slices as one HPA range, which needs every slice at the same
    // granule-aligned address in whole granules (the drivers place alike, at the granularity;
    // system/experiment.cpp checked the slices' bytes).
    const std::uint64_t g = config_.devices.interleave_granularity;
    const std::uint64_t bytes = m.matrices_per_expert() * m.d_model * dff_slices_[0].size * 2;
    for (const auto& h : slices_[l].back()) {
      if (h.w_up != slices_[l].back()[0].w_up || h.w_up % g != 0 || bytes % g != 0) {
        throw std::logic_error("MoE runtime: the slices of " + expert_label(l, slices_[l].size() - 1) +
                               " do not make one contiguous range of the interleaved range");
      }
    }
  }
  experts_[l].emplace_back();  // unused: the slices stand for it
  if (full_) {
    if (!ndp_operands_.empty()) ndp_operands_[l].push_back(ndp_operand_weights(m, w, ndp_weights));
    weights_[l].push_back(std::move(w));
  }
}

const driver::ExpertHandle& MoeRuntime::ndp_handle(std::size_t moe_index, std::size_t expert, std::size_t device) const {
  if (split_[moe_index].split_devices > 0) return slices_[moe_index][expert].at(device);
  return experts_[moe_index][expert];
}

void MoeRuntime::run_cpu_experts(const std::vector<std::pair<std::size_t, std::uint64_t>>& experts,
                                 std::uint32_t step, std::size_t moe_index, LayerData* data, LayerRecord& r) {
  // Fiddler-style CPU path (core/perf/cpu_expert_time.hpp): the host CPU reads the expert's
  // weights and computes on them as they arrive, so the expert takes the longer of the two; then
  // its activations and results cross PCIe (charged by the formula: the model has no
  // host <-> GPU activation traffic on the PCIe link). Where it reads them:
  //   device:      over CXL.mem (timed reads of 1 MiB, paced to its own read rate);
  //   host memory: from its own DRAM (host_copy_), timed reads of kHostReadChunk through the root
  //                complex's host window, at the host DRAM's rate (mem::HostMemory), which the
  //                GPU's fetches share.
  // Bytes are kept only with full data.
  const auto& m = config_.model;
  const auto& cpu = config_.cpu;
  // Large enough that the DRAM latency paid per read is small next to its streaming (16 MiB at
  // 307 GB/s: 55 us against 0.1 us), small enough that the GPU's DMA chunks interleave with it.
  constexpr std::uint64_t kHostReadChunk = std::uint64_t{16} << 20;
  if (scratch_.empty()) scratch_.resize(std::size_t{1} << 20);
  if (host_copy_ && data == nullptr && scratch_.size() < kHostReadChunk) scratch_.resize(kHostReadChunk);
  const std::uint64_t chunk = host_copy_ ? kHostReadChunk : std::uint64_t{1} << 20;
  std::vector<num::bf16_t> range;
  for (const auto& [e, tokens] : experts) {
    const auto& h = experts_[moe_index][e];
    const perf::CpuExpertTime t = perf::cpu_expert_time(perf::expert_shape(m), tokens, active_cost_->cpu_weight_bytes_per_s,
                                                        cpu.flops_per_s(), cpu.gpu_host_activation_bytes_per_s);
    const double start = now_s();
    if (data != nullptr) range.assign(m.expert_weight_bytes() / sizeof(num::bf16_t), 0);
    bool poisoned = false;
    for (std::uint64_t off = 0; off < m.expert_weight_bytes() && !poisoned; off += chunk) {
      const std::uint64_t n = std::min<std::uint64_t>(chunk, m.expert_weight_bytes() - off);
      unsigned char* dst = data != nullptr ? reinterpret_cast<unsigned char*>(range.data()) + off : scratch_.data();
      if (host_copy_) {
        const std::uint64_t hpa = config::kHostMemoryHpaBase + host_copy_offset(moe_index, e) + off;
        tlm::tlm_generic_payload gp;
        if (blocking_access(system_.cpu_mem, gp, tlm::TLM_READ_COMMAND, hpa, dst, static_cast<unsigned>(n)) !=
            tlm::TLM_OK_RESPONSE) {
          throw std::runtime_error("MoE runtime: layer " + std::to_string(r.layer) + " expert " + std::to_string(e) +
                                   " (CPU path): host memory read at " + std::to_string(hpa) +
                                   " failed: " + gp.get_response_string());
        }
        continue;
      }
      try {
        system_.bus(device_of_[moe_index][e]).mem_read(h.w_up + off, dst, n);
      } catch (const driver::PoisonedRead& p) {
        // The expert's weights are lost: it is not computed (the layer goes on without it).
        poisoned = true;
        record_fault(r, data, FaultRecord{"dram_poison", "CPU", static_cast<std::uint32_t>(e), 0, p.address(),
                                          "expert " + std::to_string(e) + " (CPU path): weights read poisoned: " +
                                              p.what()},
                     device_of_[moe_index][e]);
      }
      // The CPU issues no faster than its own rate.
      const double due = start + static_cast<double>(off + n) / cpu.weight_bytes_per_s;
      if (now_s() < due) sc_core::wait(sc_core::sc_time(due - now_s(), sc_core::SC_SEC));
    }
    if (poisoned) continue;
    const double read_s = now_s() - start;
    const auto ps = [](double s) { return static_cast<std::uint64_t>(std::llround(s * 1e12)); };
    const std::string name = "expert " + std::to_string(e) + " (" + std::to_string(tokens) + " tokens)";
    if (host_copy_) r.spans.push_back({"Host DRAM", name + " -> CPU", ps(start), ps(now_s())});
    if (t.compute_s > read_s) sc_core::wait(sc_core::sc_time(t.compute_s - read_s, sc_core::SC_SEC));
    sc_core::wait(sc_core::sc_time(t.io_s, sc_core::SC_SEC));
    r.spans.push_back({"CPU", name, ps(start), ps(now_s())});
    if (data != nullptr) {
      r.fetched_weight_mismatched_bytes += fetched_mismatches(h, range, weights_[moe_index][e]);
      set_result(*data, ExpertPath::kCpu, step, moe_index, e,
                 reference_expert_output(*backend_, m, view_in_range(h, range), data->expert_x[e], tokens));
    }
  }
}

void MoeRuntime::record_fault(LayerRecord& r, LayerData* data, FaultRecord fault, std::uint32_t device) const {
  if (data != nullptr) data->faulted.at(fault.expert) = true;
  if (config_.devices.count > 1) {
    fault.device = static_cast<std::int32_t>(device);
    fault.detail = "device " + std::to_string(device) + ": " + fault.detail;
  }
  r.faults.push_back(std::move(fault));
}

void MoeRuntime::set_result(LayerData& data, ExpertPath path, std::uint32_t step, std::size_t moe_index,
                            std::size_t expert, std::vector<num::bf16_t> y) {
  if (result_hook_) result_hook_(path, step, moe_layers_[moe_index], static_cast<std::uint32_t>(expert), y);
  data.y[expert] = std::move(y);
  data.path[expert] = path;
}

void MoeRuntime::check_layer(const LayerData& data, std::uint32_t step, std::size_t moe_index, LayerRecord& r) {
  const auto& m = config_.model;
  const std::size_t dm = m.d_model;
  const auto& routes = routes_[step][moe_index];
  r.data_checked = true;
  // The reference: every expert on the host with the golden model (bit-exact NDP numerics).
  std::vector<std::vector<float>> got(m.experts), ref(m.experts);
  std::vector<gpu_backend::Tolerance> tol(m.experts, gpu_backend::Tolerance{0.0, 0.0});
  const bool any_fault = std::find(data.faulted.begin(), data.faulted.end(), true) != data.faulted.end();
  for (std::uint32_t e = 0; e < m.experts; ++e) {
    const std::size_t n = data.dispatch.tokens_of_expert[e].size();
    if (n == 0) continue;
    if (data.faulted[e]) continue;  // no valid output: the layer's faults fail its check
    if (!data.path[e]) {
      throw std::logic_error("MoE runtime: layer " + std::to_string(r.layer) + " expert " + std::to_string(e) +
                             " received tokens but ran on no path");
    }
    const std::vector<num::bf16_t> golden = golden_expert_output(m, weights_[moe_index][e], data.expert_x[e], n);
    const std::vector<num::bf16_t>& y = data.y[e];
    if (y.size() != golden.size()) {
      throw std::runtime_error("MoE runtime: layer " + std::to_string(r.layer) + " expert " + std::to_string(e) +
                               " returned " + std::to_string(y.size()) + " values, expected " +
                               std::to_string(golden.size()));
    }
    // A quantised NDP expert must equal the golden expert on its dequantised operands, bit for
    // bit; that is its reference in the combine too. Its distance from the bf16 expert is the
    // format's accuracy cost, reported (not checked).
    // With gpu.fetch_quantised the GPU computes on the same operands: its reference is that
    // golden expert too (within the GPU tolerance).
    std::vector<num::bf16_t> ndp_golden;
    const bool gpu_quantised = *data.path[e] == ExpertPath::kGpu && config_.gpu.fetch_quantised &&
                               formats_.formats.of(moe_index, e).quantised();
    if ((*data.path[e] == ExpertPath::kNdp || gpu_quantised) && !ndp_operands_.empty()) {
      ndp_golden = golden_expert_output(m, ndp_operands_[moe_index][e], data.expert_x[e], n);
      if (*data.path[e] == ExpertPath::kNdp) r.ndp_weight_error.add(ndp_golden, golden);
    }
    if (*data.path[e] == ExpertPath::kNdp && split_[moe_index].split_devices > 0) {
      // A split expert: bit for bit the golden split (each slice golden, the documented
      // reduction), and that within the stated tolerance of the unsplit golden output.
      const ExpertWeights& operands = ndp_operands_.empty() ? weights_[moe_index][e] : ndp_operands_[moe_index][e];
      ndp_golden = golden_split_output(m, operands, dff_slices_, data.expert_x[e], n);
      r.split_error.add(split_error(m, operands, dff_slices_, data.expert_x[e], n));
    }
    if (*data.path[e] == ExpertPath::kNdp) {
      r.ndp_checked_elements += y.size();
      r.ndp_mismatched_elements += count_mismatches(y, ndp_golden.empty() ? golden : ndp_golden);
    } else {
      const bool on_operands = !ndp_golden.empty();
      tol[e] = expert_tolerance(*backend_, m, on_operands ? ndp_operands_[moe_index][e] : weights_[moe_index][e],
                                data.expert_x[e], n);
      const std::vector<num::bf16_t>& want = on_operands ? ndp_golden : golden;
      const gpu_backend::CompareStats c = gpu_backend::compare_bf16(y.data(), want.data(), y.size(), tol[e].rel, tol[e].abs);
      const bool gpu = *data.path[e] == ExpertPath::kGpu;
      (gpu ? r.gpu_checked_elements : r.cpu_checked_elements) += y.size();
      double& max_err = gpu ? r.gpu_max_abs_error : r.cpu_max_abs_error;
      max_err = std::max(max_err, c.max_abs_err);
      if (!c.ok()) (gpu ? r.gpu_within_tolerance : r.cpu_within_tolerance) = false;
    }
    got[e] = widen(y);
    ref[e] = widen(ndp_golden.empty() ? golden : ndp_golden);
  }
  // A faulted expert has no output to combine: the combined output is not checked (the layer's
  // faults already fail its check).
  if (any_fault) {
    r.combined_within_tolerance = false;
    return;
  }
  const std::vector<float> out = moe::combine(routes, data.dispatch, got, dm);
  const std::vector<float> reference = moe::combine(routes, data.dispatch, ref, dm);
  r.output_elements = out.size();
  // Allowed per element: each fp32-path expert's tolerance scaled by its |weight|, plus the fp32
  // rounding of the two combines (k additions, each off by at most 2^-24 of a partial sum that
  // is bounded by sum_j |w_j| |out_j|).
  for (std::size_t t = 0; t < routes.size(); ++t) {
    const auto& route = routes[t];
    for (std::size_t i = 0; i < dm; ++i) {
      double allowed = 0, magnitude = 0;
      for (std::size_t j = 0; j < route.experts.size(); ++j) {
        const std::uint32_t e = route.experts[j];
        const std::size_t at = std::size_t{data.dispatch.row_in_expert[t][j]} * dm + i;
        const double w = std::fabs(double(route.weights[j]));
        const double g = std::fabs(double(ref[e][at]));
        allowed += w * (tol[e].rel * g + tol[e].abs);
        magnitude += w * (g + std::fabs(double(got[e][at])));
      }
      allowed += magnitude * double(route.experts.size()) * std::ldexp(1.0, -23);
      const double err = std::fabs(double(out[t * dm + i]) - double(reference[t * dm + i]));
      if (!(err <= allowed)) r.combined_within_tolerance = false;
      r.combined_max_abs_error =
          std::max(r.combined_max_abs_error, std::isnan(err) ? std::numeric_limits<double>::infinity() : err);
    }
  }
}

MoeRuntime::Counters MoeRuntime::counters() const {
  // Summed over the devices: each has its own CXL link, NDP units and DRAM.
  Counters c;
  c.pcie = system_.gpu.pcie.downstream().data_bytes;
  c.pcie_up = system_.gpu.pcie.upstream().data_bytes;
  for (std::size_t i = 0; i < system_.device_count(); ++i) {
    const auto& dev = system_.device(i);
    c.m2s += dev.link().m2s().data_bytes;
    c.s2m += dev.link().s2m().data_bytes;
    c.ndp += dev.ndp().stats().dma_bytes_read;
    c.ndp_written += dev.ndp().stats().dma_bytes_written;
    const auto d = dev.memory().dram().command_counts();  // the timed model's commands (zero in bandwidth mode)
    c.dram_activates += d.activates;
    c.dram_reads += d.reads;
    c.dram_writes += d.writes;
    c.dram_refreshes += d.refreshes;
    c.dram_read_bytes += dev.memory().bytes_read();
    c.dram_written_bytes += dev.memory().bytes_written();
  }
  c.ndp_macs = ndp_macs_;
  c.host_dram_bytes = system_.host_memory.stats().bytes_read + system_.host_memory.stats().bytes_written;
  c.host_dram_busy_ps = system_.host_memory.stats().busy_ps;
  const auto& g = system_.gpu.gpu.stats();
  c.gpu_busy_ps = g.compute_busy_ps + g.dense_busy_ps;
  c.t_s = now_s();
  return c;
}

perf::EnergyActivity MoeRuntime::activity_between(const Counters& a, const Counters& b) {
  perf::EnergyActivity x;
  x.elapsed_s = b.t_s - a.t_s;
  x.gpu_busy_s = double(b.gpu_busy_ps - a.gpu_busy_ps) * 1e-12;
  x.cxl_bytes = (b.m2s - a.m2s) + (b.s2m - a.s2m);
  x.pcie_bytes = (b.pcie - a.pcie) + (b.pcie_up - a.pcie_up);
  x.ndp_macs = b.ndp_macs - a.ndp_macs;
  x.ndp_dma_bytes = (b.ndp - a.ndp) + (b.ndp_written - a.ndp_written);
  x.dram_activates = b.dram_activates - a.dram_activates;
  x.dram_reads = b.dram_reads - a.dram_reads;
  x.dram_writes = b.dram_writes - a.dram_writes;
  x.dram_refreshes = b.dram_refreshes - a.dram_refreshes;
  x.dram_read_bytes = b.dram_read_bytes - a.dram_read_bytes;
  x.dram_written_bytes = b.dram_written_bytes - a.dram_written_bytes;
  x.host_dram_bytes = b.host_dram_bytes - a.host_dram_bytes;
  x.host_dram_busy_s = double(b.host_dram_busy_ps - a.host_dram_busy_ps) * 1e-12;
  return x;
}

policy::Placement MoeRuntime::place(policy::PlacementPolicy& policy, std::uint32_t step,
                                    const std::vector<std::uint64_t>& tokens, LayerRecord& r) {
  policy::LayerDemand demand;
  demand.shape = perf::expert_shape(config_);
  demand.tokens_per_expert = tokens;
  demand.phase = plan_[step].prefill_like() ? policy::Phase::kPrefill : policy::Phase::kDecode;
  const std::size_t moe_index = moe_index_.at(r.layer);
  set_formats(demand, moe_index);
  if (system_.device_count() > 1) {
    demand.ndp_device = device_of_[moe_index];
    demand.split_devices = split_[moe_index].split_devices;
    r.device_split = demand.split() ? "split" : "whole";
  }
  if (cache_) demand.gpu_resident = cache_->resident(moe_index);
  const policy::Placement p = policy.place(demand, *active_cost_);
  if (cache_) r.expert_cache = cache_->record(moe_index, demand.gpu_resident, tokens, p);
  for (auto t : tokens) r.tokens += t;
  r.experts_gpu_fetched = p.cost.experts_gpu_fetched;
  r.experts_gpu_resident = p.cost.experts_gpu_resident;
  r.experts_ndp = p.cost.experts_ndp;
  r.experts_cpu = p.cost.experts_cpu;
  r.moe_predicted_s = p.cost.makespan_s;
  if (host_copy_) {
    r.weights_from = "host_memory";
    r.experts_weights_from_host = p.cost.experts_gpu_fetched + p.cost.experts_cpu;
  }
  return p;
}

void MoeRuntime::set_formats(policy::LayerDemand& demand, std::size_t moe_index) const {
  if (config_.device.ndp.mixed_expert_weights()) demand.ndp_weights = formats_.formats.layer(moe_index);
}

MoeRuntime::LayerPlan MoeRuntime::plan(const policy::Placement& p, const std::vector<std::uint64_t>& tokens,
                                       std::size_t moe_index) const {
  const auto& m = config_.model;
  LayerPlan plan;
  plan.split = split_[moe_index].split_devices > 0;
  plan.striped = plan.split && config_.devices.interleaved();
  // The GPU computes in job order: experts resident in its memory (no fetch) first, then the
  // fetched ones in expert order, so that the residents' compute hides the first fetch, as the
  // cost model's execution order has it (host/policy/execution_order.hpp).
  // With gpu.fetch_quantised (and an int8 / int4 NDP copy) the GPU fetches the quantised copy's
  // code and scale tensors, one job each, and the expert's last job dequantises before its GEMMs.
  const std::size_t pieces = plan.split && !plan.striped ? dff_slices_.size() : 1;
  const auto add_hot = [&](std::size_t e, bool fetched) {
    // Its own NDP copy's format (perf::ExpertFormats): with gpu.fetch_quantised a quantised copy
    // is what the GPU fetches; a bf16 expert is fetched as its bf16 range.
    const config::WeightEncoding& ndp_weights = formats_.formats.of(moe_index, e);
    const bool quantised_fetch = config_.gpu.fetch_quantised && ndp_weights.quantised();
    gpu::HotExpertJob j;
    j.d_model = m.d_model;
    j.d_ff = m.d_ff;
    j.gated = m.gated;
    // Whole experts: the device's copy, or (a host-memory baseline) the copy in host DRAM. Split:
    // its slices, fetched one after another (the GPU queues them in job order), and the whole
    // expert computes once the last is in; on an interleaved range all its slices at once (one
    // contiguous HPA range: device 0's slice address, N slices' bytes).
    for (std::size_t d = 0; d < pieces; ++d) {
      const std::uint32_t device = plan.split ? static_cast<std::uint32_t>(d) : device_of_[moe_index][e];
      const driver::ExpertHandle& h = plan.split ? slices_[moe_index][e][d] : experts_[moe_index][e];
      std::vector<driver::DeviceRange> ranges;
      if (quantised_fetch) {
        ranges = driver::quantised_copy_ranges(h);
      } else if (host_copy_) {
        ranges = {{host_copy_offset(moe_index, e), m.expert_weight_bytes()}};
      } else {
        const std::uint64_t d_ff = plan.split ? dff_slices_[d].size : m.d_ff;
        const std::uint64_t slices = plan.striped ? dff_slices_.size() : 1;
        ranges = {{h.w_up, slices * m.matrices_per_expert() * m.d_model * d_ff * 2}};
      }
      for (std::size_t k = 0; k < ranges.size(); ++k) {
        const bool last = d + 1 == pieces && k + 1 == ranges.size();
        plan.hot_experts.push_back(e);
        plan.hot_device.push_back(device);
        j.weights_hpa = host_copy_ ? config::kHostMemoryHpaBase + ranges[k].offset
                                   : system_.bus(device).hpa(ranges[k].offset);
        j.weight_bytes = fetched ? ranges[k].bytes : 0;
        j.tokens = last ? tokens[e] : 0;
        j.dequantise = last && fetched && quantised_fetch ? ndp_weights : config::WeightEncoding{};
        plan.hot.push_back(j);
        plan.hot_last.push_back(last);
        plan.hot_quantised.push_back(quantised_fetch);
      }
    }
  };
  for (std::size_t e = 0; e < tokens.size(); ++e) {
    if (p.location[e] == policy::ExpertLocation::kGpuResident) add_hot(e, false);
  }
  for (std::size_t e = 0; e < tokens.size(); ++e) {
    const auto loc = p.location[e];
    if (loc == policy::ExpertLocation::kGpuFetched) {
      add_hot(e, true);
    } else if (loc == policy::ExpertLocation::kNdp) {
      plan.cold.emplace_back(e, tokens[e]);
    } else if (loc == policy::ExpertLocation::kCpu) {
      plan.cpu.emplace_back(e, tokens[e]);
    }
  }
  return plan;
}

std::unique_ptr<MoeRuntime::LayerData> MoeRuntime::make_layer_data(std::uint32_t step, std::size_t moe_index) const {
  // Full data: this step's x for the layer, dispatched to the experts by the routes.
  const auto& m = config_.model;
  const auto& routes = routes_.at(step).at(moe_index);
  auto data = std::make_unique<LayerData>();
  data->x = make_activations(routes.size(), m.d_model, config_.routing.seed, step, moe_layers_[moe_index]);
  data->dispatch = moe::dispatch_tokens(routes, m.experts, m.top_k);
  data->expert_x.resize(m.experts);
  data->y.resize(m.experts);
  data->path.resize(m.experts);
  data->faulted.assign(m.experts, false);
  for (std::uint32_t e = 0; e < m.experts; ++e) {
    data->expert_x[e] = gather_rows_bf16(data->x, m.d_model, data->dispatch.tokens_of_expert[e]);
  }
  return data;
}

MoeRuntime::NdpTags MoeRuntime::run_ndp_path(const LayerPlan& plan, std::uint32_t step, std::size_t moe_index,
                                              LayerData* data, LayerRecord& r) {
  const auto& m = config_.model;
  const std::size_t devices = drivers_.size();
  NdpTags expert_of_tag(devices);
  // The cold experts' routed activations come from the GPU: one copy to host memory before the
  // CXL writes, one copy of the results back after the CXL reads (the cost model charges the same).
  // A split layer's experts return one partial y per device: N times the results' bytes.
  const perf::GpuHostCopy& copy = cost_.gpu_host_copy;
  const std::uint32_t partials = plan.split ? static_cast<std::uint32_t>(devices) : 1;
  std::uint64_t routed = 0;
  for (const auto& c : plan.cold) routed += c.second;
  const double x_bytes = double(routed) * double(perf::expert_shape(m).activation_bytes_per_token());
  const double copy_s = copy.time_s(x_bytes);
  if (copy_s > 0) sc_core::wait(sc_core::sc_time(copy_s, sc_core::SC_SEC));
  NdpResults res{std::vector<std::vector<std::vector<num::bf16_t>>>(
                     devices, std::vector<std::vector<num::bf16_t>>(plan.cold.size())),
                 std::vector<bool>(plan.cold.size(), false)};
  // Each device's cold experts (a split layer: every cold expert's slice on every device), in the
  // plan's order.
  std::vector<std::vector<std::size_t>> cold_of(devices);
  for (std::size_t i = 0; i < plan.cold.size(); ++i) {
    if (plan.split) {
      for (auto& c : cold_of) c.push_back(i);
    } else {
      cold_of[device_of_[moe_index][plan.cold[i].first]].push_back(i);
    }
  }
  if (devices == 1) {
    run_ndp_device(0, cold_of[0], plan, moe_index, data, r, expert_of_tag[0], res);
  } else {
    // The devices run their jobs concurrently: one host thread per device submits its experts'
    // jobs through its own driver and waits for them; the layer's NDP path ends with the last.
    std::vector<sc_core::sc_process_handle> threads;
    std::exception_ptr error;
    for (std::size_t d = 0; d < devices; ++d) {
      if (cold_of[d].empty()) continue;
      threads.push_back(sc_core::sc_spawn(
          [&, d] {
            try {
              run_ndp_device(d, cold_of[d], plan, moe_index, data, r, expert_of_tag[d], res);
            } catch (...) {
              if (!error) error = std::current_exception();
            }
          },
          sc_core::sc_gen_unique_name("ndp_host")));
    }
    for (auto& t : threads) {
      if (!t.terminated()) sc_core::wait(t.terminated_event());
    }
    if (error) std::rethrow_exception(error);
  }
  const double back_s = copy.time_s(x_bytes * double(partials));
  if (back_s > 0) sc_core::wait(sc_core::sc_time(back_s, sc_core::SC_SEC));
  if (plan.split && !plan.cold.empty()) {
    // The GPU sums the split experts' partials (one elementwise kernel over the layer's NDP
    // experts, the cost model's split_reduce_time_s): its time ends the NDP path.
    const auto shape = perf::expert_shape(m, config_.device.ndp.expert_weights());
    const double reduce_s = policy::split_reduce_time_s(cost_, shape, partials, routed);
    const double start = now_s();
    if (reduce_s > 0) sc_core::wait(sc_core::sc_time(reduce_s, sc_core::SC_SEC));
    r.split_reduce_s += now_s() - start;
    r.spans.push_back({"GPU compute", "split reduce (" + std::to_string(plan.cold.size()) + " experts x " +
                                          std::to_string(partials) + " partials)",
                       static_cast<std::uint64_t>(std::llround(start * 1e12)),
                       static_cast<std::uint64_t>(std::llround(now_s() * 1e12))});
  }
  if (data != nullptr) {
    for (std::size_t i = 0; i < plan.cold.size(); ++i) {
      if (res.failed[i]) continue;
      const std::size_t e = plan.cold[i].first;
      std::vector<num::bf16_t> y;
      if (plan.split) {
        std::vector<std::vector<num::bf16_t>> parts;
        for (std::size_t d = 0; d < devices; ++d) parts.push_back(std::move(res.y[d][i]));
        y = reduce_partials(parts);
      } else {
        y = std::move(res.y[device_of_[moe_index][e]][i]);
      }
      set_result(*data, ExpertPath::kNdp, step, moe_index, e, std::move(y));
    }
  }
  return expert_of_tag;
}

void MoeRuntime::run_ndp_device(std::size_t device, const std::vector<std::size_t>& cold, const LayerPlan& plan,
                                std::size_t moe_index, LayerData* data, LayerRecord& r,
                                std::map<std::uint32_t, std::size_t>& expert_of_tag, NdpResults& res) {
  const auto& m = config_.model;
  driver::NdpDriver& drv = *drivers_[device];
  // An expert with more tokens than one NDP job's activation buffer holds (prefill) becomes
  // several jobs over consecutive token ranges (the split the cost model assumes too); their y
  // rows are concatenated in order.
  struct Part {
    std::size_t cold_index;
    driver::JobTicket ticket;
  };
  std::vector<Part> parts;
  for (const std::size_t i : cold) {
    const auto [e, t] = plan.cold[i];
    const driver::ExpertHandle& h = ndp_handle(moe_index, e, device);
    // A slice's h is narrower: its jobs may take more tokens (the cost model's slice shape too).
    perf::ExpertShape job_shape = perf::expert_shape(m);
    job_shape.d_ff = h.shape.d_ff;
    const std::uint64_t per_job = perf::ndp_tokens_per_job(config_.device.ndp, job_shape);
    for (std::uint64_t first = 0; first < t; first += per_job) {
      const std::uint64_t n = std::min(per_job, t - first);
      const num::bf16_t* x = data != nullptr ? data->expert_x[e].data() + first * m.d_model : nullptr;
      parts.push_back({i, drv.submit(h, static_cast<std::uint32_t>(n), x)});
      expert_of_tag[parts.back().ticket.tag] = e;
    }
  }
  r.ndp_jobs += parts.size();
  for (const auto& part : parts) {
    const auto e = static_cast<std::uint32_t>(plan.cold[part.cold_index].first);
    try {
      driver::JobResult jr = drv.wait(part.ticket);
      if (data != nullptr) {
        auto& y = res.y[device][part.cold_index];
        y.insert(y.end(), jr.y.begin(), jr.y.end());
      }
    } catch (const driver::NdpJobError& err) {
      // The faults the device reports in a completion (the job ran, or was stopped, and the
      // rings are fine); a descriptor the device refused is the runtime's own bug: it stops the run.
      const auto code = err.code();
      const char* kind = code == ndp::NdpErrorCode::kDmaPoison      ? "dram_poison"
                         : code == ndp::NdpErrorCode::kAborted     ? "ndp_aborted"
                         : code == ndp::NdpErrorCode::kLostInReset ? "ndp_lost_in_reset"
                         : code == ndp::NdpErrorCode::kDmaError    ? "ndp_dma_error"
                                                                    : nullptr;
      if (kind == nullptr) throw;
      std::uint64_t address = 0;
      for (const auto& span : system_.device(device).ndp().job_log()) {
        if (span.job_tag == part.ticket.tag) address = span.poison_address;
      }
      std::string detail = err.what();
      if (code == ndp::NdpErrorCode::kAborted || code == ndp::NdpErrorCode::kLostInReset) {
        std::ostringstream why;
        why << " (the driver's watchdog: no completion for faults.ndp.job_timeout_ms = "
            << config_.faults.ndp.job_timeout_ms << " ms, "
            << (code == ndp::NdpErrorCode::kAborted ? "so it aborted the job"
                                                    : "then none after the abort either, so it reset the device, "
                                                      "recovered the rings and resubmitted the jobs behind it")
            << ")";
        detail += why.str();
      }
      res.failed[part.cold_index] = true;
      record_fault(r, data, FaultRecord{kind, "NDP", e, part.ticket.tag, address, detail},
                   static_cast<std::uint32_t>(device));
    } catch (const driver::PoisonedRead& p) {
      // The job's result (y) came back poisoned over CXL.mem.
      res.failed[part.cold_index] = true;
      record_fault(r, data, FaultRecord{"dram_poison", "NDP", e, part.ticket.tag, p.address(),
                                        "NDP job " + std::to_string(part.ticket.tag) + " (expert " + std::to_string(e) +
                                            "): result read poisoned: " + p.what()},
                   static_cast<std::uint32_t>(device));
    }
  }
}

void MoeRuntime::finish_gpu_path(const LayerPlan& plan, double t0, std::uint32_t step, std::size_t moe_index,
                                 LayerData* data, LayerRecord& r) {
  if (plan.hot.empty()) return;
  const auto g = system_.wait_gpu();
  // Poisoned weights fail only their expert (recorded); any other GPU-path failure stops the run.
  std::vector<bool> poisoned(g.experts.size(), false);
  for (std::size_t i = 0; i < g.experts.size(); ++i) {
    const auto& x = g.experts[i];
    if (x.ok) continue;
    if (x.poisoned_lines == 0) {
      throw std::runtime_error("MoE runtime: layer " + std::to_string(r.layer) + " GPU path failed: " + g.error);
    }
    poisoned[i] = true;
    const auto e = static_cast<std::uint32_t>(plan.hot_experts[i]);
    // A striped fetch reads every device: the poisoned line's granule names its device.
    const std::uint32_t device =
        plan.striped ? static_cast<std::uint32_t>(x.poison_hpa / config_.devices.interleave_granularity %
                                                  config_.devices.count)
                     : plan.hot_device[i];
    record_fault(r, data, FaultRecord{"dram_poison", "GPU", e, 0, x.poison_hpa,
                                      "expert " + std::to_string(e) + " (GPU path): weights fetched poisoned (" +
                                          std::to_string(x.poisoned_lines) + " line(s)): " + x.error},
                 device);
  }
  r.gpu_path_s = double(g.end_ps) * 1e-12 - t0;
  for (std::size_t i = 0; i < g.experts.size(); ++i) {
    const auto& x = g.experts[i];
    const bool computes = plan.hot_last[i];
    const std::string slice = plan.striped ? " slices 0-" + std::to_string(dff_slices_.size() - 1)
                              : plan.split ? " slice " + std::to_string(plan.hot_device[i])
                                           : std::string();
    const std::string name = "expert " + std::to_string(plan.hot_experts[i]) + slice + " (" +
                             std::to_string(plan.hot[i].tokens) + " tokens)";
    if (x.fetch_end_ps > x.fetch_start_ps) {
      r.spans.push_back({"GPU fetch", host_copy_ ? name + " from host DRAM" : name, x.fetch_start_ps, x.fetch_end_ps});
      if (host_copy_) r.spans.push_back({"Host DRAM", name + " -> GPU", x.fetch_start_ps, x.fetch_end_ps});
    }
    if (computes) r.spans.push_back({"GPU compute", name, x.compute_start_ps, x.compute_end_ps});
  }
  if (data == nullptr) return;
  // The GPU's numerics come from the CPU reference backend when no GPU is present; the CUDA
  // backend plugs in here (same ExpertJob on the fetched bytes). Host compute only: the GPU
  // model already accounted the compute time. Resident experts (nothing fetched) use the
  // placed weights, which an earlier fetch would have brought into HBM.
  const auto& m = config_.model;
  for (std::size_t i = 0; i < plan.hot.size(); ++i) {
    if (poisoned[i]) continue;
    const std::size_t e = plan.hot_experts[i];
    const auto& placed = weights_[moe_index][e];
    WeightView w = view_of(placed);
    ExpertWeights joined;
    if (plan.hot_quantised[i]) {
      // The quantised copy's tensors (jobs i .. its last; split layers refuse data full with it),
      // checked against the driver's quantisation and dequantised as the NDP does; a resident
      // expert was kept dequantised: the NDP's operands.
      const std::size_t first = i;
      while (!plan.hot_last[i]) ++i;
      if (std::any_of(poisoned.begin() + std::ptrdiff_t(first), poisoned.begin() + std::ptrdiff_t(i + 1),
                      [](bool p) { return p; })) {
        continue;
      }
      if (plan.hot[first].weight_bytes > 0) {
        std::vector<const std::vector<num::bf16_t>*> tensors;
        for (std::size_t k = first; k <= i; ++k) tensors.push_back(&gpu_fetch_[k]);
        joined = dequantise_fetched_copy(m, formats_.formats.of(moe_index, e), placed, tensors,
                                         r.fetched_weight_mismatched_bytes);
        w = view_of(joined);
      } else {
        w = view_of(ndp_operands_[moe_index][e]);
      }
    } else if (plan.split) {
      // Its slices' fetched ranges (jobs i .. i + pieces - 1; striped: one job holding them all,
      // granule by granule), each checked against the placed slice, joined into the expert the
      // GPU computes.
      const std::size_t pieces = dff_slices_.size();
      const std::size_t first = i;
      if (!plan.striped) i += pieces - 1;
      if (std::any_of(poisoned.begin() + std::ptrdiff_t(first), poisoned.begin() + std::ptrdiff_t(i + 1),
                      [](bool p) { return p; })) {
        continue;
      }
      if (plan.hot[first].weight_bytes > 0) {
        const std::vector<std::vector<num::bf16_t>> striped =
            plan.striped ? unstripe(gpu_fetch_[first], pieces, config_.devices.interleave_granularity)
                         : std::vector<std::vector<num::bf16_t>>{};
        std::vector<ExpertWeights> got;
        for (std::size_t d = 0; d < pieces; ++d) {
          const auto& h = slices_[moe_index][e][d];
          const std::vector<num::bf16_t>& fetched = plan.striped ? striped[d] : gpu_fetch_[first + d];
          const ExpertWeights want = slice_expert_weights(m, placed, dff_slices_[d]);
          r.fetched_weight_mismatched_bytes += fetched_mismatches(h, fetched, want);
          const WeightView v = view_in_range(h, fetched);
          const std::size_t n = std::size_t{m.d_model} * dff_slices_[d].size;
          got.push_back(ExpertWeights{std::vector<num::bf16_t>(v.up, v.up + n),
                                      m.gated ? std::vector<num::bf16_t>(v.gate, v.gate + n) : std::vector<num::bf16_t>{},
                                      std::vector<num::bf16_t>(v.down, v.down + n)});
        }
        joined = join_expert_slices(m, got, dff_slices_);
        w = view_of(joined);
      }
    } else if (plan.hot[i].weight_bytes > 0) {
      const auto& h = experts_[moe_index][e];
      r.fetched_weight_mismatched_bytes += fetched_mismatches(h, gpu_fetch_[i], placed);
      w = view_in_range(h, gpu_fetch_[i]);
    }
    set_result(*data, ExpertPath::kGpu, step, moe_index, e,
               reference_expert_output(*backend_, m, w, data->expert_x[e], plan.hot[i].tokens));
  }
  gpu_fetch_.clear();
}

void MoeRuntime::add_ndp_spans(const std::vector<std::size_t>& log0, const NdpTags& expert_of_tag, LayerRecord& r) const {
  const std::size_t devices = system_.device_count();
  for (std::size_t d = 0; d < devices; ++d) {
    // One track per device ("NDP" alone when there is one device, as before).
    const std::string track = devices == 1 ? "NDP" : "NDP device " + std::to_string(d);
    const auto& log = system_.device(d).ndp().job_log();
    for (std::size_t i = log0[d]; i < log.size(); ++i) {
      const auto it = expert_of_tag[d].find(log[i].job_tag);
      // A split layer's jobs are slices: "expert e slice d" (d = the device, whose d_ff slice it is).
      const std::string name = it == expert_of_tag[d].end()
                                   ? "job " + std::to_string(log[i].job_tag)
                                   : "expert " + std::to_string(it->second) +
                                         (r.device_split == "split" ? " slice " + std::to_string(d) : std::string());
      r.spans.push_back({track, name, log[i].start_ps, log[i].end_ps});
    }
  }
}

// The MoE part of one layer: the policy places it, the GPU path starts on its own thread, the NDP
// path and then the CPU path run on this one, the part ends when all are done.
void MoeRuntime::run_moe(policy::PlacementPolicy& policy, std::uint32_t step, std::size_t moe_index,
                         const std::vector<std::uint64_t>& tokens, LayerRecord& r) {
  const LayerPlan p = plan(place(policy, step, tokens, r), tokens, moe_index);
  const Counters c0 = counters();
  // The MACs the NDP units will run: every cold expert's tokens through its matrices.
  const std::uint64_t macs_per_token =
      perf::expert_shape(config_).macs_per_token();
  for (const auto& [expert, n] : p.cold) ndp_macs_ += n * macs_per_token;
  if (config_.device.ndp.mixed_expert_weights()) {
    for (const auto& [expert, n] : p.cold) {
      r.ndp_tokens_by_format[config::describe(formats_.formats.of(moe_index, expert))] += n;
      const double e = formats_.chosen_rel_rms(moe_index, expert);
      r.ndp_expected_err_sq += double(n) * e * e;
    }
  }
  const double t0 = now_s();
  std::unique_ptr<LayerData> data = full_ ? make_layer_data(step, moe_index) : nullptr;

  if (full_) {
    gpu_fetch_.assign(p.hot.size(), {});
    for (std::size_t i = 0; i < p.hot.size(); ++i) gpu_fetch_[i].assign(p.hot[i].weight_bytes / sizeof(num::bf16_t), 0);
  }
  if (!p.hot.empty()) system_.start_gpu(p.hot);
  std::vector<std::size_t> log0(system_.device_count());
  for (std::size_t d = 0; d < log0.size(); ++d) log0[d] = system_.device(d).ndp().job_log().size();
  const auto expert_of_tag = run_ndp_path(p, step, moe_index, data.get(), r);
  r.ndp_path_s = p.cold.empty() ? 0.0 : now_s() - t0;
  const double cpu0 = now_s();
  run_cpu_experts(p.cpu, step, moe_index, data.get(), r);
  r.cpu_path_s = p.cpu.empty() ? 0.0 : now_s() - cpu0 + r.ndp_path_s;
  finish_gpu_path(p, t0, step, moe_index, data.get(), r);
  add_ndp_spans(log0, expert_of_tag, r);
  for (std::size_t d = 0; d < system_.device_count(); ++d) {
    system_.device(d).ndp().clear_job_log();  // its spans are in the record now
  }
  if (full_) check_layer(*data, step, moe_index, r);

  r.moe_s = now_s() - t0;
  const Counters c1 = counters();
  r.cxl_m2s_bytes = c1.m2s - c0.m2s;
  r.cxl_s2m_bytes = c1.s2m - c0.s2m;
  r.pcie_to_gpu_bytes = c1.pcie - c0.pcie;
  r.ndp_dram_read_bytes = c1.ndp - c0.ndp;
}

double MoeRuntime::run_dense(double seconds, const std::string& name, std::vector<TraceSpan>& spans) {
  if (seconds <= 0) return 0.0;
  const auto [start, end] = system_.gpu.gpu.run_dense(seconds);
  spans.push_back({"GPU compute", name, start, end});
  return double(end - start) * 1e-12;
}

void MoeRuntime::run_step(std::vector<std::unique_ptr<policy::PlacementPolicy>>& policies, std::uint32_t step,
                          const Demand& demand, PolicyRun& run, const LayerDone& on_layer) {
  const auto& m = config_.model;
  const perf::StepSpec& spec = plan_[step];
  const perf::GpuTimeModel& gpu = system_.gpu.gpu.compute_model();
  const bool e2e = config_.run.end_to_end();
  StepRecord st;
  st.step = step;
  st.kind = perf::step_kind_name(spec.kind);
  st.tokens = spec.tokens();
  st.context = spec.shape.context_before;
  const Counters sc0 = counters();
  const double s0 = sc0.t_s;
  if (e2e) st.embedding_s = run_dense(perf::kernel_time_s(gpu, perf::embedding_kernel(m, spec.shape)), "embedding", st.spans);
  for (std::uint32_t l = spec.first_layer; l < spec.end_layer; ++l) {
    const bool moe = m.is_moe_layer(l);
    if (!e2e && !moe) continue;
    LayerRecord r;
    r.step = step;
    r.layer = l;
    r.stack = m.is_encoder_layer(l) ? "encoder" : "decoder";
    r.moe = moe;
    const Counters lc0 = counters();
    const double l0 = lc0.t_s;
    if (e2e) {
      const perf::LayerKernels k = perf::layer_kernels(m, l, spec.shape);
      const perf::LayerDenseTime t = perf::layer_dense_time(gpu, k);
      r.kv_read_bytes = k.kv_read_bytes;
      r.kv_written_bytes = k.kv_written_bytes;
      r.attention_s = run_dense(t.attention_s, k.cross_q.empty() ? "attention" : "self- and cross-attention", r.spans);
      r.ffn_s = run_dense(t.ffn_s, !moe ? "dense FFN" : m.shared_experts > 0 ? "router + shared experts" : "router",
                          r.spans);
    }
    if (moe) {
      const std::size_t i = moe_index_.at(l);
      run_moe(*policies[i], step, i, demand[step][i], r);
    }
    r.total_s = now_s() - l0;
    r.activity = activity_between(lc0, counters());
    r.energy = perf::energy_of(config_, r.activity);
    r.spans.push_back({"layer", "layer " + std::to_string(l) + (moe ? "" : " (dense)"),
                       static_cast<std::uint64_t>(std::llround(l0 * 1e12)),
                       static_cast<std::uint64_t>(std::llround(now_s() * 1e12))});
    st.dense_s += r.dense_s();
    st.moe_s += r.moe_s;
    st.expert_cache += r.expert_cache;
    run.expert_cache += r.expert_cache;
    run.dense_s += r.dense_s();
    run.moe_s += r.moe_s;
    run.ndp_weight_error.add(r.ndp_weight_error);  // in layer order, as a sum over the layers would
    if (!r.ndp_tokens_by_format.empty()) {
      for (const auto& [f, n] : r.ndp_tokens_by_format) {
        run.ndp_tokens_by_format[f] += n;
        run.ndp_expected_tokens += n;
      }
      run.ndp_expected_err_sq += r.ndp_expected_err_sq;
      run.ndp_expected_rel_rms =
          run.ndp_expected_tokens > 0 ? std::sqrt(run.ndp_expected_err_sq / double(run.ndp_expected_tokens)) : 0.0;
    }
    if (!keep_records_) run.layers.clear();  // streamed: on_layer has the latest
    run.layers.push_back(std::move(r));
    ++run.layers_done;
    run.simulated_s = now_s() - run_start_s_;
    if (on_layer) on_layer(run);
  }
  if (e2e && spec.cross_kv) {
    // The encoded source into every decoder layer's cross-attention K and V, one kernel each.
    const double one = perf::kernel_time_s(gpu, perf::cross_kv_kernel(m, spec.shape));
    st.cross_kv_s = run_dense(one * m.decoder_layers(),
                              "cross-attention K/V (" + std::to_string(m.decoder_layers()) + " decoder layers)", st.spans);
  }
  if (e2e && spec.lm_head) st.lm_head_s = run_dense(perf::kernel_time_s(gpu, perf::lm_head_kernel(m, spec.shape)), "LM head", st.spans);
  const double outside = st.embedding_s + st.cross_kv_s + st.lm_head_s;
  st.dense_s += outside;
  run.dense_s += outside;
  st.total_s = now_s() - s0;
  st.activity = activity_between(sc0, counters());
  st.energy = perf::energy_of(config_, st.activity);
  run.tokens += st.tokens;
  run.activity += st.activity;
  run.energy = perf::energy_of(config_, run.activity);
  st.spans.push_back({"step", "step " + std::to_string(step) + " (" + st.kind + ")",
                      static_cast<std::uint64_t>(std::llround(s0 * 1e12)),
                      static_cast<std::uint64_t>(std::llround(now_s() * 1e12))});
  if (!keep_records_) run.steps.clear();
  run.steps.push_back(std::move(st));
  ++run.steps_done;
  run.simulated_s = now_s() - run_start_s_;
  if (on_layer) on_layer(run);
}


// One policy object per MoE layer (policies may keep per-layer state, e.g. `context`), each told
// what is known before the run.
std::vector<std::unique_ptr<policy::PlacementPolicy>> MoeRuntime::make_policies(const std::string& name,
                                                                                const Demand& demand) const {
  std::vector<std::unique_ptr<policy::PlacementPolicy>> policies;
  Demand prompts;
  std::vector<policy::LayerDemand> calibration;
  policy::PolicyOptions options;
  options.monde_paper_alpha = config_.run.monde_paper_alpha;
  const auto popularity = run_popularity(demand, moe_layers_.size(), config_.model.experts);
  for (std::size_t l = 0; l < moe_layers_.size(); ++l) {
    auto policy = policy::make_policy(name, options);
    policy::RunHistory history;
    history.expert_popularity = popularity[l];
    if (policy->learns_from_prompts() && config_.run.phase == config::RunPhase::kDecode) {
      if (prompts.empty()) prompts = route_prompts(config_);
      // An encoder-decoder decoder layer has no prefill (check_experiment refuses that case).
      if (prompts[0][l].empty()) {
        throw std::invalid_argument("MoE runtime: policy '" + name + "' needs the prompts' routing of MoE layer " +
                                    std::to_string(moe_layers_[l]) + ", which no prefill runs");
      }
      policy::LayerDemand d;
      d.shape = perf::expert_shape(config_);
      d.tokens_per_expert = prompts[0][l];
      d.phase = policy::Phase::kPrefill;
      set_formats(d, l);
      history.prompt_prefill = d;
    }
    if (policy->calibrates_on_a_batch()) {
      if (calibration.empty()) {
        const Demand batch = route_calibration(config_);
        for (std::size_t cl = 0; cl < batch[0].size(); ++cl) {
          const auto& tokens = batch[0][cl];
          if (tokens.empty()) continue;  // a layer the calibration step does not run
          policy::LayerDemand d;
          d.shape = perf::expert_shape(config_);
          d.tokens_per_expert = tokens;
          set_formats(d, cl);
          d.phase = config_.run.phase == config::RunPhase::kPrefill ? policy::Phase::kPrefill : policy::Phase::kDecode;
          calibration.push_back(std::move(d));
        }
      }
      history.calibration = calibration;
    }
    policy->prepare(history, *active_cost_);
    policies.push_back(std::move(policy));
  }
  return policies;
}

void MoeRuntime::check_demand_is_routing(const Demand& demand) const {
  // The data path routes the tokens itself: the demand must be those routes' counts.
  if (demand.size() > routes_.size()) {
    throw std::invalid_argument("MoE runtime: data full: " + std::to_string(demand.size()) +
                                " steps of demand, the experiment routes " + std::to_string(routes_.size()));
  }
  for (std::size_t s = 0; s < demand.size(); ++s) {
    for (std::size_t l = 0; l < moe_layers_.size(); ++l) {
      const std::vector<std::uint64_t> routed = routes_[s][l].empty()
                                                    ? std::vector<std::uint64_t>{}
                                                    : moe::tokens_per_expert(routes_[s][l], config_.model.experts);
      if (demand[s].size() != moe_layers_.size() || demand[s][l] != routed) {
        throw std::invalid_argument("MoE runtime: data full: the demand of step " + std::to_string(s) +
                                    ", MoE layer " + std::to_string(moe_layers_[l]) +
                                    " is not the experiment's routing (pass route_experiment(config))");
      }
    }
  }
}

void MoeRuntime::run_policy_into(const std::string& name, const Demand& demand, PolicyRun& run,
                                 const LayerDone& on_layer, bool keep_layers) {
  const auto w0 = std::chrono::steady_clock::now();
  run.policy = name;
  if (demand.size() > plan_.size()) {
    throw std::invalid_argument("MoE runtime: " + std::to_string(demand.size()) + " steps of demand, the run plans " +
                                std::to_string(plan_.size()));
  }
  host_copy_ = uses_host_memory_copy(config_, name);
  run.expert_weights_from = host_copy_ ? "host_memory" : "device";
  active_cost_ = host_copy_ ? &host_cost_ : &cost_;
  auto policies = make_policies(name, demand);
  // The GPU expert cache, for a policy that uses it (check_experiment refused the combinations
  // that cannot run: a cache-only policy without a cache, static_freq with lru).
  cache_.reset();
  const auto& cache = config_.gpu.expert_cache;
  const policy::ExpertCacheUse use = policy::find_policy(name)->expert_cache;
  if (cache.mode != config::ExpertCacheMode::kNone && use != policy::ExpertCacheUse::kIgnores) {
    // A hit saves one fetch: the bf16 bytes, or the quantised copy's with gpu.fetch_quantised (the
    // cache's slots hold the dequantised bf16 expert either way: hbm_usage).
    cache_.emplace(cache.mode, perf::hbm_usage(config_).expert_cache_experts, perf::expert_shape(config_).gpu_fetch_bytes(),
                   run_popularity(demand, moe_layers_.size(), config_.model.experts));
  }
  // Every layer's object tunes the same values from the same calibration batch: report the first's.
  for (const auto& p : policies.front()->parameters()) run.parameters[p.name] = p.value;
  if (full_) check_demand_is_routing(demand);
  run_start_s_ = now_s();
  keep_records_ = keep_layers;
  const auto progress = [&](const PolicyRun& so_far) {
    run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    if (on_layer) on_layer(so_far);
  };
  for (std::uint32_t s = 0; s < demand.size(); ++s) run_step(policies, s, demand, run, progress);
  run.simulated_s = now_s() - run_start_s_;
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
}

PolicyRun MoeRuntime::run_policy(const std::string& name, const Demand& demand, const LayerDone& on_layer) {
  PolicyRun run;
  run_policy_into(name, demand, run, on_layer);
  return run;
}

std::size_t expected_layer_records(const config::SystemConfig& c) {
  const auto plan = perf::step_plan(c.model, c.run);
  return c.run.end_to_end() ? perf::planned_layers(c.model, plan) : perf::planned_moe_layers(c.model, plan);
}

nlohmann::json to_json(const policy::ExpertCacheCounts& c) {
  return {{"hits", c.hits},
          {"misses", c.misses},
          {"evictions", c.evictions},
          {"bytes_not_fetched", c.bytes_not_fetched},
          {"hit_rate", c.hit_rate()}};
}

nlohmann::json to_json(const OutputError& e) {
  return {{"elements", e.elements}, {"max_abs", e.max_abs}, {"rel_rms", e.rel_rms()}};
}

namespace {

// Which memory the layer's experts took their weights from, counted per expert.
nlohmann::json expert_weights_json(const LayerRecord& r) {
  const std::size_t moved = r.experts_gpu_fetched + r.experts_cpu;
  return {{"from", r.weights_from},
          {"experts_from_device", r.experts_ndp + moved - r.experts_weights_from_host},
          {"experts_from_host_memory", r.experts_weights_from_host},
          {"experts_resident_in_gpu", r.experts_gpu_resident}};
}

// Bytes and time per memory: the MoNDE device's DRAM and the host's.
nlohmann::json memory_json(const perf::EnergyActivity& a) {
  return {{"device_dram_read_bytes", a.dram_read_bytes},
          {"device_dram_written_bytes", a.dram_written_bytes},
          {"host_dram_bytes", a.host_dram_bytes},
          {"host_dram_busy_ms", a.host_dram_busy_s * 1e3}};
}

}  // namespace

nlohmann::json to_json(const LayerRecord& r) {
  nlohmann::json layer = {{"step", r.step},
                          {"layer", r.layer},
                          {"stack", r.stack},
                          {"moe", r.moe},
                          {"dense_ms", r.dense_s() * 1e3},
                          {"attention_ms", r.attention_s * 1e3},
                          {"ffn_ms", r.ffn_s * 1e3},
                          {"kv_read_bytes", r.kv_read_bytes},
                          {"kv_written_bytes", r.kv_written_bytes},
                          {"moe_ms", r.moe_s * 1e3},
                          {"moe_predicted_ms", r.moe_predicted_s * 1e3},
                          {"total_ms", r.total_s * 1e3},
                          {"routed_tokens", r.tokens},
                          {"experts_gpu_fetched", r.experts_gpu_fetched},
                          {"experts_gpu_resident", r.experts_gpu_resident},
                          {"experts_ndp", r.experts_ndp},
                          {"experts_cpu", r.experts_cpu},
                          {"gpu_path_ms", r.gpu_path_s * 1e3},
                          {"ndp_path_ms", r.ndp_path_s * 1e3},
                          {"ndp_jobs", r.ndp_jobs},
                          {"cpu_path_ms", r.cpu_path_s * 1e3},
                          {"cxl_host_to_device_bytes", r.cxl_m2s_bytes},
                          {"cxl_device_to_host_bytes", r.cxl_s2m_bytes},
                          {"pcie_to_gpu_bytes", r.pcie_to_gpu_bytes},
                          {"ndp_dram_read_bytes", r.ndp_dram_read_bytes},
                          {"expert_weights", expert_weights_json(r)},
                          {"memory", memory_json(r.activity)},
                          {"energy", perf::to_json(r.energy)}};
  if (!r.device_split.empty()) {
    layer["device_split"] = r.device_split;
    layer["split_reduce_ms"] = r.split_reduce_s * 1e3;
  }
  if (r.expert_cache.used) layer["expert_cache"] = to_json(r.expert_cache);
  if (!r.ndp_tokens_by_format.empty()) layer["ndp_tokens_by_format"] = r.ndp_tokens_by_format;
  if (r.data_checked) {
    layer["data_check"] = {{"ok", r.data_ok()},
                           {"output_elements", r.output_elements},
                           {"ndp_checked_elements", r.ndp_checked_elements},
                           {"ndp_mismatched_elements", r.ndp_mismatched_elements},
                           {"gpu_checked_elements", r.gpu_checked_elements},
                           {"gpu_max_abs_error", r.gpu_max_abs_error},
                           {"gpu_within_tolerance", r.gpu_within_tolerance},
                           {"cpu_checked_elements", r.cpu_checked_elements},
                           {"cpu_max_abs_error", r.cpu_max_abs_error},
                           {"cpu_within_tolerance", r.cpu_within_tolerance},
                           {"fetched_weight_mismatched_bytes", r.fetched_weight_mismatched_bytes},
                           {"combined_max_abs_error", r.combined_max_abs_error},
                           {"combined_within_tolerance", r.combined_within_tolerance}};
    if (r.split_error.elements > 0) {
      layer["data_check"]["split_vs_unsplit"] = {{"elements", r.split_error.elements},
                                                 {"max_abs", r.split_error.max_abs},
                                                 {"max_bound_ratio", r.split_error.max_bound_ratio},
                                                 {"within_bound", r.split_error.within_bound()}};
    }
  }
  if (!r.faults.empty()) {
    nlohmann::json faults = nlohmann::json::array();
    for (const auto& f : r.faults) {
      nlohmann::json j = {{"kind", f.kind}, {"path", f.path}, {"expert", f.expert}, {"detail", f.detail}};
      if (f.job != 0) j["ndp_job"] = f.job;
      if (f.address != 0) j["address"] = f.address;
      if (f.device >= 0) j["device"] = f.device;
      faults.push_back(std::move(j));
    }
    layer["faults"] = std::move(faults);
  }
  return layer;
}

nlohmann::json to_json(const StepRecord& s) {
  nlohmann::json j = {{"step", s.step},
          {"kind", s.kind},
          {"tokens", s.tokens},
          {"context_tokens", s.context},
          {"embedding_ms", s.embedding_s * 1e3},
          {"cross_kv_ms", s.cross_kv_s * 1e3},
          {"lm_head_ms", s.lm_head_s * 1e3},
          {"dense_ms", s.dense_s * 1e3},
          {"moe_ms", s.moe_s * 1e3},
          {"total_ms", s.total_s * 1e3},
          {"energy", perf::to_json(s.energy)}};
  if (s.expert_cache.used) j["expert_cache"] = to_json(s.expert_cache);
  return j;
}

nlohmann::json to_json(const PolicyRun& run) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& r : run.layers) layers.push_back(to_json(r));
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : run.steps) steps.push_back(to_json(s));
  // No wall time: it differs run to run, and stats.json must not (run_outputs.hpp: wall.json).
  nlohmann::json j = {{"policy", run.policy},
                      {"simulated_ms", run.simulated_s * 1e3},
                      {"dense_ms", run.dense_s * 1e3},
                      {"moe_ms", run.moe_s * 1e3},
                      {"tokens", run.tokens},
                      {"expert_weights_from", run.expert_weights_from},
                      {"memory", memory_json(run.activity)},
                      {"energy", perf::to_json(run.energy)}};
  if (!run.parameters.empty()) j["parameters"] = run.parameters;
  if (run.expert_cache.used) j["expert_cache"] = to_json(run.expert_cache);
  if (run.ndp_weight_error.elements > 0) j["ndp_weight_error"] = to_json(run.ndp_weight_error);
  if (!run.ndp_tokens_by_format.empty()) {
    j["ndp_tokens_by_format"] = run.ndp_tokens_by_format;
    j["ndp_expected_rel_rms"] = run.ndp_expected_rel_rms;
  }
  j["steps"] = steps;
  j["layers"] = layers;
  return j;
}

}  // namespace monde::system
