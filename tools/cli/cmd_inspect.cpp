// The subcommands that look at an experiment without simulating it: validate, show-config,
// list, config-reference.
#include <chrono>
#include <iomanip>
#include <iostream>

#include "core/config/device_config.hpp"
#include "core/config/presets.hpp"
#include "host/moe/routing_registry.hpp"
#include "host/policy/policy_registry.hpp"
#include "system/experiment.hpp"
#include "system/reference.hpp"
#include "system/routing.hpp"
#include "tools/cli/cli.hpp"
#include "core/perf/hbm_usage.hpp"
#include "tools/cli/experiment_options.hpp"

namespace monde::tools {

Command add_validate_command(CLI::App& app) {
  auto* sub = app.add_subcommand("validate", "check an experiment as a run would (configuration, presets, files, "
                                             "device capacity, the routing and each policy's limits), simulating "
                                             "nothing");
  auto o = std::make_shared<ExperimentOptions>();
  o->add_to(*sub, "run");
  return {sub, [o] {
            const auto t0 = std::chrono::steady_clock::now();
            const system::Experiment ex = system::load_experiment(o->source());
            const system::Demand demand = system::route_experiment(ex.config);
            system::check_policy_limits(ex.config, ex.document, demand);
            const double ms = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3;
            const auto& c = ex.config;
            std::cout << "ok: " << ex.document.name() << ": " << c.model.name << " on "
                      << c.device.dram.capacity_bytes() / (1ull << 30) << " GiB of " << config::to_string(c.device.dram.model)
                      << " DRAM, " << config::to_string(c.run.phase) << " " << c.run.tokens_per_step()
                      << " tokens x " << c.run.steps << " step(s), GPU memory " << std::fixed << std::setprecision(2)
                      << double(perf::hbm_usage(c).total()) / 1e9 << " of " << double(c.gpu.hbm_bytes) / 1e9 << " GB, "
                      << c.run.policies.size() << " policies, routing " << c.routing.source << " (checked in "
                      << std::setprecision(1) << ms
                      << " ms; nothing simulated)\n";
            return kExitOk;
          }};
}

Command add_show_config_command(CLI::App& app) {
  auto* sub = app.add_subcommand("show-config", "print the experiment as it would be simulated: presets expanded, "
                                                "--set applied, every default written out");
  auto o = std::make_shared<ExperimentOptions>();
  o->add_to(*sub, "run");
  return {sub, [o] {
            const system::Experiment ex = system::load_experiment(o->source());
            std::cout << config::to_json(ex.config).dump(2) << "\n";
            return kExitOk;
          }};
}

Command add_list_command(CLI::App& app) {
  auto* sub = app.add_subcommand("list", "list what a configuration can name: models, devices, experiments, "
                                         "policies, routing");
  auto what = std::make_shared<std::string>();
  sub->add_option("what", *what, "models, devices, experiments, policies or routing")
      ->required()
      ->check(CLI::IsMember({"models", "devices", "experiments", "policies", "routing"}));
  return {sub, [what] {
            std::cout << std::left;
            if (*what == "policies") {
              for (const auto& p : policy::policy_registry()) {
                std::cout << std::setw(12) << p.name << p.description;
                if (p.max_active_experts != 0) std::cout << " (at most " << p.max_active_experts << " routed experts per layer)";
                std::cout << "\n";
              }
            } else if (*what == "routing") {
              for (const auto& r : moe::routing_registry()) {
                std::cout << std::setw(10) << r.name << r.description;
                if (!r.keys.empty()) std::cout << " (reads routing." << r.keys << ")";
                std::cout << "\n";
              }
            } else {
              const std::string kind = *what == "models" ? "model" : *what == "devices" ? "device" : "experiment";
              for (const auto& p : config::embedded_presets()) {
                if (kind != p.kind) continue;
                std::cout << std::setw(26) << p.name;
                const auto j = config::parse_json_text(p.text, p.file);
                if (kind == "model") {
                  std::cout << j.value("display_name", "") << ": " << j.value("experts", 0) << " experts, top-"
                            << j.value("top_k", 0) << ", d_model " << j.value("d_model", 0) << ", d_ff "
                            << j.value("d_ff", 0) << ", " << j.value("moe_layers", 0) << " MoE layers";
                } else if (kind == "device") {
                  const auto d = config::load_device_config(p.name);
                  std::cout << d.dram.capacity_bytes() / (1ull << 30) << " GiB, " << std::fixed << std::setprecision(1)
                            << d.dram.peak_bandwidth_total() / 1e9 << " GB/s peak DRAM, CXL x" << d.link.lanes << ", "
                            << d.ndp.units << " NDP units";
                } else if (j.contains("_comment") && j.at("_comment").is_string()) {
                  const std::string c = j.at("_comment");
                  std::cout << c.substr(0, std::min<std::size_t>(c.find('.') == std::string::npos ? c.size() : c.find('.'), 100));
                }
                std::cout << "  (" << p.file << ")\n";
              }
            }
            return kExitOk;
          }};
}

Command add_reference_command(CLI::App& app) {
  auto* sub = app.add_subcommand("config-reference", "print the configuration reference (Markdown) from the "
                                                     "parsers' own key tables");
  return {sub, [] {
            std::cout << system::configuration_reference_markdown();
            return kExitOk;
          }};
}

}  // namespace monde::tools
