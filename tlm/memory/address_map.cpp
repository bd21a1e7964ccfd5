#include "tlm/memory/address_map.hpp"

#include <stdexcept>
#include <string>

namespace monde::mem {

namespace {

unsigned log2u(std::uint64_t v) {
  unsigned b = 0;
  while ((std::uint64_t{1} << b) < v) ++b;
  return b;
}

}  // namespace

AddressMap::AddressMap(const config::DramConfig& cfg) {
  const auto& o = cfg.org;
  bits_[static_cast<unsigned>(config::AddrField::kChannel)] = log2u(o.channels);
  bits_[static_cast<unsigned>(config::AddrField::kRank)] = log2u(o.ranks);
  bits_[static_cast<unsigned>(config::AddrField::kBankGroup)] = log2u(o.bank_groups);
  bits_[static_cast<unsigned>(config::AddrField::kBank)] = log2u(o.banks_per_group);
  bits_[static_cast<unsigned>(config::AddrField::kRow)] = log2u(o.rows);
  bits_[static_cast<unsigned>(config::AddrField::kColumn)] = log2u(o.columns / o.burst_length);
  offset_bits_ = log2u(cfg.bytes_per_burst());
  // The mapping lists MSB first, so assign shifts from the last entry upwards.
  unsigned pos = offset_bits_;
  for (auto it = cfg.mapping.rbegin(); it != cfg.mapping.rend(); ++it) {
    shift_[static_cast<unsigned>(*it)] = pos;
    pos += bits_[static_cast<unsigned>(*it)];
  }
  if (pos >= 64) throw std::invalid_argument("memory organisation needs more than 63 address bits");
  capacity_ = std::uint64_t{1} << pos;
}

DramCoord AddressMap::decode(std::uint64_t addr) const {
  if (addr >= capacity_) {
    throw std::out_of_range("DRAM address " + std::to_string(addr) + " is beyond the device capacity " +
                            std::to_string(capacity_));
  }
  auto get = [&](config::AddrField f) {
    const unsigned i = static_cast<unsigned>(f);
    return static_cast<unsigned>((addr >> shift_[i]) & ((std::uint64_t{1} << bits_[i]) - 1));
  };
  DramCoord c;
  c.channel = get(config::AddrField::kChannel);
  c.rank = get(config::AddrField::kRank);
  c.bank_group = get(config::AddrField::kBankGroup);
  c.bank = get(config::AddrField::kBank);
  c.row = get(config::AddrField::kRow);
  c.column = get(config::AddrField::kColumn);
  return c;
}

std::uint64_t AddressMap::encode(const DramCoord& c) const {
  std::uint64_t addr = 0;
  auto put = [&](config::AddrField f, unsigned v) {
    const unsigned i = static_cast<unsigned>(f);
    if ((std::uint64_t{v} >> bits_[i]) != 0) {
      throw std::out_of_range(std::string("DRAM coordinate ") + config::addr_field_name(f) + " = " + std::to_string(v) +
                              " does not fit in " + std::to_string(bits_[i]) + " bits");
    }
    addr |= std::uint64_t{v} << shift_[i];
  };
  put(config::AddrField::kChannel, c.channel);
  put(config::AddrField::kRank, c.rank);
  put(config::AddrField::kBankGroup, c.bank_group);
  put(config::AddrField::kBank, c.bank);
  put(config::AddrField::kRow, c.row);
  put(config::AddrField::kColumn, c.column);
  return addr;
}

}  // namespace monde::mem
