#include "system/run_outputs.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "core/perf/energy.hpp"
#include "core/perf/step_plan.hpp"
#include "system/mixed_precision.hpp"

namespace monde::system {

namespace {

namespace fs = std::filesystem;

// "NDP" holds the one device's jobs; with several devices each has its own track, "NDP device d"
// (MoeRuntime::add_ndp_spans), listed after the seven. "CPU": the `cpu` policy's experts;
// "Host DRAM": reads of the host-memory copy of the experts (host_memory.expert_home).
const std::vector<std::string>& tracks() {
  static const std::vector<std::string> t = [] {
    std::vector<std::string> v{"step", "layer", "GPU fetch", "GPU compute", "NDP", "CPU", "Host DRAM"};
    for (std::uint32_t d = 0; d < config::kMaxDevices; ++d) v.push_back("NDP device " + std::to_string(d));
    return v;
  }();
  return t;
}

// The tracks a run's trace names: the seven, and one per device when there are several.
std::size_t track_count(const config::SystemConfig& c) { return 7 + (c.devices.count > 1 ? c.devices.count : 0); }

// stats.json is dump(2) of the whole tree: a layer or step object sits at kRecordIndent (root 0,
// "policies" 2, a policy 4, its keys 6, the layers' and steps' array elements 8). A standalone
// dump(2) of the record with every line after the first shifted by that much is the same text
// (JSON strings hold no raw newlines).
constexpr std::size_t kRecordIndent = 8;

std::string shifted(const std::string& text, std::size_t indent) {
  const std::string pad(indent, ' ');
  std::string out = pad;
  out.reserve(text.size() + indent * 32);
  for (const char ch : text) {
    out += ch;
    if (ch == '\n') out += pad;
  }
  return out;
}

std::string placeholder(const char* what, std::size_t policy) {
  return std::string("@monde-spooled-") + what + "-" + std::to_string(policy) + "@";
}

nlohmann::json trace_meta(std::size_t pid, const std::string& policy, std::size_t track) {
  if (track == 0) return {{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"args", {{"name", policy}}}};
  return {{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", track - 1}, {"args", {{"name", tracks()[track - 1]}}}};
}

std::string csv_row(const std::string& policy, const LayerRecord& l) {
  std::ostringstream csv;
  csv << policy << ',' << l.step << ',' << l.layer << ',' << l.stack << ',' << (l.moe ? 1 : 0) << ','
      << l.dense_s() * 1e3 << ',' << l.moe_predicted_s * 1e3 << ',' << l.moe_s * 1e3 << ',' << l.total_s * 1e3 << ','
      << l.tokens << ',' << l.experts_gpu_fetched + l.experts_gpu_resident << ',' << l.experts_ndp << ','
      << l.experts_cpu << ',' << l.gpu_path_s * 1e3 << ',' << l.ndp_path_s * 1e3 << ',' << l.cxl_m2s_bytes << ','
      << l.cxl_s2m_bytes << ',' << l.pcie_to_gpu_bytes << ',' << l.ndp_dram_read_bytes << ',' << l.kv_read_bytes;
  // Joules; the DRAM column is empty without memory.power (no DRAM energy modelled).
  const auto& e = l.energy;
  csv << ',' << e.total_j() << ',';
  if (e.dram) csv << e.dram_j();
  csv << ',' << e.cxl_j << ',' << e.pcie_j << ',' << e.ndp_j << ',' << e.gpu_j << ',' << e.host_dram_j;
  // Where the weights came from (host_memory.expert_home), the tensor-parallel split (empty with
  // one device) and the GPU expert cache's lookups (empty without a cache).
  csv << ',' << l.activity.host_dram_bytes << ',' << l.experts_weights_from_host << ',' << l.device_split << ',';
  if (!l.device_split.empty()) csv << l.split_reduce_s * 1e3;
  csv << ',';
  if (l.expert_cache.used) csv << l.expert_cache.hits;
  csv << ',';
  if (l.expert_cache.used) csv << l.expert_cache.misses;
  csv << '\n';
  return csv.str();
}

const char* kCsvHeader =
    "policy,step,layer,stack,moe,dense_ms,moe_predicted_ms,moe_ms,total_ms,routed_tokens,experts_gpu,experts_ndp,"
    "experts_cpu,gpu_path_ms,ndp_path_ms,cxl_host_to_device_bytes,cxl_device_to_host_bytes,pcie_to_gpu_bytes,"
    "ndp_dram_read_bytes,kv_read_bytes,energy_j,dram_energy_j,cxl_energy_j,pcie_energy_j,ndp_energy_j,gpu_energy_j,"
    "host_dram_energy_j,host_dram_bytes,experts_from_host_memory,device_split,split_reduce_ms,expert_cache_hits,"
    "expert_cache_misses\n";

std::string trace_event(std::size_t pid, const TraceSpan& s, const nlohmann::json& args) {
  const auto tid = std::find(tracks().begin(), tracks().end(), s.track) - tracks().begin();
  return nlohmann::json{{"ph", "X"},
                        {"name", s.name},
                        {"pid", pid},
                        {"tid", tid},
                        {"ts", double(s.start_ps) * 1e-6},
                        {"dur", double(s.end_ps - s.start_ps) * 1e-6},
                        {"args", args}}
      .dump();
}

// Mixed precision per expert (system/mixed_precision.hpp): the budget, what the errors were
// measured on, each candidate's measured error (timing_only: the probe's; data: full: per expert,
// in each layer's entry), and per MoE layer how many experts the driver placed in each format.
nlohmann::json mixed_precision_json(const config::SystemConfig& c) {
  const ExpertFormatPlan plan = expert_format_plan(c);
  const auto describe = [](const FormatError& e) {
    nlohmann::json one = to_json(e.error);
    one["format"] = config::describe(e.format);
    return one;
  };
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& e : plan.errors) candidates.push_back(describe(e));
  nlohmann::json layers = nlohmann::json::array();
  const auto indices = c.model.moe_layer_indices();
  for (std::size_t l = 0; l < plan.formats.layers(); ++l) {
    nlohmann::json counts = plan.formats.counts(l);
    nlohmann::json layer = {{"layer", indices[l]}, {"experts", counts}};
    if (!plan.expert_errors.empty()) {
      nlohmann::json each = nlohmann::json::array();
      for (std::size_t e = 0; e < plan.expert_errors[l].size(); ++e) {
        nlohmann::json errors = nlohmann::json::array();
        for (const auto& f : plan.expert_errors[l][e]) errors.push_back(describe(f));
        each.push_back({{"expert", e},
                        {"format", config::describe(plan.formats.of(l, e))},
                        {"rel_rms", plan.chosen_rel_rms(l, e)},
                        {"candidates", errors}});
      }
      layer["each_expert"] = std::move(each);
    }
    layers.push_back(std::move(layer));
  }
  const bool own = !plan.expert_errors.empty();
  return {{"error_budget_rel_rms", c.device.ndp.expert_weight_error_budget},
          {"measured_on", own ? "each expert's own weights" : "one seeded probe expert"},
          {"probe", {{"d_model", c.model.d_model}, {"d_ff", std::min(c.model.d_ff, kProbeDff)}, {"tokens", kProbeTokens},
                     {"seed", c.routing.seed}}},
          {"candidates", candidates},
          {"layers", layers}};
}

}  // namespace

nlohmann::json run_stats_json(const config::SystemConfig& c, const std::vector<const PolicyOutcome*>& outcomes,
                              const std::vector<nlohmann::json>& steps, const std::vector<nlohmann::json>& layers) {
  nlohmann::json policies = nlohmann::json::array();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const PolicyOutcome& o = *outcomes[i];
    nlohmann::json p = to_json(o.run);
    p["steps"] = steps.at(i);
    p["layers"] = layers.at(i);
    // Per-step times only for a run that finished (a failed one has simulated_ms of what it did).
    const double n = static_cast<double>(std::max<std::size_t>(1, o.run.steps_done));
    if (o.ok()) {
      p["step_ms"] = o.run.simulated_s * 1e3 / n;
      p["dense_step_ms"] = o.run.dense_s * 1e3 / n;
      p["moe_step_ms"] = o.run.moe_s * 1e3 / n;
      // Energy per step and per new token, and the energy-delay product of a step (its energy x
      // its time, J x s: lower is better on both counts).
      const double step_j = o.run.energy.total_j() / n;
      p["energy_step_j"] = step_j;
      p["energy_per_token_j"] = o.run.tokens > 0 ? o.run.energy.total_j() / double(o.run.tokens) : 0.0;
      p["energy_delay_step_js"] = perf::energy_delay_js(step_j, o.run.simulated_s / n);
    }
    if (!o.ok()) p["error"] = o.run.error;
    p["system"] = o.system;
    p["elapsed_ms"] = o.elapsed_ps * 1e-9;
    policies.push_back(std::move(p));
  }
  // Speedups between the policies that finished: the other's time / this one's (> 1: faster), of
  // the whole steps (end to end) and of the MoE layers' MoE parts alone.
  nlohmann::json speedup = nlohmann::json::object(), moe_only = nlohmann::json::object();
  for (const auto* a : outcomes) {
    if (!a->ok()) continue;
    for (const auto* b : outcomes) {
      if (!b->ok()) continue;
      if (a->run.simulated_s > 0) speedup[a->run.policy]["vs_" + b->run.policy] = b->run.simulated_s / a->run.simulated_s;
      if (a->run.moe_s > 0) moe_only[a->run.policy]["vs_" + b->run.policy] = b->run.moe_s / a->run.moe_s;
    }
  }
  nlohmann::json j = {{"experiment",
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
            {"ndp_expert_weights", c.device.ndp.mixed_expert_weights() ? std::string("mixed")
                                                                          : config::describe(c.device.ndp.expert_weights())},
            {"data", config::to_string(c.run.data)}}},
          {"policies", policies},
          {"speedup", speedup},
          {"speedup_moe_only", moe_only}};
  if (c.device.ndp.mixed_expert_weights()) j["experiment"]["mixed_precision"] = mixed_precision_json(c);
  return j;
}

nlohmann::json wall_json(const std::vector<const PolicyOutcome*>& outcomes) {
  nlohmann::json policies = nlohmann::json::array();
  for (const auto* o : outcomes) policies.push_back({{"policy", o->run.policy}, {"wall_s", o->run.wall_s}});
  return {{"_comment", "wall-clock seconds each policy's simulation took on this machine; they differ run to run, "
                       "so they are kept out of stats.json, which the same configuration and seed reproduce byte "
                       "for byte"},
          {"policies", policies}};
}

// ---------------------------------------------------------------- the streaming writer

// One policy's records so far: its layers and steps as stats.json writes them, its layers.csv
// rows, and its trace events (the steps' spans go before the layers', as the trace lists them).
struct RunOutputs::Spool {
  std::string layers_path, steps_path, csv_path, step_trace_path, layer_trace_path;
  std::ofstream layers, steps, csv, step_trace, layer_trace;
  std::size_t layer_count = 0, step_count = 0;
  bool good() const { return layers && steps && csv && step_trace && layer_trace; }
};

RunOutputs::RunOutputs(const config::SystemConfig& config, std::string dir, std::string trace_file)
    : config_(config), dir_(std::move(dir)), trace_file_(std::move(trace_file)) {
  const std::size_t n = config.run.policies.size();
  finished_.resize(n);
  is_finished_.assign(n, false);
  if (!dir_.empty()) check_output_dir(dir_);
  if (!trace_file_.empty()) write_text_file(trace_file_, "");  // writable, before simulating
  if (dir_.empty() && trace_file_.empty()) return;
  // The spool lives in the run directory (the disk the outputs go to), else in the temporary
  // directory (the trace file may be anywhere, /dev/null included).
  const fs::path base = !dir_.empty() ? fs::path(dir_) : fs::temp_directory_path();
  spool_dir_ = (base / (".monde-spool." + std::to_string(::getpid()))).string();
  std::error_code ec;
  fs::remove_all(spool_dir_, ec);
  fs::create_directories(spool_dir_, ec);
  if (ec) throw std::runtime_error(spool_dir_ + ": cannot create the spool directory: " + ec.message());
  for (std::size_t i = 0; i < n; ++i) {
    auto s = std::make_unique<Spool>();
    const std::string stem = (fs::path(spool_dir_) / ("policy" + std::to_string(i))).string();
    const auto open = [&stem](std::ofstream& f, std::string& path, const char* suffix) {
      path = stem + suffix;
      f.open(path, std::ios::binary | std::ios::trunc);
    };
    open(s->layers, s->layers_path, ".layers");
    open(s->steps, s->steps_path, ".steps");
    open(s->csv, s->csv_path, ".csv");
    open(s->step_trace, s->step_trace_path, ".step-trace");
    open(s->layer_trace, s->layer_trace_path, ".layer-trace");
    if (!s->good()) throw std::runtime_error(stem + ".*: cannot create the spool files");
    spools_.push_back(std::move(s));
  }
}

RunOutputs::~RunOutputs() {
  if (spool_dir_.empty()) return;
  spools_.clear();
  std::error_code ec;
  fs::remove_all(spool_dir_, ec);
}

void RunOutputs::add_layer(std::size_t policy, const LayerRecord& l) {
  if (spools_.empty()) return;
  Spool& s = *spools_.at(policy);
  s.layers << (s.layer_count > 0 ? ",\n" : "") << shifted(to_json(l).dump(2), kRecordIndent);
  s.csv << csv_row(config_.run.policies.at(policy), l);
  for (const auto& span : l.spans) {
    s.layer_trace << ',' << trace_event(policy, span, {{"step", l.step}, {"layer", l.layer}, {"stack", l.stack}});
  }
  ++s.layer_count;
  if (error_.empty() && !s.good()) error_ = s.layers_path + " (and the others): a spool write failed (disk full?)";
}

void RunOutputs::add_step(std::size_t policy, const StepRecord& st) {
  if (spools_.empty()) return;
  Spool& s = *spools_.at(policy);
  s.steps << (s.step_count > 0 ? ",\n" : "") << shifted(to_json(st).dump(2), kRecordIndent);
  for (const auto& span : st.spans) s.step_trace << ',' << trace_event(policy, span, {{"step", st.step}, {"kind", st.kind}});
  ++s.step_count;
  if (error_.empty() && !s.good()) error_ = s.steps_path + " (and the others): a spool write failed (disk full?)";
}

void RunOutputs::flush_spools() {
  for (auto& s : spools_) {
    for (auto* f : {&s->layers, &s->steps, &s->csv, &s->step_trace, &s->layer_trace}) f->flush();
    if (error_.empty() && !s->good()) error_ = s->layers_path + " (and the others): a spool write failed";
  }
  if (!error_.empty()) throw std::runtime_error(error_);
}

void RunOutputs::policy_finished(std::size_t policy, const PolicyOutcome& outcome) {
  if (spools_.empty()) return;
  finished_.at(policy) = outcome;
  finished_.at(policy).run.layers.clear();
  finished_.at(policy).run.steps.clear();
  is_finished_.at(policy) = true;
  // The last one is written by finish(), with the outcomes as the caller has them.
  if (std::all_of(is_finished_.begin(), is_finished_.end(), [](bool b) { return b; })) return;
  std::vector<Entry> done;
  std::vector<std::string> running;
  for (std::size_t i = 0; i < finished_.size(); ++i) {
    if (is_finished_[i]) {
      done.emplace_back(i, &finished_[i]);
    } else {
      running.push_back(config_.run.policies[i]);
    }
  }
  write_all(done, running);
}

std::vector<std::string> RunOutputs::finish(const std::vector<PolicyOutcome>& outcomes) {
  if (spools_.empty()) return {};
  std::vector<Entry> all;
  for (std::size_t i = 0; i < outcomes.size(); ++i) all.emplace_back(i, &outcomes[i]);
  return write_all(all, {});
}

std::vector<std::string> RunOutputs::write_all(const std::vector<Entry>& outcomes,
                                               const std::vector<std::string>& in_progress) {
  flush_spools();
  std::vector<std::string> written;
  if (!dir_.empty()) {
    std::vector<const PolicyOutcome*> plain;
    for (const auto& e : outcomes) plain.push_back(e.second);
    const auto path = [&](const char* name) { return (fs::path(dir_) / name).string(); };
    write_stats(path("stats.json"), outcomes, in_progress);
    write_csv(path("layers.csv"), outcomes);
    write_file_atomically(path("config.resolved.json"), config::to_json(config_).dump(2) + "\n");
    write_trace(path("trace.json"), outcomes);
    write_file_atomically(path("wall.json"), wall_json(plain).dump(2) + "\n");
    for (const char* name : {"stats.json", "layers.csv", "config.resolved.json", "trace.json", "wall.json"}) {
      written.push_back(path(name));
    }
  }
  if (!trace_file_.empty()) {
    write_trace(trace_file_, outcomes);
    written.push_back(trace_file_);
  }
  return written;
}

void RunOutputs::write_stats(const std::string& path, const std::vector<Entry>& outcomes,
                             const std::vector<std::string>& in_progress) {
  std::vector<const PolicyOutcome*> plain;
  std::vector<nlohmann::json> steps, layers;
  for (const auto& [i, o] : outcomes) {
    plain.push_back(o);
    steps.emplace_back(placeholder("steps", i));
    layers.emplace_back(placeholder("layers", i));
  }
  nlohmann::json stats = run_stats_json(config_, plain, steps, layers);
  if (!in_progress.empty()) stats["in_progress"] = in_progress;
  const std::string text = stats.dump(2) + "\n";
  AtomicFile f(path);
  // Each policy's two placeholders, in the order dump() wrote them (its keys are sorted: "layers"
  // before "steps"), replaced by the spooled records.
  struct Hole {
    std::size_t pos, size;
    const std::string* spool;
    std::size_t count;
  };
  std::vector<Hole> holes;
  for (const auto& [i, o] : outcomes) {
    for (const char* what : {"steps", "layers"}) {
      const std::string mark = "\"" + placeholder(what, i) + "\"";
      const std::size_t pos = text.find(mark);
      const std::size_t line = pos == std::string::npos ? 0 : text.rfind('\n', pos) + 1;
      const std::size_t key_indent = pos == std::string::npos ? 0 : text.find_first_not_of(' ', line) - line;
      if (pos == std::string::npos || key_indent + 2 != kRecordIndent) {
        throw std::logic_error(std::string("stats.json: the ") + what + " of policy " + std::to_string(i) +
                               " are not where expected");
      }
      const bool steps_hole = what[0] == 's';
      holes.push_back({pos, mark.size(), steps_hole ? &spools_[i]->steps_path : &spools_[i]->layers_path,
                       steps_hole ? spools_[i]->step_count : spools_[i]->layer_count});
    }
  }
  std::sort(holes.begin(), holes.end(), [](const Hole& a, const Hole& b) { return a.pos < b.pos; });
  std::size_t at = 0;
  for (const auto& h : holes) {
    f.write(text.substr(at, h.pos - at));
    if (h.count == 0) {
      f.write("[]");
    } else {
      f.write("[\n");
      f.append_file(*h.spool);
      f.write("\n" + std::string(kRecordIndent - 2, ' ') + "]");
    }
    at = h.pos + h.size;
  }
  f.write(text.substr(at));
  f.commit();
}

void RunOutputs::write_trace(const std::string& path, const std::vector<Entry>& outcomes) {
  // {"displayTimeUnit":"ms","traceEvents":[...]}: dump() orders the keys; events are one array,
  // per policy its process and track names, then its steps' spans, then its layers' spans.
  AtomicFile f(path);
  f.write("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[");
  bool first = true;
  for (const auto& [i, o] : outcomes) {
    for (std::size_t t = 0; t <= track_count(config_); ++t) {
      f.write((first ? "" : ",") + trace_meta(i, o->run.policy, t).dump());
      first = false;
    }
    f.append_file(spools_[i]->step_trace_path);
    f.append_file(spools_[i]->layer_trace_path);
  }
  f.write("]}\n");
  f.commit();
}

void RunOutputs::write_csv(const std::string& path, const std::vector<Entry>& outcomes) {
  AtomicFile f(path);
  f.write(kCsvHeader);
  for (const auto& e : outcomes) f.append_file(spools_[e.first]->csv_path);
  f.commit();
}

}  // namespace monde::system
