#include "core/config/gpu_config.hpp"

namespace monde::config {

namespace {

// Same ranges as every rate in the configuration: wide enough for any real part, narrow enough
// to catch unit slips of 1e3..1e6.
constexpr double kMinRate = 1e-3;
constexpr double kMaxRate = 1e5;
constexpr double kMaxUs = 1e6;

const Schema<GpuRooflineConfig>& roofline_schema() {
  using R = GpuRooflineConfig;
  static const auto s = Schema<R>("The roofline compute model, used when no measured profile is given "
                                  "(defaults: cuBLAS bf16 GEMMs measured on an H100 80GB HBM3, "
                                  "../shared/data/gpu/h100-cublas-gemm.txt).")
                            .number("peak_tflops", &R::peak_tflops, kMinRate, kMaxRate, "dense bf16 peak, TFLOP/s (883: highest measured)")
                            .number("hbm_GBps", &R::hbm_GBps, kMinRate, kMaxRate, "HBM bandwidth, GB/s (2728: highest measured beyond the L2)")
                            .number("launch_us", &R::launch_us, 0.0, kMaxUs, "launch overhead per expert, us (10: shortest measured GEMM)");
  return s;
}

const Schema<RootComplexConfig>& root_complex_schema() {
  static const auto s = Schema<RootComplexConfig>("The host root complex between the GPU's PCIe link and the CXL "
                                                  "root port.")
                            .number("latency_ns", &RootComplexConfig::latency_ns, 0.0, 1e6,
                                    "added each way, ns (0: the links' port latencies cover it)");
  return s;
}

const Schema<GpuPowerConfig>& power_schema() {
  using P = GpuPowerConfig;
  static const auto s = Schema<P>("The GPU's power, for its energy: busy time (expert and dense kernels) at busy_w, "
                                  "the rest of the run at idle_w (docs/energy.md).")
                            .number("busy_w", &P::busy_w, 0.0, 1e5,
                                    "power while computing, W (700: H100 SXM5 datasheet maximum TDP, an upper bound)")
                            .number("idle_w", &P::idle_w, 0.0, 1e5,
                                    "power while not computing, W (70: ASSUMED, 10 % of the TDP)")
                            .check([](const ConfigNode& n, P& p) {
                              if (p.idle_w > p.busy_w) {
                                n.fail("idle_w", "must be <= busy_w (" + format_number(p.busy_w) +
                                                     "): an idle GPU draws no more than a busy one");
                              }
                            });
  return s;
}

const Schema<ExpertCacheConfig>& expert_cache_schema() {
  using C = ExpertCacheConfig;
  static const auto s =
      Schema<C>("A GPU expert cache in spare HBM (docs/policies.md, \"GPU expert cache\"): used by offload_cached "
                "(pinned or lru) and static_freq (pinned).")
          .choice("mode", &C::mode,
                  "none: no cache; pinned: the run's most popular (layer, expert) pairs kept for the whole run; lru: "
                  "fetched experts kept until evicted, least recently used first")
          // At most 2^50 B like gpu.hbm_bytes; whether it fits that HBM is checked with the model.
          .custom(KeyDoc{"capacity_bytes", "integer or \"auto\"", "\"auto\"", "1 .. 1125899906842624, or \"auto\"",
                         "HBM the cache holds, bytes (whole experts); auto: the spare HBM after the weights, KV cache, "
                         "buffers and activations"},
                  [](const ConfigNode& n, C& c) {
                    if (!n.has("capacity_bytes")) return;
                    const auto& v = n.at("capacity_bytes");
                    if (v.is_string() && v.get<std::string>() == "auto") {
                      c.capacity_bytes.reset();
                      return;
                    }
                    if (!v.is_number()) n.fail("capacity_bytes", "not a number; allowed 1 .. 2^50 or \"auto\"");
                    c.capacity_bytes = n.get_uint("capacity_bytes", 1, std::uint64_t{1} << 50);
                  },
                  [](const C& c, nlohmann::json& j) {
                    j["capacity_bytes"] = c.capacity_bytes ? nlohmann::json(*c.capacity_bytes) : nlohmann::json("auto");
                  });
  return s;
}

}  // namespace

const std::vector<EnumName<ExpertCacheMode>>& names_of(ExpertCacheMode) {
  static const std::vector<EnumName<ExpertCacheMode>> n = {
      {ExpertCacheMode::kNone, "none"}, {ExpertCacheMode::kPinned, "pinned"}, {ExpertCacheMode::kLru, "lru"}};
  return n;
}

const Schema<GpuConfig>& gpu_schema() {
  using G = GpuConfig;
  static const auto s = [] {
    Schema<G> g("The GPU: how hot experts' weights reach it and how long it computes them.");
    g.custom(KeyDoc{"profile", "path", "null", "a monde-calibrate profile file, or null",
                    "measured GPU profile; null: the roofline below is the compute model"},
             [](const ConfigNode& n, G& c) {
               if (!n.has("profile") || n.at("profile").is_null()) {
                 c.profile_path.clear();
                 c.profile.reset();
                 return;
               }
               // Kept resolved, so that the written configuration reads back from anywhere.
               c.profile_path = n.get_path("profile");
               c.profile = load_gpu_profile(c.profile_path);
             },
             [](const G& c, nlohmann::json& j) {
               j["profile"] = c.profile_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.profile_path);
             })
        .object("roofline", &G::roofline, roofline_schema())
        // A chunk is one generic payload, whose data length is 32 bits: 1 GiB keeps well inside
        // it. 64 B (one CXL line) is the smallest transfer that means anything on either link.
        .integer("dma_chunk_bytes", &G::dma_chunk_bytes, 64, std::uint64_t{1} << 30,
                 "largest DMA read of a hot expert's weights, bytes (one TLM transaction)")
        // DMA engines of real GPUs keep hundreds of reads outstanding; 256 is a sanity bound.
        .integer("dma_outstanding", &G::dma_outstanding, 1, 256, "DMA reads in flight at once")
        .integer("hbm_bytes", &G::hbm_bytes, std::uint64_t{1} << 20, std::uint64_t{1} << 50,
                 "GPU memory, bytes: non-expert weights, KV cache, hot experts' buffers and the expert cache must fit (80e9: "
                 "H100 80GB datasheet)")
        .number("host_copy_latency_us", &G::host_copy_latency_us, 0.0, kMaxUs,
                "fixed cost of one GPU <-> host activation copy, us (2.69: a 64 B copy measured on an H100); "
                "the bytes move at the PCIe data rate")
        .boolean("fetch_quantised", &G::fetch_quantised,
                 "hot experts cross the links as the NDP's int8 / int4 copy (codes + scales) and are dequantised "
                 "on the GPU before their GEMMs (roofline kernel, README \"Quantised experts\"); needs "
                 "device.ndp.expert_weight_format int8 or int4 and host_memory.expert_home device (with run.data full: "
                 "devices.split none); false: the bf16 copy")
        .object("pcie", &G::pcie, pcie_schema())
        .object("root_complex", &G::root_complex, root_complex_schema())
        .object("power", &G::power, power_schema())
        .object("expert_cache", &G::expert_cache, expert_cache_schema());
    return g;
  }();
  return s;
}

}  // namespace monde::config
