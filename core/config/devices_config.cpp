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
                   "MoNDE devices; device d's HDM range starts at host address d x its mapped bytes")
          .choice("placement", &D::placement,
                  "which device holds each expert's weights: round_robin (expert e on device e mod count) or "
                  "popularity (per layer, most routed tokens first onto the least loaded device, at most "
                  "ceil(experts / count) experts a device)")
          .choice("split", &D::split,
                  "tensor-parallel split of every expert of a MoE layer across all devices (d_ff slices of "
                  "max(32, G) columns, partial outputs summed on the GPU): none, always, or auto (per layer, the "
                  "cost model's faster choice over the run's routing, policy monde); needs count > 1");
  return s;
}

bool differs_from_defaults(const DevicesConfig& c) {
  const DevicesConfig d;
  return c.count != d.count || c.placement != d.placement || c.split != d.split;
}

std::uint64_t device_window_bytes(const DeviceConfig& device) { return device.hdm.decoders.at(0).size; }

std::uint64_t device_hpa_base(const DeviceConfig& device, std::uint32_t index) {
  return std::uint64_t{index} * device_window_bytes(device);
}

DeviceConfig device_config_of(const DeviceConfig& device, std::uint32_t index) {
  DeviceConfig d = device;
  if (index > 0) d.hdm.decoders.at(0).base = device_hpa_base(device, index);
  return d;
}

}  // namespace monde::config
