// Every point of a sweep checked before any runs, exactly as `monde-sim run` would check it (the
// configuration library, the system's registries and limits, the drawn routing against each
// policy's limits), so that a bad value in point 17 stops the sweep before point 0 runs. Each
// override's origin names the spec and the point: "sweep.json point 17 (run.batch=0): key
// 'run.batch' = 0: out of range; allowed 1 .. 65536".
#pragma once

#include <string>
#include <vector>

#include "tools/sweep/sweep_dir.hpp"

namespace monde::sweep {

// Throws config::ConfigError (or std::runtime_error for a file problem) for the first bad point.
// `data_search_path` is where relative data files are looked up (as for `monde-sim run`).
void check_points(const SweepPlan& plan, const std::vector<std::string>& data_search_path);

}  // namespace monde::sweep
