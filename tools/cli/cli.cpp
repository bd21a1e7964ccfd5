#include "tools/cli/cli.hpp"

#include <iostream>

#include "core/config/config_error.hpp"

#ifndef MONDE_VERSION
#define MONDE_VERSION "unknown"
#endif

namespace monde::tools {

int run_cli(int argc, char* argv[]) {
  CLI::App app{"monde-sim: the open reference model of MoNDE (Mixture of Near-Data Experts): a GPU and a CXL "
               "memory device whose near-data units run MoE experts, simulated in SystemC TLM-2.0"};
  app.set_version_flag("--version", std::string("monde-sim ") + MONDE_VERSION);
  app.require_subcommand(1);
  const std::vector<Command> commands = {add_run_command(app),  add_validate_command(app), add_show_config_command(app),
                                         add_list_command(app), add_reference_command(app), add_mac_command(app),
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
