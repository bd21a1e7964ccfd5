#include "core/perf/expert_shape.hpp"

#include "core/config/model_config.hpp"
#include "core/config/system_config.hpp"

namespace monde::perf {

ExpertShape expert_shape(const config::MoeModelConfig& model) {
  return ExpertShape{model.d_model, model.d_ff, model.gated, static_cast<unsigned>(model.bytes_per_element())};
}

ExpertShape expert_shape(const config::MoeModelConfig& model, const config::WeightEncoding& ndp_weights) {
  ExpertShape s = expert_shape(model);
  s.ndp_weights = ndp_weights;
  return s;
}

ExpertShape expert_shape(const config::SystemConfig& c) {
  ExpertShape s = expert_shape(c.model, c.device.ndp.expert_weights());
  s.gpu_fetches_ndp_copy = c.gpu.fetch_quantised;
  return s;
}

}  // namespace monde::perf
