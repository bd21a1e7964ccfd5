// monde-traffic: a standalone traffic run against the MoNDE device as the host sees it (CXL
// link -> controller/HDM decoder -> DRAM), or against its DRAM alone (--target memory), through
// the base-protocol checker. Prints the statistics and writes them as JSON.
//   monde-traffic [--device FILE] [--config FILE] [--out stats.json] [--target device|memory]
//                 [--style at|lt] [--quantum-ns N] [--dmi]
//                 [--pattern sequential|random] [--requests N] [--size BYTES]
//                 [--read-fraction F] [--outstanding N] [--timing-only]
// --device: a configs/device/*.json preset (default: the embedded LPDDR5X-8533 preset);
// --config: a JSON file whose "traffic" object sets the traffic (keys: README).
// --style at: approximately timed, `outstanding` transactions in flight; lt: loosely timed,
// b_transport with a quantum keeper (and DMI with --dmi, which bypasses link and DRAM timing).
// Exit status: 0 ok, 1 protocol violations or error responses, 2 bad input.
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <systemc>

#include "core/config/config_node.hpp"
#include "tools/common/tool_main.hpp"
#include "tlm/checker/protocol_checker.hpp"
#include "tlm/device/cxl_type3_device.hpp"
#include "tlm/device/device_config.hpp"
#include "tlm/memory/lt_traffic_generator.hpp"
#include "tlm/memory/memory_stats.hpp"
#include "tlm/memory/memory_target.hpp"
#include "tlm/memory/traffic_config.hpp"
#include "tlm/memory/traffic_generator.hpp"

extern const char monde_default_device_json[];

namespace {

using namespace monde;
using namespace monde::mem;

constexpr int kExitFailed = 1;
constexpr const char* kDefaultDeviceSource = "<embedded configs/device/lpddr5x-8533.json>";

struct Options {
  std::string device, config, out, pattern, target = "device", style = "at";
  std::uint64_t requests = 0;
  std::uint32_t size = 0, outstanding = 0;
  double read_fraction = -1.0, quantum_ns = 1000.0;
  bool timing_only = false, dmi = false;
};

// What both initiator kinds report.
struct Observed {
  std::uint64_t completed, errors, bytes_read, bytes_written;
  double first_s, last_s;
  const stats::LatencyHistogram* latency;
};

int run(const Options& o) {
  const auto device_json = o.device.empty() ? config::parse_json_text(monde_default_device_json, kDefaultDeviceSource)
                                            : config::load_json_file(o.device);
  const std::string device_source = o.device.empty() ? kDefaultDeviceSource : o.device;
  const device::DeviceConfig dev = device::parse_device_config(config::ConfigNode(device_json, device_source));
  const DramConfig& dram = dev.dram;
  TrafficConfig traffic;
  if (!o.config.empty()) {
    const auto j = config::load_json_file(o.config);
    const config::ConfigNode top(j, o.config);
    if (top.has("traffic")) traffic = parse_traffic_config(top.child("traffic"));
  }
  if (!o.pattern.empty()) traffic.random = o.pattern == "random";
  if (o.requests) traffic.requests = o.requests;
  if (o.size) traffic.size_bytes = o.size;
  if (o.outstanding) traffic.outstanding = o.outstanding;
  if (o.read_fraction >= 0.0) traffic.read_fraction = o.read_fraction;
  if (traffic.region_bytes > dram.capacity_bytes()) traffic.region_bytes = dram.capacity_bytes();

  device::DeviceOptions dopt;
  dopt.timing_only = o.timing_only;
  dopt.allow_dmi = o.dmi;
  MemoryTargetOptions mopt;
  mopt.timing_only = o.timing_only;
  mopt.allow_dmi = o.dmi;
  const bool lt = o.style == "lt";
  std::unique_ptr<TrafficGenerator> at_gen;
  std::unique_ptr<LtTrafficGenerator> lt_gen;
  checker::ProtocolChecker<64> checker("checker");
  if (lt) {
    LtOptions lopt;
    lopt.quantum = sc_core::sc_time(o.quantum_ns, sc_core::SC_NS);
    lopt.use_dmi = o.dmi;
    lt_gen = std::make_unique<LtTrafficGenerator>("traffic", traffic, lopt);
    lt_gen->socket.bind(checker.target_socket);
  } else {
    at_gen = std::make_unique<TrafficGenerator>("traffic", traffic);
    at_gen->socket.bind(checker.target_socket);
  }
  std::unique_ptr<device::CxlType3Device> cxl_dev;
  std::unique_ptr<MemoryTarget> mem_only;
  if (o.target == "device") {
    cxl_dev = std::make_unique<device::CxlType3Device>("device", dev, dopt);
    checker.initiator_socket.bind(cxl_dev->host_socket());
  } else {
    mem_only = std::make_unique<MemoryTarget>("memory", dram, dram.capacity_bytes(), mopt);
    checker.initiator_socket.bind(mem_only->socket);
  }

  const auto w0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();

  const Observed seen = lt ? Observed{lt_gen->completed(), lt_gen->errors(), lt_gen->bytes_read(), lt_gen->bytes_written(),
                                      0.0, lt_gen->last_completion().to_seconds(), &lt_gen->latency()}
                           : Observed{at_gen->completed(), at_gen->errors(), at_gen->bytes_read(), at_gen->bytes_written(),
                                      at_gen->first_issue().to_seconds(), at_gen->last_completion().to_seconds(),
                                      &at_gen->latency()};
  const bool done = lt ? lt_gen->done() : at_gen->done();
  const double sim_s = seen.last_s - seen.first_s;
  const double bytes = static_cast<double>(seen.bytes_read + seen.bytes_written);
  nlohmann::json stats;
  stats["traffic"] = {{"target", o.target},
                      {"style", o.style},
                      {"pattern", traffic.random ? "random" : "sequential"},
                      {"requests", traffic.requests},
                      {"size_bytes", traffic.size_bytes},
                      {"read_fraction", traffic.read_fraction},
                      {"outstanding", lt ? 1u : traffic.outstanding},
                      {"completed", seen.completed},
                      {"error_responses", seen.errors},
                      {"bytes_read_bytes", seen.bytes_read},
                      {"bytes_written_bytes", seen.bytes_written},
                      {"simulated_time_ns", sim_s * 1e9},
                      {"bandwidth_GBps", sim_s > 0 ? bytes / sim_s / 1e9 : 0.0},
                      {"latency", latency_json(*seen.latency)},
                      {"wall_time_s", wall}};
  if (lt) stats["traffic"]["dmi_accesses"] = lt_gen->dmi_accesses();
  if (cxl_dev) {
    const auto d = cxl_dev->stats_json(seen.last_s * 1e12);
    stats["cxl"] = d["cxl"];
    stats["memory"] = d["memory"];
  } else {
    stats["memory"] = memory_stats_json(*mem_only);
  }
  stats["protocol_violations"] = checker.violation_count();

  std::cout << "device " << device_source << ": " << dram.org.channels << " channels, peak " << std::fixed
            << std::setprecision(1) << dram.peak_bandwidth_total() / 1e9 << " GB/s (x refresh factor "
            << std::setprecision(4) << dram.refresh_factor() << ")";
  if (cxl_dev) {
    std::cout << std::setprecision(1) << "; CXL x" << dev.link.lanes << " " << dev.link.rate_gtps << " GT/s: reads "
              << dev.link.read_bytes_per_s() / 1e9 << " GB/s, writes " << dev.link.write_bytes_per_s() / 1e9 << " GB/s";
  }
  std::cout << "\ntraffic: " << traffic.requests << " x " << traffic.size_bytes << " B "
            << (traffic.random ? "random" : "sequential") << ", " << std::setprecision(0) << traffic.read_fraction * 100
            << "% reads, " << (lt ? std::string("LT") : std::to_string(traffic.outstanding) + " outstanding")
            << " -> " << o.target << "\n";
  std::cout << std::setprecision(2) << "bandwidth " << stats["traffic"]["bandwidth_GBps"].get<double>() << " GB/s over "
            << sim_s * 1e6 << " us simulated; latency p50 " << seen.latency->percentile(0.50) / 1000.0 << " ns, p95 "
            << seen.latency->percentile(0.95) / 1000.0 << " ns, p99 " << seen.latency->percentile(0.99) / 1000.0
            << " ns; row-buffer hit rate " << stats["memory"]["dram"]["row_hit_rate"].get<double>() * 100
            << "%; wall " << std::setprecision(3) << wall << " s (" << std::setprecision(2)
            << traffic.requests / wall / 1e6 << " M requests/s)\n";
  if (cxl_dev) {
    const auto& l = stats["cxl"]["link"];
    std::cout << std::setprecision(1) << "link utilisation: M2S " << l["m2s"]["utilisation"].get<double>() * 100
              << "%, S2M " << l["s2m"]["utilisation"].get<double>() * 100 << "%; CXL messages "
              << l["messages"]["total_messages"].get<std::uint64_t>() << "\n";
  }
  std::cout << "protocol violations: " << checker.violation_count() << ", error responses: " << seen.errors << "\n";
  if (!o.out.empty()) {
    std::ofstream f(o.out);
    if (!f) throw std::runtime_error(o.out + ": cannot open for writing");
    f << stats.dump(2) << "\n";
    std::cout << "statistics written to " << o.out << "\n";
  }
  return (checker.violation_count() == 0 && seen.errors == 0 && done) ? 0 : kExitFailed;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  CLI::App app{"monde-traffic: memory traffic through the device's TLM DRAM target"};
  Options o;
  app.add_option("--device", o.device, "device preset (configs/device/*.json); default: embedded LPDDR5X-8533");
  app.add_option("--config", o.config, "JSON file with a \"traffic\" object");
  app.add_option("--out", o.out, "write statistics as JSON");
  app.add_option("--target", o.target, "device (CXL link + HDM + DRAM, default) or memory (the DRAM alone)")
      ->check(CLI::IsMember({"device", "memory"}));
  app.add_option("--style", o.style, "at (4-phase, outstanding transactions) or lt (b_transport + quantum keeper)")
      ->check(CLI::IsMember({"at", "lt"}));
  app.add_option("--quantum-ns", o.quantum_ns, "LT global quantum (ns)")->check(CLI::Range(0.001, 1e9));
  app.add_flag("--dmi", o.dmi, "let the target grant DMI (LT uses it; bypasses link and DRAM timing)");
  app.add_option("--pattern", o.pattern)->check(CLI::IsMember({"sequential", "random"}));
  app.add_option("--requests", o.requests)->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  app.add_option("--size", o.size, "bytes per transaction")->check(CLI::Range(1u, 1u << 20));
  app.add_option("--read-fraction", o.read_fraction)->check(CLI::Range(0.0, 1.0));
  app.add_option("--outstanding", o.outstanding)->check(CLI::Range(1u, 4096u));
  app.add_flag("--timing-only", o.timing_only, "move no payload bytes (data: timing_only)");
  return parse_and_run(app, argc, argv, "monde-traffic", [&] { return run(o); });
}
