#include "tools/sweep/sweep_spec.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/config/json_file.hpp"

namespace monde::sweep {

namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

const char* const kSpecKeys = "\"experiment\", \"set\", \"grid\", \"zip\", \"policies\"";

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw std::runtime_error(where + ": " + what); }


// Splits "a,[1,2],\"x,y\"" at the commas outside brackets and quotes.
std::vector<std::string> split_values(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (quoted) {
      if (c == '\\' && i + 1 < list.size()) cur += list[i++];
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(cur);
  return out;
}

std::pair<std::string, std::string> split_assignment(const std::string& argument, const std::string& option) {
  const auto eq = argument.find('=');
  if (eq == std::string::npos || eq == 0) {
    fail(option + " " + argument, "expected KEY=VALUE" + std::string(option == "--set" ? "" : "S (V1,V2,...)") +
                                      " with a configuration key such as run.batch");
  }
  return {argument.substr(0, eq), argument.substr(eq + 1)};
}

void check_key(const std::string& key, const std::string& where) {
  const bool ok = !key.empty() && key.front() != '.' && key.back() != '.' && key.find("..") == std::string::npos &&
                  key.find_first_of(" =,") == std::string::npos;
  if (!ok) fail(where, "key '" + key + "' is not a configuration key; allowed dotted names such as run.batch");
}

std::vector<Axis> parse_axes(const ojson& j, const std::string& where) {
  if (!j.is_object()) fail(where, "must be an object of KEY: [values...]; allowed e.g. {\"run.batch\": [1, 8]}");
  std::vector<Axis> axes;
  for (const auto& [key, values] : j.items()) {
    check_key(key, where);
    if (!values.is_array() || values.empty()) {
      fail(where + " key '" + key + "'", "must be a non-empty array of values; allowed e.g. [1, 8, 32]");
    }
    Axis a{key, {}};
    for (const auto& v : values) a.values.push_back(nlohmann::json::parse(v.dump()));
    axes.push_back(std::move(a));
  }
  return axes;
}

// A directory-name-safe rendering of a value: letters, digits, '.', '-'; the rest become '-'.
std::string safe(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    out += keep ? c : '-';
  }
  return out;
}

std::string point_id(std::size_t index, std::size_t count, const std::vector<Setting>& values) {
  std::string digits = std::to_string(count > 0 ? count - 1 : 0);
  std::string idx = std::to_string(index);
  idx.insert(0, digits.size() - std::min(digits.size(), idx.size()), '0');
  std::string readable;
  for (const auto& [key, value] : values) {
    const std::string leaf = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
    readable += (readable.empty() ? "" : "_") + safe(leaf) + "-" + safe(value_text(value));
  }
  // Ids stay short enough to read in a listing; the index keeps them unique.
  if (readable.size() > 80) readable.resize(80);
  while (!readable.empty() && (readable.back() == '-' || readable.back() == '_')) readable.pop_back();
  return idx + "-" + readable;
}

}  // namespace

std::string value_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

SweepSpec spec_from_json(const ojson& j, const std::string& name) {
  if (!j.is_object()) fail(name, "a sweep spec must be a JSON object; allowed keys " + std::string(kSpecKeys));
  SweepSpec s;
  s.name = name;
  for (const auto& [key, value] : j.items()) {
    const std::string where = name + ": key '" + key + "'";
    if (key == "experiment") {
      if (!value.is_string()) fail(where, "must be a string (a preset name or a file)");
      s.experiment = value.get<std::string>();
    } else if (key == "set") {
      if (!value.is_object()) fail(where, "must be an object of KEY: value; allowed e.g. {\"run.steps\": 1}");
      for (const auto& [k, v] : value.items()) {
        check_key(k, where);
        s.set.emplace_back(k, nlohmann::json::parse(v.dump()));
      }
    } else if (key == "grid") {
      s.grid = parse_axes(value, name + ": key 'grid'");
    } else if (key == "zip") {
      s.zip = parse_axes(value, name + ": key 'zip'");
    } else if (key == "policies") {
      if (!value.is_array()) fail(where, "must be an array of policy names; allowed e.g. [\"monde\", \"offload\"]");
      for (const auto& p : value) {
        if (!p.is_string()) fail(where, "has " + p.dump() + ", not a policy name; allowed policy names as strings (monde-sim list policies)");
        s.policies.push_back(p.get<std::string>());
      }
    } else if (!key.empty() && key.front() == '_') {
      // "_comment" and other underscored keys are notes, as in the configuration files.
    } else {
      fail(where, "is not a sweep spec key; allowed " + std::string(kSpecKeys));
    }
  }
  return s;
}

SweepSpec parse_spec(const std::string& text, const std::string& name, const std::string& base_dir) {
  const ojson j = config::parse_ordered_json_text(text, name);
  SweepSpec s = spec_from_json(j, name);
  // A file named relative to the spec; preset names ("default") are left as they are.
  const bool is_file = s.experiment.find('/') != std::string::npos ||
                       (s.experiment.size() > 5 && s.experiment.substr(s.experiment.size() - 5) == ".json");
  if (is_file && fs::path(s.experiment).is_relative()) {
    std::error_code ec;
    const fs::path p = fs::absolute(fs::path(base_dir) / s.experiment, ec);
    if (!ec) s.experiment = p.lexically_normal().string();
  }
  return s;
}

SweepSpec read_spec_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot read the sweep spec");
  std::ostringstream text;
  text << f.rdbuf();
  if (f.bad()) fail(path, "reading the sweep spec failed");
  return parse_spec(text.str(), path, fs::path(path).parent_path().string());
}

void add_axis_argument(SweepSpec& spec, const std::string& argument, bool zip) {
  const std::string option = zip ? "--zip" : "--grid";
  const auto [key, list] = split_assignment(argument, option);
  check_key(key, option + " " + argument);
  Axis a{key, {}};
  for (const auto& v : split_values(list)) {
    if (v.empty()) fail(option + " " + argument, "an empty value; allowed V1,V2,... (each JSON, else a string)");
    a.values.push_back(config::parse_set_value(v, option + " " + argument));
  }
  (zip ? spec.zip : spec.grid).push_back(std::move(a));
}

void add_set_argument(SweepSpec& spec, const std::string& argument) {
  const auto [key, value] = split_assignment(argument, "--set");
  check_key(key, "--set " + argument);
  spec.set.emplace_back(key, config::parse_set_value(value, "--set " + argument));
}

ojson spec_to_json(const SweepSpec& s) {
  ojson j = ojson::object();
  if (!s.experiment.empty()) j["experiment"] = s.experiment;
  if (!s.set.empty()) {
    j["set"] = ojson::object();
    for (const auto& [k, v] : s.set) j["set"][k] = ojson::parse(v.dump());
  }
  for (const auto& [name, axes] : {std::pair{"grid", &s.grid}, std::pair{"zip", &s.zip}}) {
    if (axes->empty()) continue;
    j[name] = ojson::object();
    for (const auto& a : *axes) {
      ojson values = ojson::array();
      for (const auto& v : a.values) values.push_back(ojson::parse(v.dump()));
      j[name][a.key] = values;
    }
  }
  if (!s.policies.empty()) j["policies"] = s.policies;
  return j;
}

std::vector<Point> expand(const SweepSpec& s) {
  if (s.grid.empty() && s.zip.empty()) {
    fail(s.name, "no axis to sweep; allowed \"grid\" or \"zip\" in the spec, or --grid KEY=V1,V2,...");
  }
  std::vector<std::string> keys;
  for (const auto* axes : {&s.grid, &s.zip}) {
    for (const auto& a : *axes) {
      if (a.values.empty()) fail(s.name, "axis '" + a.key + "' has no values; allowed one or more values");
      if (std::find(keys.begin(), keys.end(), a.key) != keys.end()) {
        fail(s.name, "key '" + a.key + "' is on two axes; allowed each key once (use \"zip\" for keys that vary "
                     "together)");
      }
      keys.push_back(a.key);
    }
  }
  for (const auto& a : s.zip) {
    if (a.values.size() != s.zip.front().values.size()) {
      fail(s.name, "zip axes differ in length: '" + s.zip.front().key + "' has " +
                       std::to_string(s.zip.front().values.size()) + " values, '" + a.key + "' has " +
                       std::to_string(a.values.size()) + "; allowed zip axes of one length");
    }
  }
  // The zip group is one axis of its own, after (inside) the grid axes.
  std::vector<std::size_t> sizes;
  for (const auto& a : s.grid) sizes.push_back(a.values.size());
  if (!s.zip.empty()) sizes.push_back(s.zip.front().values.size());
  std::size_t count = 1;
  for (const std::size_t n : sizes) count *= n;

  std::vector<Point> points;
  std::vector<std::size_t> digit(sizes.size(), 0);  // a mixed-radix counter, last axis fastest
  for (std::size_t i = 0; i < count; ++i) {
    Point p;
    p.index = i;
    for (std::size_t g = 0; g < s.grid.size(); ++g) p.values.emplace_back(s.grid[g].key, s.grid[g].values[digit[g]]);
    for (const auto& a : s.zip) p.values.emplace_back(a.key, a.values[digit.back()]);
    p.id = point_id(i, count, p.values);
    points.push_back(std::move(p));
    for (std::size_t d = sizes.size(); d-- > 0;) {
      if (++digit[d] < sizes[d]) break;
      digit[d] = 0;
    }
  }
  return points;
}

}  // namespace monde::sweep
