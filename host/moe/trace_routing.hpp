// Routing sampled from measured per-layer histograms (routing_trace.hpp). In recorded layer R,
// expert i is in a token's top-k with probability p_i = count_i / tokens, exactly the measured
// rate; SystematicSampler draws top_k distinct experts per token with these p_i.
//
// Layers: each MoE layer of the simulated model uses the recorded layer of nearest relative depth
// (nearest_recorded_layer). So Mixtral-8x7B on the fiddler trace uses layer L for L, a 4-layer
// scaled-down Mixtral uses recorded layers 0, 10, 21 and 31, and OLMoE's 16 layers share the
// three recorded ones (0, 7, 15).
//
// The model and the trace must have the same expert count and top_k (config::ConfigError otherwise):
// the histogram says nothing about experts that the recorded model did not have.
#pragma once

#include <cstdint>

#include "host/moe/routing_source.hpp"
#include "host/moe/routing_trace.hpp"

namespace monde::moe {

class TraceRoutingSource : public SampledRoutingSource {
 public:
  TraceRoutingSource(config::MoeModelConfig model, RoutingTrace trace, std::uint64_t seed);
  const char* kind() const override { return "trace"; }
  const RoutingTrace& trace() const { return trace_; }
  // The recorded layer whose histogram MoE layer `layer` uses.
  std::uint32_t recorded_layer_for(std::uint32_t layer) const;

 protected:
  SystematicSampler make_sampler(std::uint32_t layer) const override;

 private:
  RoutingTrace trace_;
};

}  // namespace monde::moe
