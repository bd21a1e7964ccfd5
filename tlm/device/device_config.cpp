#include "tlm/device/device_config.hpp"

#include <string>

namespace monde::device {

DeviceConfig parse_device_config(const config::ConfigNode& top) {
  DeviceConfig c;
  c.dram = mem::parse_dram_config_from_top(top);
  const std::uint64_t capacity = c.dram.capacity_bytes();
  if (top.has("cxl")) {
    const auto cxl = top.child("cxl");
    cxl.reject_unknown_keys({"_comment", "link", "hdm"});
    if (cxl.has("link")) c.link = cxl::parse_cxl_link_config(cxl.child("link"));
    if (cxl.has("hdm")) c.hdm = cxl::parse_hdm_config(cxl.child("hdm"));
  }
  if (c.hdm.decoders.empty()) {
    if (capacity < cxl::kHdmUnitBytes) {
      throw config::ConfigError(top.source() + ": key 'memory.organization' gives " + std::to_string(capacity) +
                        " bytes of DRAM, less than one 256 MiB HDM decoder unit; give 'cxl.hdm' explicitly");
    }
    cxl::HdmRange r;
    r.size = capacity / cxl::kHdmUnitBytes * cxl::kHdmUnitBytes;
    c.hdm.decoders.push_back(r);
  }
  if (const auto problem = cxl::find_hdm_problem(c.hdm)) {
    throw config::ConfigError(top.source() + ": key 'cxl.hdm.decoders[" + std::to_string(problem->decoder) + "]." +
                      problem->field + "' " + problem->message);
  }
  const cxl::HdmDecoder decoder(c.hdm);
  if (decoder.dpa_end() > capacity) {
    throw config::ConfigError(top.source() + ": key 'cxl.hdm.decoders' maps device addresses up to " +
                      std::to_string(decoder.dpa_end()) + " bytes but the DRAM holds " + std::to_string(capacity) +
                      " bytes (allowed: dpa_skip + size / ways summed over decoders <= DRAM capacity)");
  }
  return c;
}

DeviceConfig load_device_config(const std::string& path) {
  const auto j = config::load_json_file(path);
  return parse_device_config(config::ConfigNode(j, path));
}

}  // namespace monde::device
