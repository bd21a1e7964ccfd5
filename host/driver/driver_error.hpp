// Errors the driver raises for a device or bus failure it cannot recover from (a bad register
// block, a failed CXL.mem access, a device that refuses its ring configuration). A failed NDP
// job has its own, richer type (NdpJobError, which derives from this).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace monde::driver {

class DriverError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A CXL.mem read whose data came back poisoned (the device's DRAM had an uncorrectable error
// there): nothing about the bus or the rings is broken, only these bytes are lost.
class PoisonedRead : public DriverError {
 public:
  PoisonedRead(const std::string& what, std::uint64_t address, std::uint64_t lines)
      : DriverError(what), address_(address), lines_(lines) {}
  std::uint64_t address() const { return address_; }  // the first poisoned line's host address
  std::uint64_t lines() const { return lines_; }

 private:
  std::uint64_t address_, lines_;
};

}  // namespace monde::driver
