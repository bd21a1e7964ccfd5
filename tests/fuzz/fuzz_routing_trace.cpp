// Fuzz target: the routing-trace reader (routing.source "trace": the CSV histograms of
// ../shared/data/routing/, either layout). The input is the CSV text; the selection is the
// model and dataset of its first data row (so that random rows can match), "topk" or that row's
// selection, and a recorded layer count from the input's hash (0: the known-model lookup).
// Invariants: rejections are config::ConfigError naming the file and line (or the selection)
// and what is allowed; an accepted trace drives a model of its expert count and top_k: every
// MoE layer routes 16 tokens, each to top_k distinct experts that the trace recorded as used.
#include <functional>
#include <set>

#include "core/config/config_error.hpp"
#include "host/moe/csv_reader.hpp"
#include "host/moe/routing_trace.hpp"
#include "host/moe/trace_routing.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace {

// The selection of the first data row, when the columns exist.
monde::config::TraceSelection selection_for(const std::string& text, const char* source, std::size_t hash) {
  monde::config::TraceSelection s;
  s.path = source;
  s.model = "m";
  s.dataset = "d";
  try {
    const auto t = monde::moe::CsvTable::parse(text, source);
    if (t.rows() > 0) {
      const bool fiddler = t.has_column("variant");
      if (t.has_column(fiddler ? "variant" : "model")) s.model = t.field(0, t.column(fiddler ? "variant" : "model"));
      if (t.has_column("dataset")) s.dataset = t.field(0, t.column("dataset"));
      if (!fiddler && t.has_column("selection") && (hash & 1) != 0) s.selection = t.field(0, t.column("selection"));
    }
  } catch (const monde::config::ConfigError&) {
    // The reader reports it below, as it would for a user.
  }
  s.recorded_model_layers = (hash & 2) != 0 ? 0 : static_cast<std::uint32_t>(1 + (hash >> 2) % 64);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace monde;
  constexpr const char* kSource = "fuzz-routing.csv";
  const std::string text = fuzz::text_of(data, size);
  const std::size_t hash = std::hash<std::string>{}(text);
  const config::TraceSelection sel = selection_for(text, kSource, hash);
  moe::RoutingTrace trace;
  try {
    trace = moe::parse_routing_trace(text, sel);
  } catch (const config::ConfigError& e) {
    fuzz::check_rejection(e.what(), kSource, true);
    return 0;
  }
  fuzz::require(!trace.layers.empty() && trace.experts >= trace.top_k && trace.top_k >= 1,
                "an accepted trace has no layers or top_k outside 1..experts");
  config::MoeModelConfig model;
  model.source = "fuzz-model";
  model.name = "fuzz";
  model.d_model = 64;
  model.d_ff = 64;
  model.experts = trace.experts;
  model.top_k = trace.top_k;
  model.layers = model.moe_layers = static_cast<std::uint32_t>(1 + (hash >> 8) % 8);
  moe::TraceRoutingSource source(model, trace, hash);
  for (const std::uint32_t layer : model.moe_layer_indices()) {
    const moe::RecordedLayer& rec = trace.layer(source.recorded_layer_for(layer));
    for (const auto& route : source.route(layer, 16)) {
      std::set<std::uint32_t> experts;
      for (const std::uint32_t e : route.experts) {
        fuzz::require(e < trace.experts && rec.counts[e] > 0, "a token routed to an expert the trace never recorded as used");
        experts.insert(e);
      }
      fuzz::require(experts.size() == trace.top_k, "a token routed to other than top_k distinct experts");
    }
  }
  return 0;
}
