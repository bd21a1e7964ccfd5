// The real MoE layers of a model preset, as the runtime would place them, without simulating:
// the embedded default experiment (its device, lpddr5x-8533, and its GPU) with the preset's
// model, routed by the zipf source (every preset has it; the measured traces cover two models),
// one step of a decode batch or of a prefill; the cost model derived from that hardware the way
// the runtime derives it (system::derive_cost_model). With `devices` > 1, that many MoNDE devices
// (devices.count, the default placement) and each expert on the device the driver would place it
// on (system::expert_devices). Shared by the oracle's preset tests and the policy benchmark.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/experiment_document.hpp"
#include "core/config/system_config.hpp"
#include "core/perf/expert_shape.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "host/policy/layer_demand.hpp"
#include "host/policy/system_cost_model.hpp"
#include "system/cost_model.hpp"
#include "system/routing.hpp"
#include "system/split_layers.hpp"

namespace monde::policy::test {

struct PresetLayers {
  SystemCostModel model;
  std::vector<LayerDemand> layers;  // one per MoE layer of the step
};

// Decode: one step of `tokens` sequences. Prefill: one sequence of `tokens` prompt tokens.
// (Encoder-decoder models: decode runs the decoder's MoE layers, prefill the encoder's.)
// `data_dir`: ../shared/data (the default experiment names a routing trace there, which the
// configuration resolves even when another routing source is chosen).
inline PresetLayers preset_layers(const std::string& model_preset, Phase phase, std::uint64_t tokens,
                                  const std::string& data_dir, std::uint32_t devices = 1) {
  config::ExperimentSource source;  // the embedded default experiment
  source.data_dirs = {data_dir};
  source.set("model=" + model_preset);
  if (devices > 1) source.set("devices.count=" + std::to_string(devices));
  source.set("routing.source=zipf");
  if (phase == Phase::kDecode) {
    source.set("run.batch=" + std::to_string(tokens));
  } else {
    source.set("run.phase=prefill");
    source.set("run.batch=1");
    source.set("run.prompt_tokens=" + std::to_string(tokens));
  }
  const config::ExperimentDocument document = config::load_experiment_document(source);
  const config::SystemConfig config = config::parse_system_config(document);
  PresetLayers out;
  out.model = system::derive_cost_model(config, perf::make_gpu_time_model(config.gpu));
  const system::Demand demand = system::route_experiment(config);
  const auto device_of = system::expert_devices(config);
  for (std::size_t l = 0; l < demand.at(0).size(); ++l) {
    const auto& tokens_per_expert = demand.at(0)[l];
    if (tokens_per_expert.empty()) continue;  // a layer the step does not run (the other stack)
    LayerDemand d;
    d.shape = perf::expert_shape(config.model);
    d.tokens_per_expert = tokens_per_expert;
    d.phase = phase;
    if (devices > 1) d.ndp_device = device_of.at(l);
    out.layers.push_back(std::move(d));
  }
  return out;
}

}  // namespace monde::policy::test
