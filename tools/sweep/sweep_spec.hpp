// A sweep: one experiment, fixed overrides, and the axes whose values are combined into points.
//
//   { "experiment": "default",                       optional: a preset name or a JSON file
//                                                    (relative to the spec file)
//     "set":  { "run.steps": 1, ... },               fixed overrides, applied to every point
//     "grid": { "model": ["a", "b"],                 cartesian product of these axes, in the
//               "run.batch": [1, 8, 32] },           order written: the first varies slowest
//     "zip":  { "run.phase": ["decode", "prefill"],  axes that vary together (equal lengths):
//               "run.batch": [32, 2] },              one more axis, innermost (fastest)
//     "policies": ["monde", "offload"] }             optional: run.policies for every point
//
// Keys are configuration keys as --set takes them (a.b.c); values are JSON. Points are numbered
// from 0 in that order; each is the experiment with "set", then the point's values, applied as
// --set overrides. The same spec can be given on the command line: --grid KEY=V1,V2,... and --zip
// KEY=V1,V2,... (repeatable, in order), --set KEY=VALUE, --policies A,B.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace monde::sweep {

// A key and one JSON value, as a --set override writes it.
using Setting = std::pair<std::string, nlohmann::json>;

struct Axis {
  std::string key;
  std::vector<nlohmann::json> values;
};

struct SweepSpec {
  std::string name;        // where the spec came from, for messages ("sweep.json", "the command line")
  std::string experiment;  // as given, or resolved to an absolute path when it names a file
  std::vector<Setting> set;
  std::vector<Axis> grid;
  std::vector<Axis> zip;
  std::vector<std::string> policies;
};

struct Point {
  std::size_t index = 0;
  std::vector<Setting> values;  // one per axis: grid axes in order, then the zip axes
  std::string id;               // "<index>-<short readable values>", a directory name
};

// Reads a spec file (throws std::runtime_error naming the file and the key on any problem).
SweepSpec read_spec_file(const std::string& path);
// Parses a spec from JSON text; `name` names it in messages and `base_dir` resolves a relative
// experiment file.
SweepSpec parse_spec(const std::string& text, const std::string& name, const std::string& base_dir);
// Adds a command-line axis "KEY=V1,V2,..." (each value JSON, else a string); `zip` picks the group.
void add_axis_argument(SweepSpec& spec, const std::string& argument, bool zip);
// Adds "KEY=VALUE" (VALUE JSON, else a string) to spec.set.
void add_set_argument(SweepSpec& spec, const std::string& argument);

// The spec back as JSON (the form read_spec_file reads; axes keep their order).
nlohmann::ordered_json spec_to_json(const SweepSpec& spec);
SweepSpec spec_from_json(const nlohmann::ordered_json& json, const std::string& name);

// Every point, in the documented order. Throws std::runtime_error when there is no axis, an axis
// is empty, a key is on two axes, or the zip axes differ in length.
std::vector<Point> expand(const SweepSpec& spec);

// "run.batch=8" -> the value as written in ids, headers and messages: strings bare, others JSON.
std::string value_text(const nlohmann::json& value);

}  // namespace monde::sweep
