// Configuration of the whole CXL Type-3 device: its DRAM (the "memory" object of a
// configs/device/*.json preset) and its CXL side (the optional "cxl" object):
//   "cxl": { "link": { ...CxlLinkConfig keys... },
//            "hdm":  { "decoders": [ { "base": "0x0", "size": "0x1000000000", "ways": 1, ... } ] } }
// Without "cxl.hdm" the device programs one decoder, base 0, 1 way, covering the DRAM capacity
// rounded down to the 256 MiB decoder unit: host physical address = device physical address.
// No SystemC here.
#pragma once

#include "core/config/config_node.hpp"
#include "tlm/cxl/cxl_link_config.hpp"
#include "tlm/cxl/hdm_decoder.hpp"
#include "tlm/memory/dram_config.hpp"

namespace monde::device {

struct DeviceConfig {
  mem::DramConfig dram;
  cxl::CxlLinkConfig link;
  cxl::HdmDecoderConfig hdm;
};

// What the run (not the device file) decides.
struct DeviceOptions {
  bool timing_only = false;         // data: timing_only
  bool allow_dmi = false;           // DMI bypasses the link and DRAM timing: opt-in
  bool check_internal_protocol = false;  // protocol checkers on the link/controller/memory hops
};

// `top` is the device file's root object. Throws config::ConfigError naming the file and key; the HDM
// set is also checked against the decoder rules and the DRAM capacity.
DeviceConfig parse_device_config(const config::ConfigNode& top);
DeviceConfig load_device_config(const std::string& path);

}  // namespace monde::device
