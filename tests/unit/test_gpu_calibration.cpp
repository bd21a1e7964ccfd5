// What monde-calibrate measures, decided without a GPU: model presets read from a directory,
// shapes de-duplicated, GEMM shapes as CudaBackend runs them, the verification token count.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "host/gpu_backend/calibration_plan.hpp"
#include "core/config/model_config.hpp"

namespace monde::gpu_backend {
namespace {

namespace fs = std::filesystem;

class ModelDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("monde_gpu_models_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& file, const std::string& text) {
    const auto p = dir_ / file;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string dir() const { return dir_.string(); }

 private:
  fs::path dir_;
};

// A complete model preset with the given expert shape.
std::string model_json(const std::string& name, unsigned d_model, unsigned d_ff, bool gated,
                       const std::string& activation = "") {
  const std::string act = activation.empty() ? (gated ? "silu_gated" : "relu") : activation;
  return R"({"name": ")" + name + R"(", "display_name": "toy", "d_model": )" + std::to_string(d_model) +
         R"(, "d_ff": )" + std::to_string(d_ff) + R"(, "experts": 8, "top_k": 2, "layers": 2, "moe_layers": 2,
    "moe_layer_rule": "every", "gated": )" + (gated ? "true" : "false") + R"(, "activation": ")" + act +
         R"(", "shared_experts": 0, "shared_expert_d_ff": 0,
    "encoder_layers": 0, "attention_heads": 4, "kv_heads": 4, "head_dim": 16, "vocab_size": 1000,
    "tied_embeddings": false, "dense_d_ff": 0, "max_context_tokens": 0,
    "router": {"scoring": "softmax", "normalize_topk": true, "scaling_factor": 1.0}, "dtype": "bf16",
    "sources": {"all": "test data"}})";
}

TEST_F(ModelDir, LoadsSortedByFileName) {
  write("b_mixtral.json", model_json("mixtral-toy", 64, 224, true));
  write("a_switch.json", model_json("switch-toy", 64, 256, false));
  write("c_twin.json", model_json("twin-toy", 64, 256, false));
  write("notes.txt", "not a model");
  const auto models = load_models(dir());
  ASSERT_EQ(models.size(), 3u);
  EXPECT_EQ(models[0].name, "switch-toy");
  EXPECT_EQ(models[0].d_ff, 256u);
  EXPECT_FALSE(models[0].gated);
  EXPECT_EQ(models[1].name, "mixtral-toy");
  EXPECT_EQ(models[1].activation, config::ExpertActivation::kSiluGated);
  EXPECT_EQ(models[2].name, "twin-toy");
  EXPECT_EQ(make_calibration_plan(models, {4}).shapes.size(), 2u);  // twin shares switch's shape
}

TEST_F(ModelDir, ErrorsNameFileAndKey) {
  auto error_of = [](const std::string& path) {
    try {
      config::load_moe_model(path);
    } catch (const config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string bad_act = write("m1.json", model_json("m", 64, 256, true, "swiglu"));
  EXPECT_NE(error_of(bad_act).find("m1.json: key 'activation' = \"swiglu\": unknown value; allowed \"silu_gated\", \"relu\""),
            std::string::npos)
      << error_of(bad_act);
  const std::string mismatch = write("m2.json", model_json("m", 64, 256, true, "relu"));
  EXPECT_NE(error_of(mismatch).find("m2.json: key 'gated' = true: contradicts activation \"relu\"; allowed false"),
            std::string::npos)
      << error_of(mismatch);
  std::string no_d_model = model_json("m", 64, 256, false);
  no_d_model.replace(no_d_model.find("\"d_model\": 64, "), 15, "");
  const std::string missing = write("m3.json", no_d_model);
  EXPECT_NE(error_of(missing).find("m3.json: key 'd_model': missing"), std::string::npos) << error_of(missing);
  EXPECT_THROW(load_models((fs::path(dir()) / "nope").string()), std::runtime_error);
}

TEST_F(ModelDir, EmptyDirectoryIsAnError) { EXPECT_THROW(load_models(dir()), std::runtime_error); }

// Without a directory: every model preset compiled into the binary (16 today, in file-name order).
TEST(GpuCalibrationPlan, EmbeddedPresetsByDefault) {
  const auto models = load_models("");
  EXPECT_EQ(models.size(), 16u);
  EXPECT_EQ(models.front().name, "deepseek-v2-lite-tiny");
}

config::MoeModelConfig shape(const std::string& name, std::uint32_t d_model, std::uint32_t d_ff, bool gated) {
  config::MoeModelConfig m;
  m.name = name;
  m.d_model = d_model;
  m.d_ff = d_ff;
  m.gated = gated;
  m.activation = gated ? config::ExpertActivation::kSiluGated : config::ExpertActivation::kRelu;
  return m;
}

TEST(GpuCalibrationPlan, SharedShapesMeasuredOnce) {
  const std::vector<config::MoeModelConfig> models{shape("switch-toy", 64, 256, false), shape("mixtral-toy", 64, 224, true),
                                                   shape("twin-toy", 64, 256, false)};
  const CalibrationPlan plan = make_calibration_plan(models, {8, 1, 2, 8});
  ASSERT_EQ(plan.shapes.size(), 2u);
  EXPECT_EQ(plan.shapes[0].models, "switch-toy,twin-toy");
  EXPECT_EQ(plan.shapes[1].models, "mixtral-toy");
  EXPECT_EQ(plan.tokens, (std::vector<std::uint64_t>{1, 2, 8}));
  // relu: (T, 256, 64), (T, 64, 256); gated: (T, 448, 64) fused gate+up, (T, 64, 224).
  // 4 (n, k) pairs x 3 token counts, sorted by (n, k, m).
  ASSERT_EQ(plan.gemms.size(), 12u);
  auto nk = [&](std::size_t i) { return std::make_pair(plan.gemms[i].n, plan.gemms[i].k); };
  EXPECT_EQ(nk(0), std::make_pair(std::uint64_t{64}, std::uint64_t{224}));
  EXPECT_EQ(nk(3), std::make_pair(std::uint64_t{64}, std::uint64_t{256}));
  EXPECT_EQ(nk(6), std::make_pair(std::uint64_t{256}, std::uint64_t{64}));
  EXPECT_EQ(nk(9), std::make_pair(std::uint64_t{448}, std::uint64_t{64}));
  EXPECT_EQ(plan.gemms[9].m, 1u);
  EXPECT_EQ(plan.gemms[11].m, 8u);
  EXPECT_EQ(plan.verify_tokens, 8u);  // smallest >= 4
  EXPECT_EQ(make_calibration_plan(models, {1, 2}).verify_tokens, 2u);  // none >= 4: the largest
  EXPECT_EQ(make_calibration_plan(models, {1, 4, 16}).verify_tokens, 4u);
  EXPECT_THROW(make_calibration_plan(models, {}), std::invalid_argument);
  EXPECT_THROW(make_calibration_plan(models, {0, 4}), std::invalid_argument);
  EXPECT_THROW(make_calibration_plan({}, {4}), std::invalid_argument);
}

TEST(GpuCalibrationPlan, Median) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_THROW(median({}), std::invalid_argument);
}

}  // namespace
}  // namespace monde::gpu_backend
