// A way of computing MAC-array tiles: Verilated RTL or the C++ cycle model. Both keep the
// accumulator state between tiles (a tile with first = false continues the sums) and return
// identical bits and cycle counts; tests/cosim proves it. No SystemC here: the SystemC
// wrapper (mac_array_module.hpp) turns the cycle count into simulated time.
#pragma once

#include <memory>
#include <string>

#include "tlm/ndp/mac_tile.hpp"

namespace monde::ndp {


class MacEngine {
 public:
  virtual ~MacEngine() = default;
  virtual config::PeModel model() const = 0;
  virtual config::MacArrayShape shape() const = 0;
  // Runs one tile; throws std::invalid_argument (message from check_tile) for a bad tile.
  virtual MacTileResult run_tile(const MacTile& tile) = 0;
};

// Options that only the RTL engine uses.
struct RtlEngineOptions {
  std::string vcd_path;      // write a VCD of every RTL signal when not empty
  double clock_period_ps = 1000.0;  // VCD time scale: one array cycle
};

std::unique_ptr<MacEngine> make_mac_engine(config::PeModel model, const config::MacArrayShape& shape,
                                           const RtlEngineOptions& rtl = {});

}  // namespace monde::ndp
