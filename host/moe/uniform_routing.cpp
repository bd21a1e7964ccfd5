#include "host/moe/uniform_routing.hpp"

#include <utility>
#include <vector>

namespace monde::moe {

UniformRoutingSource::UniformRoutingSource(config::MoeModelConfig model, std::uint64_t seed)
    : SampledRoutingSource(std::move(model), seed) {}

SystematicSampler UniformRoutingSource::make_sampler(std::uint32_t /*layer*/) const {
  // p_i = top_k / experts exactly: weight top_k over unit experts.
  return SystematicSampler(std::vector<std::uint64_t>(model().experts, model().top_k), model().experts);
}

}  // namespace monde::moe
