// A sweep's results: one row per point, gathered from each finished point's stats.json.
//
// results.csv columns, in this order:
//   point, id, <each axis key>, status (done | failed | pending), experiment.model,
//   experiment.phase, experiment.tokens_per_step (from stats.json's "experiment"),
//   pred_sim_over_5pct (1 when any policy's prediction and simulation differ by more than 5 %),
//   then for each policy P (in order of first appearance) every metric below as "P.<metric>".
// Every time and count is per step (the run's total / run.steps). Empty cells: the point or the
// policy did not finish, or the metric does not apply (speedup_vs_offload without offload).
// Identical inputs give byte-identical files: no wall times, numbers printed one fixed way.
// results.json holds the same rows as objects, and the metrics' units and meanings.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/sweep/sweep_dir.hpp"

namespace monde::sweep {

struct Metric {
  const char* name;
  const char* unit;
  const char* meaning;
};
const std::vector<Metric>& policy_metrics();

// Relative difference above which a layer's prediction counts as off (the flag's threshold).
inline constexpr double kPredictionTolerance = 0.05;

struct CollectedResults {
  nlohmann::ordered_json json;  // results.json
  std::string csv;              // results.csv
  std::size_t done = 0, failed = 0, pending = 0;
  std::vector<std::string> flagged;  // "point 3 (id): monde 17.3 %" for each prediction over 5 %
};

// Reads every point's directory (a point without done.json is failed or pending; a failed one's
// stats.json is still read when it is there). Throws std::runtime_error naming a stats.json that
// cannot be read.
CollectedResults collect_results(const std::string& sweep_dir, const SweepPlan& plan);
// Writes DIR/results.csv and DIR/results.json (each atomically); returns their paths.
std::vector<std::string> write_results(const std::string& sweep_dir, const CollectedResults& results);

}  // namespace monde::sweep
