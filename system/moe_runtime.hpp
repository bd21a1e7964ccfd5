// The runtime: MoNDE itself, one inference step after another (core/perf/step_plan.hpp says which
// steps a run has and which transformer layers each runs). Per step and in layer order:
//   - the GPU's dense work (run.scope end_to_end): the token embedding, then per layer the
//     attention (self, and cross-attention in an encoder-decoder decoder) and the dense FFN of a
//     dense layer, or the router and the shared experts of a MoE layer, then an encoder step's
//     cross-attention K/V projections or a decoder step's LM head. core/perf/transformer_work.hpp
//     times each with the GPU model's own time model and the GPU model runs it (run_dense);
//   - per MoE layer, MoNDE: the routed token counts go to a placement policy, which says which
//     experts are hot (GPU) and cold (NDP, or CPU), and both paths run concurrently on the
//     modelled system: the GPU worker DMA-reads the hot experts' weights through PCIe, the root
//     complex and the CXL link and computes them; the host copies the cold experts' activations
//     from the GPU (PCIe, core/perf/gpu_host_copy.hpp), submits one NDP job per cold expert through
//     the driver (activations in and results out over CXL.mem), waits for them and copies the
//     results back to the GPU. The MoE layer ends when both paths are done.
// What overlaps: nothing across layers. A layer's attention needs the previous layer's output,
// its router needs the attention's, and the hot experts (hence their fetches) are known only
// after the router ran, so dense work and MoE work of one step form one chain; inside a MoE
// layer the GPU path and the NDP path overlap. Shared experts run on the GPU before the routed
// experts (serial with them: the GPU could overlap them with the NDP jobs; not modelled).
//
// Several devices (devices.count): setup() places each (layer, expert) on the device
// expert_devices() names, through that device's driver; a layer's cold experts run on their
// devices, each device's jobs on its own host thread (sc_spawn), concurrently; the policies see
// each expert's device in LayerDemand::ndp_device.
// Policies come from the registry (host/policy/policy_registry.hpp), one object per MoE layer,
// each prepared with what is known before the run (policy::RunHistory): every expert's
// popularity over the whole run's routing, and, in decode runs for policies that learn from
// prompts, the routing of the batch's prompts (batch x prompt_tokens tokens, not simulated).
// Weights are placed once, before the first step, one contiguous region per (layer, expert):
// through CXL.mem writes, or taken as resident with data: timing_only (the driver's stats say
// which). Call everything from the system's host thread.
//
// data: full (scaled-down models only: check_full_data_fits, at most 1 GiB of expert weights)
// moves real bytes and checks every layer (full_data.hpp says where the bytes come from):
//   - setup() generates each (layer, expert)'s bf16 weights and places them with CXL.mem writes;
//   - per step and MoE layer, x [tokens x d_model] is generated (attention and the dense layers are
//     timed, not computed: x stands in for their output) and the tokens are routed by the experiment's routing source
//     (the same routes that make the Demand, so placement and data agree);
//   - NDP experts get their routed tokens' rows of x (moe::dispatch_tokens / gather_rows) through
//     the driver and return y bits; GPU experts' weights are DMA-read by the GPU model, whose data
//     sink collects the fetched bytes, and y is computed from those bytes with the fp32
//     CpuReferenceBackend: the GPU's numerics come from the CPU reference backend when no GPU is
//     present; the CUDA backend plugs in here (host compute, no extra simulated time: the GPU
//     model's compute time stands). GPU-resident experts (no fetch) use the placed weights.
//     CPU-path experts (policy `cpu`) read their weights over CXL.mem and use the same backend.
//   - the layer output is moe::combine of the experts' outputs with the routes' weights (routed
//     experts only: shared experts are not modelled by the runtime);
//   - the check: the same layer entirely on the host, every expert with num::golden_expert.
// Faults (config::FaultConfig, README "Faults") are survived and recorded in the layer, with
// their context: weights the GPU fetched poisoned (that expert is not computed), an NDP job that
// completed with dma_poison / dma_error / aborted / lost_in_reset or whose result came back
// poisoned, CPU-path weights read poisoned. The layer goes on with its other experts; with
// data: full a layer with a fault fails its data check (its faulted experts have no valid output
// and are left out of the comparison). Other errors still stop the run.
//     NDP outputs must equal it bit for bit; GPU/CPU outputs and the combined output must lie
//     within the stated GPU tolerance (host/gpu_backend/tolerance.hpp). LayerRecord holds the counts and
//     errors; the runtime reports, it does not throw on a failed check (data_ok() says).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "host/driver/ndp_driver.hpp"
#include "host/gpu_backend/cpu_reference_backend.hpp"
#include "host/moe/token_route.hpp"
#include "host/policy/expert_cache.hpp"
#include "host/policy/placement_policy.hpp"
#include "host/policy/system_cost_model.hpp"
#include "core/config/system_config.hpp"
#include "core/perf/energy_accounting.hpp"
#include "core/perf/step_plan.hpp"
#include "system/experiment.hpp"
#include "system/full_data.hpp"
#include "system/mixed_precision.hpp"
#include "system/monde_system.hpp"
#include "system/routing.hpp"
#include "system/split_data.hpp"
#include "system/split_layers.hpp"

namespace monde::system {

// One interval of activity for the run's trace (trace.json): which track, what, when.
struct TraceSpan {
  std::string track;  // "step", "layer", "GPU fetch", "GPU compute", "NDP", "CPU", "Host DRAM"
  std::string name;   // e.g. "layer 3", "expert 5 (12 tokens)", "attention"
  std::uint64_t start_ps = 0, end_ps = 0;
};

// A fault a layer survived, with what it hit.
struct FaultRecord {
  std::string kind;         // "dram_poison", "ndp_aborted", "ndp_lost_in_reset", "ndp_dma_error"
  std::string path;         // "GPU", "NDP" or "CPU"
  std::uint32_t expert = 0;
  std::uint32_t job = 0;          // the NDP job's tag (0: not an NDP job)
  std::uint64_t address = 0;      // the first poisoned address (GPU/CPU: host, NDP: device; 0: none)
  std::string detail;             // the whole message ("device d: ..." with several devices)
  std::int32_t device = -1;       // the MoNDE device it hit, with several devices (-1: one device)
};

// One transformer layer of one step: its dense work on the GPU and, for a MoE layer, its MoE part.
struct LayerRecord {
  std::uint32_t step = 0;
  std::uint32_t layer = 0;  // transformer layer index
  std::string stack = "decoder";  // "encoder" or "decoder" (decoder-only models: "decoder")
  bool moe = false;               // has a MoE part, placed by the policy
  std::uint64_t tokens = 0;  // (token, expert) pairs routed
  std::size_t experts_gpu_fetched = 0, experts_gpu_resident = 0, experts_ndp = 0, experts_cpu = 0;
  std::size_t ndp_jobs = 0;  // > experts_ndp when an expert's tokens needed several jobs
  std::vector<TraceSpan> spans;  // the layer, its dense kernels, each GPU fetch and compute, each NDP job
  // Dense work on the GPU (0 with run.scope moe_only): attention (self and cross) and the FFN part
  // (the dense FFN, or the router and shared experts of a MoE layer).
  double attention_s = 0, ffn_s = 0;
  double dense_s() const { return attention_s + ffn_s; }
  std::uint64_t kv_read_bytes = 0, kv_written_bytes = 0;  // KV cache traffic of its attention
  double moe_predicted_s = 0;  // the policy's cost-model makespan of the MoE part
  double moe_s = 0;            // what the TLM system took for the MoE part
  double total_s = 0;          // the whole layer, dense work and MoE part
  double gpu_path_s = 0, ndp_path_s = 0, cpu_path_s = 0;  // from the MoE part's start
  // Bytes moved during the layer.
  std::uint64_t cxl_m2s_bytes = 0, cxl_s2m_bytes = 0;  // CXL.mem data, host->device / device->host
  std::uint64_t pcie_to_gpu_bytes = 0;                 // weights arriving at the GPU
  std::uint64_t ndp_dram_read_bytes = 0;               // device DRAM -> NDP units (internal)
  // Where the weights of its GPU-fetched and CPU-path experts came from: "device" (the MoNDE
  // device, over CXL) or "host_memory" (the copy in host DRAM: host_memory.expert_home with a
  // host-memory baseline). NDP experts always read the device's copy; GPU-resident ones none.
  std::string weights_from = "device";
  std::size_t experts_weights_from_host = 0;  // fetched and CPU-path experts whose weights came from host DRAM
  // The GPU expert cache's lookups (used only for a policy that uses the cache).
  policy::ExpertCacheCounts expert_cache;
  // What the layer did that costs energy (from its start to its end, dense work included) and
  // what it cost (core/perf/energy_accounting.hpp).
  perf::EnergyActivity activity;
  perf::EnergyBreakdown energy;

  // data: full only (data_checked): this layer's results against the all-golden host reference.
  bool data_checked = false;
  std::size_t output_elements = 0;          // combined output: tokens x d_model
  std::size_t ndp_checked_elements = 0;     // NDP y elements compared bit for bit
  std::size_t ndp_mismatched_elements = 0;  // ... whose bits differ from golden_expert (must be 0)
  std::size_t gpu_checked_elements = 0;
  double gpu_max_abs_error = 0;             // GPU-path y vs golden_expert
  bool gpu_within_tolerance = true;         // every GPU element within the stated tolerance
  std::size_t cpu_checked_elements = 0;
  double cpu_max_abs_error = 0;             // CPU-path (policy `cpu`) y vs golden_expert
  bool cpu_within_tolerance = true;
  std::uint64_t fetched_weight_mismatched_bytes = 0;  // GPU/CPU-fetched weight bytes != placed (must be 0)
  double combined_max_abs_error = 0;        // combined layer output vs the all-golden combine
  bool combined_within_tolerance = true;    // within the GPU/CPU experts' tolerances, weighted
  // Quantised NDP experts (device.ndp.expert_weight_format int8 / int4) against the same experts
  // with their bf16 weights (golden both): what the format costs in accuracy. Not a pass/fail check.
  // With mixed precision per expert it covers every NDP expert (a bf16 one adds no error).
  OutputError ndp_weight_error;
  // Tensor-parallel split (devices.split): "" with one device, else "whole" or "split" (the
  // layer's choice), the GPU's reductions of the split experts' partials, and (data: full) the
  // reduced outputs against the unsplit golden outputs of the same weights (split_data.hpp: the
  // stated tolerance; NDP results must equal the golden split bit for bit, counted above).
  std::string device_split;
  double split_reduce_s = 0;
  SplitError split_error;
  std::vector<FaultRecord> faults;          // survived faults (empty without injected faults)
  // Mixed precision per expert only: the tokens its NDP experts computed, by format ("bf16",
  // "int4/g128", ...), and sum over them of tokens x the expert's measured error^2
  // (ExpertFormatPlan::chosen_rel_rms).
  std::map<std::string, std::uint64_t> ndp_tokens_by_format;
  double ndp_expected_err_sq = 0;
  bool data_ok() const {
    return !data_checked || (ndp_mismatched_elements == 0 && gpu_within_tolerance && fetched_weight_mismatched_bytes == 0 &&
                             cpu_within_tolerance && combined_within_tolerance && split_error.within_bound() && faults.empty());
  }
};

// One step: its kind, the dense work outside the layers, and its totals.
struct StepRecord {
  std::uint32_t step = 0;
  std::string kind;                // "prefill", "encoder" or "decode"
  std::uint64_t tokens = 0;        // new tokens over all sequences
  std::uint64_t context = 0;       // self-attention KV positions per sequence before the step
  double embedding_s = 0, lm_head_s = 0, cross_kv_s = 0;  // dense work outside the layers
  double dense_s = 0;              // all of its dense work (those and every layer's)
  double moe_s = 0;                // its MoE layers' MoE parts
  double total_s = 0;              // the step, end to end
  std::vector<TraceSpan> spans;    // the step, and its embedding, cross K/V and LM head kernels
  policy::ExpertCacheCounts expert_cache;  // its layers' cache lookups
  perf::EnergyActivity activity;   // the whole step's (its layers' and the kernels outside them)
  perf::EnergyBreakdown energy;
};

struct PolicyRun {
  std::string policy;
  // Where its GPU-fetched and CPU-path experts' weights came from: "device" or "host_memory"
  // (LayerRecord::weights_from); the bytes and busy time per memory are in `activity`.
  std::string expert_weights_from = "device";
  std::vector<LayerRecord> layers;
  std::vector<StepRecord> steps;
  double simulated_s = 0;  // all steps
  double dense_s = 0, moe_s = 0;  // of which dense work and MoE parts
  double wall_s = 0;
  std::uint64_t tokens = 0;        // new tokens of the steps done (StepRecord::tokens)
  policy::ExpertCacheCounts expert_cache;  // the steps done's cache lookups
  perf::EnergyActivity activity;   // the steps done, and their energy
  perf::EnergyBreakdown energy;
  // What the policy tuned or was given for the run (monde_paper: alpha), by name.
  std::map<std::string, double> parameters;
  // Set when the run stopped early: what went wrong (layers holds what finished before it).
  std::string error;
  // Over every layer's quantised NDP experts (data: full), kept as the layers finish.
  OutputError ndp_weight_error;
  // Mixed precision per expert only: LayerRecord::ndp_tokens_by_format over the layers done, and
  // the error it predicts for the NDP outputs, sqrt(sum tokens x rel_rms^2 / sum tokens) over the
  // NDP experts' tokens, each with its expert's measured error in its format (mixed_precision.hpp:
  // the probe's error of the format in timing_only, the expert's own in data: full; bf16 0): the
  // run's accuracy in timing_only runs, where no output is computed.
  std::map<std::string, std::uint64_t> ndp_tokens_by_format;
  double ndp_expected_err_sq = 0;
  std::uint64_t ndp_expected_tokens = 0;
  double ndp_expected_rel_rms = 0;
  // Records finished (= layers.size() and steps.size() unless they were streamed away).
  std::size_t layers_done = 0, steps_done = 0;
};

class MoeRuntime {
 public:
  // data: full: std::invalid_argument when the model is too big (check_full_data_fits).
  MoeRuntime(const config::SystemConfig& config, MondeSystem& system, policy::SystemCostModel cost);

  // driver init and weight placement; call once before run_policy.
  void setup();
  // Called after every layer and every step with the run so far (progress, streaming results):
  // so_far.layers ends with the latest layer and so_far.steps with the latest step (with
  // keep_layers false they hold only those; layers_done and steps_done count them all).
  using LayerDone = std::function<void(const PolicyRun& so_far)>;
  // data: full needs `demand` to be route_experiment(config) (or its first steps): the runtime
  // routes the tokens itself and throws std::invalid_argument when the counts disagree.
  // Exceptions propagate; run_policy_into keeps the layers and steps that finished in `run`. With
  // keep_layers false it keeps only the latest of each (for on_layer): a long run that streams
  // its records elsewhere then needs no memory per layer.
  PolicyRun run_policy(const std::string& policy, const Demand& demand, const LayerDone& on_layer = {});
  void run_policy_into(const std::string& policy, const Demand& demand, PolicyRun& run, const LayerDone& on_layer = {},
                       bool keep_layers = true);
  const policy::SystemCostModel& cost_model() const { return cost_; }
  const std::vector<perf::StepSpec>& plan() const { return plan_; }
  // Device d's driver (one per device, devices.count).
  const driver::NdpDriver& driver(std::size_t d = 0) const { return *drivers_.at(d); }
  // [moe layer][expert]: the device holding its weights (valid after setup()).
  const std::vector<std::vector<std::uint32_t>>& expert_devices() const { return device_of_; }
  // [moe layer]: whole or split (devices.split; valid after setup()), and the d_ff slices of a
  // split layer's experts, device by device (empty when no layer is split).
  const std::vector<LayerSplitChoice>& layer_splits() const { return split_; }
  const std::vector<perf::DffSlice>& dff_slices() const { return dff_slices_; }

  // Test hook (data: full): called with every expert's result bits before they are checked and
  // combined, e.g. to flip a bit and see the check catch it.
  enum class ExpertPath { kNdp, kGpu, kCpu };
  using ResultHook = std::function<void(ExpertPath path, std::uint32_t step, std::uint32_t layer, std::uint32_t expert,
                                        std::vector<num::bf16_t>& y)>;
  void set_result_hook(ResultHook hook) { result_hook_ = std::move(hook); }

 private:
  // The full-data state of one layer being run.
  struct LayerData {
    std::vector<num::bf16_t> x;                      // [tokens x d_model]
    moe::Dispatch dispatch;
    std::vector<std::vector<num::bf16_t>> expert_x;  // [expert]: its routed tokens' rows of x
    std::vector<std::vector<num::bf16_t>> y;         // [expert]: its output, from whichever path ran it
    std::vector<std::optional<ExpertPath>> path;     // [expert]: which path ran it (none: idle)
    std::vector<bool> faulted;                       // [expert]: a fault left it without a valid output
  };

  // Where each expert of a layer runs, grouped by path.
  struct LayerPlan {
    std::vector<gpu::HotExpertJob> hot;
    std::vector<std::size_t> hot_experts;                         // expert of each hot job
    // A split layer's hot expert is one job per device (its slice), in device order, and a
    // quantised fetch one job per tensor; only the last computes (tokens), the others only fetch. Whole experts: the device of their one job.
    std::vector<std::uint32_t> hot_device;
    bool split = false;
    // A split layer on an interleaved range: an expert's slices are one contiguous range of the
    // interleaved HPA space (each device's slice in its granules), fetched as one job (device 0's
    // entry in hot_device), striped over every device's link.
    bool striped = false;
    // Per hot job: the last of its expert's jobs (the one that computes; an expert has one job
    // per slice (split) times one per fetched range: the bf16 range, or with gpu.fetch_quantised
    // each code and scale tensor of its quantised copy), and whether its expert fetches the
    // quantised copy (gpu.fetch_quantised and that expert's NDP format int8 / int4).
    std::vector<bool> hot_last, hot_quantised;
    std::vector<std::pair<std::size_t, std::uint64_t>> cold, cpu;  // (expert, tokens)
  };
  // The simulation's counters, to charge a layer or step with what it moved and did: link and
  // DRAM bytes, DRAM commands, the GPU's busy time, the NDP's MACs and DMA bytes, and the time.
  struct Counters {
    std::uint64_t m2s = 0, s2m = 0, pcie = 0, ndp = 0;  // ndp: DMA bytes read (device DRAM -> units)
    std::uint64_t pcie_up = 0, ndp_written = 0, ndp_macs = 0, gpu_busy_ps = 0;
    std::uint64_t dram_activates = 0, dram_reads = 0, dram_writes = 0, dram_refreshes = 0;
    std::uint64_t dram_read_bytes = 0, dram_written_bytes = 0;
    std::uint64_t host_dram_bytes = 0, host_dram_busy_ps = 0;  // the host's DRAM (mem::HostMemory)
    double t_s = 0;
  };
  // What happened between two snapshots, for the energy formulas.
  static perf::EnergyActivity activity_between(const Counters& from, const Counters& to);

  std::vector<std::unique_ptr<policy::PlacementPolicy>> make_policies(const std::string& name, const Demand& demand) const;
  void check_demand_is_routing(const Demand& demand) const;
  // One step: its dense work and every layer it runs, each layer reported as it finishes.
  void run_step(std::vector<std::unique_ptr<policy::PlacementPolicy>>& policies, std::uint32_t step,
                const Demand& demand, PolicyRun& run, const LayerDone& on_layer);
  // `seconds` of dense kernels on the GPU, as a span on the GPU compute track; returns the time taken.
  double run_dense(double seconds, const std::string& name, std::vector<TraceSpan>& spans);
  // The MoE part of a MoE layer (fills the record's MoE fields).
  void run_moe(policy::PlacementPolicy& policy, std::uint32_t step, std::size_t moe_index,
               const std::vector<std::uint64_t>& tokens, LayerRecord& r);
  policy::Placement place(policy::PlacementPolicy& policy, std::uint32_t step, const std::vector<std::uint64_t>& tokens,
                          LayerRecord& r);
  LayerPlan plan(const policy::Placement& placement, const std::vector<std::uint64_t>& tokens, std::size_t moe_index) const;
  std::unique_ptr<LayerData> make_layer_data(std::uint32_t step, std::size_t moe_index) const;
  // [device]: which expert each of its NDP job tags belongs to (for the trace).
  using NdpTags = std::vector<std::map<std::uint32_t, std::size_t>>;
  // The cold experts' outputs and failures, by index in LayerPlan::cold.
  struct NdpResults {
    std::vector<std::vector<std::vector<num::bf16_t>>> y;  // [device][cold]: its (partial) output
    std::vector<bool> failed;
  };
  // Submits every cold expert (split into jobs that fit the activation buffer) to its device and
  // waits for them, the devices concurrently.
  NdpTags run_ndp_path(const LayerPlan& plan, std::uint32_t step, std::size_t moe_index, LayerData* data,
                       LayerRecord& r);
  // One device's share of the NDP path (`cold`: indices in plan.cold), through its driver.
  void run_ndp_device(std::size_t device, const std::vector<std::size_t>& cold, const LayerPlan& plan,
                      std::size_t moe_index, LayerData* data, LayerRecord& r,
                      std::map<std::uint32_t, std::size_t>& expert_of_tag, NdpResults& res);
  void finish_gpu_path(const LayerPlan& plan, double t0, std::uint32_t step, std::size_t moe_index, LayerData* data,
                       LayerRecord& r);
  // log0: each device's job log length before the layer.
  void add_ndp_spans(const std::vector<std::size_t>& log0, const NdpTags& expert_of_tag, LayerRecord& r) const;
  // A survived fault: recorded in the layer; with full data its expert is left out of the check.
  // `device`: the one the fault hit (the expert's, or the slice's); named with several devices.
  void record_fault(LayerRecord& r, LayerData* data, FaultRecord fault, std::uint32_t device) const;
  Counters counters() const;
  // data: null with timing_only.
  void run_cpu_experts(const std::vector<std::pair<std::size_t, std::uint64_t>>& experts, std::uint32_t step,
                       std::size_t moe_index, LayerData* data, LayerRecord& r);
  void set_result(LayerData& data, ExpertPath path, std::uint32_t step, std::size_t moe_index, std::size_t expert,
                  std::vector<num::bf16_t> y);
  void check_layer(const LayerData& data, std::uint32_t step, std::size_t moe_index, LayerRecord& r);

  // Where expert (moe layer, expert)'s copy lies in host DRAM (host address: kHostMemoryHpaBase +
  // this): one contiguous range per (layer, expert) in layer-major order, laid out as its device
  // range (the matrices at the same offsets from the first).
  std::uint64_t host_copy_offset(std::size_t moe_index, std::size_t expert) const;
  // Full data: the host copy of every expert written into host DRAM (no simulated time).
  void place_host_copy();

  const config::SystemConfig& config_;
  MondeSystem& system_;
  policy::SystemCostModel cost_;
  // The policy being run: whether it takes experts from host DRAM (uses_host_memory_copy) and the
  // cost model it plans with (cost_, or host_cost_ from host_memory_cost_model).
  policy::SystemCostModel host_cost_;
  bool host_copy_ = false;
  const policy::SystemCostModel* active_cost_ = &cost_;
  std::vector<perf::StepSpec> plan_;
  std::vector<std::uint32_t> moe_layers_;
  std::map<std::uint32_t, std::size_t> moe_index_;  // transformer layer -> index in moe_layers_
  double run_start_s_ = 0;
  std::uint64_t ndp_macs_ = 0;  // MACs of every NDP job submitted (tokens x the expert's MACs per token)
  std::vector<std::unique_ptr<driver::NdpDriver>> drivers_;  // [device]
  std::vector<std::vector<driver::ExpertHandle>> experts_;  // [moe layer][expert], addresses in its device
  std::vector<std::vector<std::uint32_t>> device_of_;       // [moe layer][expert]: its device
  std::vector<LayerSplitChoice> split_;                      // [moe layer]
  std::vector<perf::DffSlice> dff_slices_;                   // [device], when a layer is split
  // [moe layer][expert][device]: a split layer's slices (empty for whole layers, whose experts_
  // entries are then the ones used; a split layer's experts_ entries are unused).
  std::vector<std::vector<std::vector<driver::ExpertHandle>>> slices_;
  std::vector<unsigned char> scratch_;                       // CPU-path reads (no bytes kept)
  // The handle device `device` runs for (layer, expert): its slice in a split layer, else the expert.
  // Expert `w` (empty with timing_only) of a split layer: one slice on every device.
  // "layer L expert E" (L the model's layer index): what the NDP driver's messages call it.
  std::string expert_label(std::size_t moe_index, std::size_t expert) const;
  void place_split_expert(std::size_t moe_index, ExpertWeights w);
  const driver::ExpertHandle& ndp_handle(std::size_t moe_index, std::size_t expert, std::size_t device) const;
  // Every (layer, expert)'s NDP format (the one owner: perf::ExpertFormats), chosen in setup()
  // before placement; with mixed precision also the candidates' measured errors.
  ExpertFormatPlan formats_;
  // The demand's per-expert NDP formats (mixed precision only: a single-format run leaves them to
  // the shape, as before).
  void set_formats(policy::LayerDemand& demand, std::size_t moe_index) const;
  // data: full only.
  bool full_ = false;
  Routes routes_;                                   // [step][moe layer][token]
  std::vector<std::vector<ExpertWeights>> weights_;  // [moe layer][expert]: the placed bytes
  // [moe layer][expert]: the NDP's operands when any expert's copy is quantised (empty when every
  // expert is bf16; a bf16 expert's operands are its weights).
  std::vector<std::vector<ExpertWeights>> ndp_operands_;
  std::vector<std::vector<num::bf16_t>> gpu_fetch_;  // [hot job]: bytes the GPU's data sink got
  std::unique_ptr<gpu_backend::CpuReferenceBackend> backend_;
  // The GPU expert cache of the policy being run, when it uses one (gpu.expert_cache).
  std::optional<policy::ExpertCache> cache_;
  ResultHook result_hook_;
  bool keep_records_ = true;  // run_policy_into's keep_layers
};

// The layer records a run produces: every layer of every planned step (end_to_end), or its MoE
// layers (moe_only).
std::size_t expected_layer_records(const config::SystemConfig& config);

// One layer and one step as stats.json lists them, units in key names.
nlohmann::json to_json(const LayerRecord& layer);
nlohmann::json to_json(const StepRecord& step);
// {"policy", "simulated_ms", "dense_ms", "moe_ms", "steps": [...], "layers": [...]}, units in key names;
// "ndp_weight_error" (over the run's quantised NDP experts, data: full) when there were any.
nlohmann::json to_json(const PolicyRun& run);
// {"elements", "max_abs", "rel_rms"}.
nlohmann::json to_json(const OutputError& e);
// {"hits", "misses", "evictions", "bytes_not_fetched", "hit_rate" (hits / lookups, a fraction)}.
nlohmann::json to_json(const policy::ExpertCacheCounts& c);

}  // namespace monde::system
