#include "tools/sweep/results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace monde::sweep {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// A value at a path of keys, or nothing when any step is missing or not a number.
std::optional<double> number_at(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return std::nullopt;
    at = &(*at)[key];
  }
  if (!at->is_number()) return std::nullopt;
  return at->get<double>();
}

std::optional<double> layer_sum(const json& policy, const char* key) {
  if (!policy.contains("layers")) return std::nullopt;
  double sum = 0;
  for (const auto& l : policy["layers"]) sum += l.value(key, 0.0);
  return sum;
}

// The largest |simulated - predicted| / simulated over the policy's layers.
std::optional<double> max_prediction_error(const json& policy) {
  if (!policy.contains("layers") || policy["layers"].empty()) return std::nullopt;
  double worst = 0;
  for (const auto& l : policy["layers"]) {
    if (!l.value("moe", false)) continue;
    const double sim = l.value("moe_ms", 0.0), pred = l.value("moe_predicted_ms", 0.0);
    if (sim > 0) worst = std::max(worst, std::fabs(sim - pred) / sim);
  }
  return worst;
}

using Extract = std::function<std::optional<double>(const json& policy, const json& stats, double steps)>;

std::optional<double> per_step(std::optional<double> v, double steps) {
  if (!v) return v;
  return *v / steps;
}
std::optional<double> ns_to_ms_per_step(std::optional<double> v, double steps) {
  if (!v) return v;
  return *v * 1e-6 / steps;
}

struct MetricDef {
  Metric metric;
  Extract extract;
};

const std::vector<MetricDef>& metric_defs() {
  static const std::vector<MetricDef> defs = {
      {{"step_ms", "ms", "simulated time of one step, end to end (run.scope moe_only: its MoE layers)"},
       [](const json& p, const json&, double) { return number_at(p, {"step_ms"}); }},
      {{"dense_ms", "ms", "of the step: the GPU's dense work (attention, dense FFNs, norms, embedding, LM head)"},
       [](const json& p, const json&, double) { return number_at(p, {"dense_step_ms"}); }},
      {{"moe_ms", "ms", "of the step: the MoE layers' MoE parts (the placed experts, GPU and NDP paths)"},
       [](const json& p, const json&, double) { return number_at(p, {"moe_step_ms"}); }},
      {{"speedup_vs_offload", "x", "offload's step time / this policy's, end to end (> 1: faster than parameter offloading)"},
       [](const json& p, const json& s, double) {
         return p.contains("step_ms") ? number_at(s, {"speedup", p.value("policy", "").c_str(), "vs_offload"})
                                      : std::nullopt;
       }},
      {{"moe_speedup_vs_offload", "x", "offload's MoE time / this policy's: the MoE layers alone"},
       [](const json& p, const json& s, double) {
         return p.contains("step_ms") ? number_at(s, {"speedup_moe_only", p.value("policy", "").c_str(), "vs_offload"})
                                      : std::nullopt;
       }},
      {{"pred_sim_max_rel_diff", "fraction", "largest |simulated - predicted| / simulated over the MoE layers' MoE parts"},
       [](const json& p, const json&, double) { return max_prediction_error(p); }},
      {{"pred_sim_over_5pct", "0/1", "1 when pred_sim_max_rel_diff > 0.05: the cost model and the simulation disagree"},
       [](const json& p, const json&, double) -> std::optional<double> {
         const auto e = max_prediction_error(p);
         if (!e) return e;
         return *e > kPredictionTolerance ? 1.0 : 0.0;
       }},
      {{"gpu_path_ms", "ms", "MoE layers' GPU path (fetch + compute of the hot experts), summed over the layers"},
       [](const json& p, const json&, double n) { return per_step(layer_sum(p, "gpu_path_ms"), n); }},
      {{"ndp_path_ms", "ms", "MoE layers' NDP path (cold experts in the device), summed over the layers"},
       [](const json& p, const json&, double n) { return per_step(layer_sum(p, "ndp_path_ms"), n); }},
      {{"cpu_path_ms", "ms", "MoE layers' host-CPU path, summed over the layers"},
       [](const json& p, const json&, double n) { return per_step(layer_sum(p, "cpu_path_ms"), n); }},
      {{"gpu_fetch_ms", "ms", "GPU DMA busy fetching expert weights (system.gpu.gpu.dma_busy_ns)"},
       [](const json& p, const json&, double n) { return ns_to_ms_per_step(number_at(p, {"system", "gpu", "gpu", "dma_busy_ns"}), n); }},
      {{"gpu_compute_ms", "ms", "GPU busy computing hot experts (system.gpu.gpu.compute_busy_ns; dense work: dense_ms)"},
       [](const json& p, const json&, double n) { return ns_to_ms_per_step(number_at(p, {"system", "gpu", "gpu", "compute_busy_ns"}), n); }},
      {{"cxl_d2h_busy_ms", "ms", "CXL link busy device -> host (system.cxl.link.s2m.busy_ns)"},
       [](const json& p, const json&, double n) { return ns_to_ms_per_step(number_at(p, {"system", "cxl", "link", "s2m", "busy_ns"}), n); }},
      {{"cxl_h2d_busy_ms", "ms", "CXL link busy host -> device (system.cxl.link.m2s.busy_ns)"},
       [](const json& p, const json&, double n) { return ns_to_ms_per_step(number_at(p, {"system", "cxl", "link", "m2s", "busy_ns"}), n); }},
      {{"pcie_to_gpu_busy_ms", "ms", "PCIe link busy towards the GPU (system.gpu.pcie.downstream.busy_ns)"},
       [](const json& p, const json&, double n) { return ns_to_ms_per_step(number_at(p, {"system", "gpu", "pcie", "downstream", "busy_ns"}), n); }},
      {{"cxl_h2d_bytes", "B", "CXL bytes host -> device"},
       [](const json& p, const json&, double n) { return per_step(layer_sum(p, "cxl_host_to_device_bytes"), n); }},
      {{"cxl_d2h_bytes", "B", "CXL bytes device -> host"},
       [](const json& p, const json&, double n) { return per_step(layer_sum(p, "cxl_device_to_host_bytes"), n); }},
      {{"pcie_to_gpu_bytes", "B", "PCIe bytes towards the GPU"},
       [](const json& p, const json&, double n) { return per_step(layer_sum(p, "pcie_to_gpu_bytes"), n); }},
      {{"ndp_dram_read_bytes", "B", "device DRAM bytes read by the NDP units"},
       [](const json& p, const json&, double n) { return per_step(layer_sum(p, "ndp_dram_read_bytes"), n); }},
      {{"experts_gpu", "experts", "expert runs on the GPU (fetched or resident)"},
       [](const json& p, const json&, double n) -> std::optional<double> {
         const auto a = layer_sum(p, "experts_gpu_fetched"), b = layer_sum(p, "experts_gpu_resident");
         if (!a || !b) return std::nullopt;
         return (*a + *b) / n;
       }},
      {{"experts_ndp", "experts", "expert runs on the NDP units"},
       [](const json& p, const json&, double n) { return per_step(layer_sum(p, "experts_ndp"), n); }},
      {{"experts_cpu", "experts", "expert runs on the host CPU"},
       [](const json& p, const json&, double n) { return per_step(layer_sum(p, "experts_cpu"), n); }},
      {{"host_dram_bytes", "B", "host DRAM bytes of expert weights (host_memory.expert_home host_memory; memory.host_dram_bytes)"},
       [](const json& p, const json&, double n) { return per_step(number_at(p, {"memory", "host_dram_bytes"}), n); }},
      {{"expert_cache_hit_rate", "fraction", "GPU expert cache hits / routed GPU experts (gpu.expert_cache; empty without it)"},
       [](const json& p, const json&, double) { return number_at(p, {"expert_cache", "hit_rate"}); }},
      // Energy (docs/energy.md): already per step in stats.json, so not divided again.
      {{"energy_step_j", "J", "energy of one step, every component (stats.json energy_step_j)"},
       [](const json& p, const json&, double) { return number_at(p, {"energy_step_j"}); }},
      {{"energy_per_token_j", "J", "energy_step_j / the tokens of one step"},
       [](const json& p, const json&, double) { return number_at(p, {"energy_per_token_j"}); }},
      {{"energy_delay_step_js", "J s", "energy-delay product of one step: energy_step_j x step time"},
       [](const json& p, const json&, double) { return number_at(p, {"energy_delay_step_js"}); }},
  };
  return defs;
}

// One fixed rendering: integers as integers, everything else with 9 significant digits.
std::string number_text(double v) {
  char buf[40];
  if (std::fabs(v) < 1e15 && v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", v);
  }
  return buf;
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

json read_json(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot read");
  try {
    return json::parse(f);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
}

// The stats' policy list, by reference (pointers into it are kept).
const json& policies_of(const json& stats) {
  static const json none = json::array();
  return stats.is_object() && stats.contains("policies") && stats["policies"].is_array() ? stats["policies"] : none;
}

}  // namespace

const std::vector<Metric>& policy_metrics() {
  static const std::vector<Metric> metrics = [] {
    std::vector<Metric> m;
    for (const auto& d : metric_defs()) m.push_back(d.metric);
    return m;
  }();
  return metrics;
}

CollectedResults collect_results(const std::string& sweep_dir, const SweepPlan& plan) {
  CollectedResults r;
  struct Row {
    const PlannedPoint* point;
    std::string status;
    json stats;
  };
  std::vector<Row> rows;
  std::vector<std::string> policies;  // in order of first appearance
  std::error_code ec;
  for (const auto& p : plan.points) {
    Row row{&p, "pending", json()};
    if (is_done(sweep_dir, p)) {
      row.status = "done";
    } else if (fs::is_regular_file(failed_marker(sweep_dir, p), ec)) {
      row.status = "failed";
    }
    const std::string stats = (fs::path(point_path(sweep_dir, p)) / "stats.json").string();
    if (row.status != "pending" && fs::is_regular_file(stats, ec)) row.stats = read_json(stats);
    for (const auto& pol : policies_of(row.stats)) {
      const std::string name = pol.value("policy", "");
      if (std::find(policies.begin(), policies.end(), name) == policies.end()) policies.push_back(name);
    }
    (row.status == "done" ? r.done : row.status == "failed" ? r.failed : r.pending)++;
    rows.push_back(std::move(row));
  }

  std::vector<std::string> axes;
  if (!plan.points.empty()) {
    for (const auto& [k, v] : plan.points.front().point.values) axes.push_back(k);
  }
  std::ostringstream csv;
  csv << "point,id";
  for (const auto& a : axes) csv << ',' << csv_cell(a);
  csv << ",status,experiment.model,experiment.phase,experiment.tokens_per_step,pred_sim_over_5pct";
  for (const auto& pol : policies) {
    for (const auto& d : metric_defs()) csv << ',' << csv_cell(pol + "." + d.metric.name);
  }
  csv << '\n';

  ojson points = ojson::array();
  for (const Row& row : rows) {
    const PlannedPoint& p = *row.point;
    ojson values = ojson::object();
    csv << p.point.index << ',' << csv_cell(p.point.id);
    for (const auto& [k, v] : p.point.values) {
      csv << ',' << csv_cell(value_text(v));
      values[k] = ojson::parse(v.dump());
    }
    // A point that failed before writing stats.json (killed, cancelled early) has none.
    const json experiment = row.stats.is_object() ? row.stats.value("experiment", json::object()) : json::object();
    const std::string model = experiment.value("model", ""), phase = experiment.value("phase", "");
    const auto tokens = number_at(experiment, {"tokens_per_step"});
    // generate simulates its prefill besides run.steps decode steps.
    const double steps =
        std::max(1.0, number_at(experiment, {"simulated_steps"}).value_or(number_at(experiment, {"steps"}).value_or(1.0)));
    csv << ',' << row.status << ',' << csv_cell(model) << ',' << csv_cell(phase) << ','
        << (tokens ? number_text(*tokens) : "");

    ojson per_policy = ojson::object();
    std::string cells;
    bool off = false;
    for (const auto& pol : policies) {
      const json* found = nullptr;
      for (const auto& x : policies_of(row.stats)) {
        if (x.value("policy", "") == pol) found = &x;
      }
      ojson metrics = ojson::object();
      for (const auto& d : metric_defs()) {
        const std::optional<double> v = found ? d.extract(*found, row.stats, steps) : std::nullopt;
        cells += ',' + (v ? number_text(*v) : "");
        if (v) metrics[d.metric.name] = *v;
      }
      if (found) {
        if (found->contains("error")) metrics["error"] = (*found)["error"].get<std::string>();
        // What the policy tuned for the point (monde_paper: alpha): results.json only, the CSV's
        // columns are the same for every policy.
        if (found->contains("parameters")) metrics["parameters"] = ojson::parse((*found)["parameters"].dump());
        const auto e = max_prediction_error(*found);
        if (e && *e > kPredictionTolerance) {
          off = true;
          char pct[32];
          std::snprintf(pct, sizeof pct, "%.1f %%", *e * 100);
          r.flagged.push_back("point " + std::to_string(p.point.index) + " (" + p.point.id + "): " + pol + " " + pct);
        }
        per_policy[pol] = metrics;
      }
    }
    csv << ',' << (row.stats.is_null() ? "" : off ? "1" : "0") << cells << '\n';
    ojson point = {{"point", p.point.index}, {"id", p.point.id}, {"values", values}, {"status", row.status}};
    if (!row.stats.is_null()) {
      point["model"] = model;
      point["phase"] = phase;
      if (tokens) point["tokens_per_step"] = *tokens;
      point["pred_sim_over_5pct"] = off;
      point["policies"] = per_policy;
    }
    points.push_back(point);
  }
  r.csv = csv.str();

  ojson metrics = ojson::array();
  for (const auto& m : policy_metrics()) metrics.push_back({{"name", m.name}, {"unit", m.unit}, {"meaning", m.meaning}});
  r.json = {{"format", "monde-sim sweep results 1"},
            {"axes", axes},
            {"policies", policies},
            {"metrics", metrics},
            {"prediction_tolerance", kPredictionTolerance},
            {"points", points}};
  return r;
}

std::vector<std::string> write_results(const std::string& sweep_dir, const CollectedResults& results) {
  const std::string csv = (fs::path(sweep_dir) / "results.csv").string();
  const std::string js = (fs::path(sweep_dir) / "results.json").string();
  write_file_atomically(csv, results.csv);
  write_file_atomically(js, results.json.dump(2) + "\n");
  return {csv, js};
}

}  // namespace monde::sweep
