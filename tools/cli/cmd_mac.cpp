// monde-sim mac: MAC-array tiles on the RTL or the C++ cycle model inside SystemC.
//   monde-sim mac run FILE [--pe-model rtl|cycle] [--rtl-drive batched|pins] [--out FILE] [--vcd FILE]
//   monde-sim mac demo [--vcd FILE]          a tile set through both models, compared
//   monde-sim mac gen --tiles N --seed S [--weights bf16,int8,int4] --out FILE   random vectors (with
//                                            expectations from the golden model)
//   monde-sim mac config                     the array configuration these commands use
// The array comes from an experiment's device.ndp section (--config FILE or preset, --set,
// --device); the demo tiles from its demo section.
// Exit status: 0 all good, 1 mismatches, 2 bad input (file:line or file: key in the message).
#include "tlm/ndp/mac_array_pin_level.hpp"  // Verilator headers before SystemC

#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>

#include <systemc>

#include "core/config/system_config.hpp"
#include "system/run_outputs.hpp"
#include "tlm/ndp/mac_array_module.hpp"
#include "tlm/ndp/mac_cycle_engine.hpp"
#include "tlm/ndp/mac_random_tiles.hpp"
#include "tlm/ndp/mac_result_check.hpp"
#include "tlm/ndp/mac_vectors.hpp"
#include "tools/cli/cli.hpp"
#include "tools/cli/experiment_options.hpp"

namespace monde::tools {

namespace {

using namespace monde::ndp;

constexpr int kExitMismatch = kExitFailed;
constexpr std::size_t kMaxReportedMismatches = 20;

// Runs a list of tiles on one or more MacArray instances in one SystemC thread, tile by
// tile in order, and keeps every result (also when a later tile fails).
class TileRunner : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(TileRunner);
  TileRunner(sc_core::sc_module_name name, std::vector<MacArray*> arrays, const std::vector<MacTile>& tiles)
      : sc_module(name), arrays_(std::move(arrays)), tiles_(tiles) {
    results.resize(arrays_.size());
    times.resize(arrays_.size());
    SC_THREAD(run);
  }
  std::vector<std::vector<MacTileResult>> results;  // [array][tile]
  std::vector<sc_core::sc_time> times;              // simulated time each array spent
  std::string error;

 private:
  void run() {
    try {
      for (std::size_t a = 0; a < arrays_.size(); ++a) {
        const auto t0 = sc_core::sc_time_stamp();
        for (const auto& t : tiles_) results[a].push_back(arrays_[a]->run_tile(t));
        times[a] = sc_core::sc_time_stamp() - t0;
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    sc_core::sc_stop();
  }
  std::vector<MacArray*> arrays_;
  const std::vector<MacTile>& tiles_;
};

struct Options {
  ExperimentOptions experiment;  // --config (an experiment: its device.ndp and demo sections), --set, --device
  std::string pe_model;
  std::string rtl_drive;
  std::string vcd;
  std::string out;
  std::string vectors;
  unsigned gen_tiles = 8;
  std::uint64_t gen_seed = 1;
  double gen_special = 0.02;
  std::vector<std::string> gen_weights{"bf16"};
};

// The experiment's device.ndp and demo sections (the rest of the experiment is not read: a
// vector run needs no model or routing), with --pe-model / --rtl-drive as overrides.
struct MacSetup {
  config::MacArrayConfig mac;
  config::DemoConfig demo;
  nlohmann::json ndp_json, demo_json;
};

MacSetup load_mac_setup(const Options& o) {
  const config::ExperimentDocument doc = load_testbench_document(o.experiment, o.pe_model, o.rtl_drive, "mac", {"device", "demo"});
  const config::ConfigNode root = doc.root();
  MacSetup s;
  const config::DeviceConfig device = config::device_schema().parse(root.child("device"));
  s.mac = device.ndp.mac;
  s.ndp_json = config::ndp_schema().to_json(device.ndp);
  if (root.has("demo")) s.demo = config::demo_schema().parse(root.child("demo"));
  s.demo_json = config::demo_schema().to_json(s.demo);
  return s;
}

void print_mismatches(const std::vector<Mismatch>& mm) {
  for (std::size_t i = 0; i < mm.size() && i < kMaxReportedMismatches; ++i) std::cout << "MISMATCH " << describe(mm[i]) << "\n";
  if (mm.size() > kMaxReportedMismatches) std::cout << "... and " << mm.size() - kMaxReportedMismatches << " more\n";
}

std::uint64_t macs_of(const std::vector<MacTile>& tiles) {
  std::uint64_t n = 0;
  for (const auto& t : tiles) n += std::uint64_t(t.rows) * t.cols * t.k;
  return n;
}

int cmd_run(const Options& o) {
  const auto cfg = load_mac_setup(o).mac;
  // The array first: a configuration the RTL cannot build is the first thing to report.
  MacArray array("mac", cfg, o.vcd);
  auto vts = read_vector_file(o.vectors);
  check_vector_tiles(vts, cfg.shape, o.vectors);
  std::vector<MacTile> tiles;
  for (const auto& vt : vts) tiles.push_back(vt.tile);
  TileRunner runner("runner", {&array}, tiles);
  const auto w0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();

  const auto& res = runner.results[0];
  std::vector<Mismatch> all;
  std::cout << "pe_model " << to_string(cfg.pe_model) << (cfg.pin_level ? " (pins)" : "") << ", array "
            << cfg.shape.rows << " x " << cfg.shape.cols << ", clock " << cfg.clock_mhz << " MHz, vectors " << o.vectors << "\n";
  std::cout << std::left << std::setw(20) << "tile" << std::right << std::setw(6) << "rows" << std::setw(6) << "cols"
            << std::setw(8) << "k" << std::setw(10) << "cycles" << std::setw(12) << "mismatches" << "\n";
  for (std::size_t i = 0; i < res.size(); ++i) {
    auto mm = check_result(vts[i], res[i]);
    std::cout << std::left << std::setw(20) << vts[i].name << std::right << std::setw(6) << vts[i].tile.rows << std::setw(6)
              << vts[i].tile.cols << std::setw(8) << vts[i].tile.k << std::setw(10) << res[i].cycles << std::setw(12)
              << mm.size() << "\n";
    all.insert(all.end(), mm.begin(), mm.end());
  }
  print_mismatches(all);
  if (!o.out.empty()) {
    std::vector<VectorTile> outv(vts.begin(), vts.begin() + static_cast<std::ptrdiff_t>(res.size()));
    for (std::size_t i = 0; i < res.size(); ++i) {
      outv[i].expect_fp32 = res[i].c_fp32;
      outv[i].expect_bf16 = res[i].c_bf16;
      outv[i].expect_cycles = res[i].cycles;
    }
    std::ostringstream f;
    write_vectors(f, outv);
    system::write_text_file(o.out, f.str());
    std::cout << "results written to " << o.out << "\n";
  }
  std::cout << res.size() << " tiles, " << macs_of(tiles) << " MACs, " << all.size() << " mismatches; simulated "
            << runner.times[0] << ", wall " << std::fixed << std::setprecision(3) << wall << " s\n";
  if (!o.vcd.empty()) std::cout << "VCD written to " << o.vcd << "\n";
  if (!runner.error.empty()) {
    std::cerr << "monde-sim mac: error after " << res.size() << " tiles: " << runner.error << "\n";
    return kExitBadInput;
  }
  return all.empty() ? 0 : kExitMismatch;
}

std::vector<MacTile> demo_tiles(const config::DemoConfig& demo, const config::MacArrayShape& shape) {
  const unsigned k = demo.k;
  const double special = demo.special_fraction;
  std::mt19937_64 rng(demo.seed);
  // A full tile of moderate numbers (readable sums), a partial one with special values (NaN, inf,
  // subnormals, extremes) and a continuation of the partial one's sums.
  const unsigned pr = std::max(1u, shape.rows / 3), pc = std::max(1u, shape.cols * 2 / 3);
  return {random_tile(rng, shape.rows, shape.cols, k, true, 0.0, 0.0),
          random_tile(rng, pr, pc, 7, true, special),
          random_tile(rng, pr, pc, 5, false, 0.0, 0.0)};
}

int cmd_demo(const Options& o) {
  const MacSetup setup = load_mac_setup(o);
  const auto& cfg = setup.mac;
  const auto tiles = demo_tiles(setup.demo, cfg.shape);
  auto rtl_cfg = cfg;
  rtl_cfg.pe_model = config::PeModel::kRtl;
  auto cyc_cfg = cfg;
  cyc_cfg.pe_model = config::PeModel::kCycle;
  cyc_cfg.pin_level = false;
  MacArray rtl("rtl", rtl_cfg, o.vcd);
  MacArray cyc("cycle", cyc_cfg);
  TileRunner runner("runner", {&rtl, &cyc}, tiles);
  sc_core::sc_start();
  if (!runner.error.empty()) throw std::runtime_error(runner.error);

  std::cout << "MAC array demo: " << cfg.shape.rows << " x " << cfg.shape.cols << " array at " << cfg.clock_mhz
            << " MHz; the same tiles through the Verilated RTL" << (cfg.pin_level ? " (pin level)" : "")
            << " and the C++ cycle model\n\n";
  std::cout << std::left << std::setw(10) << "tile" << std::right << std::setw(6) << "rows" << std::setw(6) << "cols"
            << std::setw(6) << "k" << std::setw(7) << "first" << std::setw(12) << "rtl cycles" << std::setw(14)
            << "cycle cycles" << std::setw(10) << "formula" << std::setw(12) << "mismatches" << "\n";
  std::vector<Mismatch> all;
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    const auto& t = tiles[i];
    const auto name = "demo" + std::to_string(i);
    auto mm = compare_results(name, t, runner.results[0][i], runner.results[1][i]);
    std::cout << std::left << std::setw(10) << name << std::right << std::setw(6) << t.rows << std::setw(6) << t.cols
              << std::setw(6) << t.k << std::setw(7) << t.first << std::setw(12) << runner.results[0][i].cycles
              << std::setw(14) << runner.results[1][i].cycles << std::setw(10) << t.k + t.rows + 2 << std::setw(12)
              << mm.size() << "\n";
    all.insert(all.end(), mm.begin(), mm.end());
  }
  const auto& r0 = runner.results[0][0];
  std::cout << "\nC[0][0..3] of demo0 (fp32 -> bf16): ";
  for (unsigned c = 0; c < 4 && c < r0.cols; ++c) std::cout << fp32_text(r0.c_fp32[c]) << " -> " << bf16_text(r0.c_bf16[c]) << (c < 3 ? "; " : "\n");
  std::cout << "simulated time: rtl " << runner.times[0] << ", cycle model " << runner.times[1] << "\n";
  print_mismatches(all);
  if (!o.vcd.empty()) std::cout << "VCD of the RTL written to " << o.vcd << " (view: gtkwave " << o.vcd << " waveforms/mac_array.gtkw)\n";
  std::cout << (all.empty() ? "PASS: RTL and cycle model agree bit for bit and cycle for cycle\n"
                            : "FAIL: the models disagree\n");
  return all.empty() ? 0 : kExitMismatch;
}

int cmd_gen(const Options& o) {
  const auto cfg = load_mac_setup(o).mac;
  std::mt19937_64 rng(o.gen_seed);
  CycleMacEngine golden(cfg.shape);
  std::vector<VectorTile> out;
  for (unsigned i = 0; i < o.gen_tiles; ++i) {
    VectorTile vt;
    vt.name = "t" + std::to_string(i);
    const unsigned rows = random_between(rng, 1, cfg.shape.rows);
    const unsigned cols = random_between(rng, 1, cfg.shape.cols);
    const unsigned k = random_between(rng, 1, 32);
    config::WeightFormat format = config::WeightFormat::kBf16;
    config::from_string(o.gen_weights[i % o.gen_weights.size()], format);  // checked by the option
    vt.tile = config::is_quantised(format) ? random_quantised_tile(rng, rows, cols, k, true, format, o.gen_special)
                                           : random_tile(rng, rows, cols, k, true, o.gen_special);
    const auto r = golden.run_tile(vt.tile);
    vt.expect_fp32 = r.c_fp32;
    vt.expect_bf16 = r.c_bf16;
    vt.expect_cycles = r.cycles;
    out.push_back(std::move(vt));
  }
  std::ostringstream f;
  f << "# monde-sim mac vectors: " << o.gen_tiles << " random tiles, seed " << o.gen_seed
    << ", expectations from the golden model\n";
  write_vectors(f, out);
  system::write_text_file(o.out, f.str());
  std::cout << "wrote " << out.size() << " tiles to " << o.out << "\n";
  return 0;
}

}  // namespace

Command add_mac_command(CLI::App& app) {
  auto* mac = app.add_subcommand("mac", "MAC-array tiles on the Verilated RTL or the C++ cycle model");
  mac->require_subcommand(1);
  auto o = std::make_shared<Options>();
  auto add_common = [&](CLI::App* sub) {
    o->experiment.add_to(*sub, "config");
    sub->add_option("--pe-model", o->pe_model, "override device.ndp.pe_model")->check(CLI::IsMember({"rtl", "cycle"}));
    sub->add_option("--rtl-drive", o->rtl_drive, "override device.ndp.rtl_drive")->check(CLI::IsMember({"batched", "pins"}));
  };
  auto* run = mac->add_subcommand("run", "run the tiles of a vector file and check them against its expectations");
  add_common(run);
  run->add_option("vectors", o->vectors, "vector file (format: docs/mac_vectors.md)")->required();
  run->add_option("--out", o->out, "write inputs + results as a vector file")->check(non_empty_path());
  run->add_option("--vcd", o->vcd, "write a VCD of the RTL signals (pe_model rtl)")->check(non_empty_path());
  auto* demo = mac->add_subcommand("demo", "run demo tiles through the RTL and the cycle model and compare");
  add_common(demo);
  demo->add_option("--vcd", o->vcd, "write a VCD of the RTL signals")->check(non_empty_path());
  auto* gen = mac->add_subcommand("gen", "write random tiles with golden expectations");
  add_common(gen);
  gen->add_option("--tiles", o->gen_tiles, "number of tiles")->check(CLI::Range(1u, 100000u));
  gen->add_option("--seed", o->gen_seed, "random seed")->check(uint64_digits());
  gen->add_option("--special-fraction", o->gen_special, "fraction of special values")->check(finite_range(0.0, 1.0));
  gen->add_option("--weights", o->gen_weights, "B formats, taken in turn (int8/int4: codes and per-beat scales)")
      ->delimiter(',')
      ->check(CLI::IsMember({"bf16", "int8", "int4"}));
  gen->add_option("--out", o->out, "output vector file")->required()->check(non_empty_path());
  auto* show = mac->add_subcommand("config", "print the array configuration (device.ndp) and demo section in use");
  add_common(show);
  return {mac, [o, run, demo, gen, show]() -> int {
            // The kernel's own info messages ("Simulation stopped by user." after sc_stop) are noise here.
            sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
            try {
              if (*run) return cmd_run(*o);
              if (*demo) return cmd_demo(*o);
              if (*gen) return cmd_gen(*o);
              if (*show) {
                const MacSetup s = load_mac_setup(*o);
                std::cout << nlohmann::json{{"device", {{"ndp", s.ndp_json}}}, {"demo", s.demo_json}}.dump(2) << "\n";
                return kExitOk;
              }
            } catch (const VectorFormatError& e) {
              std::cerr << "monde-sim mac: vector file error: " << e.what() << "\n";
              return kExitBadInput;
            }
            return kExitBadInput;
          }};
}

}  // namespace monde::tools
