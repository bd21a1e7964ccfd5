// The hand-worked layer the policy tests share: experts of 1000 x 500, plain FFN, bf16
// (2e6 weight bytes, 1e6 MACs and 2000 activation bytes per token), with the given routed
// token counts and, optionally, which experts are already resident on the GPU. Each test file
// pairs it with its own cost model and writes the resulting times out by hand.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "host/policy/layer_demand.hpp"

namespace monde::policy::test {

inline LayerDemand hand_layer(std::vector<std::uint64_t> tokens, std::vector<bool> resident = {}) {
  LayerDemand d;
  d.shape = ExpertShape{1000, 500, false, 2};
  d.tokens_per_expert = std::move(tokens);
  d.gpu_resident = std::move(resident);
  return d;
}

}  // namespace monde::policy::test
