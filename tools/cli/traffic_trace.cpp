#include "tools/cli/traffic_trace.hpp"

#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>
#include <systemc>

#include "system/builder.hpp"
#include "system/run_outputs.hpp"
#include "tlm/checker/protocol_checker.hpp"
#include "tlm/memory/memory_stats.hpp"
#include "tlm/memory/memory_target.hpp"
#include "tlm/memory/request_trace.hpp"
#include "tlm/memory/trace_player.hpp"
#include "tools/cli/cli.hpp"

namespace monde::tools {

namespace {

// The latency summary DRAMSys users compare: average and percentiles, in ns.
nlohmann::json latency_summary(const stats::LatencyHistogram& h) {
  auto ns = [](double ps) { return ps / 1000.0; };
  return {{"count", h.count()},
          {"avg", ns(h.mean())},
          {"p50", ns(static_cast<double>(h.percentile(0.50)))},
          {"p90", ns(static_cast<double>(h.percentile(0.90)))},
          {"p99", ns(static_cast<double>(h.percentile(0.99)))}};
}

}  // namespace

int replay_trace(const TraceReplay& r, const config::DeviceConfig& dev, const std::string& device_source) {
  const config::DramConfig& dram = dev.dram;
  const mem::RequestTrace trace = mem::load_request_trace(r.trace_path);
  mem::check_request_trace(trace, r.trace_path, dram.capacity_bytes(), dram.timing.tck_ps);
  if (!r.out.empty()) system::write_text_file(r.out, "");  // writable, before simulating

  const auto burst = static_cast<unsigned>(dram.bytes_per_burst());
  mem::TracePlayer player("trace", trace, dram.timing.tck_ps, burst);
  checker::ProtocolChecker<64> checker("checker");
  player.socket.bind(checker.target_socket);
  std::unique_ptr<device::CxlType3Device> cxl_dev;
  std::unique_ptr<mem::MemoryTarget> mem_only;
  // A trace carries no data: no payload bytes are stored or returned.
  if (r.target == "device") {
    device::DeviceOptions dopt;
    dopt.timing_only = true;
    dopt.ndp = false;
    cxl_dev = system::build_device(dev, dopt);
    checker.initiator_socket.bind(cxl_dev->host_socket());
  } else {
    mem::MemoryTargetOptions mopt;
    mopt.timing_only = true;
    mem_only = std::make_unique<mem::MemoryTarget>("memory", dram, dram.capacity_bytes(), mopt);
    checker.initiator_socket.bind(mem_only->socket);
  }

  const auto w0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();

  const mem::MemoryTarget& memory = cxl_dev ? cxl_dev->memory() : *mem_only;
  const auto dstats = memory.dram().stats();
  const std::uint64_t n = trace.requests.size();
  const double sim_ps = static_cast<double>(player.last_completion_ps());
  const double bytes = static_cast<double>(player.completed()) * burst;
  nlohmann::json stats;
  stats["traffic"] = {{"trace", r.trace_path},
                      {"format", mem::format_name(trace.format)},
                      {"target", r.target},
                      {"requests", n},
                      {"reads", player.reads()},
                      {"writes", player.writes()},
                      {"bytes_per_request", burst},
                      {"completed", player.completed()},
                      {"error_responses", player.errors()},
                      {"simulated_ns", sim_ps / 1000.0},
                      {"bandwidth_GBps", sim_ps > 0 ? bytes / (sim_ps * 1e-12) / 1e9 : 0.0},
                      {"read_latency_ns", latency_summary(dstats.read_latency_ps)},
                      {"write_latency_ns", latency_summary(dstats.write_latency_ps)},
                      {"wall_s", wall},
                      {"requests_per_wall_s", wall > 0 ? static_cast<double>(n) / wall : 0.0}};
  if (cxl_dev) {
    const auto d = cxl_dev->stats_json(sim_ps);
    stats["cxl"] = d["cxl"];
    stats["memory"] = d["memory"];
  } else {
    stats["memory"] = mem::memory_stats_json(*mem_only);
  }
  stats["protocol_violations"] = checker.violation_count();

  const auto& t = stats["traffic"];
  std::cout << "device " << device_source << ": " << dram.org.channels << " channel(s), peak " << std::fixed
            << std::setprecision(1) << dram.peak_bandwidth_total() / 1e9 << " GB/s, scheduler "
            << config::to_string(dram.scheduler) << "\n";
  std::cout << "trace " << r.trace_path << " (" << mem::format_name(trace.format) << "): " << n << " requests ("
            << player.reads() << " reads, " << player.writes() << " writes) -> " << r.target << "\n";
  std::cout << std::setprecision(2) << "bandwidth " << t["bandwidth_GBps"].get<double>() << " GB/s over "
            << sim_ps / 1e6 << " us simulated; read latency avg " << t["read_latency_ns"]["avg"].get<double>()
            << " ns, p50 " << t["read_latency_ns"]["p50"].get<double>() << ", p90 "
            << t["read_latency_ns"]["p90"].get<double>() << ", p99 " << t["read_latency_ns"]["p99"].get<double>()
            << " ns; row hits " << dstats.row_hits << ", misses " << dstats.row_misses << ", conflicts "
            << dstats.row_conflicts << ", refreshes " << dstats.refreshes << "; wall " << std::setprecision(3) << wall
            << " s (" << std::setprecision(2) << static_cast<double>(n) / wall / 1e6 << " M requests/s)\n";
  std::cout << "protocol violations: " << checker.violation_count() << ", error responses: " << player.errors() << "\n";
  if (!r.out.empty()) {
    system::write_text_file(r.out, stats.dump(2) + "\n");
    std::cout << "statistics written to " << r.out << "\n";
  }
  return (checker.violation_count() == 0 && player.errors() == 0 && player.done()) ? kExitOk : kExitFailed;
}

}  // namespace monde::tools
