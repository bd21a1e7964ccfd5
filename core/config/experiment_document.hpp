// An experiment as written, turned into one JSON tree with its presets expanded and its
// command-line changes applied, and a record of where each key came from.
//
//   { "model":  "mixtral-8x7b"                      a preset by name (core/config/presets.hpp),
//               | "my/model.json"                    a file (relative to this file),
//               | { "preset": "mixtral-8x7b", "top_k": 1 }   a preset with keys overridden,
//               | { ...every key... },               or the whole section written out;
//     "device": the same forms, over configs/device/ (its "memory", "cxl" and "ndp" objects),
//     "gpu": {...}, "cpu": {...}, "routing": {...}, "run": {...}, "demo": {...} }
//
// An override is a JSON merge patch (RFC 7386) on the preset. --set a.b.c=VALUE (VALUE is read as
// JSON, else taken as a string) changes any key after the file is read; a path through a preset
// named by a string ("device.memory.model" when "device" is "lpddr5x-8533") turns it into
// {"preset": ...} first. Errors name the place a key was written: the experiment file, the preset
// file, or the --set argument.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_node.hpp"
#include "core/config/provenance.hpp"

namespace monde::config {

// One command-line change: "a.b.c=VALUE", and how the user wrote it ("--set run.batch=64",
// "--batch 64"), which errors about the key name.
struct Override {
  std::string assignment;
  std::string origin;  // how the user wrote it, for messages (cut short by shown_text)
};

// User text as messages show it ("--set KEY=VALUE", a policy name, a word of a trace or vector
// file): at most 80 characters, so that a value pasted by mistake (a 50 MB policy list) does not
// flood the terminal, and control bytes shown as '?', so that a NUL cannot cut the message short.
std::string shown_text(const std::string& written);

struct ExperimentSource {
  // A file path, the name of an experiment preset (configs/experiments/<name>.json), or empty for
  // the embedded default ("default").
  std::string experiment;
  // The experiment as JSON text instead (used when not empty; `experiment` then only names it in
  // messages): for programs and tests that build experiments in memory.
  std::string text;
  std::vector<Override> overrides;     // applied in order
  std::vector<std::string> data_dirs;  // see Provenance::data_dirs

  // Adds "--set a.b.c=VALUE".
  void set(const std::string& assignment) { overrides.push_back({assignment, shown_text("--set " + assignment)}); }
};

class ExperimentDocument {
 public:
  ExperimentDocument(nlohmann::json json, std::shared_ptr<Provenance> provenance, std::string name);

  const nlohmann::json& json() const { return *json_; }
  ConfigNode root() const { return ConfigNode(*json_, provenance_); }
  const std::string& name() const { return name_; }  // the experiment file, or "<embedded experiment 'x'>"
  const Provenance& provenance() const { return *provenance_; }

 private:
  std::shared_ptr<nlohmann::json> json_;  // shared: ConfigNodes point into it
  std::shared_ptr<Provenance> provenance_;
  std::string name_;
};

// Throws ConfigError (bad JSON, unknown preset, a bad --set argument or path).
ExperimentDocument load_experiment_document(const ExperimentSource& source);

// The sections that can name a preset, and the preset kind they name.
struct PresetSection {
  const char* key;   // "model", "device"
  const char* kind;  // "model", "device"
};
const std::vector<PresetSection>& preset_sections();

}  // namespace monde::config
