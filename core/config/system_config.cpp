#include "core/config/system_config.hpp"

#include "core/config/address_value.hpp"

namespace monde::config {

namespace {

constexpr double kMinGBps = 1e-3;
constexpr double kMaxGBps = 1e5;

const Schema<TraceSelection>& trace_schema() {
  using T = TraceSelection;
  static const auto s = [] {
    Schema<T> t("A measured routing histogram (routing.source \"trace\"): ../shared/data/routing/README.md lists "
                "the files, models and datasets.");
    t.custom(KeyDoc{"path", "path", "(required)", "a CSV file", "relative: next to the experiment file, then in "
                                                                "the data directories (e.g. fiddler/...)"},
             [](const ConfigNode& n, T& c) { c.path = n.get_path("path"); },
             [](const T& c, nlohmann::json& j) { j["path"] = c.path; })
        .text("model", &T::model, "olmoe: the `model` column; fiddler: the `variant` column", kRequired)
        .text("dataset", &T::dataset, "e.g. \"arxiv\" or \"mmlu/college_computer_science\"", kRequired)
        .text_choice("selection", &T::selection, {"topk", "top1", "top2", "top4", "top8"},
                     "which recorded selection: topk is the model's own router top-k")
        .integer("recorded_model_layers", &T::recorded_model_layers, 0, 1024,
                 "layer count of the recorded model (0: known from its name)");
    return t;
  }();
  return s;
}

const Schema<CpuConfig>& cpu_schema() {
  using C = CpuConfig;
  static const auto s =
      Schema<C>("The host CPU running cold experts (policy `cpu`): compute rate = cores x clock_ghz x "
                    "flops_per_cycle_per_core x compute_efficiency.")
          .number("weight_GBps", &C::weight_bytes_per_s, kMinGBps, kMaxGBps,
                  "rate it reads weights over CXL.mem, GB/s (the CXL link, shared with the GPU's weight copies, "
                  "caps it)",
                  1e9)
          .integer("cores", &C::cores, 1, 4096, "cores computing experts (default: Xeon Platinum 8480+)")
          .number("clock_ghz", &C::clock_ghz, 0.01, 10.0, "core clock while computing, GHz (default: base frequency)")
          .number("flops_per_cycle_per_core", &C::flops_per_cycle_per_core, 1.0, 1e6,
                  "bf16 FLOP per cycle per core (AMX: 1024, Intel; AVX-512 fp32: 64)")
          .number("compute_efficiency", &C::compute_efficiency, 0.001, 1.0,
                  "share of that peak reached (default 1: an assumption)")
          .number("gpu_host_activation_GBps", &C::gpu_host_activation_bytes_per_s, kMinGBps, kMaxGBps,
                  "GPU <-> host rate of its activations and results, GB/s", 1e9);
  return s;
}

}  // namespace

const std::vector<EnumName<RunPhase>>& names_of(RunPhase) {
  static const std::vector<EnumName<RunPhase>> n = {
      {RunPhase::kDecode, "decode"}, {RunPhase::kPrefill, "prefill"}, {RunPhase::kGenerate, "generate"}};
  return n;
}

const std::vector<EnumName<RunScope>>& names_of(RunScope) {
  static const std::vector<EnumName<RunScope>> n = {{RunScope::kEndToEnd, "end_to_end"},
                                                    {RunScope::kMoeOnly, "moe_only"}};
  return n;
}

const std::vector<EnumName<DataMode>>& names_of(DataMode) {
  static const std::vector<EnumName<DataMode>> n = {{DataMode::kTimingOnly, "timing_only"}, {DataMode::kFull, "full"}};
  return n;
}

const Schema<DemoConfig>& demo_schema() {
  using D = DemoConfig;
  static const auto s = Schema<D>("monde-sim mac demo: random tiles through the RTL and the cycle model.")
                            .integer("seed", &D::seed, 0, ~std::uint64_t{0}, "random seed")
                            .integer("k", &D::k, 1, 4096, "reduction length of each tile")
                            .number("special_fraction", &D::special_fraction, 0.0, 1.0,
                                    "share of special values (zeros, subnormals, inf, NaN) in the inputs");
  return s;
}

const Schema<RoutingConfig>& routing_schema() {
  using R = RoutingConfig;
  static const auto s = [] {
    Schema<R> r("Where each token's experts come from.");
    r.text("source", &R::source, "a routing source: `monde-sim list routing` (uniform, zipf, trace, gate)")
        .integer("seed", &R::seed, 0, ~std::uint64_t{0}, "random seed of the routing (and of data: full's bytes)")
        .number("zipf_exponent", &R::zipf_exponent, 0.0, 10.0, "zipf: skew of expert popularity by rank")
        .custom(KeyDoc{"trace", "object", "(see below)", "the keys below", trace_schema().doc()},
                [](const ConfigNode& n, R& c) {
                  if (!n.has("trace")) return;
                  c.has_trace = true;
                  trace_schema().parse_into(n.child("trace"), c.trace);
                },
                [](const R& c, nlohmann::json& j) {
                  if (c.has_trace) j["trace"] = trace_schema().to_json(c.trace);
                },
                [](const std::string& path) { return trace_schema().docs(path + ".trace"); });
    return r;
  }();
  return s;
}

const Schema<RunConfig>& run_schema() {
  using R = RunConfig;
  static const auto s = [] {
    Schema<R> r("What is simulated.");
    r.choice("phase", &R::phase,
             "decode: one token per sequence per step over context_tokens of KV cache; prefill: prompt_tokens per "
             "sequence (encoder-decoder models: the encoder); generate: one prefill, then `steps` decode steps")
        .integer("batch", &R::batch, 1, 65536, "sequences")
        .integer("prompt_tokens", &R::prompt_tokens, 1, 65536,
                 "tokens per sequence in prefill (encoder-decoder models: the source the decoder cross-attends to)")
        .integer("context_tokens", &R::context_tokens, 0, 1u << 24,
                 "decode: KV-cache entries per sequence before the first step (step s attends to context_tokens + "
                 "s + 1); at most the model's max_context_tokens")
        .integer("steps", &R::steps, 1, 100000, "steps simulated (generate: decode steps after the prefill)")
        .choice("scope", &R::scope,
                "end_to_end: every transformer block (attention, dense FFNs, norms, embedding, LM head on the GPU) "
                "and the MoE layers; moe_only: the MoE layers alone")
        .custom(KeyDoc{"policies", "array", "[\"monde\", \"offload\", \"ndp_only\"]",
                       "placement policies: `monde-sim list policies`", "the policies run, in order, each on the "
                                                                        "same routing"},
                [](const ConfigNode& n, R& c) {
                  if (!n.has("policies")) return;
                  const auto& p = n.at("policies");
                  if (!p.is_array() || p.empty()) n.fail("policies", "must be a non-empty array of policy names");
                  c.policies.clear();
                  for (const auto& name : p) {
                    if (!name.is_string()) n.fail("policies", "must hold policy names (strings)");
                    c.policies.push_back(name.get<std::string>());
                  }
                },
                [](const R& c, nlohmann::json& j) { j["policies"] = c.policies; })
        .choice("data", &R::data, "timing_only: no payload bytes (full-size models); full: real bytes, every result "
                                  "checked (scaled-down models)")
        .integer("gpu_memory_budget_bytes_per_layer", &R::gpu_memory_budget_bytes_per_layer, 0, std::uint64_t{1} << 50,
                 "GPU memory one MoE layer may keep experts pinned in (static_freq, context), bytes")
        // A factor past 1e3 moves every expert of any real layer to the GPU already (the GPU's
        // volume share would have to be below 1e-3 x 1 / experts for it to matter).
        .custom(KeyDoc{"monde_paper_alpha", "number or \"auto\"", "\"auto\"", "0 .. 1000, or \"auto\"",
                       "monde_paper's correction factor alpha; auto: calibrated on a calibration batch of the run's "
                       "phase (docs/policies.md)"},
                [](const ConfigNode& n, R& c) {
                  if (!n.has("monde_paper_alpha")) return;
                  const auto& v = n.at("monde_paper_alpha");
                  if (v.is_string() && v.get<std::string>() == "auto") {
                    c.monde_paper_alpha.reset();
                    return;
                  }
                  if (!v.is_number()) n.fail("monde_paper_alpha", "not a number; allowed 0 .. 1000 or \"auto\"");
                  c.monde_paper_alpha = n.get_double("monde_paper_alpha", 0.0, 1000.0);
                },
                [](const R& c, nlohmann::json& j) {
                  j["monde_paper_alpha"] = c.monde_paper_alpha ? nlohmann::json(*c.monde_paper_alpha) : nlohmann::json("auto");
                })
        .boolean("ndp_block_runs", &R::ndp_block_runs,
                 "data: timing_only with the bandwidth DRAM model: the NDP units run a fetch's token blocks in runs, "
                 "one simulation event per run instead of one per block (exact: the same picoseconds and statistics, "
                 "tests/integration/ndp_block_runs.sh); false runs block by block, to cross-check");
    return r;
  }();
  return s;
}

namespace {

// One HDM range interleaved across the devices (devices.interleave_granularity > 0): the decoder's
// rules (CXL 2.0 §8.2.5.12: IG 256 B .. 16 KiB, IW 1, 2, 4, 8, 16 and 3, 6, 12 ways) with ways =
// count, and what the model builds on it (docs/interleave.md).
void check_interleave(const ConfigNode& n, const SystemConfig& c) {
  const DevicesConfig& v = c.devices;
  if (!encode_granularity(v.interleave_granularity)) {
    n.fail("interleave_granularity", std::to_string(v.interleave_granularity) +
                                         " is not an HDM interleave granularity; allowed 0 (no interleave), 256, 512, "
                                         "1024, 2048, 4096, 8192 or 16384");
  }
  if (v.count == 1 || !encode_ways(v.count)) {
    n.fail("count", std::to_string(v.count) + " with interleave_granularity " +
                        std::to_string(v.interleave_granularity) +
                        ": the interleave ways are devices.count; allowed 2, 3, 4, 6, 8, 12 or 16 (the HDM "
                        "decoder's way counts), or interleave_granularity 0");
  }
  if (v.split == DeviceSplit::kAuto) {
    n.fail("split", std::string(to_string(v.split)) +
                        " with interleave_granularity: auto keeps some layers' experts whole, and a whole expert on "
                        "an interleaved range is striped over every device, so no NDP unit could run it; allowed "
                        "\"none\" (whole experts, GPU path only) or \"always\" (each device's slice in its own "
                        "granules)");
  }
  if (v.placement != DevicePlacement::kRoundRobin) {
    n.fail("placement", std::string(to_string(v.placement)) +
                            " with interleave_granularity: every expert is striped over all devices; allowed "
                            "\"round_robin\" (the default), or interleave_granularity 0");
  }
  const std::uint64_t range = interleaved_range_bytes(c.device, v);
  if (range > kHpaLimit || range / v.count != device_window_bytes(c.device)) {
    n.fail("count", std::to_string(v.count) + " devices of " + std::to_string(device_window_bytes(c.device)) +
                        " mapped bytes: the interleaved range exceeds the 52-bit host address space");
  }
}

}  // namespace

const Schema<SystemConfig>& system_schema() {
  using S = SystemConfig;
  static const auto s = [] {
    Schema<S> e("An experiment (configs/experiments/*.json): a model and a device (each a preset, a file, or a "
                "preset with overrides), the GPU, the CPU, the routing and the run.");
    e.custom(KeyDoc{"model", "preset", "(required)", "a model preset name, a file, or {\"preset\": ..., overrides}",
                    "the MoE model: `monde-sim list models`"},
             [](const ConfigNode& n, S& c) { c.model = parse_moe_model(n.child("model")); },
             [](const S& c, nlohmann::json& j) { j["model"] = model_schema().to_json(c.model); },
             [](const std::string&) { return model_schema().docs("model"); })
        .custom(KeyDoc{"device", "preset", "(required)", "a device preset name, a file, or {\"preset\": ..., overrides}",
                       "the MoNDE device: `monde-sim list devices`"},
                [](const ConfigNode& n, S& c) { c.device = device_schema().parse(n.child("device")); },
                [](const S& c, nlohmann::json& j) { j["device"] = device_schema().to_json(c.device); },
                [](const std::string&) { return device_schema().docs("device"); })
        .object("gpu", &S::gpu, gpu_schema())
        .object("cpu", &S::cpu, cpu_schema())
        .object("host_memory", &S::host_memory, host_memory_schema())
        .object("routing", &S::routing, routing_schema())
        .object("run", &S::run, run_schema())
        .object("demo", &S::demo, demo_schema())
        .object("traffic", &S::traffic, traffic_schema())
        // Written only when set, so that a run without faults resolves exactly as before.
        .custom(KeyDoc{"faults", "object", "(see below)", "the keys below", fault_schema().doc()},
                [](const ConfigNode& n, S& c) {
                  if (n.has("faults")) fault_schema().parse_into(n.child("faults"), c.faults);
                },
                [](const S& c, nlohmann::json& j) {
                  if (differs_from_defaults(c.faults)) j["faults"] = fault_schema().to_json(c.faults);
                },
                [](const std::string&) { return fault_schema().docs("faults"); })
        // Written only when set, so that a one-device run resolves exactly as before.
        .custom(KeyDoc{"devices", "object", "(see below)", "the keys below", devices_schema().doc()},
                [](const ConfigNode& n, S& c) {
                  if (n.has("devices")) devices_schema().parse_into(n.child("devices"), c.devices);
                },
                [](const S& c, nlohmann::json& j) {
                  if (differs_from_defaults(c.devices)) j["devices"] = devices_schema().to_json(c.devices);
                },
                [](const std::string&) { return devices_schema().docs("devices"); })
        // Several devices: each maps its memory at its own HPA window (the default decoder moved
        // up by d windows).
        .check([](const ConfigNode& n, S& c) {
          if (c.devices.interleaved()) check_interleave(n.child("devices"), c);
          if (c.devices.count == 1) {
            // Splitting an expert across one device is the unsplit expert: refused, not ignored.
            if (c.devices.split != DeviceSplit::kNone) {
              n.child("devices").fail("split", std::string(to_string(c.devices.split)) +
                                                   " with devices.count 1: a split needs several devices; allowed "
                                                   "\"none\" with one device, or devices.count 2 .. " +
                                                   std::to_string(kMaxDevices));
            }
            return;
          }
          const auto& d = c.device.hdm.decoders;
          const std::uint64_t mapped = c.device.dram.capacity_bytes() / kHdmUnitBytes * kHdmUnitBytes;
          if (d.size() != 1 || d[0].base != 0 || d[0].ways != 1 || d[0].dpa_skip != 0 || d[0].size != mapped) {
            n.child("devices").fail("count", std::to_string(c.devices.count) +
                                                 ": several devices need the device's default HDM decoder (one "
                                                 "decoder, base 0, 1 way, no DPA skip, over the whole DRAM); remove "
                                                 "'device.cxl.hdm' or set devices.count 1");
          }
          if (!c.devices.interleaved() && c.devices.count * d[0].size > kHpaLimit) {
            n.child("devices").fail("count", std::to_string(c.devices.count) + " devices of " +
                                                 std::to_string(d[0].size) +
                                                 " mapped bytes exceed the 52-bit host address space");
          }
        })
        // The faults' device must be one of the run's devices.
        .check([](const ConfigNode& n, S& c) {
          if (c.faults.device == FaultConfig::kAllDevices || c.faults.device < static_cast<std::int32_t>(c.devices.count)) {
            return;
          }
          n.child("faults").fail("device", "beyond devices.count " + std::to_string(c.devices.count) + "; allowed 0 .. " +
                                               std::to_string(c.devices.count - 1) + " or \"all\"");
        })
        // The host-memory baselines' copy of every expert must fit the host DRAM.
        .check([](const ConfigNode& n, S& c) {
          if (c.host_memory.expert_home != ExpertHome::kHostMemory) return;
          const std::uint64_t need = c.model.total_routed_expert_bytes();
          if (need <= c.host_memory.capacity_bytes()) return;
          n.child("host_memory").fail("expert_home", "the host DRAM copy of the model's routed experts (" + std::to_string(need) +
                                                         " bytes) does not fit host_memory.capacity_gib = " +
                                                         format_number(c.host_memory.capacity_gib) + " (" +
                                                         std::to_string(c.host_memory.capacity_bytes()) +
                                                         " bytes); allowed: device, or a larger capacity_gib");
        })
        // Poisoned ranges are device addresses: they must lie in the device memory.
        .check([](const ConfigNode& n, S& c) {
          const std::uint64_t capacity = c.device.dram.capacity_bytes();
          const auto& ranges = c.faults.dram_poison.ranges;
          for (std::size_t i = 0; i < ranges.size(); ++i) {
            if (ranges[i].base + ranges[i].size <= capacity) continue;
            const auto nodes = n.child("faults").child("dram_poison").objects("ranges", 0, 1024);
            nodes.at(i).fail("size", "the range ends at " + hex(ranges[i].base + ranges[i].size) +
                                         ", beyond the device memory (" + hex(capacity) + " bytes)");
          }
        });
    return e;
  }();
  return s;
}

SystemConfig parse_system_config(const ExperimentDocument& document) {
  const ConfigNode root = document.root();
  if (!root.has("model")) root.fail("model", "missing; this key is required; allowed a model preset (`monde-sim list models`), a file, "
                                          "or {\"preset\": ..., overrides}");
  if (!root.has("device")) root.fail("device", "missing; this key is required; allowed a device preset (`monde-sim list devices`), a file, "
                                           "or {\"preset\": ..., overrides}");
  SystemConfig c = system_schema().parse(root);
  c.source = document.name();
  return c;
}

nlohmann::json to_json(const SystemConfig& config) { return system_schema().to_json(config); }

}  // namespace monde::config
