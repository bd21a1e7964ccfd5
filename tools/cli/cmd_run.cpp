// monde-sim run: the experiment's policies on the modelled system; a table of step times (end to
// end, the dense part, the MoE part), speedups end to end and of the MoE layers alone, bytes per
// link, then the time of every layer of the first step; with --out DIR the run
// directory (system/run_outputs.hpp), streamed: layers go to disk as they finish, and a policy's
// results are written as soon as it finishes. Everything knowable is checked before simulating; a
// policy that fails loses only itself, and what finished is still printed and written. SIGINT or
// SIGTERM cancels the run: what finished is printed and written, exit status 128 + the signal.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "core/perf/bandwidth.hpp"
#include "core/perf/energy.hpp"
#include "core/perf/hbm_usage.hpp"
#include "system/cancellation.hpp"
#include "system/experiment.hpp"
#include "system/policy_runner.hpp"
#include "system/routing.hpp"
#include "system/run_outputs.hpp"
#include "tools/cli/cli.hpp"
#include "tools/cli/experiment_options.hpp"

namespace monde::tools {

namespace {

using system::PolicyOutcome;

struct RunOptions {
  ExperimentOptions experiment;
  std::string out, trace;
  bool quiet = false;
  unsigned jobs = 0;
  bool check_protocol = false;
  double progress_every_s = 10;  // stderr not a terminal: a progress line this often
};

std::string gb(std::uint64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << double(bytes) / 1e9 << " GB";
  return s.str();
}

struct Totals {
  std::uint64_t m2s = 0, s2m = 0, pcie = 0, ndp = 0;
  std::size_t gpu = 0, ndp_experts = 0, cpu = 0;
  bool data_ok = true;
  std::map<std::string, std::size_t> faults;  // "kind on path [of device d]" -> count
  void add(const system::LayerRecord& l) {
    for (const auto& f : l.faults) {
      ++faults[f.kind + " on the " + f.path + " path" + (f.device >= 0 ? " of device " + std::to_string(f.device) : "")];
    }
    m2s += l.cxl_m2s_bytes;
    s2m += l.cxl_s2m_bytes;
    pcie += l.pcie_to_gpu_bytes;
    ndp += l.ndp_dram_read_bytes;
    gpu += l.experts_gpu_fetched + l.experts_gpu_resident;
    ndp_experts += l.experts_ndp;
    cpu += l.experts_cpu;
    data_ok = data_ok && l.data_ok();
  }
};

// What the summary needs of a policy's layers, kept as they stream past: the totals and the
// first step's layers (without their trace spans).
struct PolicySummary {
  Totals totals;
  std::vector<system::LayerRecord> step0;
};

std::string run_text(const config::SystemConfig& e) {
  const auto& m = e.model;
  const auto& r = e.run;
  std::ostringstream t;
  const std::string prefill = m.encoder_decoder() ? "encoder" : "prefill";
  const std::string prefill_text = prefill + " of " + std::to_string(r.batch) + " x " + std::to_string(r.prompt_tokens) +
                                   " tokens";
  const std::string source = m.encoder_decoder() ? ", cross-attending to " + std::to_string(r.prompt_tokens) + " source tokens" : "";
  switch (r.phase) {
    case config::RunPhase::kPrefill: t << r.steps << " x " << prefill_text; break;
    case config::RunPhase::kDecode:
      t << r.steps << " decode step(s) of " << r.batch << " sequences over " << r.context_tokens << " tokens of context"
        << source;
      break;
    case config::RunPhase::kGenerate: t << prefill_text << ", then " << r.steps << " decode step(s)" << source; break;
  }
  t << (r.end_to_end() ? ", end to end" : ", MoE layers only");
  return t.str();
}

void print_header(const config::SystemConfig& e) {
  const auto& m = e.model;
  std::cout << std::fixed;
  std::cout << m.display_name << " (" << m.layers << " layers"
            << (m.encoder_decoder() ? " (" + std::to_string(m.encoder_layers) + " encoder)" : std::string()) << ", "
            << m.moe_layers << " MoE, " << m.experts << " experts, top-" << m.top_k << ", expert "
            << std::setprecision(1) << m.expert_weight_bytes() / 1e6 << " MB), " << run_text(e) << ", routing "
            << e.routing.source
            << (e.routing.source == "trace" ? " (" + e.routing.trace.model + ", " + e.routing.trace.dataset + ")" : "")
            << "\n";
  const auto& d = e.device;
  std::cout << "device: " << d.dram.capacity_bytes() / (1ull << 30) << " GiB, DRAM " << std::setprecision(1)
            << d.dram.peak_bandwidth_total() / 1e9 << " GB/s peak (" << config::to_string(d.dram.model)
            << " model), CXL x" << d.link.lanes << " reads " << d.link.read_bytes_per_s() / 1e9 << " GB/s; NDP "
            << d.ndp.units << " x " << d.ndp.mac.shape.rows << "x" << d.ndp.mac.shape.cols << " at "
            << d.ndp.mac.clock_mhz << " MHz; data " << config::to_string(e.run.data) << "\n";
  // Several devices: how many, how the host maps them and how experts are laid out on them.
  const auto& n = e.devices;
  if (n.count > 1) {
    std::cout << "devices: " << n.count << " of these, "
              << (n.interleaved() ? "one range interleaved at " + std::to_string(n.interleave_granularity) + " B"
                                  : std::string("a window each, ") + config::to_string(n.placement) + " placement")
              << ", split " << config::to_string(n.split) << "\n";
  }
  std::cout << "\n";
}

// "1.23x", or "-" when the reference time is 0.
std::string ratio(double other, double mine) {
  std::ostringstream x;
  if (mine > 0) {
    x << std::setprecision(2) << std::fixed << other / mine << "x";
  } else {
    x << "-";
  }
  return x.str();
}

// Energy per step, per new token and the energy-delay product of a step, with the components
// (stats.json has the same per step and layer; docs/energy.md says what is assumed).
void print_energy(const std::vector<const PolicyOutcome*>& done, int name_w, double steps) {
  if (done.empty()) return;
  // Four significant digits: a small model's step costs millijoules, a large one's tens of joules.
  const auto joules = [](double j) {
    std::ostringstream x;
    x << std::setprecision(4) << std::defaultfloat << j;
    return x.str();
  };
  std::cout << "\nEnergy per step:\n"
            << std::left << std::setw(name_w) << "policy" << std::right << std::setw(12) << "step (J)" << std::setw(14)
            << "token (mJ)" << std::setw(14) << "EDP (J x s)" << std::setw(10) << "DRAM J" << std::setw(10)
            << "CXL J" << std::setw(10) << "PCIe J" << std::setw(10) << "NDP J" << std::setw(10) << "GPU J" << "\n";
  for (const auto* r : done) {
    const auto& e = r->run.energy;
    const double step_j = e.total_j() / steps;
    const double token_mj = r->run.tokens > 0 ? e.total_j() / double(r->run.tokens) * 1e3 : 0.0;
    std::cout << std::left << std::setw(name_w) << r->run.policy << std::right << std::setw(12) << joules(step_j)
              << std::setw(14) << joules(token_mj) << std::setw(14)
              << joules(perf::energy_delay_js(step_j, r->run.simulated_s / steps)) << std::setw(10)
              << (e.dram ? joules(e.dram_j() / steps) : std::string("-")) << std::setw(10) << joules(e.cxl_j / steps)
              << std::setw(10) << joules(e.pcie_j / steps) << std::setw(10) << joules(e.ndp_j / steps) << std::setw(10)
              << joules(e.gpu_j / steps) << "\n";
  }
  std::cout << "(EDP: a step's energy x its time; DRAM \"-\": the device has no memory.power table; the link, NDP and "
               "GPU-idle figures are assumptions: docs/energy.md)\n";
}

// Where each policy's expert weights came from, and what it read from host DRAM (stats.json: each
// policy's "expert_weights_from" and "memory"). Printed when the experiment keeps experts in host memory.
void print_memories(const config::SystemConfig& e, const std::vector<const PolicyOutcome*>& done, double steps) {
  if (e.host_memory.expert_home != config::ExpertHome::kHostMemory || done.empty()) return;
  std::cout << "\nExpert weights per step (host_memory.expert_home host_memory: " << std::setprecision(1)
            << perf::host_memory_bytes_per_s(e.host_memory) / 1e9 << " GB/s host DRAM):\n";
  for (const auto* r : done) {
    const auto& a = r->run.activity;
    std::cout << "  " << r->run.policy << ": from " << r->run.expert_weights_from << ", host DRAM "
              << gb(static_cast<std::uint64_t>(double(a.host_dram_bytes) / steps)) << " in " << std::setprecision(3)
              << a.host_dram_busy_s * 1e3 / steps << " ms busy, " << std::setprecision(4) << std::defaultfloat
              << r->run.energy.host_dram_j / steps << std::fixed << " J, device DRAM read "
              << gb(static_cast<std::uint64_t>(double(a.dram_read_bytes) / steps)) << "\n";
  }
}

void print_table(const config::SystemConfig& e, const std::vector<PolicyOutcome>& outcomes,
                 const std::vector<PolicySummary>& summary) {
  std::vector<const PolicyOutcome*> done;
  const auto summary_of = [&](const PolicyOutcome* o) -> const PolicySummary& {
    return summary.at(static_cast<std::size_t>(o - outcomes.data()));
  };
  for (const auto& o : outcomes) {
    if (o.ok()) done.push_back(&o);
  }
  // Columns as wide as the longest policy name needs (oracle_gpu_ndp), at least the usual 12 / 16.
  std::size_t longest = 0;
  for (const auto* o : done) longest = std::max(longest, o->run.policy.size());
  const int name_w = static_cast<int>(std::max<std::size_t>(12, longest + 2));
  const int vs_w = static_cast<int>(std::max<std::size_t>(16, longest + 5));
  const double steps = static_cast<double>(std::max<std::size_t>(1, done.empty() ? 1 : done.front()->run.steps_done));
  std::cout << std::left << std::setw(name_w) << "policy" << std::right << std::setw(12) << "step (ms)" << std::setw(12)
            << "dense (ms)" << std::setw(12) << "MoE (ms)";
  for (const auto* o : done) std::cout << std::setw(vs_w) << ("vs " + o->run.policy);
  std::cout << std::setw(9) << "GPU exp" << std::setw(9) << "NDP exp" << std::setw(9) << "CPU exp" << std::setw(13)
            << "PCIe->GPU" << std::setw(13) << "CXL d->h" << std::setw(13) << "CXL h->d" << std::setw(13) << "DRAM->NDP"
            << std::setw(9) << "wall s" << "\n";
  for (const auto* r : done) {
    const Totals& t = summary_of(r).totals;
    std::cout << std::left << std::setw(name_w) << r->run.policy << std::right << std::setw(12) << std::setprecision(3)
              << r->run.simulated_s * 1e3 / steps << std::setw(12) << r->run.dense_s * 1e3 / steps << std::setw(12)
              << r->run.moe_s * 1e3 / steps;
    for (const auto* o : done) std::cout << std::setw(vs_w) << ratio(o->run.simulated_s, r->run.simulated_s);
    std::cout << std::setw(9) << t.gpu << std::setw(9) << t.ndp_experts << std::setw(9) << t.cpu << std::setw(13)
              << gb(t.pcie) << std::setw(13) << gb(t.s2m) << std::setw(13) << gb(t.m2s) << std::setw(13) << gb(t.ndp)
              << std::setw(9) << std::setprecision(2) << r->run.wall_s << "\n";
  }
  std::cout << "(times per step; \"vs X\": X's time / this policy's time, > 1 means this policy is faster"
            << (e.run.end_to_end() ? ", end to end" : "") << ")\n";
  if (e.run.end_to_end() && !done.empty()) {
    std::cout << "\nMoE layers only:\n" << std::left << std::setw(name_w) << "policy" << std::right << std::setw(12)
              << "MoE (ms)";
    for (const auto* o : done) std::cout << std::setw(vs_w) << ("vs " + o->run.policy);
    std::cout << "\n";
    for (const auto* r : done) {
      std::cout << std::left << std::setw(name_w) << r->run.policy << std::right << std::setw(12)
                << std::setprecision(3) << r->run.moe_s * 1e3 / steps;
      for (const auto* o : done) std::cout << std::setw(vs_w) << ratio(o->run.moe_s, r->run.moe_s);
      std::cout << "\n";
    }
  }
  print_energy(done, name_w, steps);
  print_memories(e, done, steps);
  for (const auto* r : done) {
    if (r->run.parameters.empty()) continue;
    std::cout << r->run.policy << ":";
    for (const auto& [name, value] : r->run.parameters) std::cout << " " << name << " = " << std::setprecision(4) << value;
    std::cout << "\n";
  }
  for (const auto* r : done) {
    const auto& c = r->run.expert_cache;
    if (!c.used) continue;
    std::cout << r->run.policy << ": GPU expert cache (" << config::to_string(e.gpu.expert_cache.mode) << ", "
              << perf::hbm_usage(e).expert_cache_experts << " experts): " << c.hits << " hits, " << c.misses
              << " misses, " << c.evictions << " evictions, hit rate " << std::setprecision(3) << c.hit_rate() * 100
              << " %, " << gb(c.bytes_not_fetched) << " not fetched\n";
  }
  for (const auto& o : outcomes) {
    const auto& faults = summary_of(&o).totals.faults;
    if (faults.empty()) continue;
    std::cout << "faults survived by " << o.run.policy << ":";
    const char* sep = " ";
    for (const auto& [what, n] : faults) {
      std::cout << sep << n << " x " << what;
      sep = ", ";
    }
    std::cout << " (stats.json: each layer's \"faults\")\n";
  }
  for (const auto& o : outcomes) {
    if (!o.ok()) std::cout << "FAILED " << o.run.policy << ": " << o.run.error << "\n";
    if (o.ok() && !summary_of(&o).totals.data_ok) std::cout << "DATA CHECK FAILED " << o.run.policy << " (see stats.json)\n";
  }
  if (done.empty()) return;
  // Every policy runs the same layers in the same order; their dense work is the same.
  std::cout << "\ntime per layer (ms), step 0: the GPU's dense work, then each policy's MoE part [GPU experts/NDP "
               "experts]\n"
            << std::setw(6) << "layer" << std::setw(9) << "stack" << std::setw(11) << "dense";
  const int layer_w = static_cast<int>(std::max<std::size_t>(20, longest + 2));
  for (const auto* r : done) std::cout << std::setw(layer_w) << r->run.policy;
  std::cout << "\n";
  const auto& first = summary_of(done.front()).step0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    std::cout << std::setw(6) << first[i].layer << std::setw(9) << first[i].stack << std::setw(11)
              << std::setprecision(3) << first[i].dense_s() * 1e3;
    for (const auto* r : done) {
      const auto& rec = summary_of(r).step0.at(i);
      std::ostringstream x;
      if (rec.moe) {
        x << std::setprecision(3) << std::fixed << rec.moe_s * 1e3 << " ["
          << rec.experts_gpu_fetched + rec.experts_gpu_resident << "/" << rec.experts_ndp << "]";
      } else {
        x << "-";
      }
      std::cout << std::setw(layer_w) << x.str();
    }
    std::cout << "\n";
  }
}

// The progress of the policies: a bar redrawn in place on a terminal, plain lines as each policy
// finishes otherwise (or with --quiet).
// When stderr is not a terminal (a log file, a sweep, a batch job), a line with every policy's
// state every progress_every_s seconds as well, unless --quiet: a long run is never silent.
class ProgressView {
 public:
  ProgressView(bool quiet, unsigned jobs, double every_s)
      : live_(!quiet && ::isatty(STDERR_FILENO) != 0),
        periodic_(!quiet && !live_ && every_s > 0),
        every_s_(every_s),
        jobs_(jobs),
        start_(std::chrono::steady_clock::now()),
        last_line_(start_) {}

  void update(const std::vector<system::Progress>& all) {
    reported_.resize(all.size(), false);
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i].finished && !reported_[i]) {
        reported_[i] = true;
        clear();
        std::cerr << all[i].policy << ": " << all[i].layers_done << "/" << all[i].layers_total << " layers, "
                  << std::fixed << std::setprecision(3) << all[i].simulated_s * 1e3 << " ms simulated, "
                  << std::setprecision(2) << all[i].wall_s << " s wall\n";
      }
    }
    if (periodic_) return periodic_line(all);
    if (!live_) return;
    std::ostringstream line;
    std::size_t remaining = 0, done_layers = 0;
    for (const auto& p : all) {
      if (p.finished) continue;
      remaining += p.layers_total - p.layers_done;
      done_layers += p.layers_done;
      if (p.layers_done > 0 || line.tellp() < 60) {
        line << p.policy << " " << p.layers_done << "/" << p.layers_total << " (" << std::fixed << std::setprecision(1)
             << p.simulated_s * 1e3 << " ms)  ";
      }
    }
    if (remaining == 0) return clear();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (done_layers > 0) {
      const double eta = wall / double(done_layers) * double(remaining) / std::max(1u, jobs_);
      line << "ETA " << std::setprecision(0) << eta << " s";
    }
    clear();
    text_ = line.str();
    std::cerr << text_ << std::flush;
  }
  void clear() {
    if (!live_ || text_.empty()) return;
    std::cerr << "\r" << std::string(text_.size(), ' ') << "\r" << std::flush;
    text_.clear();
  }

 private:
  void periodic_line(const std::vector<system::Progress>& all) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_line_).count() < every_s_) return;
    last_line_ = now;
    std::ostringstream line;
    std::size_t remaining = 0, done_layers = 0;
    line << "progress:";
    for (const auto& p : all) {
      if (p.finished) continue;
      remaining += p.layers_total - p.layers_done;
      done_layers += p.layers_done;
      line << " " << p.policy << " " << p.layers_done << "/" << p.layers_total << " layers (" << std::fixed
           << std::setprecision(1) << p.simulated_s * 1e3 << " ms simulated);";
    }
    const double wall = std::chrono::duration<double>(now - start_).count();
    line << " " << std::fixed << std::setprecision(0) << wall << " s elapsed";
    if (done_layers > 0 && remaining > 0) {
      line << ", ETA " << wall / double(done_layers) * double(remaining) / std::max(1u, jobs_) << " s";
    }
    std::cerr << line.str() << "\n" << std::flush;
  }

  bool live_, periodic_;
  double every_s_;
  unsigned jobs_;
  std::chrono::steady_clock::time_point start_, last_line_;
  std::vector<bool> reported_;
  std::string text_;
};

int run(const RunOptions& o) {
  // SIGINT / SIGTERM cancel from here on: what finished is printed and written (nothing, when
  // it comes before the first policy started).
  system::install_cancel_handlers();
  // Everything knowable before simulating: the configuration, the output places, the routing
  // and each policy's limits.
  const system::Experiment ex = system::load_experiment(o.experiment.source());
  const config::SystemConfig& c = ex.config;
  system::RunOutputs outputs(c, o.out, o.trace);
  const system::Demand demand = system::route_experiment(c);
  system::check_policy_limits(c, ex.document, demand);

  bool written = true;  // every output write succeeded
  const auto write = [&written](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      std::cerr << "monde-sim: " << e.what() << "\n";
      written = false;
    }
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  system::RunnerOptions ro;
  ro.jobs = o.jobs != 0 ? o.jobs : std::min<unsigned>(hw, static_cast<unsigned>(c.run.policies.size()));
  ro.keep_layers = false;  // streamed to the outputs; the summary keeps what it prints
  ro.check_protocol = o.check_protocol;
  ProgressView view(o.quiet, ro.jobs, o.progress_every_s);
  std::vector<PolicySummary> summary(c.run.policies.size());
  ro.on_progress = [&view](const std::vector<system::Progress>& p) { view.update(p); };
  ro.on_layer = [&](std::size_t i, const system::LayerRecord& l) {
    summary[i].totals.add(l);
    if (l.step == 0) {
      summary[i].step0.push_back(l);
      summary[i].step0.back().spans.clear();
    }
    outputs.add_layer(i, l);
  };
  ro.on_step = [&](std::size_t i, const system::StepRecord& s) { outputs.add_step(i, s); };
  ro.on_policy_done = [&](std::size_t i, const PolicyOutcome& out) {
    write([&] { outputs.policy_finished(i, out); });
  };
  const std::vector<PolicyOutcome> outcomes = system::run_policies(c, demand, ro);
  view.clear();

  print_header(c);
  print_table(c, outcomes, summary);
  // The results exist now: an output that cannot be written is reported, the other outputs are
  // still written, and the exit status is 1 (the run failed), not 2 (the input was fine).
  if (!o.out.empty() || !o.trace.empty()) {
    write([&] {
      const auto files = outputs.finish(outcomes);
      std::cout << "\nwrote";
      for (const auto& f : files) std::cout << " " << f;
      std::cout << "\n";
    });
  }
  if (system::cancel_signal() != 0) {
    std::cerr << "monde-sim: cancelled by " << system::cancel_signal_name()
              << ": the outputs hold what finished (exit status " << system::cancelled_exit_status() << ")\n";
    return system::cancelled_exit_status();
  }
  bool ok = written;
  for (std::size_t i = 0; i < outcomes.size(); ++i) ok = ok && outcomes[i].ok() && summary[i].totals.data_ok;
  return ok ? kExitOk : kExitFailed;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto* sub = app.add_subcommand("run", "simulate an experiment's policies and report step times, speedups and bytes "
                                        "per link");
  auto o = std::make_shared<RunOptions>();
  o->experiment.add_to(*sub, "run");
  sub->add_option("--out", o->out, "run directory: stats.json, layers.csv, config.resolved.json, trace.json")
      ->check(non_empty_path());
  sub->add_option("--trace", o->trace, "also write the Perfetto trace to this file")->check(non_empty_path());
  sub->add_flag("--quiet", o->quiet, "no progress bar: one line per finished policy");
  sub->add_option("--jobs", o->jobs, "policies simulated at once (default: one per core)")->check(CLI::Range(1u, 256u));
  sub->add_flag("--check-protocol", o->check_protocol,
                "TLM-2.0 protocol checkers on the host -> device hops and inside the device; a violation fails the "
                "policy (stats.json: system.protocol_violations)");
  sub->add_option("--progress-every", o->progress_every_s,
                  "seconds between progress lines when stderr is not a terminal (0: only finished policies)")
      ->check(finite_range(0, 86400));
  return {sub, [o] { return run(*o); }};
}

}  // namespace monde::tools
