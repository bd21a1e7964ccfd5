#include "host/moe/trace_routing.hpp"

#include <string>
#include <utility>

#include "core/config/config_node.hpp"

namespace monde::moe {

TraceRoutingSource::TraceRoutingSource(config::MoeModelConfig model, RoutingTrace trace, std::uint64_t seed)
    : SampledRoutingSource(std::move(model), seed), trace_(std::move(trace)) {
  if (trace_.experts != this->model().experts || trace_.top_k != this->model().top_k) {
    throw config::ConfigError(trace_.description + ": recorded with " + std::to_string(trace_.experts) + " experts, top-" +
                      std::to_string(trace_.top_k) + "; model " + this->model().name + " (" + this->model().source +
                      ") has " + std::to_string(this->model().experts) + " experts, top-" +
                      std::to_string(this->model().top_k) + "; allowed only a trace recorded with the model's "
                      "expert count and top_k");
  }
  if (trace_.layers.empty()) {
    throw config::ConfigError(trace_.description + ": no recorded layers; expected at least one layer's rows");
  }
}

std::uint32_t TraceRoutingSource::recorded_layer_for(std::uint32_t layer) const {
  check_moe_layer(layer);
  return nearest_recorded_layer(layer, model().layers, trace_.layer_ids(), trace_.recorded_model_layers);
}

SystematicSampler TraceRoutingSource::make_sampler(std::uint32_t layer) const {
  const RecordedLayer& rec = trace_.layer(recorded_layer_for(layer));
  return SystematicSampler(rec.counts, rec.tokens);
}

}  // namespace monde::moe
