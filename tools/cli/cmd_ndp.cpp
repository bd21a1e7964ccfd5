// monde-sim ndp: whole expert-FFN jobs through the whole device (docs/ndp_vectors.md).
//   monde-sim ndp run FILE [--pe-model rtl|cycle] [--out FILE]   run the jobs, check their expectations
//   monde-sim ndp gen --jobs N --seed S --out FILE               random jobs with golden expectations
// The device comes from an experiment's device section (--config FILE or preset, --set,
// --device); --pe-model overrides device.ndp.pe_model.
// Exit status: 0 every expectation met, 1 mismatches, 2 bad input (file:line in the message).
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>

#include <systemc>

#include "core/config/device_config.hpp"
#include "system/ndp_job_bench.hpp"
#include "system/run_outputs.hpp"
#include "tlm/ndp/mac_random_tiles.hpp"
#include "tlm/ndp/ndp_job_check.hpp"
#include "tlm/ndp/ndp_vectors.hpp"
#include "tools/cli/cli.hpp"
#include "tools/cli/experiment_options.hpp"

namespace monde::tools {

namespace {

using namespace monde::ndp;

constexpr std::size_t kMaxReportedMismatches = 20;

struct Options {
  ExperimentOptions experiment;  // --config (an experiment: its device section), --set, --device
  std::string pe_model;
  std::string out;
  std::string vectors;
  unsigned gen_jobs = 6;
  std::uint64_t gen_seed = 1;
  std::vector<std::string> gen_weights{"bf16", "int8", "int4"};
  std::vector<std::string> gen_activations{"relu", "silu_gated"};
  double gen_special = 0.0;
};

config::DeviceConfig load_device(const Options& o) {
  const config::ExperimentDocument doc = load_testbench_document(o.experiment, o.pe_model, "", "ndp", {"device"});
  return config::device_schema().parse(doc.root().child("device"));
}

std::string weights_text(const VectorJob& j) { return config::describe(j.weights); }

int cmd_run(const Options& o) {
  const config::DeviceConfig device = load_device(o);
  const auto jobs = read_ndp_vector_file(o.vectors);
  // What the device's limits rule out is known now: say so before simulating.
  for (const auto& j : jobs) {
    if (const auto why = system::check_job_fits(device, j); !why.empty()) {
      throw VectorFormatError(o.vectors + ":" + std::to_string(j.line) + ": job '" + j.name + "': " + why);
    }
  }
  const auto w0 = std::chrono::steady_clock::now();
  const system::NdpBenchResult res = system::run_ndp_jobs(device, jobs);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();

  std::cout << "pe_model " << config::to_string(device.ndp.mac.pe_model) << ", " << device.ndp.units << " NDP units of "
            << device.ndp.mac.shape.rows << " x " << device.ndp.mac.shape.cols << " at " << device.ndp.mac.clock_mhz
            << " MHz, vectors " << o.vectors << "\n";
  std::cout << std::left << std::setw(12) << "job" << std::right << std::setw(7) << "tokens" << std::setw(8) << "d_model"
            << std::setw(6) << "d_ff" << std::setw(12) << "activation" << std::setw(10) << "weights" << std::setw(20)
            << "completion" << std::setw(12) << "time (ns)" << std::setw(12) << "mismatches" << "\n";
  std::vector<std::string> all;
  for (std::size_t i = 0; i < res.outcomes.size(); ++i) {
    const auto& j = jobs[i];
    const auto mm = check_job(j, res.outcomes[i]);
    std::cout << std::left << std::setw(12) << j.name << std::right << std::setw(7) << j.tokens << std::setw(8) << j.d_model
              << std::setw(6) << j.d_ff << std::setw(12) << (j.gated ? "silu_gated" : "relu") << std::setw(10)
              << weights_text(j) << std::setw(20) << to_string(res.outcomes[i].code) << std::setw(12) << std::fixed
              << std::setprecision(1) << res.submit_to_completion[i].to_seconds() * 1e9 << std::setw(12) << mm.size()
              << "\n";
    all.insert(all.end(), mm.begin(), mm.end());
  }
  for (std::size_t i = 0; i < all.size() && i < kMaxReportedMismatches; ++i) std::cout << "MISMATCH " << all[i] << "\n";
  if (all.size() > kMaxReportedMismatches) std::cout << "... and " << all.size() - kMaxReportedMismatches << " more\n";
  if (!o.out.empty()) {
    std::vector<VectorJob> outv(jobs.begin(), jobs.begin() + static_cast<std::ptrdiff_t>(res.outcomes.size()));
    for (std::size_t i = 0; i < outv.size(); ++i) {
      const auto& r = res.outcomes[i];
      outv[i].expect_completion = r.code;
      outv[i].expect_h.reset();
      outv[i].expect_y.reset();
      if (r.code == NdpErrorCode::kOk) {
        outv[i].expect_h = r.h;
        outv[i].expect_y = r.y;
      }
    }
    std::ostringstream f;
    f << "# monde-sim ndp results of " << o.vectors << " (pe_model " << config::to_string(device.ndp.mac.pe_model)
      << "): expectations are this run's results\n";
    write_ndp_vectors(f, outv);
    system::write_text_file(o.out, f.str());
    std::cout << "results written to " << o.out << "\n";
  }
  std::cout << res.outcomes.size() << " jobs, " << all.size() << " mismatches; simulated " << res.simulated << ", wall "
            << std::fixed << std::setprecision(3) << wall << " s\n";
  if (!res.error.empty()) {
    std::cerr << "monde-sim ndp: error after " << res.outcomes.size() << " jobs: " << res.error << "\n";
    return kExitBadInput;
  }
  return all.empty() ? kExitOk : kExitFailed;
}

// A random job: shape from the small sizes every device takes (multiples of dim_align 32), the
// given format and activation, random bf16 inputs (specials at `special`), and for int8 / int4
// uniform random codes (every code, -128 / -8 included) with random bf16 scales.
VectorJob random_job(std::mt19937_64& rng, const std::string& name, config::WeightFormat format, bool gated,
                     double special) {
  VectorJob j;
  j.name = name;
  j.tokens = random_between(rng, 1, 4);
  j.d_model = 32u * random_between(rng, 1, 2);
  j.d_ff = 32u * random_between(rng, 1, 4);
  j.gated = gated;
  j.weights.format = format;
  const auto bf16s = [&](std::size_t n) {
    std::vector<num::bf16_t> v(n);
    for (auto& x : v) x = random_bf16(rng, special, 0.0);
    return v;
  };
  j.x = bf16s(std::size_t{j.tokens} * j.d_model);
  const auto matrix = [&](std::size_t rows, std::size_t cols, std::vector<num::bf16_t>& bf16, num::QuantisedMatrix& q) {
    if (!j.weights.quantised()) {
      bf16 = bf16s(rows * cols);
      return;
    }
    q = num::zero_quantised_matrix(j.weights, rows, cols);
    const unsigned max_code = format == config::WeightFormat::kInt8 ? 255 : 15;
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < cols; ++c) q.set_code(r, c, static_cast<std::uint8_t>(random_between(rng, 0, max_code)));
    }
    q.scales = bf16s(q.scales.size());
  };
  if (j.weights.quantised()) {
    // The largest group size that divides both dimensions, or a smaller one at random.
    std::vector<std::uint32_t> groups;
    for (const auto g : config::kQuantGroupSizes) {
      if (j.d_model % g == 0 && j.d_ff % g == 0) groups.push_back(g);
    }
    j.weights.group_size = groups[random_between(rng, 0, static_cast<unsigned>(groups.size() - 1))];
  }
  matrix(j.d_ff, j.d_model, j.w_up, j.q_up);
  if (gated) matrix(j.d_ff, j.d_model, j.w_gate, j.q_gate);
  matrix(j.d_model, j.d_ff, j.w_down, j.q_down);
  const NdpJobOutcome golden = golden_job(j);
  j.expect_h = golden.h;
  j.expect_y = golden.y;
  j.expect_completion = NdpErrorCode::kOk;
  return j;
}

int cmd_gen(const Options& o) {
  std::mt19937_64 rng(o.gen_seed);
  std::vector<VectorJob> jobs;
  const std::size_t nw = o.gen_weights.size(), na = o.gen_activations.size();
  for (unsigned i = 0; i < o.gen_jobs; ++i) {
    // Every format with every activation in turn, so a few jobs cover all the combinations.
    config::WeightFormat f{};
    config::from_string(o.gen_weights[i % nw], f);
    const bool gated = o.gen_activations[(i / nw) % na] == "silu_gated";
    jobs.push_back(random_job(rng, "j" + std::to_string(i), f, gated, o.gen_special));
  }
  std::ostringstream f;
  f << "# monde-sim ndp vectors: " << o.gen_jobs << " random jobs, seed " << o.gen_seed
    << ", expectations from the golden model\n";
  write_ndp_vectors(f, jobs);
  system::write_text_file(o.out, f.str());
  std::cout << "wrote " << jobs.size() << " jobs to " << o.out << "\n";
  return kExitOk;
}

}  // namespace

Command add_ndp_command(CLI::App& app) {
  auto* ndp = app.add_subcommand("ndp", "whole expert-FFN jobs through the device (driver, rings, DMA, NDP units)");
  ndp->require_subcommand(1);
  auto o = std::make_shared<Options>();
  auto* run = ndp->add_subcommand("run", "run the jobs of a vector file and check them against its expectations");
  o->experiment.add_to(*run, "config");
  run->add_option("--pe-model", o->pe_model, "override device.ndp.pe_model")->check(CLI::IsMember({"rtl", "cycle"}));
  run->add_option("vectors", o->vectors, "vector file (format: docs/ndp_vectors.md)")->required();
  run->add_option("--out", o->out, "write inputs + results as a vector file")->check(non_empty_path());
  auto* gen = ndp->add_subcommand("gen", "write random jobs with golden expectations");
  gen->add_option("--jobs", o->gen_jobs, "number of jobs")->check(CLI::Range(1u, 10000u));
  gen->add_option("--seed", o->gen_seed, "random seed")->check(uint64_digits());
  gen->add_option("--weights", o->gen_weights, "weight formats, taken in turn")
      ->delimiter(',')
      ->check(CLI::IsMember({"bf16", "int8", "int4"}));
  gen->add_option("--activations", o->gen_activations, "activations, taken in turn")
      ->delimiter(',')
      ->check(CLI::IsMember({"relu", "silu_gated"}));
  gen->add_option("--special-fraction", o->gen_special, "fraction of special values (NaN, inf, subnormals, zeros)")
      ->check(finite_range(0.0, 1.0));
  gen->add_option("--out", o->out, "output vector file")->required()->check(non_empty_path());
  return {ndp, [o, run, gen]() -> int {
            // The kernel's own info messages ("Simulation stopped by user." after sc_stop) are noise here.
            sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
            try {
              if (*run) return cmd_run(*o);
              if (*gen) return cmd_gen(*o);
            } catch (const VectorFormatError& e) {
              std::cerr << "monde-sim ndp: vector file error: " << e.what() << "\n";
              return kExitBadInput;
            }
            return kExitBadInput;
          }};
}

}  // namespace monde::tools
