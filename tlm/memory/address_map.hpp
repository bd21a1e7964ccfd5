// Device physical address <-> DRAM coordinates, by slicing bits in the order the configuration
// lists the fields (MSB first). Below all fields lie log2(bytes_per_burst) offset bits: one
// transaction (one burst) is the unit of interleaving. The column field counts bursts within a
// row, i.e. it has log2(columns / burst_length) bits.
#pragma once

#include <array>
#include <cstdint>

#include "core/config/dram_config.hpp"

namespace monde::mem {

struct DramCoord {
  unsigned channel = 0;
  unsigned rank = 0;
  unsigned bank_group = 0;
  unsigned bank = 0;  // within its bank group
  unsigned row = 0;
  unsigned column = 0;  // burst index within the row
  bool operator==(const DramCoord& o) const {
    return channel == o.channel && rank == o.rank && bank_group == o.bank_group && bank == o.bank &&
           row == o.row && column == o.column;
  }
};

class AddressMap {
 public:
  explicit AddressMap(const config::DramConfig& cfg);

  // Addresses at or above capacity() throw std::out_of_range: a silent wrap would alias memory.
  DramCoord decode(std::uint64_t addr) const;
  // The address of the first byte of the burst at `c`; fields out of range throw std::out_of_range.
  std::uint64_t encode(const DramCoord& c) const;

  std::uint64_t capacity() const { return capacity_; }
  unsigned offset_bits() const { return offset_bits_; }
  unsigned field_bits(config::AddrField f) const { return bits_[static_cast<unsigned>(f)]; }
  // Bit position of the field's least significant bit in the address.
  unsigned field_shift(config::AddrField f) const { return shift_[static_cast<unsigned>(f)]; }

 private:
  std::array<unsigned, config::kNumAddrFields> bits_{};
  std::array<unsigned, config::kNumAddrFields> shift_{};
  unsigned offset_bits_ = 0;
  std::uint64_t capacity_ = 0;
};

}  // namespace monde::mem
