// The tail every command-line tool shares: parse the command line, run, and turn exceptions
// into one line on stderr and the documented exit status (2: bad input, including
// configuration errors; the body returns 0 or 1 itself).
#pragma once

#include <functional>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "core/config/config_node.hpp"

namespace monde {

inline constexpr int kExitBadInput = 2;

inline int parse_and_run(CLI::App& app, int argc, char* argv[], const std::string& tool, const std::function<int()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitBadInput;
  }
  try {
    return body();
  } catch (const config::ConfigError& e) {
    std::cerr << tool << ": configuration error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << tool << ": " << e.what() << "\n";
  }
  return kExitBadInput;
}

}  // namespace monde
