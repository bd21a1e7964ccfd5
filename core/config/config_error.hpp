// The one error type of the configuration library. what() is the complete message for the user,
// always in the form  "<source>: key '<a.b.c>' = <value>: <problem>; allowed <range>"  (the
// value part is left out for a missing key), so every tool prints it as it is.
#pragma once

#include <stdexcept>
#include <string>

namespace monde::config {

class ConfigError : public std::runtime_error {
 public:
  // Control bytes the user wrote (a NUL inside a key, an escape sequence) are shown as '?':
  // a NUL would end what() early and cut the message; line breaks and tabs are kept.
  explicit ConfigError(const std::string& message) : std::runtime_error(printable(message)) {}

 private:
  static std::string printable(std::string s) {
    for (char& c : s) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7F) c = '?';
    }
    return s;
  }
};

}  // namespace monde::config
