// monde-sim traffic: a standalone traffic run against the MoNDE device as the host sees it (CXL
// link -> controller -> DRAM), or against its DRAM alone (--target memory), through a TLM-2.0
// protocol checker. The device and the traffic come from an experiment (default: the preset
// "memory-traffic": the LPDDR5X-8533 device with the timed DRAM model) like every other command:
//   monde-sim traffic [--config FILE|PRESET] [--device NAME|FILE] [--set traffic.KEY=VALUE]
//                     [--pattern ...] [--requests N] [--size B] [--read-fraction F] [--outstanding N]
//                     [--target device|memory] [--style at|lt] [--dmi] [--timing-only] [--out stats.json]
//   monde-sim traffic --trace FILE [--device NAME|FILE] [--target memory|device] [--out stats.json]
//     replays a DRAMSys STL or Ramulator request trace (tools/cli/traffic_trace.hpp), by default
//     against the DRAM alone.
// Exit status: 0 all requests completed without errors or protocol violations, 1 otherwise, 2 bad input.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <systemc>

#include "core/config/system_config.hpp"
#include "system/builder.hpp"
#include "system/run_outputs.hpp"
#include "tlm/checker/protocol_checker.hpp"
#include "tlm/memory/lt_traffic_generator.hpp"
#include "tlm/memory/memory_stats.hpp"
#include "tlm/memory/memory_target.hpp"
#include "tlm/memory/traffic_generator.hpp"
#include "tools/cli/cli.hpp"
#include "tools/cli/experiment_options.hpp"
#include "tools/cli/traffic_trace.hpp"

namespace monde::tools {

namespace {

using namespace monde::mem;

constexpr const char* kDefaultExperiment = "memory-traffic";

struct Options {
  ExperimentOptions experiment;
  std::string out, pattern, target, style = "at", trace;
  std::string requests, size, outstanding, read_fraction;  // as written: checked by the traffic schema
  double quantum_ns = 1000.0;
  bool timing_only = false, dmi = false;
  bool quantum_given = false;  // --quantum-ns was on the command line
};

// Options of the other initiator style would do nothing: refuse them rather than ignore them.
void check_style_options(const Options& o) {
  if (o.style == "lt" && !o.outstanding.empty()) {
    throw std::invalid_argument("--outstanding " + config::shown_text(o.outstanding) +
                                ": the LT initiator has one request in flight (b_transport); allowed with --style at");
  }
  if (o.style == "at" && o.dmi) {
    throw std::invalid_argument("--dmi: only the LT initiator asks for DMI pointers; allowed with --style lt");
  }
  if (o.style == "at" && o.quantum_given) {
    throw std::invalid_argument("--quantum-ns: the AT initiator keeps no quantum; allowed with --style lt");
  }
}

// What both initiator kinds report.
struct Observed {
  std::uint64_t completed, errors, bytes_read, bytes_written;
  double first_s, last_s;
  const stats::LatencyHistogram* latency;
};

int run(const Options& o) {
  check_style_options(o);
  // The experiment's device and traffic sections (nothing else is read), with the shorthands as
  // overrides of traffic.* so that their values are checked like the file's.
  config::ExperimentSource source = o.experiment.source();
  reject_unread_overrides(source, {"device", "traffic"}, "traffic");  // one device: devices.* would do nothing
  if (o.experiment.experiment.empty()) source.experiment = kDefaultExperiment;
  auto add = [&source](const char* key, const std::string& value, const char* flag) {
    if (!value.empty()) source.overrides.push_back({std::string("traffic.") + key + "=" + value, std::string(flag) + " " + value});
  };
  add("pattern", o.pattern.empty() ? "" : nlohmann::json(o.pattern).dump(), "--pattern");
  add("requests", o.requests, "--requests");
  add("size_bytes", o.size, "--size");
  add("outstanding", o.outstanding, "--outstanding");
  add("read_fraction", o.read_fraction, "--read-fraction");
  const config::ExperimentDocument doc = config::load_experiment_document(source);
  const config::ConfigNode root = doc.root();
  root.reject_unknown_keys(config::system_schema().keys());
  const config::DeviceConfig dev = config::device_schema().parse(root.child("device"));
  const std::string device_source = root.source_of("device");
  if (!o.trace.empty()) return replay_trace({o.trace, o.target.empty() ? "memory" : o.target, o.out}, dev, device_source);
  const std::string target = o.target.empty() ? "device" : o.target;
  const config::DramConfig& dram = dev.dram;
  config::TrafficConfig traffic;
  if (root.has("traffic")) traffic = config::traffic_schema().parse(root.child("traffic"));
  if (traffic.region_bytes > dram.capacity_bytes()) traffic.region_bytes = dram.capacity_bytes();
  if (!o.out.empty()) system::write_text_file(o.out, "");  // writable, before simulating

  device::DeviceOptions dopt;
  dopt.timing_only = o.timing_only;
  dopt.allow_dmi = o.dmi;
  dopt.ndp = false;  // host traffic only
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
  if (target == "device") {
    cxl_dev = system::build_device(dev, dopt);
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
  stats["traffic"] = {{"target", target},
                      {"style", o.style},
                      {"pattern", traffic.random() ? "random" : "sequential"},
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
            << (traffic.random() ? "random" : "sequential") << ", " << std::setprecision(0) << traffic.read_fraction * 100
            << "% reads, " << (lt ? std::string("LT") : std::to_string(traffic.outstanding) + " outstanding")
            << " -> " << target << "\n";
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
    system::write_text_file(o.out, stats.dump(2) + "\n");
    std::cout << "statistics written to " << o.out << "\n";
  }
  return (checker.violation_count() == 0 && seen.errors == 0 && done) ? 0 : kExitFailed;
}

}  // namespace

Command add_traffic_command(CLI::App& app) {
  auto* sub = app.add_subcommand("traffic", "memory traffic through the device's CXL link and DRAM (or the DRAM alone)");
  auto o = std::make_shared<Options>();
  o->experiment.add_to(*sub, "config");
  sub->add_option("--out", o->out, "write statistics as JSON")->check(non_empty_path());
  sub->add_option("--target", o->target,
                  "device (CXL link + HDM + DRAM; the default) or memory (the DRAM alone; the default with --trace)")
      ->check(CLI::IsMember({"device", "memory"}));
  auto* trace = sub->add_option("--trace", o->trace,
                                "replay a request trace (DRAMSys STL '<clk>:<TAB>read|write<TAB>0x<addr>' or "
                                "Ramulator 'LD|ST 0x<addr>'): in file order, at most one request per DRAM clock, "
                                "stalling while the controller queue is full; the traffic section is not used")
                   ->check(non_empty_path());
  sub->add_option("--style", o->style, "at (4-phase, outstanding transactions) or lt (b_transport + quantum keeper)")
      ->check(CLI::IsMember({"at", "lt"}));
  sub->add_option("--quantum-ns", o->quantum_ns, "LT global quantum (ns)")->check(finite_range(0.001, 1e9));
  sub->add_flag("--dmi", o->dmi, "let the target grant DMI (LT uses it; bypasses link and DRAM timing)");
  sub->add_option("--pattern", o->pattern, "traffic.pattern: sequential or random");
  sub->add_option("--requests", o->requests, "traffic.requests");
  sub->add_option("--size", o->size, "traffic.size_bytes: bytes per transaction");
  sub->add_option("--read-fraction", o->read_fraction, "traffic.read_fraction");
  sub->add_option("--outstanding", o->outstanding, "traffic.outstanding");
  sub->add_flag("--timing-only", o->timing_only, "move no payload bytes (data: timing_only)");
  // A trace is its own traffic: the generator's options do not apply to it.
  for (const char* name : {"--style", "--quantum-ns", "--dmi", "--pattern", "--requests", "--size", "--read-fraction",
                           "--outstanding", "--timing-only"}) {
    trace->excludes(sub->get_option(name));
  }
  return {sub, [o, sub] {
            sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
            o->quantum_given = sub->get_option("--quantum-ns")->count() > 0;
            return run(*o);
          }};
}

}  // namespace monde::tools
