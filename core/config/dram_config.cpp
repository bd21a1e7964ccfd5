#include "core/config/dram_config.hpp"

#include <algorithm>

namespace monde::config {

namespace {

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Upper bound for any timing in cycles: generous (tREFI of a slow part at a fast clock) but
// finite so that a typo such as an extra digit is caught.
constexpr std::uint64_t kMaxCycles = 1'000'000;

// Counts used as address fields: the address map slices bits, so they must be powers of two.
template <class T>
void require_pow2(const ConfigNode& n, const char* key, unsigned T::*field, std::uint64_t lo, std::uint64_t hi,
                  const T& t) {
  if (!is_pow2(t.*field)) {
    n.fail(key, "must be a power of two; allowed " + std::to_string(lo) + " .. " + std::to_string(hi) +
                    ", powers of two");
  }
}

// Physical orderings between timings; the message names the key that breaks the rule.
void require_ge(const ConfigNode& n, const char* key, std::uint64_t v, const char* other, std::uint64_t w,
                const char* why) {
  if (v < w) n.fail(key, std::string("must be >= ") + other + " (" + std::to_string(w) + "): " + why);
}

const Schema<DramOrganization>& org_schema() {
  using O = DramOrganization;
  static const auto s = [] {
    Schema<O> o("DRAM organisation. Every count is a power of two (the address map slices bits).");
    o.integer("channels", &O::channels, 1, 64, "independent channels", kRequired)
        .integer("ranks", &O::ranks, 1, 16, "ranks per channel", kRequired)
        .integer("bank_groups", &O::bank_groups, 1, 16, "bank groups per rank", kRequired)
        .integer("banks_per_group", &O::banks_per_group, 1, 32, "banks per bank group", kRequired)
        .integer("rows", &O::rows, 16, 1u << 22, "rows per bank", kRequired)
        .integer("columns", &O::columns, 8, 1u << 16, "column addresses per row (one bus-width word each)", kRequired)
        .integer("bus_width_bits", &O::bus_width_bits, 8, 512, "data bus width per channel, bits", kRequired)
        .integer("burst_length", &O::burst_length, 2, 64, "beats per column command", kRequired)
        .check([](const ConfigNode& n, O& g) {
          require_pow2(n, "channels", &O::channels, 1, 64, g);
          require_pow2(n, "ranks", &O::ranks, 1, 16, g);
          require_pow2(n, "bank_groups", &O::bank_groups, 1, 16, g);
          require_pow2(n, "banks_per_group", &O::banks_per_group, 1, 32, g);
          require_pow2(n, "rows", &O::rows, 16, 1u << 22, g);
          require_pow2(n, "columns", &O::columns, 8, 1u << 16, g);
          require_pow2(n, "bus_width_bits", &O::bus_width_bits, 8, 512, g);
          require_pow2(n, "burst_length", &O::burst_length, 2, 64, g);
          if (g.columns < g.burst_length) {
            n.fail("columns", "must be >= burst_length (" + std::to_string(g.burst_length) +
                                  "): a row must hold at least one burst");
          }
        });
    return o;
  }();
  return s;
}

const Schema<DramTiming>& timing_schema() {
  using T = DramTiming;
  static const auto s = [] {
    Schema<T> t("DRAM timing. Every value except tck_ps is in clock cycles of tck_ps (the clock whose two edges "
                "each carry one data beat).");
    t.integer("tck_ps", &T::tck_ps, 100, 100'000, "clock period, ps", kRequired);
    struct Cycles {
      const char* key;
      std::uint64_t T::*field;
      const char* doc;
    };
    const Cycles cycles[] = {
        {"tRCD", &T::tRCD, "ACT to RD/WR of the same bank"},
        {"tRP", &T::tRP, "PRE to ACT of the same bank"},
        {"tRAS", &T::tRAS, "ACT to PRE of the same bank"},
        {"tRL", &T::tRL, "RD to its first data beat (read latency)"},
        {"tWL", &T::tWL, "WR to its first data beat (write latency)"},
        {"tBURST", &T::tBURST, "data bus time of one burst: organization.burst_length / 2"},
        {"tCCD_S", &T::tCCD_S, "column command to column command, other bank group"},
        {"tCCD_L", &T::tCCD_L, "column command to column command, same bank group"},
        {"tRRD_S", &T::tRRD_S, "ACT to ACT, other bank group"},
        {"tRRD_L", &T::tRRD_L, "ACT to ACT, same bank group"},
        {"tFAW", &T::tFAW, "window holding at most four ACTs per rank"},
        {"tWTR_S", &T::tWTR_S, "end of write data to RD, other bank group"},
        {"tWTR_L", &T::tWTR_L, "end of write data to RD, same bank group"},
        {"tRTP", &T::tRTP, "RD to PRE of the same bank"},
        {"tWR", &T::tWR, "end of write data to PRE of the same bank (write recovery)"}};
    for (const auto& c : cycles) t.integer(c.key, c.field, 1, kMaxCycles, std::string(c.doc) + ", cycles", kRequired);
    t.integer("tREFI", &T::tREFI, 0, kMaxCycles, "refresh interval, cycles (0: refresh off)", kRequired)
        .integer("tRFC", &T::tRFC, 1, kMaxCycles, "all-bank refresh time, cycles", kRequired);
    return t;
  }();
  return s;
}

const Schema<DramQueues>& queues_schema() {
  using Q = DramQueues;
  static const auto s = [] {
    Schema<Q> q("Controller queues, per channel. With the drain scheduler, writes drain from the high watermark "
                "down to the low one.");
    q.integer("read_depth", &Q::read_depth, 1, 4096, "read queue entries", kRequired)
        .integer("write_depth", &Q::write_depth, 1, 4096, "write queue entries", kRequired)
        .boolean("write_watermarks", &Q::write_watermarks,
                 "drain scheduler: switch to writes at the high watermark and back at the low one; false: serve "
                 "one direction until its queue is empty, then the other (no watermarks)")
        // Defaults: drain at 3/4 full, stop at 1/4, so that a drain moves half a queue of writes
        // per bus turnaround while reads are never starved for long.
        .custom(KeyDoc{"write_high_watermark", "integer", "write_depth - write_depth / 4", "1 .. write_depth",
                       "start draining writes at this many queued"},
                [](const ConfigNode& n, Q& d) {
                  d.write_high_watermark = static_cast<unsigned>(
                      n.get_uint("write_high_watermark", 1, d.write_depth, d.write_depth - d.write_depth / 4));
                },
                [](const Q& d, nlohmann::json& j) { j["write_high_watermark"] = d.write_high_watermark; })
        .custom(KeyDoc{"write_low_watermark", "integer", "min(write_depth / 4, write_high_watermark - 1)",
                       "0 .. write_high_watermark - 1", "stop draining writes at this many queued"},
                [](const ConfigNode& n, Q& d) {
                  const unsigned def = std::min(d.write_depth / 4, d.write_high_watermark - 1);
                  d.write_low_watermark =
                      static_cast<unsigned>(n.get_uint("write_low_watermark", 0, d.write_high_watermark - 1, def));
                },
                [](const Q& d, nlohmann::json& j) { j["write_low_watermark"] = d.write_low_watermark; });
    return q;
  }();
  return s;
}

struct BandwidthModel {
  double efficiency = DramConfig{}.bandwidth_efficiency;
};

const Schema<BandwidthModel>& bandwidth_schema() {
  static const auto s = Schema<BandwidthModel>("The bandwidth model (memory.model \"bandwidth\").")
                            .number("efficiency", &BandwidthModel::efficiency, 0.01, 1.0,
                                    "fraction of the refresh-derated peak that bulk transfers sustain");
  return s;
}

const Schema<DramPowerConfig>& power_schema() {
  using P = DramPowerConfig;
  static const auto s = [] {
    Schema<P> p("One DRAM device's currents and voltage (its datasheet's IDD table) for DRAMPower's energy "
                "formulas (docs/energy.md). Optional: without it the run reports no DRAM energy.");
    // 10 A per chip is far above any DRAM's IDD and below a mA/uA unit slip.
    constexpr double kMaxMa = 10'000.0;
    p.number("vdd_v", &P::vdd_v, 0.1, 5.0, "supply voltage of the modelled rail, V (DDR4 VDD 1.2, LPDDR5 VDD2H 1.05)",
             1.0, kRequired)
        .number("idd0_mA", &P::idd0_mA, 0.0, kMaxMa, "IDD0: one bank ACTIVATE-to-PRECHARGE current, mA", 1.0, kRequired)
        .number("idd2n_mA", &P::idd2n_mA, 0.0, kMaxMa, "IDD2N: precharge standby current, mA", 1.0, kRequired)
        .number("idd3n_mA", &P::idd3n_mA, 0.0, kMaxMa, "IDD3N: active standby current, mA", 1.0, kRequired)
        .number("idd4r_mA", &P::idd4r_mA, 0.0, kMaxMa, "IDD4R: burst read current, mA", 1.0, kRequired)
        .number("idd4w_mA", &P::idd4w_mA, 0.0, kMaxMa, "IDD4W: burst write current, mA", 1.0, kRequired)
        .number("idd5b_mA", &P::idd5b_mA, 0.0, kMaxMa, "IDD5B: burst (all-bank) refresh current, mA", 1.0, kRequired)
        .integer("device_width_bits", &P::device_width_bits, 4, 64,
                 "data width of one device (x4, x8, x16, x32, x64); divides organization.bus_width_bits", kRequired)
        .check([](const ConfigNode& n, P& c) {
          // DRAMPower subtracts the standby currents from the command currents: each difference
          // must be a current the command adds, not a negative one.
          const auto at_least = [&](const char* key, double v, const char* other, double w) {
            if (v < w) {
              n.fail(key, std::string("must be >= ") + other + " (" + format_number(w) +
                              "): DRAMPower charges the difference to each command");
            }
          };
          at_least("idd3n_mA", c.idd3n_mA, "idd2n_mA", c.idd2n_mA);
          at_least("idd0_mA", c.idd0_mA, "idd3n_mA", c.idd3n_mA);
          at_least("idd4r_mA", c.idd4r_mA, "idd3n_mA", c.idd3n_mA);
          at_least("idd4w_mA", c.idd4w_mA, "idd3n_mA", c.idd3n_mA);
          at_least("idd5b_mA", c.idd5b_mA, "idd3n_mA", c.idd3n_mA);
          if (!is_pow2(c.device_width_bits)) n.fail("device_width_bits", "must be a power of two; allowed 4 .. 64");
        });
    return p;
  }();
  return s;
}

std::array<AddrField, kNumAddrFields> parse_mapping(const ConfigNode& mem) {
  const std::string key = "address_mapping";
  const std::string allowed = "allowed a list of row, rank, bank, bank_group, column, channel, each once, MSB first";
  const auto& arr = mem.at(key, allowed);
  if (!arr.is_array() || arr.size() != kNumAddrFields) mem.fail(key, "must be a list of 6 fields; " + allowed);
  std::array<AddrField, kNumAddrFields> out{};
  std::array<bool, kNumAddrFields> seen{};
  for (std::size_t i = 0; i < arr.size(); ++i) {
    bool found = false;
    for (unsigned f = 0; f < kNumAddrFields && arr[i].is_string(); ++f) {
      if (arr[i].get<std::string>() == addr_field_name(static_cast<AddrField>(f))) {
        if (seen[f]) mem.fail(key, "names " + arr[i].dump() + " twice; " + allowed);
        seen[f] = true;
        out[i] = static_cast<AddrField>(f);
        found = true;
      }
    }
    if (!found) mem.fail(key, "has unknown field " + arr[i].dump() + "; " + allowed);
  }
  return out;
}

}  // namespace

const std::vector<EnumName<PagePolicy>>& names_of(PagePolicy) {
  static const std::vector<EnumName<PagePolicy>> n = {{PagePolicy::kOpen, "open"}, {PagePolicy::kClosed, "closed"}};
  return n;
}

const std::vector<EnumName<DramScheduler>>& names_of(DramScheduler) {
  static const std::vector<EnumName<DramScheduler>> n = {{DramScheduler::kDrain, "drain"},
                                                         {DramScheduler::kFrFcfs, "fr_fcfs"}};
  return n;
}

const std::vector<EnumName<MemoryModel>>& names_of(MemoryModel) {
  static const std::vector<EnumName<MemoryModel>> n = {{MemoryModel::kTimed, "timed"},
                                                       {MemoryModel::kBandwidth, "bandwidth"}};
  return n;
}

const char* addr_field_name(AddrField f) {
  switch (f) {
    case AddrField::kChannel: return "channel";
    case AddrField::kRank: return "rank";
    case AddrField::kBankGroup: return "bank_group";
    case AddrField::kBank: return "bank";
    case AddrField::kRow: return "row";
    case AddrField::kColumn: return "column";
  }
  return "?";
}

std::uint64_t DramConfig::capacity_bytes() const {
  return std::uint64_t{org.channels} * org.ranks * org.bank_groups * org.banks_per_group * org.rows * org.columns *
         (org.bus_width_bits / 8);
}

const Schema<DramConfig>& dram_schema() {
  using D = DramConfig;
  static const auto s = [] {
    Schema<D> m("The device DRAM (a device preset's `memory` object).");
    m.choice("model", &D::model,
             "\"timed\": per-request DRAM timing (banks, scheduler, refresh); \"bandwidth\": bulk transfers at the "
             "sustained bandwidth (full-size models in seconds)")
        .object("organization", &D::org, org_schema(), kRequired)
        .object("timing", &D::timing, timing_schema(), kRequired)
        .custom(KeyDoc{"address_mapping", "array", "(required)",
                       "row, rank, bank, bank_group, column, channel: each once",
                       "address fields from the most significant bit down (the burst offset is below them)"},
                [](const ConfigNode& n, D& d) { d.mapping = parse_mapping(n); },
                [](const D& d, nlohmann::json& j) {
                  j["address_mapping"] = nlohmann::json::array();
                  for (auto f : d.mapping) j["address_mapping"].push_back(addr_field_name(f));
                })
        .choice("page_policy", &D::page_policy, "keep rows open after an access, or precharge at once", kRequired)
        .choice("scheduler", &D::scheduler,
                "\"drain\": FR-FCFS in one direction at a time with write drains (queues.write_*), rows opened for "
                "requests of the other direction served before they are closed; \"fr_fcfs\": DRAMSys's FR-FCFS, per "
                "bank a row hit first else the oldest request, reads and writes from one pool, the older request's "
                "command first on a same-cycle tie")
        .object("queues", &D::queues, queues_schema(), kRequired)
        .custom(KeyDoc{"bandwidth_model", "object", "(see below)", "the keys below", bandwidth_schema().doc()},
                [](const ConfigNode& n, D& d) {
                  if (n.has("bandwidth_model")) {
                    d.bandwidth_efficiency = bandwidth_schema().parse(n.child("bandwidth_model")).efficiency;
                  }
                },
                [](const D& d, nlohmann::json& j) {
                  j["bandwidth_model"] = bandwidth_schema().to_json(BandwidthModel{d.bandwidth_efficiency});
                },
                [](const std::string& path) { return bandwidth_schema().docs(path + ".bandwidth_model"); })
        .custom(KeyDoc{"power", "object", "(none)", "the keys below", power_schema().doc()},
                [](const ConfigNode& n, D& d) {
                  d.power.reset();
                  if (n.has("power")) d.power = power_schema().parse(n.child("power"));
                },
                [](const D& d, nlohmann::json& j) {
                  if (d.power) j["power"] = power_schema().to_json(*d.power);
                },
                [](const std::string& path) { return power_schema().docs(path + ".power"); })
        .check([](const ConfigNode& n, D& d) {
          if (d.power && d.power->device_width_bits > d.org.bus_width_bits) {
            n.child("power").fail("device_width_bits",
                                  "must divide organization.bus_width_bits (" +
                                      std::to_string(d.org.bus_width_bits) + "): a rank is whole devices");
          }
          // A burst of burst_length beats on a DDR bus takes burst_length / 2 clocks; the peak
          // bandwidth formula and the data-bus model both rely on it.
          const auto t = n.child("timing");
          const auto& g = d.org;
          const auto& c = d.timing;
          if (c.tBURST != g.burst_length / 2) {
            t.fail("tBURST", "must equal organization.burst_length / 2 (" + std::to_string(g.burst_length / 2) +
                                 ") for a double-data-rate bus");
          }
          require_ge(t, "tRAS", c.tRAS, "tRCD", c.tRCD, "a row must stay open at least until it can be read");
          require_ge(t, "tRRD_L", c.tRRD_L, "tRRD_S", c.tRRD_S, "same-bank-group spacing cannot be shorter");
          require_ge(t, "tCCD_L", c.tCCD_L, "tCCD_S", c.tCCD_S, "same-bank-group spacing cannot be shorter");
          require_ge(t, "tWTR_L", c.tWTR_L, "tWTR_S", c.tWTR_S, "same-bank-group turnaround cannot be shorter");
          require_ge(t, "tFAW", c.tFAW, "tRRD_S", c.tRRD_S, "four activates cannot fit in less than one ACT spacing");
          if (c.tREFI != 0 && c.tREFI <= c.tRFC + c.tRP) {
            t.fail("tREFI", "must be 0 (refresh off) or > tRFC + tRP (" + std::to_string(c.tRFC + c.tRP) +
                                "): the rank would never be available");
          }
        });
    return m;
  }();
  return s;
}

DramConfig parse_dram_config(const ConfigNode& mem) { return dram_schema().parse(mem); }

}  // namespace monde::config
