#include "system/split_layers.hpp"

#include "core/perf/expert_shape.hpp"
#include "core/perf/step_plan.hpp"
#include "host/policy/device_placement.hpp"
#include "host/policy/policy_registry.hpp"
#include "system/routing.hpp"

namespace monde::system {

std::vector<std::vector<std::uint32_t>> expert_devices(const config::SystemConfig& config) {
  const auto& m = config.model;
  const std::size_t layers = m.moe_layer_indices().size();
  const std::uint32_t n = config.devices.count;
  // One device, or one range interleaved over all (every expert striped over them, one driver).
  if (n == 1 || config.devices.interleaved()) {
    return std::vector<std::vector<std::uint32_t>>(layers, std::vector<std::uint32_t>(m.experts, 0));
  }
  std::vector<std::vector<std::uint64_t>> popularity(layers, std::vector<std::uint64_t>(m.experts, 0));
  if (config.devices.placement == config::DevicePlacement::kPopularity) {
    for (const auto& step : route_experiment(config)) {
      for (std::size_t l = 0; l < step.size(); ++l) {
        for (std::size_t e = 0; e < step[l].size(); ++e) popularity[l][e] += step[l][e];
      }
    }
  }
  std::vector<std::vector<std::uint32_t>> device(layers);
  for (std::size_t l = 0; l < layers; ++l) {
    device[l] = policy::place_experts_on_devices(config.devices.placement, n, popularity[l]);
  }
  return device;
}

std::vector<LayerSplitChoice> split_layers(const config::SystemConfig& c, const policy::SystemCostModel& cost,
                                           const std::vector<std::vector<std::uint32_t>>& device_of) {
  const std::size_t layers = c.model.moe_layer_indices().size();
  std::vector<LayerSplitChoice> out(layers);
  const std::uint32_t n = c.devices.count;
  if (c.devices.split == config::DeviceSplit::kNone) return out;
  if (c.devices.split == config::DeviceSplit::kAlways) {
    for (auto& l : out) l.split_devices = n;
    return out;
  }
  const Demand demand = route_experiment(c);
  const auto plan = perf::step_plan(c.model, c.run);
  for (std::size_t l = 0; l < layers; ++l) {
    auto whole = policy::make_policy("monde");
    auto split = policy::make_policy("monde");
    for (std::size_t s = 0; s < demand.size(); ++s) {
      if (demand[s][l].empty()) continue;  // a layer this step does not run
      policy::LayerDemand d;
      d.shape = perf::expert_shape(c);
      d.tokens_per_expert = demand[s][l];
      d.phase = plan[s].prefill_like() ? policy::Phase::kPrefill : policy::Phase::kDecode;
      d.ndp_device = device_of.at(l);
      out[l].predicted_whole_s += whole->place(d, cost).cost.makespan_s;
      d.split_devices = n;
      out[l].predicted_split_s += split->place(d, cost).cost.makespan_s;
    }
    out[l].split_devices = out[l].predicted_split_s < out[l].predicted_whole_s ? n : 0;
  }
  return out;
}

}  // namespace monde::system
