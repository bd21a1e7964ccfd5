#include "system/experiment_config.hpp"

#include <algorithm>
#include <fstream>

#include "host/policy/policy_factory.hpp"

namespace monde::system {

namespace {

bool file_exists(const std::string& p) { return std::ifstream(p).good(); }

RoutingConfig parse_routing(const config::ConfigNode& r, const std::string& source_dir) {
  RoutingConfig c;
  r.reject_unknown_keys({"_comment", "source", "seed", "zipf_exponent", "trace"});
  c.source = r.get_choice("source", {"uniform", "zipf", "trace"}, c.source);
  c.seed = r.get_uint("seed", 0, ~std::uint64_t{0}, c.seed);
  c.zipf_exponent = r.get_double("zipf_exponent", 0.0, 10.0, c.zipf_exponent);
  if (c.source == "trace") {
    const auto t = r.child("trace");
    t.reject_unknown_keys({"_comment", "path", "model", "dataset", "selection", "recorded_model_layers"});
    const std::string p = t.json().at("path").get<std::string>();
    c.trace.path = !p.empty() && p[0] == '/' ? p : source_dir + "/../shared/data/routing/" + p;
    if (!file_exists(c.trace.path)) {
      throw config::ConfigError(r.source() + ": key '" + t.key_path("path") + "' = \"" + p + "\": no such file " + c.trace.path +
                        " (trace paths are relative to ../shared/data/routing/)");
    }
    c.trace.model = t.json().at("model").get<std::string>();
    c.trace.dataset = t.json().at("dataset").get<std::string>();
    c.trace.selection = t.get_choice("selection", {"topk", "top1", "top2", "top4", "top8"}, "topk");
    c.trace.recorded_model_layers = static_cast<std::uint32_t>(t.get_uint("recorded_model_layers", 0, 1024, 0));
  }
  return c;
}

RunConfig parse_run(const config::ConfigNode& r) {
  RunConfig c;
  r.reject_unknown_keys({"_comment", "phase", "batch", "prompt_tokens", "steps", "policies", "data",
                         "gpu_memory_budget_bytes_per_layer"});
  c.phase = r.get_choice("phase", {"decode", "prefill"}, "decode") == "decode" ? RunPhase::kDecode : RunPhase::kPrefill;
  c.batch = static_cast<std::uint32_t>(r.get_uint("batch", 1, 65536, c.batch));
  c.prompt_tokens = static_cast<std::uint32_t>(r.get_uint("prompt_tokens", 1, 65536, c.prompt_tokens));
  c.steps = static_cast<std::uint32_t>(r.get_uint("steps", 1, 100000, c.steps));
  c.timing_only = r.get_choice("data", {"timing_only", "full"}, "timing_only") == "timing_only";
  c.gpu_memory_budget_bytes_per_layer = r.get_uint("gpu_memory_budget_bytes_per_layer", 0, ~std::uint64_t{0}, 0);
  if (r.has("policies")) {
    const auto& p = r.json().at("policies");
    if (!p.is_array() || p.empty()) {
      throw config::ConfigError(r.source() + ": key '" + r.key_path("policies") + "' must be a non-empty array of policy names");
    }
    c.policies.clear();
    const auto& known = policy::policy_names();
    for (const auto& name : p) {
      const std::string n = name.is_string() ? name.get<std::string>() : name.dump();
      if (std::find(known.begin(), known.end(), n) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw config::ConfigError(r.source() + ": key '" + r.key_path("policies") + "' has \"" + n +
                          "\", which is not one of: " + list);
      }
      c.policies.push_back(n);
    }
  }
  return c;
}

}  // namespace

std::string resolve_path(const config::ConfigNode& node, const std::string& key, const std::string& source_dir) {
  const std::string p = node.json().at(key).get<std::string>();
  if (!p.empty() && p[0] == '/') {
    if (file_exists(p)) return p;
  } else {
    if (file_exists(p)) return p;
    if (file_exists(source_dir + "/" + p)) return source_dir + "/" + p;
  }
  throw config::ConfigError(node.source() + ": key '" + node.key_path(key) + "' = \"" + p +
                    "\": no such file (relative paths are tried from the working directory, then from " +
                    source_dir + ")");
}

ExperimentConfig parse_experiment(const nlohmann::json& j, const std::string& source, const std::string& source_dir) {
  ExperimentConfig e;
  e.source = source;
  const config::ConfigNode top(j, source);
  top.reject_unknown_keys({"_comment", "model", "device", "ndp", "gpu", "cpu", "routing", "run", "demo"});
  if (!top.has("model")) throw config::ConfigError(source + ": key 'model' is missing (a configs/models/*.json preset)");
  e.model_path = resolve_path(top, "model", source_dir);
  e.model = moe::load_moe_model(e.model_path);

  if (!top.has("device")) throw config::ConfigError(source + ": key 'device' is missing (a configs/device/*.json preset)");
  nlohmann::json device_json;
  if (top.json().at("device").is_string()) {
    e.device_path = resolve_path(top, "device", source_dir);
    device_json = config::load_json_file(e.device_path);
  } else {
    const auto dev = top.child("device");
    dev.reject_unknown_keys({"_comment", "preset", "override"});
    e.device_path = resolve_path(dev, "preset", source_dir);
    device_json = config::load_json_file(e.device_path);
    if (dev.has("override")) device_json.merge_patch(dev.json().at("override"));
  }
  e.device = device::parse_device_config(config::ConfigNode(device_json, e.device_path + " (with " + source + " device.override)"));

  if (!top.has("ndp")) throw config::ConfigError(source + ": key 'ndp' is missing (the NDP units' configuration)");
  e.ndp = ndp::parse_ndp_config(top);
  if (top.has("gpu")) e.gpu = top.json().at("gpu");
  if (top.has("cpu")) {
    const auto c = top.child("cpu");
    c.reject_unknown_keys({"_comment", "weight_GBps", "gflops", "gpu_host_activation_GBps"});
    e.cpu.weight_bytes_per_s = c.get_double("weight_GBps", 0.001, 1e5, 40.0) * 1e9;
    e.cpu.flops_per_s = c.get_double("gflops", 0.001, 1e9, 2000.0) * 1e9;
    e.cpu.gpu_host_activation_bytes_per_s = c.get_double("gpu_host_activation_GBps", 0.001, 1e5, 25.0) * 1e9;
  }
  if (top.has("routing")) e.routing = parse_routing(top.child("routing"), source_dir);
  if (top.has("run")) e.run = parse_run(top.child("run"));
  return e;
}

}  // namespace monde::system
