// Runs each placement policy of an experiment on its own freshly built system, in its own child
// process (SystemC elaborates once per process), so that
//   - every policy starts from the same state and its system statistics are its own;
//   - policies run in parallel, `jobs` at a time;
//   - a policy that fails (an exception, or the process dying) loses only itself: the layers it
//     finished and the other policies' results are kept, and the error says what happened.
// Each child streams one JSON line per finished layer and step to the parent, which reports progress and
// assembles the results. The same configuration and seed give the same results for any `jobs`.
// Test hook: MONDE_FAULT_ABORT_AFTER_LAYERS=<policy>:<n> aborts that policy's process after n layers.
// Cancellation (system/cancellation.hpp): after SIGINT or SIGTERM, policies not started yet are
// not started, the running ones stop after the layer they are in (the signal is passed on to their
// processes), each cancelled policy's error says so, and run_policies returns what finished.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/system_config.hpp"
#include "system/experiment.hpp"
#include "system/moe_runtime.hpp"

namespace monde::system {

struct PolicyOutcome {
  PolicyRun run;               // the layers that finished (all of them unless run.error is set)
  nlohmann::json system;       // this policy's system statistics (stats.json "system"); null on failure
  double elapsed_ps = 0;       // simulated time of its whole process (placement included)
  bool ok() const { return run.error.empty(); }
};

struct Progress {
  std::string policy;
  std::size_t layers_done = 0, layers_total = 0;
  double simulated_s = 0;  // so far
  double wall_s = 0;
  bool finished = false;
};

struct RunnerOptions {
  unsigned jobs = 1;  // policies simulated at once (>= 1)
  std::function<void(const std::vector<Progress>&)> on_progress;  // every policy's state, after each change
  // Every finished layer and step as it arrives (index into config.run.policies), e.g. to stream
  // it to disk.
  std::function<void(std::size_t policy, const LayerRecord& layer)> on_layer;
  std::function<void(std::size_t policy, const StepRecord& step)> on_step;
  // A policy's outcome as soon as its process is done (the others may still run).
  std::function<void(std::size_t policy, const PolicyOutcome& outcome)> on_policy_done;
  // false: the outcomes' run.layers and run.steps stay empty (on_layer and on_step saw them;
  // run.layers_done and steps_done count them), so that a long run needs no memory per layer.
  bool keep_layers = true;
  // TLM-2.0 protocol checkers in every policy's system (MondeSystem); a violation fails the policy.
  bool check_protocol = false;
};

// One outcome per config.run.policies entry, in that order. `demand` must be route_experiment(config).
std::vector<PolicyOutcome> run_policies(const config::SystemConfig& config, const Demand& demand,
                                        const RunnerOptions& options);

// The layer and step records as they cross the pipe (spans and energy activity included) and back;
// the receiver computes their energy from the activity with `config` (perf::energy_of).
nlohmann::json layer_to_wire(const LayerRecord& r);
LayerRecord layer_from_wire(const nlohmann::json& j, const config::SystemConfig& config);
nlohmann::json step_to_wire(const StepRecord& r);
StepRecord step_from_wire(const nlohmann::json& j, const config::SystemConfig& config);

}  // namespace monde::system
