#include "core/config/devices_config.hpp"

namespace monde::config {

const std::vector<EnumName<DevicePlacement>>& names_of(DevicePlacement) {
  static const std::vector<EnumName<DevicePlacement>> n = {{DevicePlacement::kRoundRobin, "round_robin"},
                                                          {DevicePlacement::kPopularity, "popularity"}};
  return n;
}

const std::vector<EnumName<DeviceSplit>>& names_of(DeviceSplit) {
  static const std::vector<EnumName<DeviceSplit>> n = {
      {DeviceSplit::kNone, "none"}, {DeviceSplit::kAlways, "always"}, {DeviceSplit::kAuto, "auto"}};
  return n;
}

const Schema<DevicesConfig>& devices_schema() {
  using D = DevicesConfig;
  static const auto s =
      Schema<D>("Several MoNDE devices on the host root complex, each a copy of `device` with its own CXL link.")
          .integer("count", &D::count, 1, kMaxDevices,
                   "MoNDE devices; device d's HDM range starts at host address d x its mapped bytes (unless "
                   "interleaved)")
          .choice("placement", &D::placement,
                  "which device holds each expert's weights: round_robin (expert e on device e mod count) or "
                  "popularity (per layer, most routed tokens first onto the least loaded device, at most "
                  "ceil(experts / count) experts a device)")
          .choice("split", &D::split,
                  "tensor-parallel split of every expert of a MoE layer across all devices (d_ff slices of "
                  "max(32, G) columns, partial outputs summed on the GPU): none, always, or auto (per layer, the "
                  "cost model's faster choice over the run's routing, policy monde); needs count > 1")
          .integer("interleave_granularity", &D::interleave_granularity, 0, 16384,
                   "0: each device maps its memory at its own host address window; 256, 512, 1024, 2048, 4096, "
                   "8192 or 16384 (the HDM decoder's interleave granularity, CXL 2.0 8.2.5.12): one host address "
                   "range of count x the mapped bytes interleaved across all devices, ways = count (2, 3, 4, 6, 8, "
                   "12 or 16), granule k on device k mod count; with split none (whole experts striped over the "
                   "devices) only policies that never place NDP experts run (offload, offload_cached); with split "
                   "always each device's slice of every expert sits in its own granules and every policy with a "
                   "split runs (docs/interleave.md)");
  return s;
}

bool differs_from_defaults(const DevicesConfig& c) {
  const DevicesConfig d;
  return c.count != d.count || c.placement != d.placement || c.split != d.split ||
         c.interleave_granularity != d.interleave_granularity;
}

std::uint64_t device_window_bytes(const DeviceConfig& device) { return device.hdm.decoders.at(0).size; }

std::uint64_t device_hpa_base(const DeviceConfig& device, const DevicesConfig& devices, std::uint32_t index) {
  return devices.interleaved() ? 0 : std::uint64_t{index} * device_window_bytes(device);
}

std::uint64_t interleaved_range_bytes(const DeviceConfig& device, const DevicesConfig& devices) {
  return std::uint64_t{devices.count} * device_window_bytes(device);
}

DeviceConfig device_config_of(const DeviceConfig& device, const DevicesConfig& devices, std::uint32_t index) {
  DeviceConfig d = device;
  HdmRange& r = d.hdm.decoders.at(0);
  if (devices.interleaved()) {
    // Every device decodes the whole range and owns the granules of its position (Size is the
    // range's: DPABase accumulation adds Size / ways, the device's own bytes).
    r.base = 0;
    r.size = interleaved_range_bytes(device, devices);
    r.ways = devices.count;
    r.granularity = devices.interleave_granularity;
    r.position = index;
  } else if (index > 0) {
    r.base = device_hpa_base(device, devices, index);
  }
  return d;
}

}  // namespace monde::config
