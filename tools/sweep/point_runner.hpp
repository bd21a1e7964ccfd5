// Runs sweep points as `monde-sim run` child processes (the program's own executable), at most
// `workers` at once, so that a point that crashes loses only itself. Each point's directory is
// emptied of its markers first, the run's stdout and stderr go to its run.log, and when the run
// exits the point gets done.json (exit status 0) or failed.json (the status or signal and the
// log's last lines) -- done.json is written last of all, so only finished points have it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "tools/sweep/sweep_dir.hpp"

namespace monde::sweep {

struct RunnerSettings {
  std::string sweep_dir;
  std::string program;          // the monde-sim executable the children run
  unsigned workers = 1;         // points at once (>= 1)
  unsigned jobs_per_point = 1;  // `monde-sim run --jobs`: policies of one point at once
  bool quiet = false;           // no progress bar or per-point lines; failures are still reported
};

struct PointOutcome {
  std::size_t index = 0;
  bool ok = false;
  double wall_s = 0;
  std::string problem;  // for a failed point: "exit status 1" or "killed by signal 11 (Segmentation fault)"
};

// Runs the points `indices` of `plan` (in that order of start); one outcome per index, in order.
// Progress (points done / total, elapsed, ETA) goes to stderr.
std::vector<PointOutcome> run_points(const SweepPlan& plan, const std::vector<std::size_t>& indices,
                                     const RunnerSettings& settings);

// This process's own executable (/proc/self/exe), for the children and the Slurm job.
std::string own_executable();

}  // namespace monde::sweep
