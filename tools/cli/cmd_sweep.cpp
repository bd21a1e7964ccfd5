// monde-sim sweep: an experiment over a grid of configuration values (tools/sweep/sweep_spec.hpp),
// every point checked before the first runs; the points run as `monde-sim run` children here
// (--workers at once) or as a Slurm job array (--slurm); finished points are skipped when the
// sweep is run again; results.csv and results.json gather every point (tools/sweep/results.hpp).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <thread>

#include "system/cancellation.hpp"
#include "tools/cli/cli.hpp"
#include "tools/cli/experiment_options.hpp"
#include "tools/sweep/point_check.hpp"
#include "tools/sweep/point_runner.hpp"
#include "tools/sweep/results.hpp"
#include "tools/sweep/slurm_job.hpp"
#include "tools/sweep/sweep_dir.hpp"

namespace monde::tools {

namespace {

namespace fs = std::filesystem;
using sweep::SweepPlan;

struct SweepOptions {
  std::string spec_file, out, collect, experiment, policies;
  std::vector<std::string> grid, zip, sets, data_dirs;
  unsigned workers = 0, jobs_per_point = 0;
  long point = -1;
  bool quiet = false, force = false, dry_run = false;
  bool slurm = false, no_submit = false, slurm_wait = false;
  sweep::SlurmSettings slurm_settings;
};

std::string absolute(const std::string& p) {
  std::error_code ec;
  const fs::path a = fs::absolute(p, ec);
  return ec ? p : a.lexically_normal().string();
}

// Collects, writes and reports the results; exit status 0 only when every point finished.
int collect_and_report(const std::string& dir, const SweepPlan& plan, bool quiet) {
  const sweep::CollectedResults r = sweep::collect_results(dir, plan);
  const auto files = sweep::write_results(dir, r);
  std::cout << "points: " << r.done << " done, " << r.failed << " failed, " << r.pending << " pending (of "
            << plan.points.size() << ")\n";
  if (!r.flagged.empty()) {
    std::cout << "prediction and simulation differ by more than " << sweep::kPredictionTolerance * 100
              << " % (column pred_sim_over_5pct):\n";
    for (const auto& f : r.flagged) {
      if (!quiet) std::cout << "  " << f << "\n";
    }
    if (quiet) std::cout << "  " << r.flagged.size() << " policy runs\n";
  }
  std::cout << "wrote";
  for (const auto& f : files) std::cout << " " << f;
  std::cout << "\n";
  return r.done == plan.points.size() ? kExitOk : kExitFailed;
}

SweepPlan plan_from_options(const SweepOptions& o) {
  const bool has_axes = !o.grid.empty() || !o.zip.empty();
  sweep::SweepSpec spec;
  if (!o.spec_file.empty()) {
    spec = sweep::read_spec_file(o.spec_file);
  } else if (!has_axes && fs::exists(fs::path(o.out) / "sweep.json")) {
    // Resuming: the sweep recorded in DIR, unless the command line adds to it.
    if (!o.sets.empty() || !o.experiment.empty() || !o.policies.empty()) {
      throw std::runtime_error("--set, --experiment and --policies need a SPEC or --grid; to resume " + o.out +
                               " give no spec options");
    }
    return sweep::read_plan(o.out);
  } else {
    spec.name = "the command line";
  }
  if (!o.experiment.empty()) spec.experiment = o.experiment.find('/') != std::string::npos ? absolute(o.experiment)
                                                                                            : o.experiment;
  for (const auto& g : o.grid) sweep::add_axis_argument(spec, g, false);
  for (const auto& z : o.zip) sweep::add_axis_argument(spec, z, true);
  for (const auto& s : o.sets) sweep::add_set_argument(spec, s);
  if (!o.policies.empty()) {
    spec.policies.clear();
    std::string list = o.policies + ",";
    for (std::size_t start = 0, comma; (comma = list.find(',', start)) != std::string::npos; start = comma + 1) {
      spec.policies.push_back(list.substr(start, comma - start));
    }
  }
  std::vector<std::string> data_dirs;
  for (const auto& d : o.data_dirs) data_dirs.push_back(absolute(d));
  return sweep::make_plan(spec, data_dirs);
}

// One point, in the foreground: what each Slurm array task runs.
int run_one_point(const SweepOptions& o) {
  const SweepPlan plan = sweep::read_plan(o.out);
  if (o.point < 0 || static_cast<std::size_t>(o.point) >= plan.points.size()) {
    throw std::runtime_error("--point " + std::to_string(o.point) + ": " + o.out + " has points 0 .. " +
                             std::to_string(plan.points.size() - 1));
  }
  const auto& p = plan.points[static_cast<std::size_t>(o.point)];
  if (sweep::is_done(o.out, p) && !o.force) {
    std::cout << "point " << p.point.id << " is finished already (" << sweep::done_marker(o.out, p) << ")\n";
  } else {
    sweep::RunnerSettings rs{o.out, sweep::own_executable(), 1, std::max(1u, o.jobs_per_point), o.quiet};
    const auto outcome = sweep::run_points(plan, {p.point.index}, rs).front();
    std::cout << "point " << p.point.id << (outcome.ok ? " done" : " FAILED: " + outcome.problem) << "\n";
    if (!outcome.ok) return kExitFailed;
  }
  // The task that finds every point finished collects (two at once write the same files).
  const bool all_done = std::all_of(plan.points.begin(), plan.points.end(),
                                    [&](const sweep::PlannedPoint& q) { return sweep::is_done(o.out, q); });
  if (all_done) return collect_and_report(o.out, plan, true);
  return kExitOk;
}

int run(const SweepOptions& o) {
  if (!o.collect.empty()) return collect_and_report(o.collect, sweep::read_plan(o.collect), o.quiet);
  if (o.out.empty()) throw std::runtime_error("--out DIR is required (or --collect DIR)");
  if (o.point >= 0) return run_one_point(o);

  const SweepPlan plan = plan_from_options(o);
  const auto t0 = std::chrono::steady_clock::now();
  sweep::check_points(plan, data_search_path(o.data_dirs));
  const double check_ms = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3;
  if (o.dry_run) {
    for (const auto& p : plan.points) {
      std::cout << p.point.index << " " << p.point.id;
      for (const auto& [k, v] : p.point.values) std::cout << " " << k << "=" << sweep::value_text(v);
      std::cout << "\n";
    }
    std::cout << plan.points.size() << " points, all valid (checked in " << std::fixed << std::setprecision(1)
              << check_ms << " ms; nothing run)\n";
    return kExitOk;
  }
  sweep::write_plan(o.out, plan, o.force);
  std::vector<std::size_t> todo;
  for (const auto& p : plan.points) {
    if (o.force) {
      std::error_code ec;
      fs::remove(sweep::done_marker(o.out, p), ec);
      fs::remove(sweep::failed_marker(o.out, p), ec);
    }
    if (!sweep::is_done(o.out, p)) todo.push_back(p.point.index);
  }
  std::cout << "sweep: " << plan.points.size() << " points, " << plan.points.size() - todo.size()
            << " finished already, " << todo.size() << " to run\n";

  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  if (o.slurm) {
    const std::string dir = absolute(o.out);
    if (todo.empty()) return collect_and_report(o.out, plan, o.quiet);
    fs::create_directories(fs::path(dir) / "slurm");
    sweep::SlurmSettings ss = o.slurm_settings;
    if (ss.max_parallel == 0 && o.workers != 0) ss.max_parallel = o.workers;
    const std::string script = (fs::path(dir) / "sweep.sbatch").string();
    sweep::write_file_atomically(script, sweep::sbatch_script(dir, sweep::own_executable(), todo, ss));
    std::cout << "wrote " << script << " (array " << sweep::array_ranges(todo) << ")\n";
    if (o.no_submit) {
      std::cout << "not submitted (--no-submit): sbatch " << script << "; then monde-sim sweep --collect " << o.out
                << "\n";
      return kExitOk;
    }
    const std::string job = sweep::submit_sbatch(script, o.slurm_wait);
    std::cout << "submitted Slurm job " << job << (o.slurm_wait ? ", finished" : "") << "\n";
    if (o.slurm_wait) return collect_and_report(o.out, plan, o.quiet);
    std::cout << "the last task collects the results; or: monde-sim sweep --collect " << o.out << "\n";
    return kExitOk;
  }

  sweep::RunnerSettings rs;
  rs.sweep_dir = o.out;
  rs.program = sweep::own_executable();
  rs.workers = o.workers != 0 ? o.workers : hw;
  rs.jobs_per_point = o.jobs_per_point != 0 ? o.jobs_per_point : std::max(1u, hw / rs.workers);
  rs.quiet = o.quiet;
  // SIGINT / SIGTERM: no new points; the running ones get the signal, write what they finished
  // and end (they stay unfinished, so a rerun redoes them); the results of the finished points
  // are collected; exit status 128 + the signal.
  system::install_cancel_handlers();
  sweep::run_points(plan, todo, rs);
  const int status = collect_and_report(o.out, plan, o.quiet);
  if (system::cancel_signal() != 0) {
    std::cerr << "monde-sim: sweep cancelled by " << system::cancel_signal_name()
              << ": finished points are collected, the others run again when the sweep is resumed (exit status "
              << system::cancelled_exit_status() << ")\n";
    return system::cancelled_exit_status();
  }
  return status;
}

}  // namespace

Command add_sweep_command(CLI::App& app) {
  auto* sub = app.add_subcommand("sweep", "run an experiment over a grid of configuration values, in parallel here "
                                          "or as a Slurm job array; resumable; results.csv and results.json");
  auto o = std::make_shared<SweepOptions>();
  sub->add_option("spec", o->spec_file, "sweep spec (JSON: experiment, set, grid, zip, policies); without it the "
                                        "--grid/--zip options, or the sweep recorded in --out");
  const auto repeat = [sub](const char* name, std::vector<std::string>& into, const char* type, const char* help) {
    sub->add_option(name, into, help)->type_name(type)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  };
  repeat("--grid", o->grid, "KEY=V1,V2,...", "an axis of the cartesian product (values JSON, else strings); repeatable, "
                                             "the first varies slowest");
  repeat("--zip", o->zip, "KEY=V1,V2,...", "axes that vary together (one innermost axis); repeatable");
  repeat("--set", o->sets, "KEY=VALUE", "a fixed change for every point; repeatable");
  repeat("--data-dir", o->data_dirs, "DIR", "where relative data paths are looked up; repeatable");
  sub->add_option("--experiment", o->experiment, "experiment preset or file (overrides the spec's)");
  sub->add_option("--policies", o->policies, "run.policies for every point, comma-separated")->type_name("A,B,...");
  sub->add_option("--out", o->out, "the sweep directory (points/, sweep.json, results.csv, results.json)")
      ->check(non_empty_path());
  sub->add_option("--workers", o->workers, "points run at once here (default: one per core)")->check(CLI::Range(1u, 1024u));
  sub->add_option("--jobs-per-point", o->jobs_per_point, "policies of one point run at once (default: cores / "
                                                         "workers)")
      ->check(CLI::Range(1u, 256u));
  sub->add_flag("--quiet", o->quiet, "no progress bar or per-point lines (failures are still reported)");
  sub->add_flag("--force", o->force, "rerun every point, also the finished ones");
  sub->add_flag("--dry-run", o->dry_run, "check every point and list them; run nothing");
  sub->add_option("--point", o->point, "run only this point of the sweep recorded in --out (what a Slurm task runs)")
      ->check(CLI::Range(0L, 1L << 30));
  sub->add_option("--collect", o->collect, "gather results.csv and results.json of the sweep in DIR; run nothing")
      ->type_name("DIR");
  sub->add_flag("--slurm", o->slurm, "write DIR/sweep.sbatch (a job array, one task per unfinished point) and submit "
                                     "it with sbatch");
  sub->add_flag("--no-submit", o->no_submit, "with --slurm: only write the script");
  sub->add_flag("--slurm-wait", o->slurm_wait, "with --slurm: wait for the array to end (sbatch --wait), then "
                                               "collect");
  sub->add_option("--partition", o->slurm_settings.partition, "with --slurm: the partition");
  sub->add_option("--time", o->slurm_settings.time_limit, "with --slurm: time limit per point (sbatch --time)");
  sub->add_option("--cpus-per-task", o->slurm_settings.cpus_per_task, "with --slurm: CPUs per point (default 1)")
      ->check(CLI::Range(1u, 256u));
  repeat("--sbatch-option", o->slurm_settings.extra, "OPTION", "with --slurm: one more #SBATCH line (e.g. --mem=4G); "
                                                               "repeatable");
  return {sub, [o] {
            if ((o->no_submit || o->slurm_wait) && !o->slurm) throw std::runtime_error("--no-submit and --slurm-wait "
                                                                                      "need --slurm");
            return run(*o);
          }};
}

}  // namespace monde::tools
