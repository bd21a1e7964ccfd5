#include "core/config/ndp_config.hpp"

#include <algorithm>
#include <string>

namespace monde::config {

namespace {

// Array sizes beyond this are not a MAC array any more; 1 x 1 is allowed for tests.
constexpr unsigned kMaxArrayDim = 256;

const Schema<MacArrayShape>& shape_schema() {
  static const auto s = Schema<MacArrayShape>("The MAC array of each unit (the RTL's ROWS x COLS).")
                            .integer("rows", &MacArrayShape::rows, 1, kMaxArrayDim, "token rows per tile")
                            .integer("cols", &MacArrayShape::cols, 1, kMaxArrayDim,
                                     "output columns per tile; divides 32 (1, 2, 4, 8, 16, 32)");
  return s;
}

// "rtl_drive" names what the struct keeps as a flag.
enum class RtlDrive { kBatched, kPins };
const std::vector<EnumName<RtlDrive>>& names_of(RtlDrive) {
  static const std::vector<EnumName<RtlDrive>> n = {{RtlDrive::kBatched, "batched"}, {RtlDrive::kPins, "pins"}};
  return n;
}

}  // namespace

const std::vector<EnumName<PeModel>>& names_of(PeModel) {
  static const std::vector<EnumName<PeModel>> n = {{PeModel::kRtl, "rtl"}, {PeModel::kCycle, "cycle"}};
  return n;
}

std::vector<WeightEncoding> NdpConfig::mixed_candidates() const {
  if (!mixed_expert_weights()) return {};
  std::vector<WeightEncoding> c;
  if (expert_weight_format == WeightFormat::kInt4) c.push_back({WeightFormat::kInt4, expert_weight_group});
  c.push_back({WeightFormat::kInt8, expert_weight_group});
  return c;
}

NdpLimits NdpConfig::limits() const {
  NdpLimits l;
  l.units = units;
  l.rows = mac.shape.rows;
  l.cols = mac.shape.cols;
  l.dim_align = kColumnsPerFetch;
  const std::uint64_t half = weight_sram_bytes / 2;
  const std::uint64_t d_model_fit = half / (2u * kColumnsPerFetch * 2u) / kColumnsPerFetch * kColumnsPerFetch;
  const std::uint64_t d_ff_fit = half / (kColumnsPerFetch * 2u) / kColumnsPerFetch * kColumnsPerFetch;
  l.max_d_model = static_cast<std::uint32_t>(std::min<std::uint64_t>(d_model_fit, l.max_d_model));
  l.max_d_ff = static_cast<std::uint32_t>(std::min<std::uint64_t>(d_ff_fit, l.max_d_ff));
  l.act_buffer_bytes = act_buffer_bytes;
  return l;
}

const Schema<NdpConfig>& ndp_schema() {
  using N = NdpConfig;
  static const auto s = [] {
    Schema<N> n("The NDP units inside the device (docs/ndp_interface.md).");
    n.custom(KeyDoc{"pe_model", "enum", "\"rtl\"", "\"rtl\", \"cycle\"",
                    "MAC arrays as Verilated RTL or the C++ cycle model (same bits and cycles)"},
             [](const ConfigNode& c, N& d) {
               if (c.has("pe_model")) from_string(c.get_choice("pe_model", enum_strings<PeModel>()), d.mac.pe_model);
             },
             [](const N& d, nlohmann::json& j) { j["pe_model"] = to_string(d.mac.pe_model); })
        .custom(KeyDoc{"rtl_drive", "enum", "\"batched\"", "\"batched\", \"pins\"",
                       "rtl only: a tile's cycles in one SystemC activation, or the RTL clocked pin by pin (slow, "
                       "for waveforms)"},
                [](const ConfigNode& c, N& d) {
                  RtlDrive drive = d.mac.pin_level ? RtlDrive::kPins : RtlDrive::kBatched;
                  if (c.has("rtl_drive")) from_string(c.get_choice("rtl_drive", enum_strings<RtlDrive>()), drive);
                  d.mac.pin_level = drive == RtlDrive::kPins;
                },
                [](const N& d, nlohmann::json& j) { j["rtl_drive"] = d.mac.pin_level ? "pins" : "batched"; })
        .custom(KeyDoc{"clock_mhz", "number", "1000", "1 .. 10000", "MAC array clock, MHz"},
                [](const ConfigNode& c, N& d) { d.mac.clock_mhz = c.get_double("clock_mhz", 1.0, 10000.0, d.mac.clock_mhz); },
                [](const N& d, nlohmann::json& j) { j["clock_mhz"] = d.mac.clock_mhz; })
        .custom(KeyDoc{"mac_array", "object", "(see below)", "the keys below", shape_schema().doc()},
                [](const ConfigNode& c, N& d) {
                  if (c.has("mac_array")) shape_schema().parse_into(c.child("mac_array"), d.mac.shape);
                },
                [](const N& d, nlohmann::json& j) { j["mac_array"] = shape_schema().to_json(d.mac.shape); },
                [](const std::string& path) { return shape_schema().docs(path + ".mac_array"); })
        .integer("units", &N::units, 1, 255, "NDP units sharing each job")
        // At least one fetch of the smallest job (32 rows x 32 columns x gate + up, twice).
        .integer("weight_sram_bytes", &N::weight_sram_bytes, 2u * 2u * kColumnsPerFetch * kColumnsPerFetch * 2u,
                 std::uint64_t{1} << 30, "weight SRAM per unit, bytes (two halves: double buffering)")
        .integer("act_buffer_bytes", &N::act_buffer_bytes, kColumnsPerFetch * 2u, std::uint64_t{1} << 30,
                 "activation buffer per unit, bytes (all of x, then all of h)")
        .custom(KeyDoc{"out_buffer_bytes", "integer", "16384", "mac_array.rows x 64 .. 1073741824",
                       "output buffer per unit, bytes (at least one token block's row of 64 B lines)"},
                [](const ConfigNode& c, N& d) {
                  d.out_buffer_bytes = c.get_uint("out_buffer_bytes", std::uint64_t{d.mac.shape.rows} * 64u,
                                                  std::uint64_t{1} << 30, d.out_buffer_bytes);
                },
                [](const N& d, nlohmann::json& j) { j["out_buffer_bytes"] = d.out_buffer_bytes; })
        .number("mmio_latency_ns", &N::mmio_latency_ns, 0.0, 1e6,
                "one CXL.io register access, host to device and back, ns")
        .choice("expert_weight_format", &N::expert_weight_format,
                "format the driver stores NDP experts in: bf16, or weight-only int8 / int4 with bf16 scales per "
                "output channel and group (quantised on placement, round to nearest even; docs/ndp_interface.md); "
                "the GPU path fetches the bf16 copy unless gpu.fetch_quantised")
        .number("pj_per_mac", &N::pj_per_mac, 0.0, 1000.0,
                "energy of one bf16 MAC (fp32 accumulate), pJ (2.0: ASSUMED, Horowitz ISSCC 2014 45 nm fp16 "
                "multiply 1.1 + fp32 add 0.9)")
        .number("sram_pj_per_byte", &N::sram_pj_per_byte, 0.0, 1000.0,
                "energy of one byte written to or read from a unit's buffers, pJ (2.5: ASSUMED, Horowitz ISSCC "
                "2014 45 nm 32 KB SRAM, 20 pJ per 64-bit access)")
        .custom(KeyDoc{"expert_weight_group", "integer", "128", "32, 64, 128",
                       "int8 / int4 only: weights along K sharing one scale (d_model and d_ff must be multiples)"},
                [](const ConfigNode& c, N& d) {
                  if (!c.has("expert_weight_group")) return;
                  const std::uint64_t g = c.get_uint("expert_weight_group", 0, 0xFFFFFFFFu);
                  if (!valid_group_size(static_cast<std::uint32_t>(g))) {
                    c.fail("expert_weight_group", "not a group size the NDP units take; allowed 32, 64, 128");
                  }
                  d.expert_weight_group = static_cast<std::uint32_t>(g);
                },
                [](const N& d, nlohmann::json& j) { j["expert_weight_group"] = d.expert_weight_group; })
        .number("expert_weight_error_budget", &N::expert_weight_error_budget, 0.0, 1.0,
                "mixed precision per expert: 0 = off (every expert in expert_weight_format); > 0 = the largest "
                "relative RMS error (a fraction) of a cold expert's output against bf16, measured on seeded data: "
                "hot experts (run.gpu_memory_budget_bytes_per_layer's most popular) stay bf16, each cold expert gets "
                "the lowest-bit format from expert_weight_format (int8 or int4) up to int8 within it (README "
                "\"Mixed precision per expert\")")
        .check([](const ConfigNode& c, N& d) {
          if (d.mac.shape.cols > kColumnsPerFetch || kColumnsPerFetch % d.mac.shape.cols != 0) {
            c.child("mac_array").fail("cols", "must divide 32 (the NDP fetches 32 output columns at a time); "
                                              "allowed 1, 2, 4, 8, 16, 32");
          }
          if (d.mixed_expert_weights() && !is_quantised(d.expert_weight_format)) {
            c.fail("expert_weight_error_budget", "> 0 chooses a quantised format per cold expert, down to "
                                                 "expert_weight_format, but that is \"bf16\"; allowed 0 (off), or "
                                                 "expert_weight_format \"int8\" or \"int4\" (the lowest-bit format allowed)");
          }
          if (d.mac.pin_level && d.mac.pe_model != PeModel::kRtl) {
            c.fail("rtl_drive", "needs pe_model \"rtl\" (the cycle model has no pins); allowed \"batched\" with pe_model "
                              "\"cycle\"");
          }
        });
    return n;
  }();
  return s;
}

}  // namespace monde::config
