// Which MoE layers split every expert across the devices (config devices.split; the split itself:
// core/perf/expert_split.hpp). Decided once per run, before the weights are placed (a layer's
// weights are either whole on their devices or sliced across all of them, never both):
//   none    no layer;
//   always  every layer;
//   auto    per layer, the split when the cost model predicts it faster: for every step of the
//           run's routing (route_experiment), the `monde` policy places the layer's demand twice,
//           whole (each expert on its device, devices.placement) and split, and the layer is split
//           when the sum of the split placements' makespans is smaller. The makespans come from
//           the one evaluator (host/policy/evaluator.hpp), i.e. from the simulation's formulas.
// No SystemC here.
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/system_config.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::system {

// [moe layer][expert]: the device holding its weights (devices.placement; popularity: the layer's
// routed tokens over the whole run, route_experiment(config)). All 0 with one device.
std::vector<std::vector<std::uint32_t>> expert_devices(const config::SystemConfig& config);

struct LayerSplitChoice {
  std::uint32_t split_devices = 0;  // 0: whole experts; devices.count: split
  // auto only: the summed predicted makespans of the run's steps, whole and split (0 otherwise).
  double predicted_whole_s = 0, predicted_split_s = 0;
};

// [moe layer]. device_of: [moe layer][expert] the whole-expert placement (expert_devices()).
std::vector<LayerSplitChoice> split_layers(const config::SystemConfig& config, const policy::SystemCostModel& cost,
                                           const std::vector<std::vector<std::uint32_t>>& device_of);

}  // namespace monde::system
