// What a run leaves in its run directory (--out DIR):
//   stats.json            per policy: step times (end to end, dense, MoE), steps, layers (dense
//                         and MoE time, predicted MoE time, bytes per link, survived faults), its own
//                         system statistics (every component's counters, with units in the key
//                         names), any error; speedups between the policies that finished (end to
//                         end and MoE only)
//   layers.csv            one row per policy, step and layer
//   config.resolved.json  the configuration as simulated, every default written out
//   trace.json            Perfetto / chrome://tracing: one process per policy, tracks for the
//                         steps, layers, GPU fetch, GPU compute and NDP jobs
//   wall.json             wall-clock seconds per policy (the only output that differs between two
//                         runs of the same configuration and seed)
//
// Streamed: a run of many layers must not hold them all in memory. Each finished layer and step
// goes at once to the policy's spool files (a hidden directory next to the outputs); when a policy
// finishes, the files are rewritten with every policy finished so far (stats.json then lists the
// others under "in_progress"), and finish() writes the final files, assembled from the spools
// without reading them into memory, byte for byte what building them in memory gave. Every file
// is written under a temporary name and renamed into place (system/output_file.hpp).
#pragma once

#include <cstddef>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/system_config.hpp"
#include "system/output_file.hpp"
#include "system/policy_runner.hpp"

namespace monde::system {

class RunOutputs {
 public:
  // dir: the run directory ("" for none); trace_file: a trace.json written on its own ("" for
  // none). Creates the directory and checks both places are writable (call before simulating).
  RunOutputs(const config::SystemConfig& config, std::string dir, std::string trace_file);
  ~RunOutputs();  // removes the spool
  RunOutputs(const RunOutputs&) = delete;
  RunOutputs& operator=(const RunOutputs&) = delete;

  // A finished layer or step of policy `policy` (an index into config.run.policies), in arrival order.
  void add_layer(std::size_t policy, const LayerRecord& layer);
  void add_step(std::size_t policy, const StepRecord& step);
  // Rewrites the outputs with every policy finished so far (a long run shows its results early).
  void policy_finished(std::size_t policy, const PolicyOutcome& outcome);
  // The final outputs (the outcomes' layers are the streamed ones; run.layers is not read).
  // Returns the paths written. std::runtime_error names a file that could not be written.
  std::vector<std::string> finish(const std::vector<PolicyOutcome>& outcomes);

 private:
  struct Spool;
  using Entry = std::pair<std::size_t, const PolicyOutcome*>;  // (policy index, its outcome)
  std::vector<std::string> write_all(const std::vector<Entry>& outcomes, const std::vector<std::string>& in_progress);
  void write_stats(const std::string& path, const std::vector<Entry>& outcomes,
                   const std::vector<std::string>& in_progress);
  void write_trace(const std::string& path, const std::vector<Entry>& outcomes);
  void write_csv(const std::string& path, const std::vector<Entry>& outcomes);
  void flush_spools();

  const config::SystemConfig& config_;
  std::string dir_, trace_file_, spool_dir_;
  std::vector<std::unique_ptr<Spool>> spools_;  // [policy]
  std::vector<PolicyOutcome> finished_;         // [policy]: set when it finished (no layers)
  std::vector<bool> is_finished_;
  std::string error_;  // the first spool write that failed (reported by finish)
};

// stats.json with each policy's "steps" and "layers" given (RunOutputs puts placeholders there
// and streams the spooled records in their place).
nlohmann::json run_stats_json(const config::SystemConfig& config, const std::vector<const PolicyOutcome*>& outcomes,
                              const std::vector<nlohmann::json>& steps, const std::vector<nlohmann::json>& layers);
nlohmann::json wall_json(const std::vector<const PolicyOutcome*>& outcomes);

}  // namespace monde::system
