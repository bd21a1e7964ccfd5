#include "tlm/memory/dram_config.hpp"

#include <algorithm>

namespace monde::mem {

namespace {

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

[[noreturn]] void fail(const config::ConfigNode& node, const std::string& key, const std::string& what) {
  throw config::ConfigError(node.source() + ": key '" + node.key_path(key) + "' " + what);
}

// A count used as an address field: the address map slices bits, so it must be a power of two.
unsigned get_pow2(const config::ConfigNode& node, const std::string& key, std::uint64_t lo, std::uint64_t hi) {
  const auto v = node.get_uint(key, lo, hi);
  if (!is_pow2(v)) {
    fail(node, key, "= " + std::to_string(v) + " must be a power of two (allowed " + std::to_string(lo) +
                        ".." + std::to_string(hi) + ")");
  }
  return static_cast<unsigned>(v);
}

// Physical orderings between timings; the message names the key that breaks the rule.
void require_ge(const config::ConfigNode& node, const std::string& key, std::uint64_t v, const std::string& other,
                std::uint64_t w, const std::string& why) {
  if (v < w) {
    fail(node, key, "= " + std::to_string(v) + " must be >= " + other + " (" + std::to_string(w) + "): " + why);
  }
}

// Upper bound for any timing in cycles: generous (tREFI of a slow part at a fast clock) but
// finite so that a typo such as an extra digit is caught.
constexpr std::uint64_t kMaxCycles = 1'000'000;

DramOrganization parse_org(const config::ConfigNode& o) {
  o.reject_unknown_keys({"_comment", "_source", "channels", "ranks", "bank_groups", "banks_per_group", "rows",
                         "columns", "bus_width_bits", "burst_length"});
  DramOrganization g;
  g.channels = get_pow2(o, "channels", 1, 64);
  g.ranks = get_pow2(o, "ranks", 1, 16);
  g.bank_groups = get_pow2(o, "bank_groups", 1, 16);
  g.banks_per_group = get_pow2(o, "banks_per_group", 1, 32);
  g.rows = get_pow2(o, "rows", 16, 1u << 22);
  g.columns = get_pow2(o, "columns", 8, 1u << 16);
  g.bus_width_bits = get_pow2(o, "bus_width_bits", 8, 512);
  g.burst_length = get_pow2(o, "burst_length", 2, 64);
  if (g.columns < g.burst_length) {
    fail(o, "columns", "= " + std::to_string(g.columns) + " must be >= burst_length (" +
                           std::to_string(g.burst_length) + "): a row must hold at least one burst");
  }
  return g;
}

DramTiming parse_timing(const config::ConfigNode& t, const DramOrganization& org) {
  t.reject_unknown_keys({"_comment", "_source", "tck_ps", "tRCD", "tRP", "tRAS", "tRL", "tWL", "tBURST", "tCCD_S",
                         "tCCD_L", "tRRD_S", "tRRD_L", "tFAW", "tWTR_S", "tWTR_L", "tRTP", "tWR", "tREFI", "tRFC"});
  DramTiming d;
  d.tck_ps = t.get_uint("tck_ps", 100, 100'000);
  auto c = [&](const char* key, std::uint64_t lo) { return t.get_uint(key, lo, kMaxCycles); };
  d.tRCD = c("tRCD", 1);
  d.tRP = c("tRP", 1);
  d.tRAS = c("tRAS", 1);
  d.tRL = c("tRL", 1);
  d.tWL = c("tWL", 1);
  d.tBURST = c("tBURST", 1);
  d.tCCD_S = c("tCCD_S", 1);
  d.tCCD_L = c("tCCD_L", 1);
  d.tRRD_S = c("tRRD_S", 1);
  d.tRRD_L = c("tRRD_L", 1);
  d.tFAW = c("tFAW", 1);
  d.tWTR_S = c("tWTR_S", 1);
  d.tWTR_L = c("tWTR_L", 1);
  d.tRTP = c("tRTP", 1);
  d.tWR = c("tWR", 1);
  d.tREFI = c("tREFI", 0);
  d.tRFC = c("tRFC", 1);

  // A burst of burst_length beats on a DDR bus takes burst_length / 2 clocks; the peak bandwidth
  // formula and the data-bus model both rely on it.
  if (d.tBURST != org.burst_length / 2) {
    fail(t, "tBURST", "= " + std::to_string(d.tBURST) + " must equal organization.burst_length / 2 (" +
                          std::to_string(org.burst_length / 2) + ") for a double-data-rate bus");
  }
  require_ge(t, "tRAS", d.tRAS, "tRCD", d.tRCD, "a row must stay open at least until it can be read");
  require_ge(t, "tRRD_L", d.tRRD_L, "tRRD_S", d.tRRD_S, "same-bank-group spacing cannot be shorter");
  require_ge(t, "tCCD_L", d.tCCD_L, "tCCD_S", d.tCCD_S, "same-bank-group spacing cannot be shorter");
  require_ge(t, "tWTR_L", d.tWTR_L, "tWTR_S", d.tWTR_S, "same-bank-group turnaround cannot be shorter");
  require_ge(t, "tFAW", d.tFAW, "tRRD_S", d.tRRD_S, "four activates cannot fit in less than one ACT spacing");
  if (d.tREFI != 0 && d.tREFI <= d.tRFC + d.tRP) {
    fail(t, "tREFI", "= " + std::to_string(d.tREFI) + " must be 0 (refresh off) or > tRFC + tRP (" +
                         std::to_string(d.tRFC + d.tRP) + "): the rank would never be available");
  }
  return d;
}

std::array<AddrField, kNumAddrFields> parse_mapping(const config::ConfigNode& mem) {
  const std::string key = "address_mapping";
  if (!mem.has(key)) fail(mem, key, "is missing");
  const auto& arr = mem.json().at(key);
  const std::string allowed = "(a list of row, rank, bank, bank_group, column, channel, each once, MSB first)";
  if (!arr.is_array() || arr.size() != kNumAddrFields) fail(mem, key, "= " + arr.dump() + " must be " + allowed);
  std::array<AddrField, kNumAddrFields> out{};
  std::array<bool, kNumAddrFields> seen{};
  for (std::size_t i = 0; i < arr.size(); ++i) {
    bool found = false;
    for (unsigned f = 0; f < kNumAddrFields && arr[i].is_string(); ++f) {
      if (arr[i].get<std::string>() == addr_field_name(static_cast<AddrField>(f))) {
        if (seen[f]) fail(mem, key, "= " + arr.dump() + " names " + arr[i].dump() + " twice; must be " + allowed);
        seen[f] = true;
        out[i] = static_cast<AddrField>(f);
        found = true;
      }
    }
    if (!found) fail(mem, key, "= " + arr.dump() + " has unknown field " + arr[i].dump() + "; must be " + allowed);
  }
  return out;
}

DramQueues parse_queues(const config::ConfigNode& q) {
  q.reject_unknown_keys({"_comment", "_source", "read_depth", "write_depth", "write_high_watermark",
                         "write_low_watermark"});
  DramQueues d;
  d.read_depth = static_cast<unsigned>(q.get_uint("read_depth", 1, 4096));
  d.write_depth = static_cast<unsigned>(q.get_uint("write_depth", 1, 4096));
  // Defaults: drain at 3/4 full, stop at 1/4, so that a drain moves half a queue of writes per
  // bus turnaround while reads are never starved for long.
  const unsigned def_hi = d.write_depth - d.write_depth / 4;
  d.write_high_watermark = static_cast<unsigned>(q.get_uint("write_high_watermark", 1, d.write_depth, def_hi));
  const unsigned def_lo = std::min(d.write_depth / 4, d.write_high_watermark - 1);
  d.write_low_watermark =
      static_cast<unsigned>(q.get_uint("write_low_watermark", 0, d.write_high_watermark - 1, def_lo));
  return d;
}

}  // namespace

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

DramConfig parse_dram_config(const config::ConfigNode& mem) {
  mem.reject_unknown_keys({"_comment", "_source", "model", "organization", "timing", "address_mapping",
                           "page_policy", "queues", "bandwidth_model"});
  DramConfig c;
  c.source = mem.source();
  c.model = mem.get_choice("model", {"timed", "bandwidth"}, "timed") == "timed" ? MemoryModel::kTimed
                                                                                 : MemoryModel::kBandwidth;
  c.org = parse_org(mem.child("organization"));
  c.timing = parse_timing(mem.child("timing"), c.org);
  c.mapping = parse_mapping(mem);
  c.page_policy = mem.get_choice("page_policy", {"open", "closed"}) == "open" ? PagePolicy::kOpen
                                                                              : PagePolicy::kClosed;
  c.queues = parse_queues(mem.child("queues"));
  if (mem.has("bandwidth_model")) {
    const auto b = mem.child("bandwidth_model");
    b.reject_unknown_keys({"_comment", "_source", "efficiency"});
    c.bandwidth_efficiency = b.get_double("efficiency", 0.01, 1.0, c.bandwidth_efficiency);
  }
  return c;
}

DramConfig parse_dram_config_from_top(const config::ConfigNode& top) { return parse_dram_config(top.child("memory")); }

DramConfig load_dram_config(const std::string& path) {
  const auto j = config::load_json_file(path);
  return parse_dram_config_from_top(config::ConfigNode(j, path));
}

}  // namespace monde::mem
