// A sweep's output directory, the one place its layout is written down:
//
//   DIR/sweep.json              the spec and every expanded point (index, id, values, directory and
//                               the exact `monde-sim run` arguments); later calls (--point, --collect,
//                               a resumed sweep without SPEC) read it
//   DIR/points/<id>/            a normal `monde-sim run --out` directory (stats.json, layers.csv,
//                               config.resolved.json, trace.json) plus run.log (the run's output)
//   DIR/points/<id>/done.json   written last, only when the run exited 0: the point is finished
//   DIR/points/<id>/failed.json written instead when the run failed (exit status, the log's tail)
//   DIR/results.csv, results.json   collected from the finished points (results.hpp)
//   DIR/sweep.sbatch, DIR/slurm/    the Slurm array job and its tasks' output (slurm_job.hpp)
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "system/output_file.hpp"
#include "tools/sweep/sweep_spec.hpp"

namespace monde::sweep {

struct PlannedPoint {
  Point point;
  std::string dir;                // relative to the sweep directory: "points/<id>"
  std::vector<std::string> args;  // after the program name: run [experiment] --set ... --quiet
};

struct SweepPlan {
  SweepSpec spec;
  std::vector<PlannedPoint> points;
};

// The plan of a spec: its points and each point's `monde-sim run` arguments (without --out and
// --jobs, which the runner adds). `data_dirs` are passed on as --data-dir.
SweepPlan make_plan(const SweepSpec& spec, const std::vector<std::string>& data_dirs);

nlohmann::ordered_json plan_to_json(const SweepPlan& plan);
// Reads DIR/sweep.json (std::runtime_error naming the file when it is missing or not a sweep).
SweepPlan read_plan(const std::string& sweep_dir);
// Writes DIR/sweep.json. When one is there already and records other points, throws unless
// `replace` (--force): a directory holds one sweep, so that resuming never mixes two.
void write_plan(const std::string& sweep_dir, const SweepPlan& plan, bool replace);

std::string point_path(const std::string& sweep_dir, const PlannedPoint& p);
std::string done_marker(const std::string& sweep_dir, const PlannedPoint& p);
std::string failed_marker(const std::string& sweep_dir, const PlannedPoint& p);
bool is_done(const std::string& sweep_dir, const PlannedPoint& p);

// Writes `text` to `path` through a temporary file and a rename, so that a reader (or a second
// writer) never sees half a file (system/output_file.hpp owns it).
using system::write_file_atomically;

}  // namespace monde::sweep
