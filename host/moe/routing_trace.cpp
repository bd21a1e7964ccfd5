#include "host/moe/routing_trace.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "core/config/config_node.hpp"
#include "core/config/experiment_document.hpp"
#include "host/moe/csv_reader.hpp"

namespace monde::moe {

namespace {

// One histogram row, whichever layout it came from.
struct TraceRow {
  std::size_t row;
  std::uint32_t k;
  std::uint32_t layer;
  std::uint32_t expert;
  std::uint64_t count;
  std::uint64_t tokens;
};

// An integer field in [lo, hi] (hi small enough that the loader's sums cannot overflow).
std::uint64_t ranged_uint(const CsvTable& t, std::size_t row, std::size_t col, std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t v = t.uint_field(row, col);
  if (v < lo || v > hi) {
    throw config::ConfigError(t.where(row) + ": column '" + config::shown_text(t.header()[col]) + "' = " + std::to_string(v) +
                      " is out of range (allowed " + std::to_string(lo) + ".." + std::to_string(hi) + ")");
  }
  return v;
}

std::uint32_t small_uint(const CsvTable& t, std::size_t row, std::size_t col, std::uint64_t max) {
  return static_cast<std::uint32_t>(ranged_uint(t, row, col, 0, max));
}

// Ids and k up to 2^20, tokens up to 2^40: k x tokens and a layer's summed counts (at most
// 2^20 experts x 2^40) stay below 2^64, so no consistency check can be fooled by a wrap.
constexpr std::uint64_t kMaxId = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxTokens = std::uint64_t{1} << 40;

// Every column the layout needs, checked at once, so that a wrong header is one message that
// lists what is expected.
void require_columns(const CsvTable& t, bool fiddler) {
  static const std::vector<std::string> kFiddler = {"variant", "dataset", "layer", "expert", "count",
                                                    "total_selections", "tokens"};
  static const std::vector<std::string> kOlmoe = {"model", "dataset", "selection", "k", "layer", "expert", "count",
                                                  "total_selections", "tokens"};
  const auto& need = fiddler ? kFiddler : kOlmoe;
  std::string missing, all;
  for (const auto& c : need) {
    if (!t.has_column(c)) missing += (missing.empty() ? "'" : ", '") + c + "'";
    all += (all.empty() ? "" : ",") + c;
  }
  if (!missing.empty()) {
    throw config::ConfigError(t.source() + ":1: the header lacks " + missing + "; expected the columns " + all +
                              (fiddler ? " (fiddler layout, recognised by its 'variant' column)"
                                       : " (olmoe layout; a 'variant' column means the fiddler layout)"));
  }
}

// Rows of `model` / `dataset` (and, for olmoe, the resolved selection). `selection` is updated
// to the resolved name ("topk" becomes e.g. "top8").
std::vector<TraceRow> select_rows(const CsvTable& t, const std::string& model, const std::string& dataset,
                                  std::string& selection) {
  const bool fiddler = t.has_column("variant");
  require_columns(t, fiddler);
  const std::size_t c_model = t.column(fiddler ? "variant" : "model");
  const std::size_t c_dataset = t.column("dataset");
  const std::size_t c_layer = t.column("layer");
  const std::size_t c_expert = t.column("expert");
  const std::size_t c_count = t.column("count");
  const std::size_t c_total = t.column("total_selections");
  const std::size_t c_tokens = t.column("tokens");
  const std::size_t c_selection = fiddler ? 0 : t.column("selection");
  const std::size_t c_k = fiddler ? 0 : t.column("k");

  std::vector<TraceRow> rows;
  std::set<std::string> available;
  std::map<std::string, std::uint32_t> k_of_selection;  // among the matching model / dataset
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::string sel = fiddler ? std::string() : t.field(r, c_selection);
    available.insert(config::shown_text(t.field(r, c_model)) + " / " + config::shown_text(t.field(r, c_dataset)) +
                     (fiddler ? "" : " / " + config::shown_text(sel)));
    if (t.field(r, c_model) != model || t.field(r, c_dataset) != dataset) continue;
    TraceRow row{r, 0, 0, 0, 0, 0};
    row.layer = small_uint(t, r, c_layer, kMaxId);
    row.expert = small_uint(t, r, c_expert, kMaxId);
    row.count = t.uint_field(r, c_count);
    row.tokens = ranged_uint(t, r, c_tokens, 1, kMaxTokens);
    const std::uint64_t total = t.uint_field(r, c_total);
    if (fiddler) {
      if (total % row.tokens != 0 || total == 0 || total / row.tokens > kMaxId) {
        throw config::ConfigError(t.where(r) + ": total_selections " + std::to_string(total) + " is not a multiple of tokens " +
                          std::to_string(row.tokens) + "; allowed k x tokens for a whole k in 1.." + std::to_string(kMaxId) +
                          " (this layout's k is total_selections / tokens)");
      }
      row.k = static_cast<std::uint32_t>(total / row.tokens);
    } else {
      row.k = static_cast<std::uint32_t>(ranged_uint(t, r, c_k, 1, kMaxId));
      k_of_selection[sel] = row.k;
    }
    if (total != std::uint64_t{row.k} * row.tokens) {
      throw config::ConfigError(t.where(r) + ": total_selections " + std::to_string(total) + " != k x tokens = " +
                        std::to_string(row.k) + " x " + std::to_string(row.tokens) + "; allowed exactly k x tokens");
    }
    if (row.count > row.tokens) {
      throw config::ConfigError(t.where(r) + ": column 'count' = " + std::to_string(row.count) +
                        " is out of range (allowed 0.." + std::to_string(row.tokens) + ", the token count)");
    }
    // "topk" keeps every selection for now; it is resolved below, once every k is known.
    if (fiddler || selection == "topk" || sel == selection) rows.push_back(row);
  }

  if (!fiddler && selection == "topk" && !k_of_selection.empty()) {
    auto best = k_of_selection.begin();
    for (auto it = k_of_selection.begin(); it != k_of_selection.end(); ++it) {
      if (it->second > best->second) best = it;
    }
    selection = best->first;
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const TraceRow& row) { return t.field(row.row, c_selection) != selection; }),
               rows.end());
  }
  if (fiddler && !rows.empty()) {
    const std::string own = "top" + std::to_string(rows.front().k);
    if (selection != "topk" && selection != own) {
      throw config::ConfigError(t.source() + ": selection \"" + config::shown_text(selection) + "\" is not recorded for " +
                                config::shown_text(model) + " / " +
                        config::shown_text(dataset) + " (this file has only the router's top-k sets); allowed \"topk\" or \"" + own + "\"");
    }
    selection = own;
  }
  if (rows.empty()) {
    std::string list;
    constexpr std::size_t kListed = 40;  // a file of thousands of combinations: the first ones say enough
    std::size_t n = 0;
    for (const auto& a : available) {
      if (++n > kListed) {
        list += "\n  ... and " + std::to_string(available.size() - kListed) + " more";
        break;
      }
      list += "\n  " + a;
    }
    throw config::ConfigError(t.source() + ": no rows for " + config::shown_text(model) + " / " +
                      config::shown_text(dataset) + (fiddler ? "" : " / " + config::shown_text(selection)) +
                      "; allowed what the file has (model / dataset" +
                      (fiddler ? "" : " / selection") + "):" + list);
  }
  return rows;
}

}  // namespace

const RecordedLayer& RoutingTrace::layer(std::uint32_t recorded_layer) const {
  for (const auto& l : layers) {
    if (l.layer == recorded_layer) return l;
  }
  throw std::out_of_range(description + ": layer " + std::to_string(recorded_layer) + " was not recorded");
}

std::vector<std::uint32_t> RoutingTrace::layer_ids() const {
  std::vector<std::uint32_t> ids;
  for (const auto& l : layers) ids.push_back(l.layer);
  return ids;
}

namespace {

// Hugging Face config.json num_hidden_layers of each model (docs/moe_models.md).
const std::map<std::string, std::uint32_t>& known_model_layers() {
  static const std::map<std::string, std::uint32_t> kLayers = {
      {"mistralai/Mixtral-8x7B-v0.1", 32},     {"mixtral_8x7b_original", 32},
      {"mixtral_8x7b_instruct", 32},           {"allenai/OLMoE-1B-7B-0924", 16},
      {"allenai/OLMoE-1B-7B-0924-SFT", 16},    {"allenai/OLMoE-1B-7B-0924-Instruct", 16},
  };
  return kLayers;
}

std::string known_models_text() {
  std::string out;
  for (const auto& [name, layers] : known_model_layers()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::uint32_t known_recorded_model_layers(const std::string& model) {
  const auto it = known_model_layers().find(model);
  return it == known_model_layers().end() ? 0 : it->second;
}

RoutingTrace load_routing_trace(const config::TraceSelection& sel) {
  return routing_trace_from_table(CsvTable::load(sel.path), sel);
}

RoutingTrace parse_routing_trace(const std::string& text, const config::TraceSelection& sel) {
  return routing_trace_from_table(CsvTable::parse(text, sel.path), sel);
}

RoutingTrace routing_trace_from_table(const CsvTable& table, const config::TraceSelection& sel) {
  std::string selection = sel.selection;
  const std::vector<TraceRow> rows = select_rows(table, sel.model, sel.dataset, selection);

  RoutingTrace trace;
  trace.description = sel.path + ": " + config::shown_text(sel.model) + " / " + config::shown_text(sel.dataset) + " / " +
                      config::shown_text(selection);
  trace.top_k = rows.front().k;
  std::map<std::uint32_t, std::map<std::uint32_t, const TraceRow*>> by_layer;
  for (const TraceRow& row : rows) {
    if (row.k != trace.top_k) {
      throw config::ConfigError(table.where(row.row) + ": k = " + std::to_string(row.k) + " differs from k = " +
                        std::to_string(trace.top_k) + " of the other rows of " + trace.description +
                        "; allowed one k for all of them");
    }
    auto& experts = by_layer[row.layer];
    if (!experts.empty() && experts.begin()->second->tokens != row.tokens) {
      throw config::ConfigError(table.where(row.row) + ": tokens = " + std::to_string(row.tokens) + " differs from " +
                        std::to_string(experts.begin()->second->tokens) + " of the other rows of layer " +
                        std::to_string(row.layer) + "; allowed one token count per layer");
    }
    if (!experts.emplace(row.expert, &row).second) {
      throw config::ConfigError(table.where(row.row) + ": expert " + std::to_string(row.expert) + " of layer " +
                        std::to_string(row.layer) + " appears twice; allowed each expert once per layer");
    }
    trace.experts = std::max(trace.experts, row.expert + 1);
  }
  // Expert ids run 0 .. experts - 1 in every layer. A layer with fewer ids than the largest one
  // either misses rows, or a row elsewhere has an id out of range (a typo): the id most layers
  // end at says which, so that the message points at the wrong row, not at every good layer.
  std::map<std::uint32_t, std::size_t> layers_ending_at;  // largest id + 1 -> how many layers
  for (const auto& [layer, experts] : by_layer) ++layers_ending_at[experts.rbegin()->first + 1];
  std::uint32_t usual_end = 0;
  std::size_t usual_layers = 0;
  for (const auto& [end, n] : layers_ending_at) {
    if (n >= usual_layers) {  // a tie goes to the larger end: then the smaller layer misses rows
      usual_layers = n;
      usual_end = end;
    }
  }
  if (usual_end < trace.experts) {
    for (const auto& [layer, experts] : by_layer) {
      const auto& [id, row] = *experts.rbegin();
      if (id >= usual_end) {
        throw config::ConfigError(table.where(row->row) + ": expert " + std::to_string(id) + " of layer " +
                                  std::to_string(layer) + " is out of range: " + std::to_string(usual_layers) +
                                  " of " + std::to_string(by_layer.size()) + " layers have experts 0 .. " +
                                  std::to_string(usual_end - 1) + "; allowed 0 .. " + std::to_string(usual_end - 1));
      }
    }
  }
  for (const auto& [layer, experts] : by_layer) {
    RecordedLayer rec;
    rec.layer = layer;
    rec.tokens = experts.begin()->second->tokens;
    rec.counts.assign(trace.experts, 0);
    std::uint64_t sum = 0;
    for (const auto& [expert, row] : experts) {
      rec.counts[expert] = row->count;
      sum += row->count;
    }
    // Layer-wide problems point at the layer's first row.
    const std::string at = table.where(experts.begin()->second->row) + ": ";
    if (experts.size() != trace.experts) {
      throw config::ConfigError(at + "layer " + std::to_string(layer) + " has " +
                        std::to_string(experts.size()) + " experts, other layers have " +
                        std::to_string(trace.experts) + "; allowed experts 0 .. " + std::to_string(trace.experts - 1) +
                        " in every layer of " + trace.description);
    }
    if (sum != std::uint64_t{trace.top_k} * rec.tokens) {
      throw config::ConfigError(at + "layer " + std::to_string(layer) + " counts sum to " +
                        std::to_string(sum) + ", expected k x tokens = " +
                        std::to_string(std::uint64_t{trace.top_k} * rec.tokens));
    }
    trace.layers.push_back(std::move(rec));
  }
  if (trace.top_k > trace.experts) {
    throw config::ConfigError(table.where(rows.front().row) + ": k = " + std::to_string(trace.top_k) + " exceeds the " +
                      std::to_string(trace.experts) + " experts of " + trace.description + "; allowed k <= experts");
  }

  trace.recorded_model_layers =
      sel.recorded_model_layers != 0 ? sel.recorded_model_layers : known_recorded_model_layers(sel.model);
  if (trace.recorded_model_layers == 0) {
    throw config::ConfigError(trace.description + ": the layer count of model '" + config::shown_text(sel.model) +
                      "' is not known; allowed a model whose count is known (" + known_models_text() +
                      ") or routing.trace.recorded_model_layers given");
  }
  if (trace.layers.back().layer >= trace.recorded_model_layers) {
    const auto& last = by_layer.rbegin()->second;
    throw config::ConfigError(table.where(last.begin()->second->row) + ": layer " +
                      std::to_string(trace.layers.back().layer) + " recorded, but the model has " +
                      std::to_string(trace.recorded_model_layers) + " layers; allowed layers 0 .. " +
                      std::to_string(trace.recorded_model_layers - 1) + " (" + trace.description + ")");
  }
  return trace;
}

std::uint32_t nearest_recorded_layer(std::uint32_t layer, std::uint32_t model_layers,
                                     const std::vector<std::uint32_t>& recorded,
                                     std::uint32_t recorded_model_layers) {
  if (recorded.empty()) throw std::invalid_argument("nearest_recorded_layer: no recorded layers");
  // depth = layer / (L - 1) vs r / (Lr - 1); compare layer * (Lr - 1) with r * (L - 1).
  // A one-layer model (L - 1 = 0) is treated as spanning one step so that its only layer sits at 0.
  const std::int64_t model_span = std::max<std::int64_t>(std::int64_t{model_layers} - 1, 1);
  const std::int64_t rec_span = std::max<std::int64_t>(std::int64_t{recorded_model_layers} - 1, 1);
  std::vector<std::uint32_t> sorted = recorded;
  std::sort(sorted.begin(), sorted.end());
  std::uint32_t best = sorted.front();
  std::int64_t best_distance = -1;
  for (std::uint32_t r : sorted) {
    const std::int64_t d = std::int64_t{layer} * rec_span - std::int64_t{r} * model_span;
    const std::int64_t distance = d < 0 ? -d : d;
    if (best_distance < 0 || distance < best_distance) {  // strict: a tie keeps the lower layer
      best = r;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace monde::moe
