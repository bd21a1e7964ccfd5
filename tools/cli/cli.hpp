// monde-sim's subcommands, each in its own file. Exit status of every subcommand:
//   0  done, every check passed
//   1  the simulation ran and failed (a policy's error, result mismatches, an output that could not
//      be written); what finished is written wherever it can be
//   2  bad input (configuration, command line, files), found before simulating
//   130, 143  run / sweep cancelled by SIGINT / SIGTERM (system/cancellation.hpp); what finished
//      is written
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace monde::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;

// Each adds its subcommand to `app` and returns it with the function that runs it once parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
Command add_run_command(CLI::App& app);
Command add_validate_command(CLI::App& app);
Command add_show_config_command(CLI::App& app);
Command add_list_command(CLI::App& app);
Command add_reference_command(CLI::App& app);
Command add_mac_command(CLI::App& app);
Command add_ndp_command(CLI::App& app);
Command add_traffic_command(CLI::App& app);
Command add_sweep_command(CLI::App& app);
Command add_plot_command(CLI::App& app);

// Option checks on the text as typed, before CLI11 converts it.
// A finite number in [lo, hi]: CLI::Range lets NaN through (every comparison with NaN is false).
CLI::Validator finite_range(double lo, double hi);
// An unsigned 64-bit integer written in decimal digits: CLI11's own conversion takes "-1" and
// 2^64 and wraps them into range.
CLI::Validator uint64_digits();
// A file or directory name that is not empty: `--out ''` must not mean "no output".
CLI::Validator non_empty_path();

// Parses the command line and runs the chosen subcommand; configuration errors and other
// exceptions become one line on stderr ("monde-sim: ...") and exit status 2.
int run_cli(int argc, char* argv[]);

}  // namespace monde::tools
