// Measured routing traces: the CSV reader, the trace loader on the shared data (olmoe and
// fiddler layouts) and on small hand-made files, the nearest-relative-depth layer rule, and trace
// sampling reproducing the recorded histograms. Statistical bound as in test_moe_sampling.cpp:
// each expert's count over T tokens within 5 binomial sigma, sqrt(T p (1 - p)), of T p.
// Tests that read ../shared/data/routing skip (with the path) where that directory is absent.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/config/config_node.hpp"
#include "host/moe/csv_reader.hpp"
#include "core/config/model_config.hpp"
#include "host/moe/routing_trace.hpp"
#include "host/moe/trace_routing.hpp"

namespace monde::moe {
namespace {

std::string routing_dir() { return std::string(MONDE_SHARED_DIR) + "/data/routing"; }
std::string olmoe_csv() { return routing_dir() + "/olmoe/expert_counts_long.csv"; }
std::string fiddler_csv() { return routing_dir() + "/fiddler/mixtral_expert_popularity.csv"; }
std::string preset(const std::string& name) { return std::string(MONDE_SOURCE_DIR) + "/configs/models/" + name + ".json"; }

#define SKIP_WITHOUT_SHARED_DATA()                                                                      \
  do {                                                                                                 \
    if (!std::filesystem::is_directory(routing_dir())) {                                               \
      GTEST_SKIP() << "shared routing data not found at " << routing_dir() << " (MONDE_SHARED_DIR)";  \
    }                                                                                                  \
  } while (0)

double five_sigma(double trials, double p) { return 5.0 * std::sqrt(trials * p * (1.0 - p)); }

// A CSV file in the test temp directory, removed again at scope exit. The process id keeps
// concurrent test processes (ctest -j, two build trees) from sharing a file.
struct TempCsv {
  TempCsv(const std::string& name, const std::string& text)
      : path(testing::TempDir() + "/monde_moe_" + std::to_string(::getpid()) + "_" + name) {
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempCsv() { std::remove(path.c_str()); }
  TempCsv(const TempCsv&) = delete;
  TempCsv& operator=(const TempCsv&) = delete;
  std::string path;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

// ---- CSV reader --------------------------------------------------------------------------------

TEST(MoeCsvReader, QuotesCrlfAndBlankLines) {
  const CsvTable t = CsvTable::parse("a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n\r\n2,,z\n", "mem.csv");
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.field(0, 0), "1");
  EXPECT_EQ(t.field(0, 1), "x,y");
  EXPECT_EQ(t.field(0, 2), "say \"hi\"");
  EXPECT_EQ(t.field(1, 1), "");
  EXPECT_EQ(t.column("c"), 2u);
  EXPECT_EQ(t.uint_field(1, 0), 2u);
  EXPECT_EQ(t.where(1), "mem.csv:4");  // the blank line 3 still counts
}

TEST(MoeCsvReader, ErrorsNameFileAndLine) {
  std::string e = error_of([] { CsvTable::parse("a,b\n1,2\n3\n", "x.csv"); });
  EXPECT_NE(e.find("x.csv:3: 1 fields, the header has 2"), std::string::npos) << e;
  e = error_of([] { CsvTable::parse("a,b\n1,\"2\n", "x.csv"); });
  EXPECT_NE(e.find("x.csv:2: unterminated"), std::string::npos) << e;
  e = error_of([] {
    const CsvTable t = CsvTable::parse("a,count\n1,-4\n", "x.csv");
    t.uint_field(0, 1);
  });
  EXPECT_NE(e.find("x.csv:2: column 'count' = \"-4\" must be a non-negative integer"), std::string::npos) << e;
  e = error_of([] { CsvTable::parse("a\n1\n", "x.csv").column("tokens"); });
  EXPECT_NE(e.find("x.csv:1: no column 'tokens'"), std::string::npos) << e;
  e = error_of([] { CsvTable::load("/nonexistent/t.csv"); });
  EXPECT_NE(e.find("/nonexistent/t.csv: cannot open"), std::string::npos) << e;
}

// ---- loader on small hand-made files -----------------------------------------------------------

const char* kHeader = "variant,dataset,layer,expert,count,total_selections,tokens,total_input_words\n";
// One layer, 4 experts, top-2 over 4 tokens: p = (3/4, 1/4, 4/4, 0/4), summing to k = 2.
const char* kHandRows =
    "v,d,0,0,3,8,4,1\n"
    "v,d,0,1,1,8,4,1\n"
    "v,d,0,2,4,8,4,1\n"
    "v,d,0,3,0,8,4,1\n";

config::TraceSelection hand_selection(const std::string& path) {
  config::TraceSelection s;
  s.path = path;
  s.model = "v";
  s.dataset = "d";
  s.recorded_model_layers = 1;
  return s;
}

config::MoeModelConfig four_expert_model() {
  config::MoeModelConfig m;
  m.name = "trace-test";
  m.d_model = 16;
  m.d_ff = 32;
  m.experts = 4;
  m.top_k = 2;
  m.layers = 1;
  m.moe_layers = 1;
  return m;
}

TEST(MoeRoutingTrace, HandTraceSamplesItsProbabilities) {
  const TempCsv csv("hand.csv", std::string(kHeader) + kHandRows);
  const RoutingTrace trace = load_routing_trace(hand_selection(csv.path));
  EXPECT_EQ(trace.experts, 4u);
  EXPECT_EQ(trace.top_k, 2u);
  EXPECT_EQ(trace.layer(0).counts, (std::vector<std::uint64_t>{3, 1, 4, 0}));
  TraceRoutingSource src(four_expert_model(), trace, 3);
  const std::size_t T = 8000;
  const std::vector<std::uint64_t> hist = tokens_per_expert(src.route(0, T), 4);
  EXPECT_EQ(hist[2], T);  // p = 1
  EXPECT_EQ(hist[3], 0u);  // p = 0
  EXPECT_NEAR(static_cast<double>(hist[0]), 0.75 * T, five_sigma(T, 0.75));  // sigma = 38.7
  EXPECT_EQ(hist[0] + hist[1], T);  // the second slot is expert 0 or 1
}

TEST(MoeRoutingTrace, InconsistentHistogramsAreRejectedWithTheLine) {
  const auto load = [](const std::string& rows) {
    const TempCsv csv("bad.csv", std::string(kHeader) + rows);
    return error_of([&] { load_routing_trace(hand_selection(csv.path)); });
  };
  // Line 2 (expert 0) claims 5 of 4 tokens.
  std::string e = load("v,d,0,0,5,8,4,1\nv,d,0,1,1,8,4,1\nv,d,0,2,4,8,4,1\nv,d,0,3,0,8,4,1\n");
  EXPECT_NE(e.find("bad.csv:2: column 'count' = 5 is out of range (allowed 0..4"), std::string::npos) << e;
  // Counts 2 + 1 + 4 + 0 = 7, but k x tokens = 8.
  e = load("v,d,0,0,2,8,4,1\nv,d,0,1,1,8,4,1\nv,d,0,2,4,8,4,1\nv,d,0,3,0,8,4,1\n");
  EXPECT_NE(e.find("layer 0 counts sum to 7, expected k x tokens = 8"), std::string::npos) << e;
  // Expert 1 on lines 3 and 4: reported where it repeats.
  e = load("v,d,0,0,3,8,4,1\nv,d,0,1,1,8,4,1\nv,d,0,1,1,8,4,1\nv,d,0,2,4,8,4,1\n");
  EXPECT_NE(e.find("bad.csv:4: expert 1 of layer 0 appears twice"), std::string::npos) << e;
  // total_selections 9 is not a whole number of selections per token.
  e = load("v,d,0,0,3,9,4,1\n");
  EXPECT_NE(e.find("bad.csv:2: total_selections 9 is not a multiple of tokens 4"), std::string::npos) << e;
  // Layer 1 lacks expert 3.
  e = load(std::string(kHandRows) + "v,d,1,0,3,8,4,1\nv,d,1,1,1,8,4,1\nv,d,1,2,4,8,4,1\n");
  EXPECT_NE(e.find("layer 1 has 3 experts, other layers have 4"), std::string::npos) << e;
  // Three layers of experts 0..3 and a typo in layer 1 (expert 30 for 3): the typo's line is
  // reported, not "every other layer has 4 of 31 experts".
  e = load(std::string(kHandRows) + "v,d,1,0,3,8,4,1\nv,d,1,1,1,8,4,1\nv,d,1,2,4,8,4,1\nv,d,1,30,0,8,4,1\n" +
           "v,d,2,0,3,8,4,1\nv,d,2,1,1,8,4,1\nv,d,2,2,4,8,4,1\nv,d,2,3,0,8,4,1\n");
  EXPECT_NE(e.find("bad.csv:9: expert 30 of layer 1 is out of range: 2 of 3 layers have experts 0 .. 3; allowed 0 .. 3"),
            std::string::npos)
      << e;
}

TEST(MoeRoutingTrace, UnknownRecordedModelNeedsItsLayerCount) {
  const TempCsv csv("hand2.csv", std::string(kHeader) + kHandRows);
  config::TraceSelection s = hand_selection(csv.path);
  s.recorded_model_layers = 0;
  const std::string e = error_of([&] { load_routing_trace(s); });
  EXPECT_NE(e.find("layer count of model 'v' is not known"), std::string::npos) << e;
}

// One check per message class of the reader (each names file:line or the selection, and what is
// allowed or expected), on text in memory.
TEST(MoeRoutingTrace, EveryRejectionNamesTheLineAndWhatIsAllowed) {
  const auto parse = [](const std::string& text, std::uint32_t recorded_layers = 1) {
    config::TraceSelection s = hand_selection("t.csv");
    s.recorded_model_layers = recorded_layers;
    return error_of([&] { parse_routing_trace(text, s); });
  };
  const std::string h = kHeader;
  EXPECT_EQ(parse(""), "t.csv: empty CSV file (no header line); expected a header line, then one row per line");
  EXPECT_EQ(parse(h + "v,\"d\"x,0,0,3,8,4,1\n"), "t.csv:2: text after a closing quote; expected ',' or the end of the line");
  EXPECT_EQ(parse(h + "v,\"d,0\n"), "t.csv:2: unterminated quoted field; expected its closing '\"' on the same line");
  EXPECT_EQ(parse(h + "v,d,0\n"), "t.csv:2: 3 fields, the header has 8; expected 8 comma-separated fields");
  EXPECT_EQ(parse("variant,dataset,layer\nv,d,0\n"),
            "t.csv:1: the header lacks 'expert', 'count', 'total_selections', 'tokens'; expected the columns "
            "variant,dataset,layer,expert,count,total_selections,tokens (fiddler layout, recognised by its 'variant' "
            "column)");
  EXPECT_EQ(parse(h + "v,d,0,x,3,8,4,1\n"),
            "t.csv:2: column 'expert' = \"x\" must be a non-negative integer (allowed 0..18446744073709551615)");
  // A NUL in a field is shown as '?': it would end the message there.
  EXPECT_EQ(parse(h + "v,d,0," + '\0' + ",3,8,4,1\n"),
            "t.csv:2: column 'expert' = \"?\" must be a non-negative integer (allowed 0..18446744073709551615)");
  EXPECT_EQ(parse(h + "v,d,0,2000000,3,8,4,1\n"), "t.csv:2: column 'expert' = 2000000 is out of range (allowed 0..1048576)");
  EXPECT_EQ(parse(h + "v,d,0,0,3,8,0,1\n"), "t.csv:2: column 'tokens' = 0 is out of range (allowed 1..1099511627776)");
  EXPECT_EQ(parse(h + "v,d,0,0,3,9,4,1\n"),
            "t.csv:2: total_selections 9 is not a multiple of tokens 4; allowed k x tokens for a whole k in 1..1048576 "
            "(this layout's k is total_selections / tokens)");
  EXPECT_EQ(parse(h + "v,d,0,0,5,8,4,1\n"), "t.csv:2: column 'count' = 5 is out of range (allowed 0..4, the token count)");
  EXPECT_EQ(parse(h + kHandRows + "v,d,1,0,3,12,4,1\n"),
            "t.csv:6: k = 3 differs from k = 2 of the other rows of t.csv: v / d / top2; allowed one k for all of them");
  EXPECT_EQ(parse(h + "v,d,0,0,3,8,4,1\nv,d,0,1,1,10,5,1\n"),
            "t.csv:3: tokens = 5 differs from 4 of the other rows of layer 0; allowed one token count per layer");
  EXPECT_EQ(parse(h + "v,d,0,0,3,8,4,1\nv,d,0,0,3,8,4,1\n"),
            "t.csv:3: expert 0 of layer 0 appears twice; allowed each expert once per layer");
  EXPECT_EQ(parse(h + kHandRows + "v,d,1,0,3,8,4,1\nv,d,1,1,1,8,4,1\nv,d,1,2,4,8,4,1\n", 2),
            "t.csv:6: layer 1 has 3 experts, other layers have 4; allowed experts 0 .. 3 in every layer of t.csv: v / d "
            "/ top2");
  EXPECT_EQ(parse(h + "v,d,0,0,3,8,4,1\nv,d,0,1,1,8,4,1\n"), "t.csv:2: layer 0 counts sum to 4, expected k x tokens = 8");
  EXPECT_EQ(parse(h + "v,d,5,0,4,4,4,1\n", 4),
            "t.csv:2: layer 5 recorded, but the model has 4 layers; allowed layers 0 .. 3 (t.csv: v / d / top1)");
  EXPECT_EQ(parse(h + "w,d,0,0,4,4,4,1\n"), "t.csv: no rows for v / d; allowed what the file has (model / dataset):\n  w / d");
  config::TraceSelection s = hand_selection("t.csv");
  s.selection = "top3";
  EXPECT_EQ(error_of([&] { parse_routing_trace(h + kHandRows, s); }),
            "t.csv: selection \"top3\" is not recorded for v / d (this file has only the router's top-k sets); allowed "
            "\"topk\" or \"top2\"");
  EXPECT_EQ(parse(h + kHandRows, 0),
            "t.csv: v / d / top2: the layer count of model 'v' is not known; allowed a model whose count is known "
            "(allenai/OLMoE-1B-7B-0924, allenai/OLMoE-1B-7B-0924-Instruct, allenai/OLMoE-1B-7B-0924-SFT, "
            "mistralai/Mixtral-8x7B-v0.1, mixtral_8x7b_instruct, mixtral_8x7b_original) or "
            "routing.trace.recorded_model_layers given");
  // The olmoe layout: k is a column.
  const std::string olmoe = "source_key,model,dataset,selection,k,layer,expert,count,total_selections,tokens\n";
  EXPECT_EQ(parse(olmoe + "o,v,d,top1,0,0,0,1,1,1\n"), "t.csv:2: column 'k' = 0 is out of range (allowed 1..1048576)");
  EXPECT_EQ(parse(olmoe + "o,v,d,top1,1,0,0,1,2,1\n"),
            "t.csv:2: total_selections 2 != k x tokens = 1 x 1; allowed exactly k x tokens");
}

// ---- the layer rule ----------------------------------------------------------------------------

TEST(MoeLayerMapping, NearestRelativeDepthWithTiesToTheLowerLayer) {
  const std::vector<std::uint32_t> olmoe = {0, 7, 15};  // of 16 layers
  // Same depth scale (16 vs 16): plain distance |layer - r|.
  EXPECT_EQ(nearest_recorded_layer(3, 16, olmoe, 16), 0u);   // 3 vs 4
  EXPECT_EQ(nearest_recorded_layer(4, 16, olmoe, 16), 7u);   // 4 vs 3
  EXPECT_EQ(nearest_recorded_layer(11, 16, olmoe, 16), 7u);  // 4 vs 4: tie -> lower
  EXPECT_EQ(nearest_recorded_layer(12, 16, olmoe, 16), 15u);
  // A 4-layer model on the same record: compare layer * 15 with r * 3.
  EXPECT_EQ(nearest_recorded_layer(1, 4, olmoe, 16), 7u);   // 15 vs {0, 21, 45}: 21 is 6 away
  EXPECT_EQ(nearest_recorded_layer(2, 4, olmoe, 16), 7u);   // 30 vs 21 (9) and 45 (15)
  EXPECT_EQ(nearest_recorded_layer(3, 4, olmoe, 16), 15u);  // 45 = 45
  // 4 layers on all 32 of Mixtral: layer * 31 vs r * 3.
  std::vector<std::uint32_t> all32;
  for (std::uint32_t r = 0; r < 32; ++r) all32.push_back(r);
  EXPECT_EQ(nearest_recorded_layer(1, 4, all32, 32), 10u);  // 31: r = 10 -> 30 (1), r = 11 -> 33 (2)
  EXPECT_EQ(nearest_recorded_layer(2, 4, all32, 32), 21u);  // 62: r = 21 -> 63 (1), r = 20 -> 60 (2)
  // A tie across scales: layer 1 of 3 (depth 1/2) vs recorded 2 and 4 of 7 (depths 1/3, 2/3):
  // 1 * 6 = 6 vs 2 * 2 = 4 and 4 * 2 = 8, both 2 away -> 2.
  EXPECT_EQ(nearest_recorded_layer(1, 3, {6, 4, 2, 0}, 7), 2u);
  // A one-layer model sits at depth 0.
  EXPECT_EQ(nearest_recorded_layer(0, 1, {7, 15}, 16), 7u);
}

// ---- the shared data ---------------------------------------------------------------------------

TEST(MoeSharedTraces, FiddlerMixtralLayerZeroMatchesTheFile) {
  SKIP_WITHOUT_SHARED_DATA();
  config::TraceSelection s;
  s.path = fiddler_csv();
  s.model = "mixtral_8x7b_original";
  s.dataset = "mmlu/college_computer_science";
  const RoutingTrace t = load_routing_trace(s);
  EXPECT_EQ(t.experts, 8u);
  EXPECT_EQ(t.top_k, 2u);  // total_selections 14398 / tokens 7199
  EXPECT_EQ(t.recorded_model_layers, 32u);
  EXPECT_EQ(t.layers.size(), 32u);
  EXPECT_EQ(t.layer(0).tokens, 7199u);
  EXPECT_EQ(t.layer(0).counts, (std::vector<std::uint64_t>{1911, 1783, 2051, 1948, 1516, 2156, 1489, 1544}));
  s.selection = "top1";
  const std::string e = error_of([&] { load_routing_trace(s); });
  EXPECT_NE(e.find("only the router's top-k sets"), std::string::npos) << e;
}

TEST(MoeSharedTraces, OlmoeFileResolvesTopkPerModel) {
  SKIP_WITHOUT_SHARED_DATA();
  config::TraceSelection s;
  s.path = olmoe_csv();
  s.model = "allenai/OLMoE-1B-7B-0924";
  s.dataset = "arxiv";
  const RoutingTrace t = load_routing_trace(s);
  EXPECT_EQ(t.top_k, 8u);  // "topk" -> top8, not top1
  EXPECT_EQ(t.experts, 64u);
  EXPECT_EQ(t.layer_ids(), (std::vector<std::uint32_t>{0, 7, 15}));
  EXPECT_EQ(t.recorded_model_layers, 16u);
  EXPECT_EQ(t.layer(0).tokens, 208896u);
  EXPECT_EQ(t.layer(0).counts[0], 204013u);  // the 97.7 % expert of the README
  EXPECT_EQ(t.layer(0).counts[12], 5475u);
  EXPECT_EQ(t.layer(0).counts[40], 65604u);

  s.model = "mistralai/Mixtral-8x7B-v0.1";
  const RoutingTrace mix = load_routing_trace(s);
  EXPECT_EQ(mix.top_k, 2u);
  EXPECT_EQ(mix.recorded_model_layers, 32u);
  EXPECT_EQ(mix.layer(0).counts[0], 55713u);
  s.selection = "top1";
  const RoutingTrace top1 = load_routing_trace(s);
  EXPECT_EQ(top1.top_k, 1u);
  EXPECT_EQ(top1.layer(0).counts[0], 22809u);

  s.dataset = "no-such-dataset";
  const std::string e = error_of([&] { load_routing_trace(s); });
  EXPECT_NE(e.find("no rows for mistralai/Mixtral-8x7B-v0.1 / no-such-dataset / top1"), std::string::npos) << e;
  EXPECT_NE(e.find("allenai/OLMoE-1B-7B-0924 / arxiv / top8"), std::string::npos) << e;
}

// Samples T tokens of MoE layer 0 and checks every expert against T * count / tokens.
void expect_layer_zero_reproduced(TraceRoutingSource& src, std::size_t T) {
  const RecordedLayer& rec = src.trace().layer(src.recorded_layer_for(0));
  const std::vector<TokenRoute> routes = src.route(0, T);
  for (const TokenRoute& r : routes) {
    ASSERT_EQ(r.experts.size(), src.model().top_k);
    for (std::size_t j = 1; j < r.experts.size(); ++j) ASSERT_LT(r.experts[j - 1], r.experts[j]);  // distinct
  }
  const std::vector<std::uint64_t> hist = tokens_per_expert(routes, src.model().experts);
  for (std::uint32_t e = 0; e < src.model().experts; ++e) {
    const double p = static_cast<double>(rec.counts[e]) / static_cast<double>(rec.tokens);
    EXPECT_NEAR(static_cast<double>(hist[e]), p * T, five_sigma(static_cast<double>(T), p) + 1e-9) << "expert " << e;
  }
}

TEST(MoeSharedTraces, MixtralLayerZeroFromFiddlerIsReproduced) {
  SKIP_WITHOUT_SHARED_DATA();
  config::TraceSelection s;
  s.path = fiddler_csv();
  s.model = "mixtral_8x7b_original";
  s.dataset = "mmlu/college_computer_science";
  // Expert 0: p = 1911 / 7199 = 0.26545 -> 5309 of 20000 tokens, sigma = 62.4.
  TraceRoutingSource src(config::load_moe_model(preset("mixtral-8x7b")), load_routing_trace(s), 2024);
  EXPECT_EQ(src.recorded_layer_for(0), 0u);
  EXPECT_EQ(src.recorded_layer_for(17), 17u);
  expect_layer_zero_reproduced(src, 20000);
}

TEST(MoeSharedTraces, OlmoeLayerZeroFromArxivIsReproduced) {
  SKIP_WITHOUT_SHARED_DATA();
  config::TraceSelection s;
  s.path = olmoe_csv();
  s.model = "allenai/OLMoE-1B-7B-0924";
  s.dataset = "arxiv";
  // Expert 0: p = 204013 / 208896 = 0.97662 -> 19532 of 20000, sigma = 21.4.
  TraceRoutingSource src(config::load_moe_model(preset("olmoe-1b-7b")), load_routing_trace(s), 2025);
  expect_layer_zero_reproduced(src, 20000);
}

TEST(MoeSharedTraces, ScaledDownModelsUseTheNearestRecordedLayers) {
  SKIP_WITHOUT_SHARED_DATA();
  config::TraceSelection s;
  s.path = fiddler_csv();
  s.model = "mixtral_8x7b_original";
  s.dataset = "mmlu/college_computer_science";
  const TraceRoutingSource src(config::load_moe_model(preset("mixtral-8x7b-tiny")), load_routing_trace(s), 1);
  EXPECT_EQ(src.recorded_layer_for(0), 0u);
  EXPECT_EQ(src.recorded_layer_for(1), 10u);
  EXPECT_EQ(src.recorded_layer_for(2), 21u);
  EXPECT_EQ(src.recorded_layer_for(3), 31u);
}

TEST(MoeSharedTraces, ExpertCountMustMatchTheModel) {
  SKIP_WITHOUT_SHARED_DATA();
  config::TraceSelection s;
  s.path = olmoe_csv();
  s.model = "allenai/OLMoE-1B-7B-0924";
  s.dataset = "arxiv";
  const std::string e =
      error_of([&] { TraceRoutingSource(config::load_moe_model(preset("mixtral-8x7b")), load_routing_trace(s), 1); });
  EXPECT_NE(e.find("recorded with 64 experts, top-8"), std::string::npos) << e;
  EXPECT_NE(e.find("model mixtral-8x7b"), std::string::npos) << e;
  EXPECT_NE(e.find("has 8 experts, top-2"), std::string::npos) << e;
}

}  // namespace
}  // namespace monde::moe
