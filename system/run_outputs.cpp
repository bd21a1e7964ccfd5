#include "system/run_outputs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/perf/step_plan.hpp"

namespace monde::system {

namespace {

const std::vector<std::string>& tracks() {
  static const std::vector<std::string> t{"step", "layer", "GPU fetch", "GPU compute", "NDP"};
  return t;
}

}  // namespace

nlohmann::json run_stats_json(const config::SystemConfig& c, const std::vector<PolicyOutcome>& outcomes) {
  nlohmann::json policies = nlohmann::json::array();
  for (const auto& o : outcomes) {
    nlohmann::json p = to_json(o.run);
    // Per-step times only for a run that finished (a failed one has simulated_ms of what it did).
    const double steps = static_cast<double>(std::max<std::size_t>(1, o.run.steps.size()));
    if (o.ok()) {
      p["step_ms"] = o.run.simulated_s * 1e3 / steps;
      p["dense_step_ms"] = o.run.dense_s * 1e3 / steps;
      p["moe_step_ms"] = o.run.moe_s * 1e3 / steps;
    }
    if (!o.ok()) p["error"] = o.run.error;
    p["system"] = o.system;
    p["elapsed_ms"] = o.elapsed_ps * 1e-9;
    policies.push_back(std::move(p));
  }
  // Speedups between the policies that finished: the other's time / this one's (> 1: faster), of
  // the whole steps (end to end) and of the MoE layers' MoE parts alone.
  nlohmann::json speedup = nlohmann::json::object(), moe_only = nlohmann::json::object();
  for (const auto& a : outcomes) {
    if (!a.ok()) continue;
    for (const auto& b : outcomes) {
      if (!b.ok()) continue;
      if (a.run.simulated_s > 0) speedup[a.run.policy]["vs_" + b.run.policy] = b.run.simulated_s / a.run.simulated_s;
      if (a.run.moe_s > 0) moe_only[a.run.policy]["vs_" + b.run.policy] = b.run.moe_s / a.run.moe_s;
    }
  }
  return {{"experiment",
           {{"source", c.source},
            {"model", c.model.name},
            {"phase", config::to_string(c.run.phase)},
            {"scope", config::to_string(c.run.scope)},
            {"batch", c.run.batch},
            {"prompt_tokens", c.run.prompt_tokens},
            {"context_tokens", c.run.context_tokens},
            {"tokens_per_step", c.run.tokens_per_step()},
            {"steps", c.run.steps},
            {"simulated_steps", perf::step_plan(c.model, c.run).size()},
            {"routing", c.routing.source},
            {"ndp_expert_weights", config::describe(c.device.ndp.expert_weights())},
            {"data", config::to_string(c.run.data)}}},
          {"policies", policies},
          {"speedup", speedup},
          {"speedup_moe_only", moe_only}};
}

nlohmann::json trace_json(const std::vector<PolicyOutcome>& outcomes) {
  nlohmann::json events = nlohmann::json::array();
  for (std::size_t p = 0; p < outcomes.size(); ++p) {
    const auto& run = outcomes[p].run;
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", p}, {"args", {{"name", run.policy}}}});
    for (std::size_t t = 0; t < tracks().size(); ++t) {
      events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", p}, {"tid", t}, {"args", {{"name", tracks()[t]}}}});
    }
    const auto add = [&](const TraceSpan& s, const nlohmann::json& args) {
      const auto tid = std::find(tracks().begin(), tracks().end(), s.track) - tracks().begin();
      events.push_back({{"ph", "X"}, {"name", s.name}, {"pid", p}, {"tid", tid}, {"ts", double(s.start_ps) * 1e-6},
                        {"dur", double(s.end_ps - s.start_ps) * 1e-6}, {"args", args}});
    };
    for (const auto& st : run.steps) {
      for (const auto& s : st.spans) add(s, {{"step", st.step}, {"kind", st.kind}});
    }
    for (const auto& l : run.layers) {
      for (const auto& s : l.spans) add(s, {{"step", l.step}, {"layer", l.layer}, {"stack", l.stack}});
    }
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

nlohmann::json wall_json(const std::vector<PolicyOutcome>& outcomes) {
  nlohmann::json policies = nlohmann::json::array();
  for (const auto& o : outcomes) policies.push_back({{"policy", o.run.policy}, {"wall_s", o.run.wall_s}});
  return {{"_comment", "wall-clock seconds each policy's simulation took on this machine; they differ run to run, "
                       "so they are kept out of stats.json, which the same configuration and seed reproduce byte "
                       "for byte"},
          {"policies", policies}};
}

std::string layers_csv(const std::vector<PolicyOutcome>& outcomes) {
  std::ostringstream csv;
  csv << "policy,step,layer,stack,moe,dense_ms,moe_predicted_ms,moe_ms,total_ms,routed_tokens,experts_gpu,experts_ndp,"
         "experts_cpu,gpu_path_ms,ndp_path_ms,cxl_host_to_device_bytes,cxl_device_to_host_bytes,pcie_to_gpu_bytes,"
         "ndp_dram_read_bytes,kv_read_bytes\n";
  for (const auto& o : outcomes) {
    for (const auto& l : o.run.layers) {
      csv << o.run.policy << ',' << l.step << ',' << l.layer << ',' << l.stack << ',' << (l.moe ? 1 : 0) << ','
          << l.dense_s() * 1e3 << ',' << l.moe_predicted_s * 1e3 << ',' << l.moe_s * 1e3 << ',' << l.total_s * 1e3
          << ',' << l.tokens << ',' << l.experts_gpu_fetched + l.experts_gpu_resident << ',' << l.experts_ndp << ','
          << l.experts_cpu << ',' << l.gpu_path_s * 1e3 << ',' << l.ndp_path_s * 1e3 << ',' << l.cxl_m2s_bytes << ','
          << l.cxl_s2m_bytes << ',' << l.pcie_to_gpu_bytes << ',' << l.ndp_dram_read_bytes << ',' << l.kv_read_bytes
          << '\n';
    }
  }
  return csv.str();
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error(path + ": cannot open for writing: " + std::strerror(errno));
  f << text;
  f.flush();
  if (!f) throw std::runtime_error(path + ": write failed (disk full or a file-size limit?)");
  f.close();
  if (f.fail()) throw std::runtime_error(path + ": closing it failed: " + std::strerror(errno));
}

void check_output_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  if (dir.empty()) throw std::runtime_error("--out: an empty directory name");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the output directory: " + ec.message());
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(dir + ": not a directory");
  const std::string probe = (fs::path(dir) / ".monde-write-check").string();
  write_text_file(probe, "ok\n");
  fs::remove(probe, ec);
}

std::vector<std::string> write_run_outputs(const std::string& dir, const config::SystemConfig& c,
                                           const std::vector<PolicyOutcome>& outcomes) {
  check_output_dir(dir);
  const std::vector<std::pair<std::string, std::string>> files = {
      {"stats.json", run_stats_json(c, outcomes).dump(2) + "\n"},
      {"layers.csv", layers_csv(outcomes)},
      {"config.resolved.json", config::to_json(c).dump(2) + "\n"},
      {"trace.json", trace_json(outcomes).dump() + "\n"},
      {"wall.json", wall_json(outcomes).dump(2) + "\n"}};
  std::vector<std::string> written;
  for (const auto& [name, text] : files) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    write_text_file(path, text);
    written.push_back(path);
  }
  return written;
}

}  // namespace monde::system
