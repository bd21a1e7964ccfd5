#include "tools/sweep/sweep_dir.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>


namespace monde::sweep {

namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

constexpr const char* kFormat = "monde-sim sweep 1";

std::string set_argument(const std::string& key, const nlohmann::json& value) {
  // Values go as JSON (strings quoted), so that a name that looks like a number stays a name.
  return key + "=" + value.dump();
}

}  // namespace

SweepPlan make_plan(const SweepSpec& spec, const std::vector<std::string>& data_dirs) {
  SweepPlan plan{spec, {}};
  for (Point& p : expand(spec)) {
    PlannedPoint pp;
    pp.dir = "points/" + p.id;
    pp.args = {"run"};
    if (!spec.experiment.empty()) pp.args.push_back(spec.experiment);
    for (const auto& [k, v] : spec.set) pp.args.insert(pp.args.end(), {"--set", set_argument(k, v)});
    if (!spec.policies.empty()) {
      pp.args.insert(pp.args.end(), {"--set", set_argument("run.policies", nlohmann::json(spec.policies))});
    }
    for (const auto& [k, v] : p.values) pp.args.insert(pp.args.end(), {"--set", set_argument(k, v)});
    for (const auto& d : data_dirs) pp.args.insert(pp.args.end(), {"--data-dir", d});
    pp.args.push_back("--quiet");
    pp.point = std::move(p);
    plan.points.push_back(std::move(pp));
  }
  return plan;
}

ojson plan_to_json(const SweepPlan& plan) {
  ojson points = ojson::array();
  for (const auto& p : plan.points) {
    ojson values = ojson::object();
    for (const auto& [k, v] : p.point.values) values[k] = ojson::parse(v.dump());
    points.push_back({{"index", p.point.index}, {"id", p.point.id}, {"values", values}, {"dir", p.dir}, {"args", p.args}});
  }
  return {{"format", kFormat}, {"spec", spec_to_json(plan.spec)}, {"points", points}};
}

SweepPlan read_plan(const std::string& sweep_dir) {
  const std::string path = (fs::path(sweep_dir) / "sweep.json").string();
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot read (not a sweep directory? run `monde-sim sweep SPEC --out " +
                                   sweep_dir + "` first)");
  ojson j;
  try {
    j = ojson::parse(f);
    if (j.value("format", "") != kFormat) throw std::runtime_error("format is not \"" + std::string(kFormat) + "\"");
    SweepPlan plan{spec_from_json(j.at("spec"), path), {}};
    for (const auto& p : j.at("points")) {
      PlannedPoint pp;
      pp.point.index = p.at("index").get<std::size_t>();
      pp.point.id = p.at("id").get<std::string>();
      for (const auto& [k, v] : p.at("values").items()) pp.point.values.emplace_back(k, nlohmann::json::parse(v.dump()));
      pp.dir = p.at("dir").get<std::string>();
      pp.args = p.at("args").get<std::vector<std::string>>();
      if (pp.point.index != plan.points.size() || pp.dir.find("..") != std::string::npos) {
        throw std::runtime_error("point " + std::to_string(plan.points.size()) + " is out of order or has a bad dir");
      }
      plan.points.push_back(std::move(pp));
    }
    return plan;
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": not a sweep record this monde-sim reads: " + e.what());
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not a sweep record this monde-sim reads: " + e.what());
  }
}

void write_plan(const std::string& sweep_dir, const SweepPlan& plan, bool replace) {
  system::check_output_dir(sweep_dir);
  const std::string path = (fs::path(sweep_dir) / "sweep.json").string();
  std::error_code ec;
  if (!replace && fs::exists(path, ec)) {
    const SweepPlan old = read_plan(sweep_dir);
    const ojson now = plan_to_json(plan)["points"], before = plan_to_json(old)["points"];
    if (now != before) {
      std::size_t i = 0;
      while (i < now.size() && i < before.size() && now[i] == before[i]) ++i;
      throw std::runtime_error(
          sweep_dir + ": holds another sweep (" + std::to_string(before.size()) + " points; " +
          (i < now.size() && i < before.size()
               ? "point " + std::to_string(i) + " was " + before[i]["id"].get<std::string>() + ", now " +
                     now[i]["id"].get<std::string>() + " or its arguments differ"
               : "now " + std::to_string(now.size()) + " points") +
          "); allowed: the same spec to resume, --force to start it over, or another --out");
    }
  }
  write_file_atomically(path, plan_to_json(plan).dump(2) + "\n");
}

std::string point_path(const std::string& sweep_dir, const PlannedPoint& p) { return (fs::path(sweep_dir) / p.dir).string(); }
std::string done_marker(const std::string& sweep_dir, const PlannedPoint& p) {
  return (fs::path(point_path(sweep_dir, p)) / "done.json").string();
}
std::string failed_marker(const std::string& sweep_dir, const PlannedPoint& p) {
  return (fs::path(point_path(sweep_dir, p)) / "failed.json").string();
}
bool is_done(const std::string& sweep_dir, const PlannedPoint& p) {
  std::error_code ec;
  return fs::is_regular_file(done_marker(sweep_dir, p), ec);
}

}  // namespace monde::sweep
