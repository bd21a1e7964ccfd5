// Errors the driver raises for a device or bus failure it cannot recover from (a bad register
// block, a failed CXL.mem access, a device that refuses its ring configuration). A failed NDP
// job has its own, richer type (NdpJobError, which derives from this).
#pragma once

#include <stdexcept>

namespace monde::driver {

class DriverError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace monde::driver
