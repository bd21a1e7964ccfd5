// monde-traffic: a standalone traffic run against the device DRAM model, through the TLM
// target and the base-protocol checker. Prints the statistics and writes them as JSON.
//   monde-traffic [--device FILE] [--config FILE] [--out stats.json]
//                 [--pattern sequential|random] [--requests N] [--size BYTES]
//                 [--read-fraction F] [--outstanding N] [--timing-only]
// --device: a configs/device/*.json preset (default: the embedded LPDDR5X-8533 preset);
// --config: a JSON file whose "traffic" object sets the traffic (keys: README).
// Exit status: 0 ok, 1 protocol violations or error responses, 2 bad input.
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>

#include <CLI/CLI.hpp>
#include <systemc>

#include "common/config_node.hpp"
#include "common/protocol_checker.hpp"
#include "memory/dram_config.hpp"
#include "memory/memory_stats.hpp"
#include "memory/memory_target.hpp"
#include "memory/traffic_config.hpp"
#include "memory/traffic_generator.hpp"

extern const char monde_default_device_json[];

namespace {

using namespace monde;
using namespace monde::mem;

constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;
constexpr const char* kDefaultDeviceSource = "<embedded configs/device/lpddr5x-8533.json>";

struct Options {
  std::string device, config, out, pattern;
  std::uint64_t requests = 0;
  std::uint32_t size = 0, outstanding = 0;
  double read_fraction = -1.0;
  bool timing_only = false;
};

int run(const Options& o) {
  const auto device_json = o.device.empty() ? parse_json_text(monde_default_device_json, kDefaultDeviceSource)
                                            : load_json_file(o.device);
  const DramConfig dram = parse_dram_config_from_top(ConfigNode(device_json, o.device.empty() ? kDefaultDeviceSource : o.device));
  TrafficConfig traffic;
  if (!o.config.empty()) {
    const auto j = load_json_file(o.config);
    const ConfigNode top(j, o.config);
    if (top.has("traffic")) traffic = parse_traffic_config(top.child("traffic"));
  }
  if (!o.pattern.empty()) traffic.random = o.pattern == "random";
  if (o.requests) traffic.requests = o.requests;
  if (o.size) traffic.size_bytes = o.size;
  if (o.outstanding) traffic.outstanding = o.outstanding;
  if (o.read_fraction >= 0.0) traffic.read_fraction = o.read_fraction;
  if (traffic.region_bytes > dram.capacity_bytes()) traffic.region_bytes = dram.capacity_bytes();

  MemoryTargetOptions mopt;
  mopt.timing_only = o.timing_only;
  TrafficGenerator gen("traffic", traffic);
  ProtocolChecker<64> checker("checker");
  MemoryTarget mem("memory", dram, dram.capacity_bytes(), mopt);
  gen.socket.bind(checker.target_socket);
  checker.initiator_socket.bind(mem.socket);

  const auto w0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();

  const double sim_s = (gen.last_completion() - gen.first_issue()).to_seconds();
  const double bytes = static_cast<double>(gen.bytes_read() + gen.bytes_written());
  nlohmann::json stats;
  stats["traffic"] = {{"pattern", traffic.random ? "random" : "sequential"},
                      {"requests", traffic.requests},
                      {"size_bytes", traffic.size_bytes},
                      {"read_fraction", traffic.read_fraction},
                      {"outstanding", traffic.outstanding},
                      {"completed", gen.completed()},
                      {"error_responses", gen.errors()},
                      {"bytes_read_bytes", gen.bytes_read()},
                      {"bytes_written_bytes", gen.bytes_written()},
                      {"simulated_time_ns", sim_s * 1e9},
                      {"bandwidth_GBps", sim_s > 0 ? bytes / sim_s / 1e9 : 0.0},
                      {"latency", latency_json(gen.latency())},
                      {"wall_time_s", wall}};
  stats["memory"] = memory_stats_json(mem);
  stats["protocol_violations"] = checker.violation_count();

  std::cout << "device " << (o.device.empty() ? kDefaultDeviceSource : o.device) << ": " << dram.org.channels
            << " channels, peak " << std::fixed << std::setprecision(1) << dram.peak_bandwidth_total() / 1e9
            << " GB/s (x refresh factor " << std::setprecision(4) << dram.refresh_factor() << ")\n";
  std::cout << "traffic: " << traffic.requests << " x " << traffic.size_bytes << " B "
            << (traffic.random ? "random" : "sequential") << ", " << std::setprecision(0) << traffic.read_fraction * 100 << "% reads, "
            << traffic.outstanding << " outstanding\n";
  std::cout << std::setprecision(2) << "bandwidth " << stats["traffic"]["bandwidth_GBps"].get<double>() << " GB/s over "
            << sim_s * 1e6 << " us simulated; latency p50 " << gen.latency().percentile(0.50) / 1000.0 << " ns, p95 "
            << gen.latency().percentile(0.95) / 1000.0 << " ns, p99 " << gen.latency().percentile(0.99) / 1000.0
            << " ns; row-buffer hit rate " << stats["memory"]["dram"]["row_hit_rate"].get<double>() * 100
            << "%; wall " << std::setprecision(3) << wall << " s ("
            << std::setprecision(2) << traffic.requests / wall / 1e6 << " M requests/s)\n";
  std::cout << "protocol violations: " << checker.violation_count() << ", error responses: " << gen.errors() << "\n";
  if (!o.out.empty()) {
    std::ofstream f(o.out);
    if (!f) throw std::runtime_error(o.out + ": cannot open for writing");
    f << stats.dump(2) << "\n";
    std::cout << "statistics written to " << o.out << "\n";
  }
  return (checker.violation_count() == 0 && gen.errors() == 0 && gen.done()) ? 0 : kExitFailed;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  CLI::App app{"monde-traffic: memory traffic through the device's TLM DRAM target"};
  Options o;
  app.add_option("--device", o.device, "device preset (configs/device/*.json); default: embedded LPDDR5X-8533");
  app.add_option("--config", o.config, "JSON file with a \"traffic\" object");
  app.add_option("--out", o.out, "write statistics as JSON");
  app.add_option("--pattern", o.pattern)->check(CLI::IsMember({"sequential", "random"}));
  app.add_option("--requests", o.requests)->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  app.add_option("--size", o.size, "bytes per transaction")->check(CLI::Range(1u, 1u << 20));
  app.add_option("--read-fraction", o.read_fraction)->check(CLI::Range(0.0, 1.0));
  app.add_option("--outstanding", o.outstanding)->check(CLI::Range(1u, 4096u));
  app.add_flag("--timing-only", o.timing_only, "move no payload bytes (data: timing_only)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitBadInput;
  }
  try {
    return run(o);
  } catch (const ConfigError& e) {
    std::cerr << "monde-traffic: configuration error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "monde-traffic: " << e.what() << "\n";
  }
  return kExitBadInput;
}
