// The MoE runtime: MoNDE itself. Per MoE layer and batch it takes the routed token counts,
// asks a placement policy which experts are hot (GPU) and cold (NDP, or CPU), and runs both
// paths concurrently on the modelled system: the GPU worker DMA-reads the hot experts' weights
// through PCIe, the root complex and the CXL link and computes them; the host thread submits
// one NDP job per cold expert through the driver (activations in and results out over
// CXL.mem) and waits for them. A layer ends when both paths are done; layers run in order.
//
// Policies: one object per MoE layer; `static_freq` gets each layer's popularity over the whole
// run's routing; `context` in a decode run is first shown the routing of the batch's prompts
// (batch x prompt_tokens tokens, not simulated) as its prefill statistics.
// Weights are placed once, before the first step, one contiguous region per (layer, expert):
// through CXL.mem writes, or taken as resident with data: timing_only (the driver's stats say
// which). Call everything from the system's host thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver/ndp_driver.hpp"
#include "policy/placement_policy.hpp"
#include "policy/system_cost_model.hpp"
#include "runtime/experiment_config.hpp"
#include "runtime/monde_system.hpp"

namespace monde::runtime {

// Routed tokens per expert: [step][moe layer][expert].
using Demand = std::vector<std::vector<std::vector<std::uint64_t>>>;

// Routes every step's tokens through every MoE layer with the experiment's routing source.
Demand route_experiment(const ExperimentConfig& e);

struct LayerRecord {
  std::uint32_t step = 0;
  std::uint32_t layer = 0;  // transformer layer index
  std::uint64_t tokens = 0;  // (token, expert) pairs routed
  std::size_t experts_gpu_fetched = 0, experts_gpu_resident = 0, experts_ndp = 0, experts_cpu = 0;
  double predicted_s = 0;  // the policy's cost-model makespan
  double simulated_s = 0;  // what the TLM system took
  double gpu_path_s = 0, ndp_path_s = 0, cpu_path_s = 0;  // from the layer start
  // Bytes moved during the layer.
  std::uint64_t cxl_m2s_bytes = 0, cxl_s2m_bytes = 0;  // CXL.mem data, host->device / device->host
  std::uint64_t pcie_to_gpu_bytes = 0;                 // weights arriving at the GPU
  std::uint64_t ndp_dram_read_bytes = 0;               // device DRAM -> NDP units (internal)
};

struct PolicyRun {
  std::string policy;
  std::vector<LayerRecord> layers;
  double simulated_s = 0;  // all steps
  double wall_s = 0;
};

class MoeRuntime {
 public:
  MoeRuntime(const ExperimentConfig& config, MondeSystem& system, policy::SystemCostModel cost);

  // driver init and weight placement; call once before run_policy.
  void setup();
  PolicyRun run_policy(const std::string& policy, const Demand& demand);
  const driver::NdpDriver& driver() const { return *driver_; }

 private:
  LayerRecord run_layer(policy::PlacementPolicy& policy, std::uint32_t step, std::size_t moe_index,
                        const std::vector<std::uint64_t>& tokens);
  void run_cpu_experts(const std::vector<std::pair<std::size_t, std::uint64_t>>& experts, std::size_t moe_index);

  const ExperimentConfig& config_;
  MondeSystem& system_;
  policy::SystemCostModel cost_;
  std::vector<std::uint32_t> moe_layers_;
  std::unique_ptr<driver::NdpDriver> driver_;
  std::vector<std::vector<driver::ExpertHandle>> experts_;  // [moe layer][expert]
  std::vector<unsigned char> scratch_;                       // CPU-path reads (no bytes kept)
};

// {"policy", "simulated_s", "layers": [...]} with units in key names.
nlohmann::json to_json(const PolicyRun& run);

}  // namespace monde::runtime
