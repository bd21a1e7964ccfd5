// Which device DRAM reads return poison (config::DramPoisonConfig): every 64 B line a poisoned
// range touches, and each 64 B line read with probability read_line_rate (drawn per read, in the order the
// reads reach the DRAM, from the fault seed: the same configuration and seed poison the same
// reads). SystemC-free; the DRAM target asks it about every read it serves.
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/fault_config.hpp"
#include "tlm/common/rare_events.hpp"

namespace monde::mem {

struct PoisonedLines {
  std::uint64_t lines = 0;         // poisoned 64 B lines
  std::uint64_t first_offset = 0;  // of the first one, bytes into the access's data
};

class PoisonModel {
 public:
  static constexpr std::uint64_t kLineBytes = 64;

  PoisonModel() = default;
  PoisonModel(const config::DramPoisonConfig& config, std::uint64_t seed);
  bool enabled() const { return !ranges_.empty() || random_.active(); }

  // A read of `lines` pieces of `line_bytes` bytes, piece i at address + i x stride (a contiguous
  // read is one piece). Counts what it found.
  PoisonedLines read(std::uint64_t address, std::uint64_t line_bytes, std::uint64_t lines, std::uint64_t stride);

  std::uint64_t poisoned_reads() const { return poisoned_reads_; }  // transactions with poison
  std::uint64_t poisoned_lines() const { return poisoned_lines_; }

 private:
  std::vector<config::AddressSpan> ranges_;
  RareEvents random_;
  std::uint64_t poisoned_reads_ = 0, poisoned_lines_ = 0;
};

}  // namespace monde::mem
