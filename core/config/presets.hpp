// The presets under configs/ (models, devices, GPU profiles, experiments), compiled into every
// binary so that a configuration can name them ("model": "mixtral-8x7b") from any directory,
// after installation too. A value with a '/' or ending in ".json" is a file path instead.
#pragma once

#include <string>
#include <vector>

namespace monde::config {

struct EmbeddedPreset {
  const char* kind;  // "model", "device", "gpu", "experiment"
  const char* name;  // file name without .json, e.g. "mixtral-8x7b"
  const char* file;  // where it came from, e.g. "configs/models/mixtral-8x7b.json"
  const char* text;  // the file's bytes
};

const std::vector<EmbeddedPreset>& embedded_presets();

// nullptr when `kind` has no preset called `name`.
const EmbeddedPreset* find_preset(const std::string& kind, const std::string& name);
// The names of one kind, in file-name order.
std::vector<std::string> preset_names(const std::string& kind);
// How messages name a preset's text: "<embedded KIND 'NAME' (FILE)>".
std::string preset_source(const EmbeddedPreset& preset);
// True for a value that names a file rather than a preset.
bool looks_like_path(const std::string& value);

}  // namespace monde::config
