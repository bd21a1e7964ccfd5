// Fuzz target: the experiment loader (monde-sim run/validate/show-config): JSON text with
// presets, overrides and every section, loaded and checked as `monde-sim validate` does
// (system::load_experiment). The input is the experiment's text, optionally followed by lines
// "--set KEY=VALUE" (each after a newline), applied as the command line's --set would be.
// Invariants: a rejection is a config::ConfigError whose message starts with the place the bad
// value was written (the experiment file or the --set argument) and says where and what is
// allowed (fuzz_target.hpp); an accepted experiment's resolved configuration
// (config.resolved.json) loads again to the same configuration, as the README promises.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_error.hpp"
#include "core/config/system_config.hpp"
#include "system/experiment.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace {

constexpr const char* kSource = "fuzz-experiment.json";

monde::system::Experiment load(const std::string& text, const char* name,
                               const std::vector<monde::config::Override>& overrides = {}) {
  monde::config::ExperimentSource s;
  s.experiment = name;
  s.text = text;
  s.overrides = overrides;
  return monde::system::load_experiment(s);
}

// Splits "JSON\n--set A=1\n--set B=2" into the JSON and the overrides.
std::string split_overrides(const std::string& input, std::vector<monde::config::Override>& overrides) {
  static const std::string kMark = "\n--set ";
  std::size_t at = input.find(kMark);
  const std::string json = input.substr(0, at);
  while (at != std::string::npos) {
    const std::size_t from = at + kMark.size();
    at = input.find(kMark, from);
    const std::string assignment = input.substr(from, at == std::string::npos ? std::string::npos : at - from);
    overrides.push_back({assignment, monde::config::shown_text("--set " + assignment)});
  }
  return json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace monde;
  if (size == 0) return 0;  // empty text means "read the file named kSource", not an input
  std::vector<config::Override> overrides;
  const std::string json = split_overrides(fuzz::text_of(data, size), overrides);
  if (json.empty()) return 0;
  nlohmann::json resolved;
  try {
    resolved = config::to_json(load(json, kSource, overrides).config);
  } catch (const config::ConfigError& e) {
    const std::string message = e.what();
    bool from_set = false;
    for (const auto& o : overrides) from_set = from_set || message.compare(0, o.origin.size(), o.origin) == 0;
    // A --set argument is named as written ("--set KEY=VALUE"), which names the key.
    if (from_set) {
      fuzz::check_rejection(message, "--set ", true);
    } else {
      fuzz::check_json_rejection(message, kSource);
    }
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
