#include "core/config/experiment_document.hpp"

#include <cctype>

#include "core/config/json_file.hpp"
#include "core/config/presets.hpp"

namespace monde::config {

namespace {

constexpr const char* kDefaultExperiment = "default";

// The names of one kind, for "allowed ..." in messages.
std::string names_list(const std::string& kind) {
  std::string out;
  for (const auto& n : preset_names(kind)) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A path of keys and array indices: "device.cxl.hdm.decoders[0].size".
struct PathStep {
  std::string key;
  bool is_index = false;
  std::size_t index = 0;
};

std::vector<PathStep> split_path(const std::string& path, const std::string& origin) {
  std::vector<PathStep> steps;
  std::string key;
  auto bad = [&origin](const std::string& why) {
    throw ConfigError(origin + ": " + why + "; allowed KEY=VALUE with KEY like run.batch or "
                                           "device.cxl.hdm.decoders[0].size");
  };
  std::size_t i = 0;
  while (i <= path.size()) {
    const char c = i < path.size() ? path[i] : '.';
    if (c == '.' || c == '[') {
      if (key.empty() && (steps.empty() || !steps.back().is_index || c == '[')) bad("an empty key in the path");
      if (!key.empty()) steps.push_back({key, false, 0});
      key.clear();
      if (c == '[') {
        const std::size_t close = path.find(']', i);
        if (close == std::string::npos || close == i + 1) bad("an unclosed or empty [index]");
        std::size_t index = 0;
        for (std::size_t k = i + 1; k < close; ++k) {
          if (!std::isdigit(static_cast<unsigned char>(path[k]))) bad("a non-numeric [index]");
          index = index * 10 + static_cast<std::size_t>(path[k] - '0');
        }
        steps.push_back({"", true, index});
        i = close + 1;
        if (i < path.size() && path[i] != '.' && path[i] != '[') bad("text right after an [index]");
        if (i < path.size() && path[i] == '.') ++i;
        continue;
      }
    } else {
      key += c;
    }
    ++i;
  }
  if (steps.empty()) bad("no key");
  return steps;
}

std::string join_path(const std::vector<PathStep>& steps, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (steps[i].is_index) {
      out += "[" + std::to_string(steps[i].index) + "]";
    } else {
      out = child_path(out, steps[i].key);  // as ConfigNode writes it, so provenance finds it
    }
  }
  return out;
}

bool is_preset_section(const std::string& key) {
  for (const auto& s : preset_sections()) {
    if (key == s.key) return true;
  }
  return false;
}

// --set a.b.c=VALUE on the experiment as written.
void apply_set(nlohmann::json& root, const Override& o, Provenance& provenance) {
  const std::string& arg = o.assignment;
  const std::size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError(o.origin + ": expected KEY=VALUE (e.g. run.batch=64, routing.source=zipf)");
  }
  const std::string path = arg.substr(0, eq);
  const std::string text = arg.substr(eq + 1);
  const auto steps = split_path(path, o.origin);
  nlohmann::json value = parse_set_value(text, o.origin);

  nlohmann::json* node = &root;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    const bool last = i + 1 == steps.size();
    if (s.is_index) {
      if (!node->is_array()) {
        throw ConfigError(o.origin + ": key '" + join_path(steps, i) + "' is not an array; allowed an [index] only on an array");
      }
      if (s.index >= node->size()) {
        throw ConfigError(o.origin + ": key '" + join_path(steps, i) + "' has " + std::to_string(node->size()) +
                          " elements; allowed index 0 .. " + std::to_string(node->size()) + " - 1");
      }
      node = &(*node)[s.index];
    } else {
      if (node->is_string() && i == 1 && is_preset_section(steps[0].key)) {
        // "device": "lpddr5x-8533" and a key inside it: keep the preset, override the key.
        *node = nlohmann::json{{"preset", node->get<std::string>()}};
      }
      if (node->is_null()) *node = nlohmann::json::object();
      if (!node->is_object()) {
        throw ConfigError(o.origin + ": key '" + join_path(steps, i) + "' = " + node->dump() +
                          " is not an object, so it has no key '" + s.key + "'; allowed a path through objects");
      }
      node = &(*node)[s.key];
    }
    if (last) *node = value;
  }
  provenance.set(join_path(steps, steps.size()), o.origin);
}

// Every leaf key of an override object with the place it was written (the experiment file, or
// the --set that wrote it or one of its parents), so that errors in overridden keys name it and
// errors in the rest of the section name the preset.
void collect_leaves(const nlohmann::json& j, const std::string& path, const Provenance& p,
                    std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it) collect_leaves(it.value(), child_path(path, it.key()), p, out);
  } else {
    out.emplace_back(path, p.source_of(path));
  }
}

// Reads one preset section's base: a preset name or a file. Returns its JSON and sets `origin`.
nlohmann::json load_preset(const ConfigNode& top, const std::string& section, const std::string& kind,
                           const std::string& value_key, std::string& origin) {
  const ConfigNode holder = value_key.empty() ? top : top.child(section);
  const std::string key = value_key.empty() ? section : value_key;
  const std::string value = holder.get_string(key);
  if (looks_like_path(value)) {
    origin = holder.get_path(key);
    return load_json_file(origin);
  }
  const EmbeddedPreset* p = find_preset(kind, value);
  if (p == nullptr) {
    holder.fail(key, "unknown " + kind + " preset (or a file path with '/' or .json); allowed " + names_list(kind));
  }
  origin = preset_source(*p);
  return parse_json_text(p->text, origin);
}

}  // namespace

std::string shown_text(const std::string& written) {
  constexpr std::size_t kMaxChars = 80;
  std::string s = written.size() <= kMaxChars
                      ? written
                      : written.substr(0, kMaxChars - 3) + "... (" + std::to_string(written.size()) + " characters)";
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) c = '?';
  }
  return s;
}

const std::vector<PresetSection>& preset_sections() {
  static const std::vector<PresetSection> s = {{"model", "model"}, {"device", "device"}};
  return s;
}

ExperimentDocument::ExperimentDocument(nlohmann::json json, std::shared_ptr<Provenance> provenance, std::string name)
    : json_(std::make_shared<nlohmann::json>(std::move(json))), provenance_(std::move(provenance)), name_(std::move(name)) {}

ExperimentDocument load_experiment_document(const ExperimentSource& source) {
  // The experiment itself.
  const std::string spec = source.experiment.empty() ? kDefaultExperiment : source.experiment;
  nlohmann::json root;
  std::string name;
  if (!source.text.empty()) {
    name = source.experiment.empty() ? "<experiment text>" : source.experiment;
    root = parse_json_text(source.text, name);
  } else if (looks_like_path(spec)) {
    name = spec;
    root = load_json_file(spec);
  } else {
    const EmbeddedPreset* p = find_preset("experiment", spec);
    if (p == nullptr) {
      throw ConfigError(spec + ": no such experiment file or experiment preset (a file path needs a '/' or .json); "
                               "allowed presets " + names_list("experiment"));
    }
    name = preset_source(*p);
    root = parse_json_text(p->text, name);
  }
  if (!root.is_object()) throw ConfigError(name + ": the top level must be a JSON object");
  auto provenance = std::make_shared<Provenance>(name);
  provenance->data_dirs = source.data_dirs;
  for (const auto& o : source.overrides) apply_set(root, o, *provenance);

  // Presets: the base from the preset (or file), the section's other keys as a merge patch.
  const ConfigNode top(root, provenance);
  for (const auto& section : preset_sections()) {
    if (!root.contains(section.key)) continue;  // the schema reports it missing
    const nlohmann::json& written = root.at(section.key);
    std::string origin;
    nlohmann::json merged;
    if (written.is_string()) {
      merged = load_preset(top, section.key, section.kind, "", origin);
      provenance->set(section.key, origin);
    } else if (written.is_object() && written.contains("preset")) {
      merged = load_preset(top, section.key, section.kind, "preset", origin);
      nlohmann::json patch = written;
      patch.erase("preset");
      std::vector<std::pair<std::string, std::string>> leaves;
      for (auto it = patch.begin(); it != patch.end(); ++it) {
        collect_leaves(it.value(), child_path(section.key, it.key()), *provenance, leaves);
      }
      provenance->set(section.key, origin);
      for (const auto& [path, src] : leaves) provenance->set(path, src);
      merged.merge_patch(patch);
    } else {
      continue;  // the whole section written out (or not an object: the schema says so)
    }
    root[section.key] = std::move(merged);
  }
  return ExperimentDocument(std::move(root), std::move(provenance), name);
}

}  // namespace monde::config
