// Measured per-layer expert-selection histograms (../shared/data/routing/, see its README), read
// from either of its two CSV layouts:
//   olmoe/expert_counts_long.csv:
//     source_key,model,dataset,selection,k,layer,expert,count,total_selections,tokens
//   fiddler/mixtral_expert_popularity.csv:
//     variant,dataset,layer,expert,count,total_selections,tokens,total_input_words
// The layout is recognised by its header (a `variant` column means fiddler). In both, count is
// the number of tokens whose top-k set contains the expert, so count / tokens is the expert's
// inclusion probability and the counts of a layer sum to k * tokens; the loader checks that.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/system_config.hpp"

namespace monde::moe {

class CsvTable;  // host/moe/csv_reader.hpp

struct RecordedLayer {
  std::uint32_t layer = 0;  // index in the recorded model
  std::uint64_t tokens = 0;
  std::vector<std::uint64_t> counts;  // per expert
};

struct RoutingTrace {
  std::string description;  // "<file>: <model> / <dataset> / <selection>", for messages
  std::uint32_t experts = 0;
  std::uint32_t top_k = 0;
  std::uint32_t recorded_model_layers = 0;
  std::vector<RecordedLayer> layers;  // ascending layer index

  const RecordedLayer& layer(std::uint32_t recorded_layer) const;  // std::out_of_range if absent
  std::vector<std::uint32_t> layer_ids() const;
};

// Loads the rows of one model / dataset / selection; throws config::ConfigError naming the file (and
// file:line for a bad row) when the file is malformed, the selection matches nothing (the message
// lists what the file has), or a layer's histogram is inconsistent.
RoutingTrace load_routing_trace(const config::TraceSelection& selection);
// The same for CSV text already in memory (selection.path names it in messages).
RoutingTrace parse_routing_trace(const std::string& text, const config::TraceSelection& selection);
// The same for a table already read.
RoutingTrace routing_trace_from_table(const CsvTable& table, const config::TraceSelection& selection);

// num_hidden_layers of the models recorded in the shared data (0 if unknown):
// Mixtral-8x7B (mistralai/Mixtral-8x7B-v0.1, fiddler mixtral_8x7b_original / _instruct) 32,
// OLMoE-1B-7B (allenai/OLMoE-1B-7B-0924, -SFT, -Instruct) 16.
std::uint32_t known_recorded_model_layers(const std::string& model);

// The recorded layer whose relative depth r / (recorded_model_layers - 1) is nearest to the
// model layer's relative depth layer / (model_layers - 1); an exact tie goes to the lower
// recorded layer. A one-layer model has relative depth 0. Compared in integers (the two depths
// cross-multiplied), so ties are exact. `recorded` must be non-empty.
std::uint32_t nearest_recorded_layer(std::uint32_t layer, std::uint32_t model_layers,
                                     const std::vector<std::uint32_t>& recorded,
                                     std::uint32_t recorded_model_layers);

}  // namespace monde::moe
