#include "tools/sweep/slurm_job.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace monde::sweep {

namespace {

// Single-quoted for the shell: the sweep directory may hold spaces.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string array_ranges(const std::vector<std::size_t>& indices) {
  std::ostringstream s;
  for (std::size_t i = 0; i < indices.size();) {
    std::size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    s << (i > 0 ? "," : "") << indices[i];
    if (j > i) s << "-" << indices[j];
    i = j + 1;
  }
  return s.str();
}

std::string sbatch_script(const std::string& sweep_dir, const std::string& program,
                          const std::vector<std::size_t>& indices, const SlurmSettings& o) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Written by monde-sim sweep --slurm: one array task per unfinished point of " << sweep_dir << "/sweep.json.\n"
    << "# Resubmitting after a partial run is safe: a task whose point is finished does nothing.\n"
    << "#SBATCH --job-name=monde-sweep\n"
    << "#SBATCH --array=" << array_ranges(indices);
  if (o.max_parallel > 0) s << "%" << o.max_parallel;
  s << "\n#SBATCH --output=" << sweep_dir << "/slurm/%A_%a.out\n"
    << "#SBATCH --chdir=" << sweep_dir << "\n"
    << "#SBATCH --cpus-per-task=" << o.cpus_per_task << "\n";
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
  if (!o.time_limit.empty()) s << "#SBATCH --time=" << o.time_limit << "\n";
  for (const auto& e : o.extra) s << "#SBATCH " << e << "\n";
  s << "exec " << quoted(program) << " sweep --out " << quoted(sweep_dir)
    << " --point \"$SLURM_ARRAY_TASK_ID\" --jobs-per-point " << o.cpus_per_task << " --quiet\n";
  return s.str();
}

std::string submit_sbatch(const std::string& script_path, bool wait) {
  const std::string cmd =
      std::string("sbatch --parsable") + (wait ? " --wait" : "") + " " + quoted(script_path) + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run sbatch: " + cmd);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = ::pclose(p);
  const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  // --parsable prints "<job id>[;<cluster>]" on the first line.
  std::string first = out.substr(0, out.find('\n'));
  first = first.substr(0, first.find(';'));
  const bool id_ok = !first.empty() && first.find_first_not_of("0123456789") == std::string::npos;
  if (rc == 127) throw std::runtime_error("sbatch not found: install Slurm's client (Debian: slurm-wlm) or use --no-submit");
  if (!id_ok) throw std::runtime_error("sbatch " + script_path + " failed (exit " + std::to_string(rc) + "): " + out);
  // With --wait, a non-zero status means some task failed; the markers say which, so it is not
  // an error here.
  return first;
}

}  // namespace monde::sweep
