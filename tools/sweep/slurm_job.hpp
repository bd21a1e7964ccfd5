// A sweep as a Slurm job array: DIR/sweep.sbatch has one array task per unfinished point, and
// each task runs `monde-sim sweep --out DIR --point $SLURM_ARRAY_TASK_ID`, which runs that point
// exactly as a local sweep does (its marker written last) and collects the results when it finds
// every point finished. Tasks' output goes to DIR/slurm/<job>_<task>.out.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace monde::sweep {

struct SlurmSettings {
  std::string partition;          // --partition (empty: the cluster's default)
  std::string time_limit;         // --time per task (empty: the partition's default)
  unsigned max_parallel = 0;      // the array's %W: tasks at once (0: no limit)
  unsigned cpus_per_task = 1;     // --cpus-per-task, also the policies each point runs at once
  std::vector<std::string> extra;  // more #SBATCH options, as written ("--mem=4G")
};

// "0-3,5,7-8" for 0 1 2 3 5 7 8 (indices ascending).
std::string array_ranges(const std::vector<std::size_t>& indices);

// The batch script's text. `sweep_dir` and `program` should be absolute.
std::string sbatch_script(const std::string& sweep_dir, const std::string& program,
                          const std::vector<std::size_t>& indices, const SlurmSettings& settings);

// Runs `sbatch --parsable [--wait] SCRIPT`; returns the job id. With `wait`, returns when every
// task has ended (sbatch's own --wait). Throws std::runtime_error with sbatch's message when it
// is missing or refuses the job.
std::string submit_sbatch(const std::string& script_path, bool wait);

}  // namespace monde::sweep
