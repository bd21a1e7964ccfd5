// What a run leaves in its run directory (--out DIR):
//   stats.json            per policy: step time, layers (predicted and simulated time, bytes per
//                         link), its own system statistics (every component's counters, with units
//                         in the key names), any error; speedups between the policies that finished
//   layers.csv            one row per policy, step and MoE layer
//   config.resolved.json  the configuration as simulated, every default written out
//   trace.json            Perfetto / chrome://tracing: one process per policy, tracks for the
//                         layers, GPU fetch, GPU compute and NDP jobs
//   wall.json             wall-clock seconds per policy (the only output that differs between two
//                         runs of the same configuration and seed)
// Every write is checked: a failure names the file and throws std::runtime_error.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/system_config.hpp"
#include "system/policy_runner.hpp"

namespace monde::system {

nlohmann::json run_stats_json(const config::SystemConfig& config, const std::vector<PolicyOutcome>& outcomes);
nlohmann::json trace_json(const std::vector<PolicyOutcome>& outcomes);
std::string layers_csv(const std::vector<PolicyOutcome>& outcomes);
nlohmann::json wall_json(const std::vector<PolicyOutcome>& outcomes);

// Creates `dir` and checks that files can be written in it (before simulating).
void check_output_dir(const std::string& dir);
// Writes the five files; returns their paths.
std::vector<std::string> write_run_outputs(const std::string& dir, const config::SystemConfig& config,
                                           const std::vector<PolicyOutcome>& outcomes);
// Writes `text` to `path`, checking every step (the path and the reason in the error).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace monde::system
