// The Verilated RTL of the MAC array (rtl/mac_array.sv, built with --cc), driven through its
// valid/ready handshakes in a plain C++ loop: one tile runs all of its clock cycles in one
// call, with no SystemC signal updates or context switches per cycle. The cycle count is
// measured from the handshakes, not computed.
#pragma once

#include <cstdint>
#include <memory>

#include "tlm/ndp/mac_engine.hpp"

namespace monde::ndp {

// The array size the RTL was verilated with (CMake MONDE_RTL_ROWS / MONDE_RTL_COLS).
config::MacArrayShape rtl_built_shape();

class RtlMacEngine final : public MacEngine {
 public:
  // Throws std::invalid_argument if `shape` is not the verilated shape.
  RtlMacEngine(const config::MacArrayShape& shape, const RtlEngineOptions& options);
  ~RtlMacEngine() override;
  RtlMacEngine(const RtlMacEngine&) = delete;
  RtlMacEngine& operator=(const RtlMacEngine&) = delete;

  config::PeModel model() const override { return config::PeModel::kRtl; }
  config::MacArrayShape shape() const override;
  MacTileResult run_tile(const MacTile& tile) override;

  // Verification aid: withhold input beats and output ready at random (probabilities in
  // [0, 1], seeded) to exercise the handshakes. stall_cycles() reports how many cycles the
  // last tile lost to them, so that cycles == formula + stall_cycles() still holds exactly.
  void set_random_stalls(double in_bubble_probability, double out_stall_probability, std::uint64_t seed);
  std::uint64_t stall_cycles() const;

  // Clock cycles since reset (also the VCD time in cycles).
  std::uint64_t cycle() const;
  // Lets idle time pass without clocking: with no input beats the RTL state cannot change,
  // so skipping ahead is exact. Used to keep the VCD aligned with SystemC time.
  void skip_idle_to_cycle(std::uint64_t cycle);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace monde::ndp
