#include "host/moe/routing_registry.hpp"

#include <cmath>
#include <map>

#include "host/moe/deterministic_random.hpp"
#include "host/moe/trace_routing.hpp"
#include "host/moe/uniform_routing.hpp"
#include "host/moe/zipf_routing.hpp"

namespace monde::moe {

namespace {

// A gating network per MoE layer with seeded weights: uniform in +-1/sqrt(d_model), as
// PyTorch's nn.Linear(d_model, experts) initialises a router, so that logits of unit-scale
// activations are O(1) and the softmax neither saturates nor flattens.
std::map<std::uint32_t, GatingNetwork> seeded_gates(const config::MoeModelConfig& m, std::uint64_t seed) {
  std::map<std::uint32_t, GatingNetwork> gates;
  const double bound = 1.0 / std::sqrt(static_cast<double>(m.d_model));
  for (const std::uint32_t layer : m.moe_layer_indices()) {
    std::mt19937_64 rng(stream_seed(seed ^ 0x6A09E667F3BCC908ull, layer));
    std::vector<float> w(std::size_t{m.experts} * m.d_model);
    for (auto& v : w) v = static_cast<float>((2.0 * uniform_double(rng) - 1.0) * bound);
    gates.emplace(layer, GatingNetwork(m.d_model, m.experts, m.top_k, m.router, std::move(w)));
  }
  return gates;
}

}  // namespace

const std::vector<RoutingSourceInfo>& routing_registry() {
  static const std::vector<RoutingSourceInfo> r = {
      {"uniform", "every expert equally likely", "",
       {},
       [](const config::SystemConfig& c, const GateRoutingSource::ActivationProvider&) -> std::unique_ptr<RoutingSource> {
         return std::make_unique<UniformRoutingSource>(c.model, c.routing.seed);
       }},
      {"zipf", "expert popularity falls with rank as 1 / rank^zipf_exponent", "zipf_exponent",
       {},
       [](const config::SystemConfig& c, const GateRoutingSource::ActivationProvider&) -> std::unique_ptr<RoutingSource> {
         return std::make_unique<ZipfRoutingSource>(c.model, c.routing.zipf_exponent, c.routing.seed);
       }},
      {"trace", "measured per-layer histograms (../shared/data/routing/), sampled token by token", "trace",
       [](const config::SystemConfig& c, const config::ConfigNode& routing) {
         if (!c.routing.has_trace) {
           routing.fail("trace", "missing; routing.source \"trace\" needs it; allowed an object with path, model, "
                               "dataset (selection, recorded_model_layers optional)");
         }
       },
       [](const config::SystemConfig& c, const GateRoutingSource::ActivationProvider&) -> std::unique_ptr<RoutingSource> {
         return std::make_unique<TraceRoutingSource>(c.model, load_routing_trace(c.routing.trace), c.routing.seed);
       }},
      {"gate", "the model's own router (seeded weights) on the runtime's activations: softmax top-k with the "
               "model's weight convention",
       "",
       {},
       [](const config::SystemConfig& c, const GateRoutingSource::ActivationProvider& a) -> std::unique_ptr<RoutingSource> {
         return std::make_unique<GateRoutingSource>(c.model, seeded_gates(c.model, c.routing.seed), a);
       }},
  };
  return r;
}

const RoutingSourceInfo* find_routing_source(const std::string& name) {
  for (const auto& r : routing_registry()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string routing_names_text() {
  std::string out;
  for (const auto& r : routing_registry()) out += (out.empty() ? "" : ", ") + r.name;
  return out;
}

}  // namespace monde::moe
