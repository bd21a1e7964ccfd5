// monde-sim traffic --trace FILE: replays a DRAMSys STL or Ramulator request trace against the
// device's DRAM (or, with --target device, through its CXL link), as DRAMSys's trace player
// would (tlm/memory/trace_player.hpp), and reports what DRAMSys reports (traffic_trace.cpp).
#pragma once

#include <string>

#include "core/config/device_config.hpp"

namespace monde::tools {

struct TraceReplay {
  std::string trace_path;
  std::string target;  // "memory" or "device"
  std::string out;     // stats.json path, or empty
};

// Exit status as monde-sim traffic: 0 every request completed without errors or protocol
// violations, 1 otherwise. A bad trace throws (exit 2, naming file and line).
int replay_trace(const TraceReplay& replay, const config::DeviceConfig& device, const std::string& device_source);

}  // namespace monde::tools
