// Tests that configure a system from an experiment's JSON text: the configuration as the library
// resolves it (presets, defaults, checks), or the message it is refused with.
#pragma once

#include <string>

#include "core/config/config_error.hpp"
#include "core/config/experiment_document.hpp"
#include "core/config/system_config.hpp"

namespace monde::test {

// `text` as the experiment file "t.json".
inline config::SystemConfig parse_experiment_text(const std::string& text) {
  config::ExperimentSource source;
  source.experiment = "t.json";
  source.text = text;
  return config::parse_system_config(config::load_experiment_document(source));
}

// The ConfigError's message, or "(no error)" when `text` is accepted.
inline std::string experiment_error_of(const std::string& text) {
  try {
    parse_experiment_text(text);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace monde::test
