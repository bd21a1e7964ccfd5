#include "core/perf/expert_shape.hpp"

#include "core/config/model_config.hpp"

namespace monde::perf {

ExpertShape expert_shape(const config::MoeModelConfig& model) {
  return ExpertShape{model.d_model, model.d_ff, model.gated, static_cast<unsigned>(model.bytes_per_element())};
}

ExpertShape expert_shape(const config::MoeModelConfig& model, const config::WeightEncoding& ndp_weights) {
  ExpertShape s = expert_shape(model);
  s.ndp_weights = ndp_weights;
  return s;
}

}  // namespace monde::perf
