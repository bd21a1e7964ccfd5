// Path of a configs/device/ preset for tests. MONDE_SOURCE_DIR is set by tests/CMakeLists.txt
// (tests run from the build directory, so relative paths would not work).
#pragma once

#include <string>

namespace monde::test {

inline std::string device_preset(const std::string& name) {
  return std::string(MONDE_SOURCE_DIR) + "/configs/device/" + name;
}

}  // namespace monde::test
