// What monde-calibrate measures, decided without a GPU: model presets read from a directory,
// shapes de-duplicated, GEMM shapes as CudaBackend runs them, the verification token count.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "host/gpu_backend/calibration_plan.hpp"
#include "host/gpu_backend/checked_json.hpp"
#include "host/gpu_backend/model_shapes.hpp"

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

// Extra keys (experts, top_k, ...) are other components' business and are ignored.
const char* kSwitch = R"({"name": "switch-toy", "d_model": 64, "d_ff": 256, "gated": false, "activation": "relu",
                          "experts": 8, "top_k": 1})";
const char* kMixtral = R"({"name": "mixtral-toy", "d_model": 64, "d_ff": 224, "gated": true, "activation": "silu_gated"})";
const char* kTwin = R"({"name": "twin-toy", "d_model": 64, "d_ff": 256, "gated": false, "activation": "relu"})";

TEST_F(ModelDir, LoadsSortedByFileName) {
  write("b_mixtral.json", kMixtral);
  write("a_switch.json", kSwitch);
  write("c_twin.json", kTwin);
  write("notes.txt", "not a model");
  const auto models = load_model_shapes(dir());
  ASSERT_EQ(models.size(), 3u);
  EXPECT_EQ(models[0].name, "switch-toy");
  EXPECT_EQ(models[0].d_ff, 256u);
  EXPECT_FALSE(models[0].gated);
  EXPECT_EQ(models[1].name, "mixtral-toy");
  EXPECT_EQ(models[1].activation, Activation::silu_gated);
  EXPECT_EQ(models[2].name, "twin-toy");
  EXPECT_EQ(make_calibration_plan(models, {4}).shapes.size(), 2u);  // twin shares switch's shape
}

TEST_F(ModelDir, ErrorsNameFileAndKey) {
  auto error_of = [](const std::string& path) {
    try {
      load_model_shape(path);
    } catch (const JsonError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string bad_act =
      write("m1.json", R"({"name": "m", "d_model": 64, "d_ff": 256, "gated": true, "activation": "swiglu"})");
  EXPECT_NE(error_of(bad_act).find("m1.json: key 'activation' = \"swiglu\" must be one of: relu, silu_gated"),
            std::string::npos)
      << error_of(bad_act);
  const std::string mismatch =
      write("m2.json", R"({"name": "m", "d_model": 64, "d_ff": 256, "gated": true, "activation": "relu"})");
  EXPECT_NE(error_of(mismatch).find("m2.json: key 'gated' = true disagrees"), std::string::npos) << error_of(mismatch);
  const std::string missing = write("m3.json", R"({"name": "m", "d_ff": 256, "gated": false, "activation": "relu"})");
  EXPECT_NE(error_of(missing).find("m3.json: key 'd_model' is missing"), std::string::npos) << error_of(missing);
  EXPECT_THROW(load_model_shapes((fs::path(dir()) / "nope").string()), std::runtime_error);
}

TEST_F(ModelDir, EmptyDirectoryIsAnError) { EXPECT_THROW(load_model_shapes(dir()), std::runtime_error); }

TEST(GpuCalibrationPlan, SharedShapesMeasuredOnce) {
  const std::vector<ModelShape> models{{"switch-toy", 64, 256, false, Activation::relu},
                                       {"mixtral-toy", 64, 224, true, Activation::silu_gated},
                                       {"twin-toy", 64, 256, false, Activation::relu}};
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
