#include "core/config/fault_config.hpp"

#include <limits>
#include <string>

#include "core/config/address_value.hpp"
#include "core/config/devices_config.hpp"

namespace monde::config {

namespace {

const Schema<DramPoisonConfig>& dram_poison_schema() {
  using P = DramPoisonConfig;
  static const auto s = [] {
    Schema<P> p("Device DRAM reads that return poison (an uncorrectable error): the CXL.mem read is answered "
                "with the poison bit, an NDP job that reads it completes with dma_poison (docs/ndp_interface.md).");
    p.number("read_line_rate", &P::read_line_rate, 0.0, 1.0,
             "probability that a 64 B line read from the DRAM returns poison, each read drawn from faults.seed")
        .custom(KeyDoc{"ranges", "array", "[]", "0 .. 1024 objects {\"base\", \"size\"} (integer or \"0x...\"), "
                                                "inside the device memory",
                       "device physical address ranges whose every read returns poison (a failed region)"},
                [](const ConfigNode& n, P& c) {
                  if (!n.has("ranges")) return;
                  c.ranges.clear();
                  for (const auto& r : n.objects("ranges", 0, 1024)) {
                    r.reject_unknown_keys({"base", "size"});
                    if (!r.has("base")) r.fail("base", "missing; required with size");
                    if (!r.has("size")) r.fail("size", "missing; required with base");
                    AddressSpan span{get_address(r, "base"), get_address(r, "size")};
                    if (span.size == 0) r.fail("size", "must be > 0");
                    if (span.base > std::numeric_limits<std::uint64_t>::max() - span.size) {
                      r.fail("size", "base + size wraps around the 64-bit address space");
                    }
                    for (std::size_t j = 0; j < c.ranges.size(); ++j) {  // a line is poisoned once
                      const auto& o = c.ranges[j];
                      if (span.base / 64 <= (o.base + o.size - 1) / 64 && o.base / 64 <= (span.base + span.size - 1) / 64) {
                        r.fail("base", "overlaps ranges[" + std::to_string(j) + "] (ranges are 64 B lines; give each "
                                       "line once)");
                      }
                    }
                    c.ranges.push_back(span);
                  }
                },
                [](const P& c, nlohmann::json& j) {
                  nlohmann::json a = nlohmann::json::array();
                  for (const auto& r : c.ranges) a.push_back({{"base", hex(r.base)}, {"size", hex(r.size)}});
                  j["ranges"] = a;
                });
    return p;
  }();
  return s;
}

const Schema<CxlLinkFaultConfig>& cxl_link_fault_schema() {
  using L = CxlLinkFaultConfig;
  static const auto s =
      Schema<L>("CRC errors on the CXL.mem link and the link-layer retry that recovers them (CXL 2.0 §4.2.8); "
                "README \"Faults\" has the timing model.")
          .number("flit_error_rate", &L::flit_error_rate, 0.0, 0.5,
                  "probability that a 68 B flit fails its CRC check, in each direction, drawn from faults.seed")
          .integer("replay_buffer_flits", &L::replay_buffer_flits, 0, 256,
                   "the sender's local retry buffer, flits (a flit is acknowledged one crossing after it arrived); "
                   "0: never limits the sender")
          .number("retry_turnaround_ns", &L::retry_turnaround_ns, 0.0, 1e6,
                  "time both link layers add to a retry beyond the RETRY.Req / RETRY.Ack flits and the crossings, "
                  "ns (an assumption)");
  return s;
}

const Schema<NdpFaultConfig>& ndp_fault_schema() {
  using N = NdpFaultConfig;
  static const auto s =
      Schema<N>("A hung NDP job and the driver's watchdog (docs/driver.md, \"Timeouts\").")
          .integer("hang_job", &N::hang_job, 0, std::uint64_t{1} << 40,
                   "the n-th job the device starts never completes by itself (1-based; 0: none)")
          .choice("hang_scope", &N::hang_scope,
                  "unit: unit 0 stops at the start of the job (CONTROL.ABORT ends it); engine: the command "
                  "processor stops (only a reset ends it)")
          .number("job_timeout_ms", &N::job_timeout_ms, 1e-3, 1e6,
                  "driver watchdog: jobs in flight and no completion for this long (simulated) -> abort the "
                  "running job; none for as long again -> reset the device and recover the rings");
  return s;
}

}  // namespace

const std::vector<EnumName<HangScope>>& names_of(HangScope) {
  static const std::vector<EnumName<HangScope>> n = {{HangScope::kUnit, "unit"}, {HangScope::kEngine, "engine"}};
  return n;
}

const Schema<FaultConfig>& fault_schema() {
  using F = FaultConfig;
  static const auto s =
      Schema<F>("Faults injected into the run and how the host handles them (README \"Faults\"); all off by default.")
          .integer("seed", &F::seed, 0, ~std::uint64_t{0}, "random seed of every fault's draws")
          .object("dram_poison", &F::dram_poison, dram_poison_schema())
          .object("cxl_link", &F::cxl_link, cxl_link_fault_schema())
          .object("ndp", &F::ndp, ndp_fault_schema())
          .custom(KeyDoc{"device", "integer or string", "0",
                         "0 .. " + std::to_string(kMaxDevices - 1) + " (below devices.count), or \"all\"",
                         "with several devices (devices.count): the device the faults are injected into, or all of "
                         "them, each drawing from its own seed (README \"Faults\", several devices)"},
                  [](const ConfigNode& n, F& c) {
                    if (!n.has("device")) return;
                    const nlohmann::json& v = n.at("device");
                    if (v.is_string()) {
                      if (v.get<std::string>() != "all") {
                        n.fail("device", "allowed 0 .. " + std::to_string(kMaxDevices - 1) + " or \"all\"");
                      }
                      c.device = F::kAllDevices;
                      return;
                    }
                    if (!v.is_number_integer()) {
                      n.fail("device", "allowed 0 .. " + std::to_string(kMaxDevices - 1) + " or \"all\"");
                    }
                    c.device = static_cast<std::int32_t>(n.get_uint("device", 0, kMaxDevices - 1));
                  },
                  [](const F& c, nlohmann::json& j) {
                    if (c.device == F::kAllDevices) {
                      j["device"] = "all";
                    } else {
                      j["device"] = c.device;
                    }
                  });
  return s;
}

std::uint64_t device_seed(std::uint64_t seed, std::uint32_t d) {
  if (d == 0) return seed;
  std::uint64_t z = seed + std::uint64_t{d} * 0x9E3779B97F4A7C15ull;  // splitmix64
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

FaultConfig FaultConfig::of_device(std::uint32_t d) const {
  FaultConfig f;
  f.ndp.job_timeout_ms = ndp.job_timeout_ms;
  if (!targets(d)) return f;
  f = *this;
  f.seed = device_seed(seed, d);
  f.device = static_cast<std::int32_t>(d);
  return f;
}

bool differs_from_defaults(const FaultConfig& c) {
  return fault_schema().to_json(c) != fault_schema().to_json(FaultConfig{});
}

}  // namespace monde::config
