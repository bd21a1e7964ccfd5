// Strict unsigned number arguments of the regression tools (decimal or 0x hex): a sign, an
// empty string, trailing text or overflow is refused instead of read as something else.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace monde::regress {

inline bool parse_u64(const char* s, std::uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || s[0] == '+') return false;
  out = v;
  return true;
}

}  // namespace monde::regress
