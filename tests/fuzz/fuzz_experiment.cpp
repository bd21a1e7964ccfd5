// Fuzz target: the experiment loader (monde-sim run/validate/show-config): JSON text with
// presets, overrides and every section, loaded and checked as `monde-sim validate` does
// (system::load_experiment). Invariants: a rejection is a config::ConfigError whose message says
// where and what is allowed (fuzz_target.hpp); an accepted experiment's resolved configuration
// (config.resolved.json) loads again to the same configuration, as the README promises.
#include <nlohmann/json.hpp>

#include "core/config/config_error.hpp"
#include "core/config/system_config.hpp"
#include "system/experiment.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace {

constexpr const char* kSource = "fuzz-experiment.json";

monde::system::Experiment load(const std::string& text, const char* name) {
  monde::config::ExperimentSource s;
  s.experiment = name;
  s.text = text;
  return monde::system::load_experiment(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace monde;
  if (size == 0) return 0;  // empty text means "read the file named kSource", not an input
  nlohmann::json resolved;
  try {
    resolved = config::to_json(load(fuzz::text_of(data, size), kSource).config);
  } catch (const config::ConfigError& e) {
    fuzz::check_rejection(e.what(), kSource);
    return 0;
  }
  try {
    const nlohmann::json again = config::to_json(load(resolved.dump(), "fuzz-resolved.json").config);
    fuzz::require(again == resolved, "the resolved configuration loads to a different one:\n" + resolved.dump() +
                                         "\nloads as\n" + again.dump());
  } catch (const config::ConfigError& e) {
    fuzz::fail(std::string("the resolved configuration of an accepted experiment is rejected: ") + e.what() +
               "\nresolved: " + resolved.dump());
  }
  return 0;
}
