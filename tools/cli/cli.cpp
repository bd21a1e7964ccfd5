#include "tools/cli/cli.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "core/config/config_error.hpp"
#include "core/config/config_node.hpp"

#ifndef MONDE_VERSION
#define MONDE_VERSION "unknown"
#endif

namespace monde::tools {

CLI::Validator finite_range(double lo, double hi) {
  const std::string allowed = config::format_number(lo) + " .. " + config::format_number(hi);
  return CLI::Validator(
      [lo, hi, allowed](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v) || v < lo ||
            v > hi) {
          return "'" + text + "' is not a number in " + allowed;
        }
        return {};
      },
      "NUMBER in " + allowed);
}

CLI::Validator uint64_digits() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::string allowed = "0 .. 18446744073709551615";
        bool ok = !text.empty() && text.size() <= 20;
        for (const char c : text) ok = ok && std::isdigit(static_cast<unsigned char>(c));
        // 20 digits fit only up to 18446744073709551615.
        if (ok && text.size() == 20) ok = text <= "18446744073709551615";
        return ok ? std::string() : "'" + text + "' is not an integer in " + allowed;
      },
      "INTEGER in 0 .. 2^64-1");
}

CLI::Validator non_empty_path() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return text.empty() ? "an empty name; allowed a file or directory name" : ""; },
      "PATH");
}

int run_cli(int argc, char* argv[]) {
  CLI::App app{"monde-sim: the open reference model of MoNDE (Mixture of Near-Data Experts): a GPU and a CXL "
               "memory device whose near-data units run MoE experts, simulated in SystemC TLM-2.0"};
  app.set_version_flag("--version", std::string("monde-sim ") + MONDE_VERSION);
  app.require_subcommand(1);
  const std::vector<Command> commands = {add_run_command(app),  add_validate_command(app), add_show_config_command(app),
                                         add_list_command(app), add_reference_command(app), add_mac_command(app), add_ndp_command(app),
                                         add_traffic_command(app), add_sweep_command(app), add_plot_command(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitBadInput;
  }
  try {
    for (const auto& c : commands) {
      if (c.app->parsed()) return c.run();
    }
  } catch (const config::ConfigError& e) {
    std::cerr << "monde-sim: configuration error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "monde-sim: " << e.what() << "\n";
  }
  return kExitBadInput;
}

}  // namespace monde::tools
