#include "tools/cli/experiment_options.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "core/config/system_config.hpp"
#include "tools/cli/cli.hpp"

namespace monde::tools {

namespace {

namespace fs = std::filesystem;

// Walks up from `start` and returns the first <ancestor>/shared/data or <ancestor>/../shared/data.
std::string find_shared_data(fs::path start) {
  std::error_code ec;
  for (fs::path p = fs::weakly_canonical(start, ec); !p.empty(); p = p.parent_path()) {
    for (const fs::path& cand : {p / "shared" / "data", p.parent_path() / "shared" / "data"}) {
      if (fs::is_directory(cand, ec)) return cand.lexically_normal().string();
    }
    if (p == p.parent_path()) break;
  }
  return {};
}

}  // namespace

void ExperimentOptions::add_to(CLI::App& app, const std::string& what) {
  const char* help =
      "experiment: a JSON file, or an experiment preset name (monde-sim list experiments); default: the embedded "
      "default experiment";
  if (what == "config") {
    app.add_option("--config", experiment, help)->check(non_empty_path());  // the subcommand's positional is something else
  } else {
    app.add_option("experiment", experiment, help)->check(non_empty_path());
  }
  // One value per occurrence: "--set a=1 file.json" must not take the file as a second setting.
  app.add_option("--set", sets, "change any key: a.b.c=VALUE (VALUE is JSON, else a string); repeatable")
      ->type_name("KEY=VALUE")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--device", device, "device preset name or file (same as --set device=...)");
  app.add_option("--data-dir", data_dirs, "where relative data paths (routing traces) are looked up; repeatable")
      ->type_name("DIR")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  if (what != "run") return;
  app.add_option("--model", model, "model preset name or file (same as --set model=...)");
  app.add_option("--phase", phase, "decode, prefill or generate (run.phase)");
  app.add_option("--batch", batch, "sequences per step (run.batch)");
  app.add_option("--prompt-tokens", prompt_tokens, "tokens per sequence in prefill (run.prompt_tokens)");
  app.add_option("--steps", steps, "steps (run.steps)");
  app.add_option("--policies", policies, "placement policies to run, comma-separated (run.policies; monde-sim list "
                                         "policies)")
      ->type_name("A,B,...");
  app.add_option("--seed", seed, "routing seed (routing.seed)");
  app.add_option("--data", data, "timing_only or full (run.data)");
}

config::ExperimentSource ExperimentOptions::source() const {
  config::ExperimentSource s;
  s.experiment = experiment;
  auto add = [&s](const std::string& key, const std::string& json_value, const std::string& origin) {
    s.overrides.push_back({key + "=" + json_value, config::shown_text(origin)});
  };
  // Strings are passed as JSON strings, so that a name that happens to be a number stays a name.
  auto str = [](const std::string& v) { return nlohmann::json(v).dump(); };
  if (!model.empty()) add("model", str(model), "--model " + model);
  if (!device.empty()) add("device", str(device), "--device " + device);
  if (!phase.empty()) add("run.phase", str(phase), "--phase " + phase);
  if (!data.empty()) add("run.data", str(data), "--data " + data);
  if (!batch.empty()) add("run.batch", batch, "--batch " + batch);
  if (!prompt_tokens.empty()) add("run.prompt_tokens", prompt_tokens, "--prompt-tokens " + prompt_tokens);
  if (!steps.empty()) add("run.steps", steps, "--steps " + steps);
  if (!policies.empty()) {
    std::vector<std::string> names;
    for (std::size_t start = 0; start <= policies.size();) {
      const std::size_t comma = std::min(policies.find(',', start), policies.size());
      names.push_back(policies.substr(start, comma - start));
      start = comma + 1;
    }
    add("run.policies", nlohmann::json(names).dump(), "--policies " + policies);
  }
  if (!seed.empty()) add("routing.seed", seed, "--seed " + seed);
  for (const auto& a : sets) s.set(a);
  s.data_dirs = data_search_path(data_dirs);
  return s;
}

std::vector<std::string> data_search_path(const std::vector<std::string>& data_dirs) {
  std::vector<std::string> out = data_dirs;
  if (const char* env = std::getenv("MONDE_DATA_DIR")) {
    std::string list = env;
    for (std::size_t start = 0; start <= list.size();) {
      const std::size_t colon = std::min(list.find(':', start), list.size());
      if (colon > start) out.push_back(list.substr(start, colon - start));
      start = colon + 1;
    }
  }
  std::error_code ec;
  for (const fs::path& from : {fs::current_path(ec), fs::read_symlink("/proc/self/exe", ec).parent_path()}) {
    const std::string found = find_shared_data(from);
    if (!found.empty()) {
      out.push_back(found);
      break;
    }
  }
  return out;
}

void reject_unread_overrides(const config::ExperimentSource& source, const std::vector<std::string>& sections,
                             const std::string& command) {
  for (const auto& ov : source.overrides) {
    const std::string key = ov.assignment.substr(0, ov.assignment.find('='));
    const std::string section = key.substr(0, key.find_first_of(".["));
    if (std::find(sections.begin(), sections.end(), section) != sections.end()) continue;
    std::string allowed;
    for (const auto& s : sections) allowed += (allowed.empty() ? "" : ", ") + s + ".*";
    throw std::invalid_argument(ov.origin + ": monde-sim " + command + " reads only the experiment's " + allowed +
                                " keys; '" + config::shown_text(section) + "' would do nothing here");
  }
}

config::ExperimentDocument load_testbench_document(const ExperimentOptions& o, const std::string& pe_model,
                                                   const std::string& rtl_drive, const std::string& command,
                                                   const std::vector<std::string>& sections) {
  config::ExperimentSource source = o.source();
  reject_unread_overrides(source, sections, command);
  if (!pe_model.empty()) source.overrides.push_back({"device.ndp.pe_model=\"" + pe_model + "\"", "--pe-model " + pe_model});
  if (!rtl_drive.empty()) source.overrides.push_back({"device.ndp.rtl_drive=\"" + rtl_drive + "\"", "--rtl-drive " + rtl_drive});
  config::ExperimentDocument doc = config::load_experiment_document(source);
  doc.root().reject_unknown_keys(config::system_schema().keys());
  return doc;
}

}  // namespace monde::tools
