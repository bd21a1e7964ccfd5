#include "tlm/cxl/cxl_link_config.hpp"

#include <stdexcept>

namespace monde::cxl {

double CxlLinkConfig::encoding_efficiency() const {
  if (encoding == "128b/130b") return 128.0 / 130.0;
  if (encoding == "8b/10b") return 8.0 / 10.0;
  if (encoding == "none") return 1.0;
  throw std::invalid_argument("CxlLinkConfig: unknown encoding '" + encoding + "'");
}

double CxlLinkConfig::raw_bytes_per_s() const {
  return lanes * rate_gtps * 1e9 * encoding_efficiency() / 8.0;
}

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

CxlLinkConfig parse_cxl_link_config(const config::ConfigNode& link) {
  CxlLinkConfig c;
  link.reject_unknown_keys({"lanes", "rate_gtps", "encoding", "flit_bytes", "slots_per_flit", "slot_bytes",
                            "m2s_header_slots_per_line", "s2m_header_slots_per_line",
                            "partial_write_extra_slots", "latency_ns", "credits", "queues"});
  // Link widths a CXL port can train to (x1, x2, x4, x8, x16); other values are not links.
  c.lanes = static_cast<unsigned>(link.get_uint("lanes", 1, 16, c.lanes));
  if (c.lanes != 1 && c.lanes != 2 && c.lanes != 4 && c.lanes != 8 && c.lanes != 16) {
    throw config::ConfigError(link.source() + ": key '" + link.key_path("lanes") + "' = " + std::to_string(c.lanes) +
                      " is not one of: 1, 2, 4, 8, 16");
  }
  c.rate_gtps = link.get_double("rate_gtps", 2.5, 64.0, c.rate_gtps);
  c.encoding = link.get_choice("encoding", {"128b/130b", "8b/10b", "none"}, c.encoding);
  c.slot_bytes = static_cast<unsigned>(link.get_uint("slot_bytes", 1, 64, c.slot_bytes));
  if (64 % c.slot_bytes != 0) {
    throw config::ConfigError(link.source() + ": key '" + link.key_path("slot_bytes") + "' = " +
                      std::to_string(c.slot_bytes) + " must divide the 64-byte line (1, 2, 4, 8, 16, 32, 64)");
  }
  c.slots_per_flit = static_cast<unsigned>(link.get_uint("slots_per_flit", 1, 64, c.slots_per_flit));
  // The flit holds its slots plus framing (protocol ID, CRC): at least slots * slot_bytes.
  const std::uint64_t min_flit = std::uint64_t{c.slots_per_flit} * c.slot_bytes;
  // (the range's lower bound is slots_per_flit x slot_bytes, so the error shows it).
  c.flit_bytes = static_cast<unsigned>(link.get_uint("flit_bytes", min_flit, 4096, c.flit_bytes));
  // Slot shares per 64 B line; 0 models no header cost, 4 (one per data slot) is a sanity bound.
  auto slots = [&link](const char* key, double fallback) { return link.get_double(key, 0.0, 4.0, fallback); };
  c.m2s_header_slots_per_line = slots("m2s_header_slots_per_line", c.m2s_header_slots_per_line);
  c.s2m_header_slots_per_line = slots("s2m_header_slots_per_line", c.s2m_header_slots_per_line);
  c.partial_write_extra_slots = slots("partial_write_extra_slots", c.partial_write_extra_slots);
  if (link.has("latency_ns")) {
    const auto lat = link.child("latency_ns");
    lat.reject_unknown_keys({"host_port", "link", "device_port", "controller"});
    c.host_port_ns = lat.get_double("host_port", 0.0, 10000.0, c.host_port_ns);
    c.link_ns = lat.get_double("link", 0.0, 10000.0, c.link_ns);
    c.device_port_ns = lat.get_double("device_port", 0.0, 10000.0, c.device_port_ns);
    c.controller_ns = lat.get_double("controller", 0.0, 10000.0, c.controller_ns);
  }
  if (link.has("credits")) {
    // Credit return fields encode up to 64 credits at a time (§4.2.2); a queue may be deeper,
    // 4096 is a sanity bound, not a spec limit.
    const auto cr = link.child("credits");
    cr.reject_unknown_keys({"m2s_req", "m2s_rwd", "s2m_ndr", "s2m_drs"});
    c.credits_m2s_req = static_cast<unsigned>(cr.get_uint("m2s_req", 1, 4096, c.credits_m2s_req));
    c.credits_m2s_rwd = static_cast<unsigned>(cr.get_uint("m2s_rwd", 1, 4096, c.credits_m2s_rwd));
    c.credits_s2m_ndr = static_cast<unsigned>(cr.get_uint("s2m_ndr", 1, 4096, c.credits_s2m_ndr));
    c.credits_s2m_drs = static_cast<unsigned>(cr.get_uint("s2m_drs", 1, 4096, c.credits_s2m_drs));
  }
  if (link.has("queues")) {
    const auto q = link.child("queues");
    q.reject_unknown_keys({"host_tx_lines", "device_tx_lines", "controller_lines"});
    c.host_tx_queue_lines = static_cast<unsigned>(q.get_uint("host_tx_lines", 1, 65536, c.host_tx_queue_lines));
    c.device_tx_queue_lines = static_cast<unsigned>(q.get_uint("device_tx_lines", 1, 65536, c.device_tx_queue_lines));
    c.controller_queue_lines = static_cast<unsigned>(q.get_uint("controller_lines", 1, 65536, c.controller_queue_lines));
  }
  return c;
}

}  // namespace monde::cxl
