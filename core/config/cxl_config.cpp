#include "core/config/cxl_config.hpp"

#include <cctype>
#include <stdexcept>

#include "core/config/address_value.hpp"
#include "core/config/link_phy.hpp"

namespace monde::config {

double CxlLinkConfig::encoding_efficiency() const { return line_encoding_efficiency(encoding); }

double CxlLinkConfig::raw_bytes_per_s() const { return phy_raw_bytes_per_s(lanes, rate_gtps, encoding); }

double CxlLinkConfig::read_data_efficiency() const {
  return 64.0 / ((data_slots_per_line() + s2m_header_slots_per_line) * wire_bytes_per_slot());
}

double CxlLinkConfig::write_data_efficiency() const {
  return 64.0 / ((data_slots_per_line() + m2s_header_slots_per_line) * wire_bytes_per_slot());
}

// Seconds per wire byte = 1 / raw_bytes_per_s; * 1e9 for ns.
double CxlLinkConfig::header_message_ns() const { return wire_bytes_per_slot() / raw_bytes_per_s() * 1e9; }

double CxlLinkConfig::read_data_message_ns() const {
  return (data_slots_per_line() + s2m_header_slots_per_line) * header_message_ns();
}

double CxlLinkConfig::write_data_message_ns(bool partial) const {
  const double extra = partial ? partial_write_extra_slots : 0.0;
  return (data_slots_per_line() + m2s_header_slots_per_line + extra) * header_message_ns();
}

namespace {

struct LinkLatency {
  double host_port = CxlLinkConfig{}.host_port_ns;
  double link = CxlLinkConfig{}.link_ns;
  double device_port = CxlLinkConfig{}.device_port_ns;
  double controller = CxlLinkConfig{}.controller_ns;
};

struct LinkCredits {
  unsigned m2s_req = CxlLinkConfig{}.credits_m2s_req;
  unsigned m2s_rwd = CxlLinkConfig{}.credits_m2s_rwd;
  unsigned s2m_ndr = CxlLinkConfig{}.credits_s2m_ndr;
  unsigned s2m_drs = CxlLinkConfig{}.credits_s2m_drs;
};

struct LinkQueues {
  unsigned host_tx_lines = CxlLinkConfig{}.host_tx_queue_lines;
  unsigned device_tx_lines = CxlLinkConfig{}.device_tx_queue_lines;
  unsigned controller_lines = CxlLinkConfig{}.controller_queue_lines;
};

const Schema<LinkLatency>& latency_schema() {
  using L = LinkLatency;
  static const auto s = [] {
    Schema<L> l("One-way latencies of the CXL link, ns (modelling assumptions, not spec values: calibrate them).");
    l.number("host_port", &L::host_port, 0.0, 10000.0, "root port: flit pack/unpack, ARB/MUX, PHY")
        .number("link", &L::link, 0.0, 10000.0, "wire and retimer flight time")
        .number("device_port", &L::device_port, 0.0, 10000.0, "device port: PHY, ARB/MUX, link layer")
        .number("controller", &L::controller, 0.0, 10000.0, "device CXL.mem controller: HDM decode, queueing to DRAM");
    return l;
  }();
  return s;
}

const Schema<LinkCredits>& credits_schema() {
  using C = LinkCredits;
  static const auto s = [] {
    // Credit return fields encode up to 64 credits at a time (§4.2.2); a queue may be deeper,
    // 4096 is a sanity bound, not a spec limit.
    Schema<C> c("Receiver credits per CXL.mem channel (CXL 2.0 §4.2.2).");
    c.integer("m2s_req", &C::m2s_req, 1, 4096, "M2S Req (reads)")
        .integer("m2s_rwd", &C::m2s_rwd, 1, 4096, "M2S RwD (writes with data)")
        .integer("s2m_ndr", &C::s2m_ndr, 1, 4096, "S2M NDR (write completions)")
        .integer("s2m_drs", &C::s2m_drs, 1, 4096, "S2M DRS (read data)");
    return c;
  }();
  return s;
}

const Schema<LinkQueues>& queues_schema() {
  using Q = LinkQueues;
  static const auto s = [] {
    Schema<Q> q("Bounded queues, in 64 B line messages waiting to be sent (credits bound what is in flight).");
    q.integer("host_tx_lines", &Q::host_tx_lines, 1, 65536, "root port: M2S messages waiting for the serialiser")
        .integer("device_tx_lines", &Q::device_tx_lines, 1, 65536, "device port: S2M messages waiting for the serialiser")
        .integer("controller_lines", &Q::controller_lines, 1, 65536,
                 "controller: requests between the port and the DRAM queues");
    return q;
  }();
  return s;
}

// A sub-object whose keys are spread over CxlLinkConfig's fields.
template <class S>
Schema<CxlLinkConfig>& sub_object(Schema<CxlLinkConfig>& link, const char* key, const Schema<S>& sub,
                                  S (*get)(const CxlLinkConfig&), void (*put)(const S&, CxlLinkConfig&)) {
  return link.custom(KeyDoc{key, "object", "(see below)", "the keys below", sub.doc()},
                     [key, &sub, get, put](const ConfigNode& n, CxlLinkConfig& c) {
                       if (!n.has(key)) return;
                       S v = get(c);
                       sub.parse_into(n.child(key), v);
                       put(v, c);
                     },
                     [key, &sub, get](const CxlLinkConfig& c, nlohmann::json& j) { j[key] = sub.to_json(get(c)); },
                     [key, &sub](const std::string& path) { return sub.docs(path + "." + key); });
}

Schema<HdmRange>& address_key(Schema<HdmRange>& r, const char* key, std::uint64_t HdmRange::*field, bool required,
                              const char* doc) {
  return r.custom(KeyDoc{key, "address", required ? "(required)" : "0", "integer or \"0x...\", multiple of 256 MiB",
                         doc},
                  [key, field, required](const ConfigNode& n, HdmRange& d) {
                    if (required || n.has(key)) d.*field = get_address(n, key);
                  },
                  [key, field](const HdmRange& d, nlohmann::json& j) { j[key] = hex(d.*field); });
}

const Schema<HdmRange>& range_schema() {
  using R = HdmRange;
  static const auto s = [] {
    Schema<R> r("One HDM decoder. Its exact rules (way counts, granularities, 256 MiB units, the 52-bit space, "
                "increasing order) are checked with the spec's wording after all decoders are read.");
    address_key(r, "base", &R::base, true, "host physical address of the range");
    address_key(r, "size", &R::size, true, "bytes of the range (all ways together)");
    address_key(r, "dpa_skip", &R::dpa_skip, false, "device addresses left unmapped before this decoder");
    // Wide ranges here; the exact allowed sets are checked by find_hdm_problem().
    r.integer("ways", &R::ways, 1, 16, "interleave ways: 1, 2, 3, 4, 6, 8, 12 or 16")
        .integer("granularity", &R::granularity, 256, 16384, "interleave granularity, bytes (power of two)")
        .integer("position", &R::position, 0, 15, "this device's position in the interleave set (< ways)");
    return r;
  }();
  return s;
}

std::optional<HdmConfigProblem> check_range(std::size_t i, const HdmRange& r) {
  auto problem = [i](const char* field, std::string msg) { return HdmConfigProblem{i, field, std::move(msg)}; };
  if (!encode_ways(r.ways)) return problem("ways", "not an interleave way count; allowed 1, 2, 3, 4, 6, 8, 12, 16");
  if (!encode_granularity(r.granularity)) {
    return problem("granularity", "not an interleave granularity; allowed 256, 512, 1024, 2048, 4096, 8192, 16384");
  }
  if (r.position >= r.ways) {
    return problem("position", "out of range; allowed 0 .. " + std::to_string(r.ways - 1) + " for " +
                                   std::to_string(r.ways) + " ways");
  }
  const std::string unit = "must be a multiple of 256 MiB (0x10000000)";
  if (r.base % kHdmUnitBytes != 0) return problem("base", unit);
  if (r.size % kHdmUnitBytes != 0) return problem("size", unit);
  if (r.dpa_skip % kHdmUnitBytes != 0) return problem("dpa_skip", unit);
  if (r.base >= kHpaLimit || r.size > kHpaLimit - r.base) {
    return problem("size", "with base " + hex(r.base) + " ends beyond the 52-bit HPA space (0x10000000000000)");
  }
  if (r.ways % 3 == 0 && (r.size / kHdmUnitBytes) % 3 != 0) {
    return problem("size", "must be a multiple of 3 x 256 MiB for " + std::to_string(r.ways) +
                               " ways (CXL 2.0 commit check)");
  }
  return std::nullopt;
}

}  // namespace

const Schema<CxlLinkConfig>& cxl_link_schema() {
  using L = CxlLinkConfig;
  static const auto s = [] {
    Schema<L> l("The CXL link (CXL.mem over a PCIe PHY, 68-byte flits); bandwidth formula in "
                "core/config/cxl_config.hpp.");
    add_phy_keys(l, "GT/s per lane (32: PCIe Gen5 PHY)");
    l.integer("slot_bytes", &L::slot_bytes, 1, 64, "payload bytes per flit slot (divides 64)")
        .integer("slots_per_flit", &L::slots_per_flit, 1, 64, "slots per flit")
        .integer("flit_bytes", &L::flit_bytes, 1, 4096, "wire bytes per flit, >= slots_per_flit x slot_bytes")
        .number("m2s_header_slots_per_line", &L::m2s_header_slots_per_line, 0.0, 4.0,
                "header slots each written 64 B line costs (RwD)")
        .number("s2m_header_slots_per_line", &L::s2m_header_slots_per_line, 0.0, 4.0,
                "header slots each read 64 B line costs (DRS, 0.5 with MDH)")
        .number("partial_write_extra_slots", &L::partial_write_extra_slots, 0.0, 4.0,
                "extra slots of a MemWrPtl (byte enables)");
    sub_object<LinkLatency>(
        l, "latency_ns", latency_schema(),
        [](const L& c) { return LinkLatency{c.host_port_ns, c.link_ns, c.device_port_ns, c.controller_ns}; },
        [](const LinkLatency& v, L& c) {
          c.host_port_ns = v.host_port;
          c.link_ns = v.link;
          c.device_port_ns = v.device_port;
          c.controller_ns = v.controller;
        });
    sub_object<LinkCredits>(
        l, "credits", credits_schema(),
        [](const L& c) { return LinkCredits{c.credits_m2s_req, c.credits_m2s_rwd, c.credits_s2m_ndr, c.credits_s2m_drs}; },
        [](const LinkCredits& v, L& c) {
          c.credits_m2s_req = v.m2s_req;
          c.credits_m2s_rwd = v.m2s_rwd;
          c.credits_s2m_ndr = v.s2m_ndr;
          c.credits_s2m_drs = v.s2m_drs;
        });
    sub_object<LinkQueues>(
        l, "queues", queues_schema(),
        [](const L& c) { return LinkQueues{c.host_tx_queue_lines, c.device_tx_queue_lines, c.controller_queue_lines}; },
        [](const LinkQueues& v, L& c) {
          c.host_tx_queue_lines = v.host_tx_lines;
          c.device_tx_queue_lines = v.device_tx_lines;
          c.controller_queue_lines = v.controller_lines;
        });
    l.check([](const ConfigNode& n, L& c) {
      check_phy_lanes(n, c.lanes);
      if (64 % c.slot_bytes != 0) n.fail("slot_bytes", "must divide the 64-byte line; allowed 1, 2, 4, 8, 16, 32, 64");
      // The flit holds its slots plus framing (protocol ID, CRC): at least slots x slot_bytes.
      const std::uint64_t min_flit = std::uint64_t{c.slots_per_flit} * c.slot_bytes;
      if (c.flit_bytes < min_flit) {
        n.fail("flit_bytes", "out of range; allowed " + std::to_string(min_flit) + " .. 4096 (slots_per_flit x slot_bytes ..)");
      }
    });
    return l;
  }();
  return s;
}

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
    return HdmConfigProblem{0, "decoders", "has " + std::to_string(cfg.decoders.size()) + " decoders; allowed 1 .. " +
                                               std::to_string(kMaxHdmDecoders)};
  }
  for (std::size_t i = 0; i < cfg.decoders.size(); ++i) {
    if (auto p = check_range(i, cfg.decoders[i])) return p;
    if (i > 0) {
      const auto& prev = cfg.decoders[i - 1];
      if (cfg.decoders[i].base < prev.base + prev.size) {
        return HdmConfigProblem{i, "base", "must not be below the end of decoder " + std::to_string(i - 1) + " (" +
                                               hex(prev.base + prev.size) + "): decoders are in increasing HPA order"};
      }
    }
  }
  return std::nullopt;
}

std::uint64_t hdm_dpa_end(const HdmDecoderConfig& cfg) {
  // DPABase accumulation of the "Device Decode Logic" note; Size / ways is exact because Size
  // is a multiple of 256 MiB (x3 for 3/6/12 ways) and ways / 3 is a power of two <= 4.
  std::uint64_t next = 0;
  for (const auto& d : cfg.decoders) next += d.dpa_skip + d.size / d.ways;
  return next;
}

const Schema<HdmDecoderConfig>& hdm_schema() {
  static const auto s = [] {
    Schema<HdmDecoderConfig> h("HDM decoders (CXL 2.0 §8.2.5.12). Without this object the device programs one "
                               "decoder, base 0, 1 way, over the DRAM rounded down to 256 MiB.");
    h.custom(KeyDoc{"decoders", "array", "(required)", "1 .. 10 decoder objects, increasing HPA order",
                    "the programmed decoders"},
             [](const ConfigNode& n, HdmDecoderConfig& c) {
               const auto nodes = n.objects("decoders", 1, kMaxHdmDecoders);
               c.decoders.clear();
               for (const auto& d : nodes) c.decoders.push_back(range_schema().parse(d));
               if (auto p = find_hdm_problem(c)) {
                 if (p->field == "decoders") n.fail("decoders", p->message);
                 nodes.at(p->decoder).fail(p->field, p->message);
               }
             },
             [](const HdmDecoderConfig& c, nlohmann::json& j) {
               j["decoders"] = nlohmann::json::array();
               for (const auto& d : c.decoders) j["decoders"].push_back(range_schema().to_json(d));
             },
             [](const std::string& path) { return range_schema().docs(path + ".decoders[]"); });
    return h;
  }();
  return s;
}

const Schema<CxlConfig>& cxl_schema() {
  static const auto s = Schema<CxlConfig>("The device's CXL side.")
                            .object("link", &CxlConfig::link, cxl_link_schema())
                            .object("hdm", &CxlConfig::hdm, hdm_schema());
  return s;
}

std::uint64_t get_address(const ConfigNode& node, const std::string& key) {
  const std::string expect = "must be a non-negative integer or a \"0x...\" hex string of at most 64 bits";
  const auto& v = node.at(key, "allowed a non-negative integer or a \"0x...\" hex string");
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (!v.is_string()) node.fail(key, expect);
  const auto s = v.get<std::string>();
  const bool prefixed = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (!prefixed || s.size() > 18) node.fail(key, expect);
  std::uint64_t out = 0;
  for (std::size_t i = 2; i < s.size(); ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    const int d = c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
    if (d < 0) node.fail(key, expect);
    out = out << 4 | static_cast<std::uint64_t>(d);
  }
  return out;
}

std::string hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

}  // namespace monde::config
