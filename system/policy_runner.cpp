#include "system/policy_runner.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <stdexcept>

#include <systemc>

#include "system/builder.hpp"
#include "system/cancellation.hpp"
#include "system/cost_model.hpp"

namespace monde::system {

// One field list for both directions, so that writer and reader cannot disagree; nlohmann writes
// doubles in their shortest round-trip form, so the parent gets the child's values bit for bit.
}  // namespace monde::system
namespace monde::perf {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EnergyActivity, elapsed_s, gpu_busy_s, cxl_bytes, pcie_bytes, ndp_macs,
                                   ndp_dma_bytes, dram_activates, dram_reads, dram_writes, dram_refreshes,
                                   dram_read_bytes, dram_written_bytes, host_dram_bytes, host_dram_busy_s)
}  // namespace monde::perf
namespace monde::policy {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ExpertCacheCounts, used, hits, misses, evictions, bytes_not_fetched)
}  // namespace monde::policy
namespace monde::system {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TraceSpan, track, name, start_ps, end_ps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OutputError, elements, max_abs, err_sq, ref_sq)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SplitError, elements, max_abs, max_bound_ratio)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FaultRecord, kind, path, expert, job, address, detail, device)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LayerRecord, step, layer, stack, moe, tokens, experts_gpu_fetched,
                                   experts_gpu_resident, experts_ndp, experts_cpu, ndp_jobs, spans, attention_s, ffn_s,
                                   kv_read_bytes, kv_written_bytes, moe_predicted_s, moe_s, total_s, gpu_path_s,
                                   ndp_path_s, cpu_path_s, cxl_m2s_bytes, cxl_s2m_bytes, pcie_to_gpu_bytes,
                                   ndp_dram_read_bytes, data_checked, output_elements, ndp_checked_elements,
                                   ndp_mismatched_elements, gpu_checked_elements, gpu_max_abs_error,
                                   gpu_within_tolerance, cpu_checked_elements, cpu_max_abs_error, cpu_within_tolerance,
                                   fetched_weight_mismatched_bytes, combined_max_abs_error, combined_within_tolerance,
                                   ndp_weight_error, device_split, split_reduce_s, split_error, faults, activity,
                                   weights_from, experts_weights_from_host, expert_cache, ndp_tokens_by_format)

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StepRecord, step, kind, tokens, context, embedding_s, lm_head_s, cross_kv_s,
                                   dense_s, moe_s, total_s, spans, activity, expert_cache)

namespace {

// ---------------------------------------------------------------- the wire (one JSON per line)

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nothing left to tell
    done += static_cast<std::size_t>(n);
  }
}

void send(int fd, const nlohmann::json& message) { write_all(fd, message.dump() + "\n"); }

// ---------------------------------------------------------------- the child

// Test hooks: MONDE_FAULT_ABORT_AFTER_LAYERS=<policy>:<n> makes that policy's process abort after n
// layers, as a crash inside the model would; MONDE_FAULT_STALL_AFTER_LAYERS=<policy>:<n> makes its
// host thread wait for an event that never comes, as a deadlock inside the model would. Tests
// check what survives each.
std::size_t fault_after_layers(const char* variable, const std::string& policy) {
  const char* v = std::getenv(variable);
  if (v == nullptr) return 0;
  const std::string s = v;
  const auto colon = s.find(':');
  if (colon == std::string::npos || s.substr(0, colon) != policy) return 0;
  return static_cast<std::size_t>(std::strtoull(s.c_str() + colon + 1, nullptr, 10));
}

// The layer records a run of `demand`'s steps produces (the demand may cover fewer steps than the
// configuration plans, as in tests).
std::size_t layers_of(const config::SystemConfig& config, const Demand& demand) {
  const auto plan = perf::step_plan(config.model, config.run);
  std::size_t n = 0;
  for (std::size_t s = 0; s < demand.size() && s < plan.size(); ++s) {
    for (std::uint32_t l = plan[s].first_layer; l < plan[s].end_layer; ++l) {
      n += config.run.end_to_end() || config.model.is_moe_layer(l) ? 1 : 0;
    }
  }
  return n;
}

[[noreturn]] void child_main(const config::SystemConfig& config, const Demand& demand, const std::string& policy, int fd,
                             const BuildOptions& build) {
  // The kernel's own info message at sc_stop ("Simulation stopped by user.") is noise here.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  std::string error;
  PolicyRun run;  // what finished survives an error anywhere below (the layers go to the parent)
  const std::size_t layers_total = layers_of(config, demand);
  try {
    auto sys = build_system(config, "system", build);
    sys->top().set_body([&] {
      try {
        sys->runtime().setup();
        const std::size_t abort_after = fault_after_layers("MONDE_FAULT_ABORT_AFTER_LAYERS", policy);
        const std::size_t stall_after = fault_after_layers("MONDE_FAULT_STALL_AFTER_LAYERS", policy);
        std::size_t layers_sent = 0, steps_sent = 0;
        sys->runtime().run_policy_into(
            policy, demand, run,
            [&](const PolicyRun& so_far) {
              nlohmann::json message = {{"simulated_s", so_far.simulated_s},
                                        {"wall_s", so_far.wall_s},
                                        {"dense_s", so_far.dense_s},
                                        {"moe_s", so_far.moe_s}};
              // The records are streamed (keep_layers false): the latest of each is at the back.
              const bool new_layer = so_far.layers_done > layers_sent;
              if (new_layer) {
                message["layer"] = layer_to_wire(so_far.layers.back());
                layers_sent = so_far.layers_done;
              }
              if (so_far.steps_done > steps_sent) {
                message["step"] = step_to_wire(so_far.steps.back());
                steps_sent = so_far.steps_done;
              }
              send(fd, message);
              if (!new_layer) return;
              if (abort_after != 0 && so_far.layers_done == abort_after) std::abort();
              if (stall_after != 0 && so_far.layers_done == stall_after) {
                const sc_core::sc_event never;  // a deadlock, as a model process waiting in vain
                sc_core::wait(never);
              }
              // Cancelled (SIGINT / SIGTERM): stop after this layer; what finished is with the parent.
              if (cancel_signal() != 0 && so_far.layers_done < layers_total) {
                throw std::runtime_error(std::string("cancelled by ") + cancel_signal_name() + " after " +
                                         std::to_string(so_far.layers_done) + " of " + std::to_string(layers_total) +
                                         " layers");
              }
            },
            /*keep_layers=*/false);
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
    sc_core::sc_start();
    // The kernel returns when no event is left: with the host thread still inside the step, a
    // process of the model waits for something that can no longer happen (a deadlock). Say so
    // rather than report a short run as a finished one.
    if (error.empty() && run.layers_done < layers_total) {
      error = "the simulation ran out of events at " + sc_core::sc_time_stamp().to_string() + " after " +
              std::to_string(run.layers_done) + " of " + std::to_string(layers_total) +
              " layers: a process of the model waits for something that cannot happen any more (a deadlock; "
              "please report it with this configuration)";
    }
    if (error.empty() && sys->top().protocol_violations() > 0) {
      error = std::to_string(sys->top().protocol_violations()) +
              " TLM-2.0 protocol violations (the checkers' warnings say which rules, where and when)";
    }
    const double elapsed_ps = sc_core::sc_time_stamp().to_seconds() * 1e12;
    send(fd, {{"done", {{"simulated_s", run.simulated_s}, {"wall_s", run.wall_s}, {"dense_s", run.dense_s},
                        {"moe_s", run.moe_s}, {"error", error}, {"parameters", run.parameters},
                        {"ndp_weight_error", run.ndp_weight_error},
                        {"ndp_tokens_by_format", run.ndp_tokens_by_format},
                        {"ndp_expected_rel_rms", run.ndp_expected_rel_rms}}},
              {"system", error.empty() ? sys->stats_json(elapsed_ps) : nlohmann::json()},
              {"elapsed_ps", elapsed_ps}});
  } catch (const std::exception& e) {
    send(fd, {{"done", {{"simulated_s", run.simulated_s}, {"wall_s", run.wall_s}, {"dense_s", run.dense_s},
                        {"moe_s", run.moe_s}, {"error", e.what()}}}});
  }
  ::close(fd);
  // No destructors: SystemC's kernel is not meant to be torn down, and the parent has the results.
  std::_Exit(0);
}

// ---------------------------------------------------------------- the parent

struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::size_t index = 0;
  std::string pending;  // bytes after the last complete line
  bool done = false;    // the "done" message arrived
};

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended abnormally";
}

}  // namespace

nlohmann::json layer_to_wire(const LayerRecord& r) { return r; }

LayerRecord layer_from_wire(const nlohmann::json& j, const config::SystemConfig& config) {
  LayerRecord r = j.get<LayerRecord>();
  r.energy = perf::energy_of(config, r.activity);
  return r;
}

nlohmann::json step_to_wire(const StepRecord& r) { return r; }

StepRecord step_from_wire(const nlohmann::json& j, const config::SystemConfig& config) {
  StepRecord r = j.get<StepRecord>();
  r.energy = perf::energy_of(config, r.activity);
  return r;
}

std::vector<PolicyOutcome> run_policies(const config::SystemConfig& config, const Demand& demand,
                                        const RunnerOptions& options) {
  const auto& policies = config.run.policies;
  std::vector<PolicyOutcome> out(policies.size());
  std::vector<Progress> progress(policies.size());
  const std::size_t layers_total = layers_of(config, demand);
  for (std::size_t i = 0; i < policies.size(); ++i) {
    out[i].run.policy = policies[i];
    out[i].run.expert_weights_from = uses_host_memory_copy(config, policies[i]) ? "host_memory" : "device";
    progress[i].policy = policies[i];
    progress[i].layers_total = layers_total;
  }
  auto report = [&] {
    if (options.on_progress) options.on_progress(progress);
  };

  std::deque<std::size_t> waiting;
  for (std::size_t i = 0; i < policies.size(); ++i) waiting.push_back(i);
  std::vector<Child> running;
  const unsigned jobs = std::max(1u, options.jobs);

  auto start = [&](std::size_t index) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("cannot start a process: ") + std::strerror(errno));
    if (pid == 0) {
      ::close(fds[0]);
      BuildOptions build;
      build.check_protocol = options.check_protocol;
      child_main(config, demand, policies[index], fds[1], build);
    }
    ::close(fds[1]);
    running.push_back(Child{pid, fds[0], index, {}, false});
  };

  auto handle = [&](Child& c, const std::string& line) {
    const auto m = nlohmann::json::parse(line, nullptr, false);
    if (m.is_discarded()) return;
    PolicyOutcome& o = out[c.index];
    Progress& p = progress[c.index];
    if (m.contains("layer")) {
      const LayerRecord layer = layer_from_wire(m.at("layer"), config);
      if (options.on_layer) options.on_layer(c.index, layer);
      if (options.keep_layers) o.run.layers.push_back(layer);
      ++o.run.layers_done;
    }
    if (m.contains("step")) {
      const StepRecord step = step_from_wire(m.at("step"), config);
      // The run's energy from its steps' activities, as the runtime keeps it (moe_runtime.cpp).
      o.run.tokens += step.tokens;
      o.run.expert_cache += step.expert_cache;
      o.run.activity += step.activity;
      o.run.energy = perf::energy_of(config, o.run.activity);
      if (options.on_step) options.on_step(c.index, step);
      if (options.keep_layers) o.run.steps.push_back(step);
      ++o.run.steps_done;
    }
    if (m.contains("layer") || m.contains("step")) {
      o.run.simulated_s = m.at("simulated_s");
      o.run.wall_s = m.at("wall_s");
      o.run.dense_s = m.at("dense_s");
      o.run.moe_s = m.at("moe_s");
      p.layers_done = o.run.layers_done;
      p.simulated_s = o.run.simulated_s;
      p.wall_s = o.run.wall_s;
    }
    if (m.contains("done")) {
      const auto& d = m.at("done");
      o.run.simulated_s = d.at("simulated_s");
      o.run.wall_s = d.at("wall_s");
      o.run.dense_s = d.at("dense_s");
      o.run.moe_s = d.at("moe_s");
      o.run.error = d.at("error");
      if (d.contains("parameters")) o.run.parameters = d.at("parameters").get<std::map<std::string, double>>();
      if (d.contains("ndp_weight_error")) o.run.ndp_weight_error = d.at("ndp_weight_error").get<OutputError>();
      if (d.contains("ndp_tokens_by_format")) {
        o.run.ndp_tokens_by_format = d.at("ndp_tokens_by_format").get<std::map<std::string, std::uint64_t>>();
        o.run.ndp_expected_rel_rms = d.at("ndp_expected_rel_rms");
      }
      if (m.contains("system")) o.system = m.at("system");
      if (m.contains("elapsed_ps")) o.elapsed_ps = m.at("elapsed_ps");
      c.done = true;
      p.finished = true;
    }
    report();
  };
  auto policy_done = [&](std::size_t index) {
    if (options.on_policy_done) options.on_policy_done(index, out[index]);
  };
  // Cancellation: the signal goes on to the running policies' processes once (they stop after
  // their current layer); a second one kills them. Policies not started are not started.
  int forwarded = 0;
  auto cancel = [&] {
    if (cancel_signal() == 0 || forwarded == cancel_count()) return;
    const bool hard = cancel_count() > 1;
    for (const auto& c : running) ::kill(c.pid, hard ? SIGKILL : cancel_signal());
    forwarded = cancel_count();
    while (!waiting.empty()) {
      const std::size_t i = waiting.front();
      waiting.pop_front();
      out[i].run.error = std::string("cancelled by ") + cancel_signal_name() + " before it started";
      progress[i].finished = true;
      report();
      policy_done(i);
    }
  };

  report();
  while (!waiting.empty() || !running.empty()) {
    cancel();
    while (!waiting.empty() && running.size() < jobs) {
      start(waiting.front());
      waiting.pop_front();
    }
    if (running.empty()) continue;
    std::vector<pollfd> fds;
    for (const auto& c : running) fds.push_back(pollfd{c.fd, POLLIN, 0});
    // A bounded wait: a signal that lands just before poll() is still seen within 200 ms.
    const int ready = ::poll(fds.data(), fds.size(), 200);
    if (ready < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    if (ready <= 0) continue;
    for (std::size_t k = running.size(); k-- > 0;) {
      if (fds[k].revents == 0) continue;
      Child& c = running[k];
      char buf[65536];
      const ssize_t n = ::read(c.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        c.pending.append(buf, static_cast<std::size_t>(n));
        for (std::size_t nl; (nl = c.pending.find('\n')) != std::string::npos;) {
          const std::string line = c.pending.substr(0, nl);
          c.pending.erase(0, nl + 1);
          handle(c, line);
        }
        continue;
      }
      // End of the stream: the child is done (or died).
      ::close(c.fd);
      int status = 0;
      while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (!c.done) {
        PolicyOutcome& o = out[c.index];
        o.run.error = "the simulation process of policy '" + policies[c.index] + "' " + describe_exit(status) +
                      " after " + std::to_string(o.run.layers_done) + " of " + std::to_string(layers_total) +
                      " layers";
        if (cancel_count() > 1) {
          o.run.error = std::string("cancelled by ") + cancel_signal_name() + " (stopped at once) after " +
                        std::to_string(o.run.layers_done) + " of " + std::to_string(layers_total) + " layers";
        }
        progress[c.index].finished = true;
        report();
      }
      policy_done(c.index);
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  return out;
}

}  // namespace monde::system
