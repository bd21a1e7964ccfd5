#include "core/config/device_config.hpp"

#include <string>

#include "core/config/presets.hpp"

namespace monde::config {

const Schema<DeviceConfig>& device_schema() {
  using D = DeviceConfig;
  static const auto s = [] {
    Schema<D> d("A MoNDE device: its DRAM, its CXL link and HDM decoders, and its NDP units.");
    d.object("memory", &D::dram, dram_schema(), kRequired)
        .custom(KeyDoc{"cxl", "object", "(see below)", "the keys below", cxl_schema().doc()},
                [](const ConfigNode& n, D& c) {
                  if (!n.has("cxl")) return;
                  CxlConfig x{c.link, c.hdm};
                  cxl_schema().parse_into(n.child("cxl"), x);
                  c.link = x.link;
                  c.hdm = x.hdm;
                },
                [](const D& c, nlohmann::json& j) { j["cxl"] = cxl_schema().to_json(CxlConfig{c.link, c.hdm}); },
                [](const std::string& path) { return cxl_schema().docs(path.empty() ? "cxl" : path + ".cxl"); })
        .object("ndp", &D::ndp, ndp_schema())
        .check([](const ConfigNode& n, D& c) {
          const std::uint64_t capacity = c.dram.capacity_bytes();
          if (c.hdm.decoders.empty()) {
            if (capacity < kHdmUnitBytes) {
              n.child("memory").fail("organization", "gives " + std::to_string(capacity) +
                                                         " bytes of DRAM, less than one 256 MiB HDM decoder unit; "
                                                         "allowed at least 268435456 bytes, or 'cxl.hdm' given");
            }
            HdmRange r;
            r.size = capacity / kHdmUnitBytes * kHdmUnitBytes;
            c.hdm.decoders.push_back(r);
          }
          const std::uint64_t end = hdm_dpa_end(c.hdm);
          if (end > capacity) {
            n.child("cxl").child("hdm").fail(
                "decoders", "maps device addresses up to " + std::to_string(end) + " bytes but the DRAM holds " +
                                std::to_string(capacity) + " bytes; allowed dpa_skip + size / ways summed over "
                                                           "decoders <= DRAM capacity");
          }
        });
    return d;
  }();
  return s;
}

DeviceConfig parse_device_config(const ConfigNode& device) { return device_schema().parse(device); }

DeviceConfig load_device_config(const std::string& name_or_path) {
  if (!looks_like_path(name_or_path)) {
    if (const EmbeddedPreset* p = find_preset("device", name_or_path)) {
      const std::string source = preset_source(*p);
      return parse_device_config(ConfigNode(parse_json_text(p->text, source), source));
    }
  }
  return parse_device_config(ConfigNode(load_json_file(name_or_path), name_or_path));
}

}  // namespace monde::config
