// monde-run: runs an experiment (configs/experiments/*.json; default: the embedded one, one
// Mixtral-8x7B decode step of batch 32 under monde, offload and ndp_only) on the modelled
// system and prints, per policy, the step time, the speedup against the others and the bytes
// per link, then the time of every MoE layer. With --out DIR it writes DIR/stats.json,
// DIR/layers.csv, DIR/config.resolved.json and DIR/trace.json (Perfetto / chrome://tracing).
//   monde-run [--config FILE] [--out DIR] [--policies a,b,c] [--steps N] [--batch N]
// Exit status: 0 ok, 1 a simulation error, 2 bad input.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <systemc>

#include "core/config/default_config.hpp"
#include "tools/common/tool_main.hpp"
#include "tlm/gpu/gpu_model_config.hpp"
#include "system/derived_cost_model.hpp"
#include "system/experiment_config.hpp"
#include "system/moe_runtime.hpp"
#include "system/monde_system.hpp"

namespace {

using namespace monde;
using namespace monde::system;

constexpr int kExitFailed = 1;

struct Options {
  std::string config, out;
  std::vector<std::string> policies;
  std::uint32_t steps = 0, batch = 0;
};

std::string gb(std::uint64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << double(bytes) / 1e9 << " GB";
  return s.str();
}

struct Totals {
  std::uint64_t m2s = 0, s2m = 0, pcie = 0, ndp = 0;
  std::size_t gpu = 0, ndp_experts = 0, cpu = 0;
};

Totals totals(const PolicyRun& r) {
  Totals t;
  for (const auto& l : r.layers) {
    t.m2s += l.cxl_m2s_bytes;
    t.s2m += l.cxl_s2m_bytes;
    t.pcie += l.pcie_to_gpu_bytes;
    t.ndp += l.ndp_dram_read_bytes;
    t.gpu += l.experts_gpu_fetched + l.experts_gpu_resident;
    t.ndp_experts += l.experts_ndp;
    t.cpu += l.experts_cpu;
  }
  return t;
}

void print(const ExperimentConfig& e, const std::vector<PolicyRun>& runs) {
  const auto& m = e.model;
  std::cout << std::fixed;
  std::cout << m.display_name << " (" << m.moe_layers << " MoE layers, " << m.experts << " experts, top-" << m.top_k
            << ", expert " << std::setprecision(1) << m.expert_weight_bytes() / 1e6 << " MB), "
            << (e.run.phase == RunPhase::kDecode ? "decode" : "prefill") << ", " << e.run.tokens_per_step()
            << " tokens per step, " << e.run.steps << " step(s), routing " << e.routing.source
            << (e.routing.source == "trace" ? " (" + e.routing.trace.model + ", " + e.routing.trace.dataset + ")" : "")
            << "\n";
  std::cout << "device: " << e.device.dram.capacity_bytes() / (1ull << 30) << " GiB, DRAM "
            << std::setprecision(1) << e.device.dram.peak_bandwidth_total() / 1e9 << " GB/s peak ("
            << (e.device.dram.model == mem::MemoryModel::kBandwidth ? "bandwidth" : "timed") << " model), CXL x"
            << e.device.link.lanes << " reads " << e.device.link.read_bytes_per_s() / 1e9 << " GB/s; NDP "
            << e.ndp.units << " x " << e.ndp.mac.shape.rows << "x" << e.ndp.mac.shape.cols << " at "
            << e.ndp.mac.clock_mhz << " MHz; data " << (e.run.timing_only ? "timing_only" : "full") << "\n\n";

  std::cout << std::left << std::setw(11) << "policy" << std::right << std::setw(12) << "step (ms)";
  for (const auto& o : runs) std::cout << std::setw(16) << ("vs " + o.policy);
  std::cout << std::setw(9) << "GPU exp" << std::setw(9) << "NDP exp" << std::setw(9) << "CPU exp" << std::setw(13) << "PCIe->GPU" << std::setw(13)
            << "CXL d->h" << std::setw(13) << "CXL h->d" << std::setw(13) << "DRAM->NDP" << std::setw(9) << "wall s"
            << "\n";
  for (const auto& r : runs) {
    const Totals t = totals(r);
    const double step_ms = r.simulated_s * 1e3 / e.run.steps;
    std::cout << std::left << std::setw(11) << r.policy << std::right << std::setw(12) << std::setprecision(3) << step_ms;
    for (const auto& o : runs) {
      std::ostringstream x;
      x << std::setprecision(2) << std::fixed << o.simulated_s / r.simulated_s << "x";
      std::cout << std::setw(16) << x.str();
    }
    std::cout << std::setw(9) << t.gpu << std::setw(9) << t.ndp_experts << std::setw(9) << t.cpu << std::setw(13) << gb(t.pcie) << std::setw(13)
              << gb(t.s2m) << std::setw(13) << gb(t.m2s) << std::setw(13) << gb(t.ndp) << std::setw(9)
              << std::setprecision(2) << r.wall_s << "\n";
  }
  std::cout << "(\"vs X\": X's time / this policy's time, > 1 means this policy is faster)\n\n";
  std::cout << "time per MoE layer (ms), step 0; [GPU experts/NDP experts]\n" << std::setw(6) << "layer";
  for (const auto& r : runs) std::cout << std::setw(20) << r.policy;
  std::cout << "\n";
  const std::size_t layers = e.model.moe_layers;
  for (std::size_t l = 0; l < layers; ++l) {
    std::cout << std::setw(6) << runs.front().layers[l].layer;
    for (const auto& r : runs) {
      const auto& rec = r.layers[l];
      std::ostringstream x;
      x << std::setprecision(3) << std::fixed << rec.simulated_s * 1e3 << " ["
        << rec.experts_gpu_fetched + rec.experts_gpu_resident << "/" << rec.experts_ndp << "]";
      std::cout << std::setw(20) << x.str();
    }
    std::cout << "\n";
  }
}

// Chrome trace event format (opens in Perfetto / chrome://tracing): one process per policy,
// one thread per track (layer, GPU fetch, GPU compute, NDP), "X" events in microseconds.
nlohmann::json trace_json(const std::vector<PolicyRun>& runs) {
  const std::vector<std::string> tracks{"layer", "GPU fetch", "GPU compute", "NDP"};
  nlohmann::json events = nlohmann::json::array();
  for (std::size_t p = 0; p < runs.size(); ++p) {
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", p}, {"args", {{"name", runs[p].policy}}}});
    for (std::size_t t = 0; t < tracks.size(); ++t) {
      events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", p}, {"tid", t}, {"args", {{"name", tracks[t]}}}});
    }
    for (const auto& l : runs[p].layers) {
      for (const auto& s : l.spans) {
        const auto tid = std::find(tracks.begin(), tracks.end(), s.track) - tracks.begin();
        events.push_back({{"ph", "X"}, {"name", s.name}, {"pid", p}, {"tid", tid}, {"ts", double(s.start_ps) * 1e-6},
                          {"dur", double(s.end_ps - s.start_ps) * 1e-6}, {"args", {{"step", l.step}, {"layer", l.layer}}}});
      }
    }
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

void write_outputs(const std::string& dir, const nlohmann::json& resolved, const std::vector<PolicyRun>& runs,
                   const nlohmann::json& system_stats) {
  std::filesystem::create_directories(dir);
  nlohmann::json stats;
  stats["policies"] = nlohmann::json::array();
  for (const auto& r : runs) stats["policies"].push_back(to_json(r));
  stats["system"] = system_stats;
  std::ofstream(dir + "/stats.json") << stats.dump(2) << "\n";
  std::ofstream(dir + "/config.resolved.json") << resolved.dump(2) << "\n";
  std::ofstream(dir + "/trace.json") << trace_json(runs).dump() << "\n";
  std::ofstream csv(dir + "/layers.csv");
  csv << "policy,step,layer,routed_tokens,experts_gpu,experts_ndp,experts_cpu,predicted_ms,simulated_ms,gpu_path_ms,"
         "ndp_path_ms,cxl_host_to_device_bytes,cxl_device_to_host_bytes,pcie_to_gpu_bytes,ndp_dram_read_bytes\n";
  for (const auto& r : runs) {
    for (const auto& l : r.layers) {
      csv << r.policy << ',' << l.step << ',' << l.layer << ',' << l.tokens << ','
          << l.experts_gpu_fetched + l.experts_gpu_resident << ',' << l.experts_ndp << ',' << l.experts_cpu << ','
          << l.predicted_s * 1e3 << ',' << l.simulated_s * 1e3 << ',' << l.gpu_path_s * 1e3 << ','
          << l.ndp_path_s * 1e3 << ',' << l.cxl_m2s_bytes << ',' << l.cxl_s2m_bytes << ',' << l.pcie_to_gpu_bytes << ','
          << l.ndp_dram_read_bytes << '\n';
    }
  }
  std::cout << "\nwrote " << dir << "/stats.json, layers.csv, config.resolved.json, trace.json\n";
}

int run(const Options& o) {
  std::string source;
  nlohmann::json j = config::load_config_or_default(o.config, source);
  if (!o.policies.empty()) j["run"]["policies"] = o.policies;
  if (o.steps) j["run"]["steps"] = o.steps;
  if (o.batch) j["run"]["batch"] = o.batch;
  const ExperimentConfig e = parse_experiment(j, source, MONDE_SOURCE_DIR);
  const gpu::GpuModelConfig g = gpu::parse_gpu_model_config(config::ConfigNode(e.gpu, source, "gpu"));
  auto compute = gpu::make_gpu_compute_model(g, MONDE_SOURCE_DIR);
  const policy::SystemCostModel cost = derive_cost_model(e, g, compute);
  const Demand demand = route_experiment(e);

  MondeSystem sys("system", e, g, compute);
  MoeRuntime runtime(e, sys, cost);
  std::vector<PolicyRun> runs;
  std::string error;
  sys.set_body([&] {
    try {
      runtime.setup();
      for (const auto& p : e.run.policies) runs.push_back(runtime.run_policy(p, demand));
    } catch (const std::exception& ex) {
      error = ex.what();
    }
  });
  sc_core::sc_start();
  if (!error.empty()) {
    std::cerr << "monde-run: " << error << "\n";
    return kExitFailed;
  }
  print(e, runs);
  if (!o.out.empty()) {
    const double elapsed_ps = sc_core::sc_time_stamp().to_seconds() * 1e12;
    nlohmann::json system = sys.device.stats_json(elapsed_ps);
    system["gpu"] = sys.gpu.stats_json(elapsed_ps);
    write_outputs(o.out, j, runs, system);
  }
  return 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  CLI::App app{"monde-run: MoE layers on the modelled GPU + MoNDE system under placement policies"};
  Options o;
  app.add_option("--config", o.config, "experiment JSON (default: the embedded configs/experiments/default.json)");
  app.add_option("--out", o.out, "directory for stats.json, layers.csv, config.resolved.json");
  app.add_option("--policies", o.policies, "policies to run (monde, offload, ndp_only, cpu, static_freq, context, oracle)")
      ->delimiter(',');
  app.add_option("--steps", o.steps, "steps (overrides run.steps)")->check(CLI::Range(1u, 100000u));
  app.add_option("--batch", o.batch, "batch (overrides run.batch)")->check(CLI::Range(1u, 65536u));
  return parse_and_run(app, argc, argv, "monde-run", [&] { return run(o); });
}
