#include "tlm/cxl/hdm_decoder.hpp"

#include <cctype>
#include <stdexcept>

namespace monde::cxl {

namespace {

constexpr const char* kWaysList = "1, 2, 3, 4, 6, 8, 12, 16";
constexpr const char* kGranList = "256, 512, 1024, 2048, 4096, 8192, 16384";

std::string hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

unsigned log2_exact(std::uint64_t v) {
  unsigned n = 0;
  while ((std::uint64_t{1} << n) < v) ++n;
  return n;
}

std::optional<HdmConfigProblem> check_range(std::size_t i, const HdmRange& r) {
  auto problem = [i](const char* field, std::string msg) {
    return HdmConfigProblem{i, field, std::move(msg)};
  };
  if (!encode_ways(r.ways)) {
    return problem("ways", "= " + std::to_string(r.ways) + " is not one of: " + kWaysList);
  }
  if (!encode_granularity(r.granularity)) {
    return problem("granularity",
                   "= " + std::to_string(r.granularity) + " is not one of: " + kGranList + " (bytes)");
  }
  if (r.position >= r.ways) {
    return problem("position", "= " + std::to_string(r.position) + " is out of range (allowed 0.." +
                                   std::to_string(r.ways - 1) + " for " + std::to_string(r.ways) +
                                   " ways)");
  }
  const std::string unit = " must be a multiple of 256 MiB (0x10000000)";
  if (r.base % kHdmUnitBytes != 0) return problem("base", "= " + hex(r.base) + unit);
  if (r.size % kHdmUnitBytes != 0) return problem("size", "= " + hex(r.size) + unit);
  if (r.dpa_skip % kHdmUnitBytes != 0) return problem("dpa_skip", "= " + hex(r.dpa_skip) + unit);
  if (r.base >= kHpaLimit || r.size > kHpaLimit - r.base) {
    return problem("size", "= " + hex(r.size) + " with base " + hex(r.base) +
                               " ends beyond the 52-bit HPA space (0x10000000000000)");
  }
  if (r.ways % 3 == 0 && (r.size / kHdmUnitBytes) % 3 != 0) {
    return problem("size", "= " + hex(r.size) + " must be a multiple of 3 x 256 MiB for " +
                               std::to_string(r.ways) + " ways (CXL 2.0 commit check)");
  }
  return std::nullopt;
}

}  // namespace

std::optional<unsigned> encode_ways(unsigned ways) {
  switch (ways) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    case 16: return 4;
    case 3: return 8;
    case 6: return 9;
    case 12: return 10;
    default: return std::nullopt;
  }
}

std::optional<unsigned> encode_granularity(std::uint64_t bytes) {
  for (unsigned ig = 0; ig <= 6; ++ig) {
    if (bytes == (std::uint64_t{256} << ig)) return ig;
  }
  return std::nullopt;
}

std::optional<HdmConfigProblem> find_hdm_problem(const HdmDecoderConfig& cfg) {
  if (cfg.decoders.empty()) return HdmConfigProblem{0, "decoders", "must list at least one decoder"};
  if (cfg.decoders.size() > kMaxHdmDecoders) {
    return HdmConfigProblem{0, "decoders", "has " + std::to_string(cfg.decoders.size()) +
                                               " decoders (allowed 1.." + std::to_string(kMaxHdmDecoders) + ")"};
  }
  for (std::size_t i = 0; i < cfg.decoders.size(); ++i) {
    if (auto p = check_range(i, cfg.decoders[i])) return p;
    if (i > 0) {
      const auto& prev = cfg.decoders[i - 1];
      if (cfg.decoders[i].base < prev.base + prev.size) {
        return HdmConfigProblem{i, "base", "= " + hex(cfg.decoders[i].base) +
                                               " must not be below the end of decoder " +
                                               std::to_string(i - 1) + " (" + hex(prev.base + prev.size) +
                                               "): decoders are in increasing HPA order"};
      }
    }
  }
  return std::nullopt;
}

HdmDecoder::HdmDecoder(HdmDecoderConfig cfg) : cfg_(std::move(cfg)) {
  if (auto p = find_hdm_problem(cfg_)) {
    throw std::invalid_argument("HDM decoder " + std::to_string(p->decoder) + ": " + p->field + " " +
                                p->message);
  }
  // DPABase accumulation of the "Device Decode Logic" note; Size / ways is exact because Size
  // is a multiple of 256 MiB (x3 for 3/6/12 ways) and ways / 3 is a power of two <= 4.
  std::uint64_t next = 0;
  for (const auto& d : cfg_.decoders) {
    const std::uint64_t base = next + d.dpa_skip;
    dpa_base_.push_back(base);
    next = base + d.size / d.ways;
  }
  if (next > kHpaLimit) throw std::invalid_argument("HDM decoders map DPAs beyond 52 bits");
}

std::uint64_t HdmDecoder::dpa_end() const {
  const auto& last = cfg_.decoders.back();
  return dpa_base_.back() + last.size / last.ways;
}

HdmDecoder::Result HdmDecoder::decode_detail(std::uint64_t hpa) const {
  Result r;
  for (std::size_t i = 0; i < cfg_.decoders.size(); ++i) {
    const auto& d = cfg_.decoders[i];
    if (hpa < d.base || hpa - d.base >= d.size) continue;  // Base <= HPA < Base + Size
    const unsigned g = log2_exact(d.granularity);            // IG + 8
    const std::uint64_t offset = hpa - d.base;                // HPAOffset
    const std::uint64_t chunk = offset >> g;
    r.decoder = i;
    r.position = static_cast<unsigned>(chunk % d.ways);
    if (r.position != d.position) {
      r.outcome = Outcome::kOtherTarget;
      return r;
    }
    // chunk / ways: for 2^k ways a shift by k (the spec's "remove IW bits"); for 3 * 2^k ways
    // (chunk >> k) / 3, the spec's HPAOffset[51:IG+IW] / 3 -- both equal chunk / ways.
    const std::uint64_t dpa_offset = ((chunk / d.ways) << g) | (offset & (d.granularity - 1));
    r.outcome = Outcome::kHit;
    r.dpa = dpa_base_[i] + dpa_offset;
    return r;
  }
  return r;  // kNoDecoder
}

std::optional<std::uint64_t> HdmDecoder::decode(std::uint64_t hpa) const {
  const auto r = decode_detail(hpa);
  if (r.outcome != Outcome::kHit) return std::nullopt;
  return r.dpa;
}

// ---- configuration ---------------------------------------------------------------------------

namespace {

[[noreturn]] void fail(const config::ConfigNode& node, const std::string& key, const std::string& what) {
  throw config::ConfigError(node.source() + ": key '" + node.key_path(key) + "' " + what);
}

// An address-like value: a non-negative integer or a "0x..." hex string (JSON has no hex).
std::uint64_t get_address(const config::ConfigNode& node, const std::string& key, std::uint64_t fallback,
                          bool required) {
  if (!node.has(key)) {
    if (required) fail(node, key, "is missing");
    return fallback;
  }
  const auto& v = node.json().at(key);
  const std::string expect = "must be a non-negative integer or a \"0x...\" hex string";
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) fail(node, key, "= " + v.dump() + " " + expect);
  if (!v.is_string()) fail(node, key, "= " + v.dump() + " " + expect);
  const auto s = v.get<std::string>();
  const bool prefixed = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (!prefixed || s.size() > 18) fail(node, key, "= " + v.dump() + " " + expect + " (at most 64 bits)");
  std::uint64_t out = 0;
  for (std::size_t i = 2; i < s.size(); ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    const int d = c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
    if (d < 0) fail(node, key, "= " + v.dump() + " " + expect);
    out = out << 4 | static_cast<std::uint64_t>(d);
  }
  return out;
}

}  // namespace

HdmDecoderConfig parse_hdm_config(const config::ConfigNode& hdm) {
  hdm.reject_unknown_keys({"decoders"});
  if (!hdm.has("decoders")) fail(hdm, "decoders", "is missing");
  const auto& arr = hdm.json().at("decoders");
  if (!arr.is_array()) fail(hdm, "decoders", "must be a JSON array of decoder objects");
  HdmDecoderConfig cfg;
  std::vector<config::ConfigNode> nodes;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    config::ConfigNode d(arr[i], hdm.source(), hdm.key_path("decoders") + "[" + std::to_string(i) + "]");
    d.reject_unknown_keys({"base", "size", "ways", "granularity", "position", "dpa_skip"});
    HdmRange r;
    r.base = get_address(d, "base", 0, true);
    r.size = get_address(d, "size", 0, true);
    r.dpa_skip = get_address(d, "dpa_skip", 0, false);
    // Wide ranges here; the exact allowed sets are checked below with the spec's wording.
    r.ways = static_cast<unsigned>(d.get_uint("ways", 1, 16, 1));
    r.granularity = d.get_uint("granularity", 256, 16384, 256);
    r.position = static_cast<unsigned>(d.get_uint("position", 0, 15, 0));
    cfg.decoders.push_back(r);
    nodes.push_back(d);
  }
  if (auto p = find_hdm_problem(cfg)) {
    if (p->field == "decoders") fail(hdm, "decoders", p->message);
    fail(nodes.at(p->decoder), p->field, p->message);
  }
  return cfg;
}

}  // namespace monde::cxl
