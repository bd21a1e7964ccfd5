// The options every monde-sim subcommand that reads an experiment shares: the experiment
// (positional: a file or an experiment preset name, default the embedded "default"), --set on
// any key, the shorthands for the common keys (--model, --device, --phase, ...), and where data
// files are looked up. The shorthands become overrides like --set, with their own name in errors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/config/experiment_document.hpp"

namespace monde::tools {

struct ExperimentOptions {
  std::string experiment;
  std::vector<std::string> sets;
  std::string model, device, phase, data;
  // Numbers as written, so that 0, -1 and 1e23 reach the configuration's range check (and its
  // message) like a value in the file.
  std::string batch, prompt_tokens, steps, seed;
  std::string policies;  // comma-separated
  std::vector<std::string> data_dirs;

  // what: "run" adds the run shorthands (--model ... --seed); "device": only --device; "config": as
  // "device" with the experiment as --config instead of a positional argument.
  void add_to(CLI::App& app, const std::string& what);
  config::ExperimentSource source() const;
};

// The device-level testbenches (mac, ndp): the experiment's document with --pe-model /
// --rtl-drive (when not empty) as overrides of device.ndp, its keys checked; they read only its
// `sections` (device, and demo for mac): a testbench needs no model or routing. A --set of
// another section is refused (reject_unread_overrides).
config::ExperimentDocument load_testbench_document(const ExperimentOptions& o, const std::string& pe_model,
                                                   const std::string& rtl_drive, const std::string& command,
                                                   const std::vector<std::string>& sections);

// A subcommand that reads only some sections of the experiment refuses an override (--set or a
// shorthand) of any other: it would do nothing, and a device count or a fault given to `traffic`
// must not be dropped silently. The experiment file's own other sections are not refused (a
// full experiment may be given for its device).
void reject_unread_overrides(const config::ExperimentSource& source, const std::vector<std::string>& sections,
                             const std::string& command);

// The data search path: each --data-dir, then MONDE_DATA_DIR (':'-separated), then the first
// "shared/data" found beside an ancestor of the working directory or of this executable (a
// checkout's ../shared/data).
std::vector<std::string> data_search_path(const std::vector<std::string>& data_dirs);

}  // namespace monde::tools
