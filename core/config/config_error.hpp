// The one error type of the configuration library. what() is the complete message for the user,
// always in the form  "<source>: key '<a.b.c>' = <value>: <problem>; allowed <range>"  (the
// value part is left out for a missing key), so every tool prints it as it is.
#pragma once

#include <stdexcept>

namespace monde::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace monde::config
