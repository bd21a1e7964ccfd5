// An experiment loaded for running: the typed configuration (core/config/system_config.hpp)
// checked against the registries the system layer owns (placement policies, routing sources)
// and against every limit that can be known before simulating:
//   - each run.policies name and routing.source is registered (and the source has its keys);
//   - the model's experts fit the NDP descriptor limits (d_model, d_ff, 32-element alignment);
//   - the model's expert weights fit in the device's memory, with the driver's rings and one
//     step's activation buffers beside them;
//   - data: full only for a scaled-down model (at most 1 GiB of expert weights);
//   - once the run's routing is drawn (before the first simulated event): each policy's limit on
//     routed experts per layer (the oracle's).
// Every message has the configuration's form: "<source>: key 'a.b' = value: problem; allowed ...".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/experiment_document.hpp"
#include "core/config/system_config.hpp"

namespace monde::system {

// Routed tokens per expert: [step][moe layer][expert].
using Demand = std::vector<std::vector<std::vector<std::uint64_t>>>;

struct Experiment {
  config::ExperimentDocument document;
  config::SystemConfig config;
};

// Loads, parses and checks (config::ConfigError on any problem).
Experiment load_experiment(const config::ExperimentSource& source);
// The checks above on a configuration already parsed from `document`.
void check_experiment(const config::SystemConfig& config, const config::ExperimentDocument& document);
// Each policy's per-layer limit against the drawn routing; `document` names the key in errors.
void check_policy_limits(const config::SystemConfig& config, const config::ExperimentDocument& document,
                         const Demand& demand);

// Device memory the driver needs on each device for the model's routed experts it holds (each
// weight range on its own 4 KiB pages), its rings and one step's activation buffers.
std::uint64_t device_bytes_needed(const config::SystemConfig& config);
// The most experts of one MoE layer a device holds: ceil(experts / devices.count).
std::uint64_t experts_per_device(const config::SystemConfig& config);

}  // namespace monde::system
