// A MoNDE device preset (configs/device/*.json): its DRAM ("memory"), its CXL side ("cxl":
// "link", "hdm") and its NDP units ("ndp"). An experiment names a preset and may override any
// of its keys. Without "cxl.hdm" the device programs one decoder, base 0, 1 way, covering the
// DRAM capacity rounded down to the 256 MiB decoder unit: host physical address = device
// physical address.
#pragma once

#include "core/config/cxl_config.hpp"
#include "core/config/dram_config.hpp"
#include "core/config/ndp_config.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

struct DeviceConfig {
  DramConfig dram;       // "memory"
  CxlLinkConfig link;    // "cxl.link"
  HdmDecoderConfig hdm;  // "cxl.hdm"
  NdpConfig ndp;         // "ndp"
};

// The HDM set is also checked against the decoder rules and the DRAM capacity.
const Schema<DeviceConfig>& device_schema();
DeviceConfig parse_device_config(const ConfigNode& device);
// A device preset by name ("lpddr5x-8533") or a device file.
DeviceConfig load_device_config(const std::string& name_or_path);

}  // namespace monde::config
