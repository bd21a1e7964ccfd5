// The run's routing, drawn before the first simulated event: every step's tokens through every
// MoE layer the step runs (core/perf/step_plan.hpp) with the experiment's routing source
// (host/moe/routing_registry.hpp); a layer a step does not run (the encoder's in a decoder step)
// has no routes and an empty demand. The gate source routes the activations data: full computes
// with (full_data.hpp), in both data modes.
#pragma once

#include <cstdint>
#include <memory>

#include "core/config/system_config.hpp"
#include "host/moe/routing_source.hpp"
#include "host/moe/token_route.hpp"
#include "system/experiment.hpp"

namespace monde::system {

// Each token's route: [step][moe layer][token].
using Routes = std::vector<std::vector<std::vector<moe::TokenRoute>>>;

// `step`: the step being routed (the gate's activations are those of (step, layer)).
std::unique_ptr<moe::RoutingSource> make_routing(const config::SystemConfig& config,
                                                 std::shared_ptr<const std::uint32_t> step);
Routes route_experiment_tokens(const config::SystemConfig& config);
// The same routes counted per expert.
Demand route_experiment(const config::SystemConfig& config);
// The routing of a decode run's prompts (batch x prompt_tokens tokens, one prefill step, its own
// draw): what policies that learn from prompts see before the decode steps. (An encoder-decoder
// model's prefill is its encoder: its decoder layers have no prompt routing.)
Demand route_prompts(const config::SystemConfig& config);
// A calibration batch: one step of the run's phase and size (generate: a decode step), its own
// draw (not one of the measured steps), for policies that calibrate on a batch (monde_paper's alpha).
Demand route_calibration(const config::SystemConfig& config);
// [moe layer][expert]: tokens routed over the whole run (what a calibration run would record): the
// popularity static_freq pins by and mixed precision per expert picks its hot experts by.
std::vector<std::vector<double>> run_popularity(const Demand& demand, std::size_t moe_layers, std::uint32_t experts);

}  // namespace monde::system
