// The transformer's dense work per step (core/perf/transformer_work.hpp), the steps of a run
// (step_plan.hpp) and the GPU memory it needs (hbm_usage.hpp), each derived by hand from the
// presets and the default roofline (gpu.roofline: 883 TFLOP/s, 2728 GB/s, 10 us per kernel):
// a kernel takes 10 us + max(flops / 883e12, bytes / 2728e9).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/config/model_config.hpp"
#include "core/config/system_config.hpp"
#include "core/perf/gpu_host_copy.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "core/perf/hbm_usage.hpp"
#include "core/perf/step_plan.hpp"
#include "core/perf/transformer_work.hpp"

namespace monde::perf {
namespace {

config::MoeModelConfig preset(const std::string& name) {
  return config::load_moe_model(std::string(MONDE_SOURCE_DIR) + "/configs/models/" + name + ".json");
}

const RooflineGpuTime& gpu() {
  static const RooflineGpuTime g(datasheet_roofline(883, 2728, 10));
  return g;
}

double kernel(double flops, double bytes) { return 10e-6 + std::max(flops / 883e12, bytes / 2728e9); }

// Switch-Base-128's encoder over 8 sources of 32 tokens (N = 256), layer 0 (dense): d = 768,
// 12 heads of 64 (multi-head), dense FFN 768 x 3072 x 2 (ReLU).
TEST(TransformerWork, SwitchEncoderDenseLayerByHand) {
  const config::MoeModelConfig m = preset("switch-base-128");
  StepShape s;
  s.sequences = 8;
  s.new_tokens = 32;
  s.bidirectional = true;
  s.source_tokens = 32;
  const LayerKernels k = layer_kernels(m, 0, s);
  // qkv: weights 768 x (768 + 2 x 768) = 1,769,472; flops 2 x 256 x 1,769,472 = 905,969,664;
  // bytes 2 x (1,769,472 + 256 x 768 in + 256 x 2304 out) = 2 x 2,555,904 = 5,111,808.
  EXPECT_EQ(k.qkv.flops, 905969664.0);
  EXPECT_EQ(k.qkv.bytes, 5111808.0);
  // attention: every token of a source sees all 32: 8 x 32 x 32 = 8192 pairs x 12 heads x
  // 2 x (64 + 64) = 25,165,824 flops; bytes 2 x (256 positions x K,V row 1536 + Q 256 x 768 +
  // out 256 x 768) = 2 x 786,432 = 1,572,864.
  EXPECT_EQ(attention_pairs(m, 0, s), 1024u);
  EXPECT_EQ(k.attention.flops, 25165824.0);
  EXPECT_EQ(k.attention.bytes, 1572864.0);
  // out: 768 x 768 = 589,824 weights; flops 2 x 256 x 589,824 = 301,989,888; bytes 2 x (589,824 +
  // 256 x (768 in + 768 residual + 768 out)) = 2,359,296.
  EXPECT_EQ(k.out.flops, 301989888.0);
  EXPECT_EQ(k.out.bytes, 2359296.0);
  // No cross-attention in the encoder, no router in a dense layer; the dense FFN of 256 tokens.
  EXPECT_TRUE(k.cross_q.empty() && k.cross_attention.empty() && k.cross_out.empty() && k.router.empty());
  EXPECT_EQ(k.ffn.d_ff, 3072u);
  EXPECT_EQ(k.ffn_tokens, 256u);
  EXPECT_EQ(k.kv_written_bytes, 0u);  // the encoder caches nothing

  const LayerDenseTime t = layer_dense_time(gpu(), k);
  // qkv 10 + 5,111,808 / 2728e9 = 11.87383 us (memory-bound: 905,969,664 / 883e12 = 1.026 us);
  // attention 10 + 1,572,864 / 2728e9 = 10.57656 us; out 10 + 2,359,296 / 2728e9 = 10.86485 us.
  const double attention = (10e-6 + 5111808.0 / 2728e9) + (10e-6 + 1572864.0 / 2728e9) + (10e-6 + 2359296.0 / 2728e9);
  EXPECT_NEAR(t.attention_s, attention, 1e-15);
  EXPECT_NEAR(t.attention_s, 33.31524e-6, 1e-11);
  // FFN: 2 x 768 x 3072 x 2 B = 9,437,184 B of weights (3.45938 us) against 2 x 4,718,592 x 256
  // = 2,415,919,104 flops (2.73604 us): 10 + 3.45938 = 13.45938 us.
  EXPECT_NEAR(t.ffn_s, 10e-6 + 9437184.0 / 2728e9, 1e-15);
  EXPECT_NEAR(t.total_s(), 46.77462e-6, 1e-11);
}

// Mixtral-8x7B decode at batch 32 over 1024 cached tokens, layer 0 (MoE): d = 4096, 32 query
// heads and 8 key/value heads of 128.
TEST(TransformerWork, MixtralDecodeLayerByHand) {
  const config::MoeModelConfig m = preset("mixtral-8x7b");
  StepShape s;
  s.sequences = 32;
  s.new_tokens = 1;
  s.context_before = 1024;
  const LayerKernels k = layer_kernels(m, 0, s);
  // qkv: 4096 x (4096 + 2 x 1024) = 25,165,824 weights; bytes 2 x (25,165,824 + 32 x 4096 +
  // 32 x 6144) = 50,987,008: 10 + 18.69026 us.
  EXPECT_EQ(k.qkv.flops, 2.0 * 32 * 25165824);
  EXPECT_EQ(k.qkv.bytes, 50987008.0);
  // attention: each sequence's new token sees 1025 positions: 32 x 1025 x 32 heads x 2 x 256 =
  // 537,395,200 flops; bytes 2 x (32 x 1025 x 2048 (K and V of 8 heads of 128) + 32 x 4096 Q +
  // 32 x 4096 out) = 134,873,088: 10 + 49.44028 us.
  EXPECT_EQ(k.attention.flops, 537395200.0);
  EXPECT_EQ(k.attention.bytes, 134873088.0);
  // out: 4096 x 4096; bytes 2 x (16,777,216 + 32 x 3 x 4096) = 34,340,864.
  EXPECT_EQ(k.out.bytes, 34340864.0);
  // router: 4096 x 8 weights; bytes 2 x (32,768 + 32 x (4096 + 8)) = 328,192. No shared experts.
  EXPECT_EQ(k.router.flops, 2.0 * 32 * 32768);
  EXPECT_EQ(k.router.bytes, 328192.0);
  EXPECT_EQ(k.ffn.d_ff, 0u);
  const LayerDenseTime t = layer_dense_time(gpu(), k);
  EXPECT_NEAR(t.attention_s, kernel(k.qkv.flops, 50987008.0) + kernel(537395200.0, 134873088.0) +
                                 kernel(k.out.flops, 34340864.0),
              1e-15);
  EXPECT_NEAR(t.attention_s, (10 + 18.690252) * 1e-6 + (10 + 49.440282) * 1e-6 + (10 + 12.588293) * 1e-6, 1e-11);
  EXPECT_NEAR(t.ffn_s, 10e-6 + 328192.0 / 2728e9, 1e-15);
}

// The KV cache of one decode step (Mixtral-8x7B, batch 32, 1024 cached): per layer the attention
// reads 32 x 1025 positions x 8 heads x 128 x 2 (K, V) x 2 B = 134,348,800 B and writes the new
// token's 32 x 4096 B = 131,072 B; after the step 32 layers hold 32 x 1025 x 4096 B each.
TEST(TransformerWork, KvCacheBytesOfADecodeStep) {
  const config::MoeModelConfig m = preset("mixtral-8x7b");
  StepShape s;
  s.sequences = 32;
  s.new_tokens = 1;
  s.context_before = 1024;
  const LayerKernels k = layer_kernels(m, 5, s);
  EXPECT_EQ(k.kv_read_bytes, 134348800u);
  EXPECT_EQ(k.kv_written_bytes, 131072u);
  EXPECT_EQ(kv_cache_bytes(m, s), std::uint64_t{32} * 32 * 1025 * 4096);
  // DeepSeek-V2-Lite's MLA caches one 512 latent + 64 rotary key per token and layer (1152 B,
  // for all 16 heads): 32 x 1025 x 1152 = 37,785,600 B read per layer; 27 layers cache.
  const config::MoeModelConfig ds = preset("deepseek-v2-lite");
  EXPECT_EQ(layer_kernels(ds, 3, s).kv_read_bytes, 37785600u);
  EXPECT_EQ(kv_cache_bytes(ds, s), std::uint64_t{27} * 32 * 1025 * 1152);
  // GPT-OSS: the even layers keep a 128-token window: 12 x 128 + 12 x 1025 positions of 8 heads
  // of 64 (2048 B per token and layer).
  const config::MoeModelConfig g = preset("gpt-oss-20b");
  EXPECT_EQ(layer_kernels(g, 0, s).kv_read_bytes, 32u * 128 * 2048);
  EXPECT_EQ(layer_kernels(g, 1, s).kv_read_bytes, 32u * 1025 * 2048);
  EXPECT_EQ(kv_cache_bytes(g, s), std::uint64_t{32} * (12 * 128 + 12 * 1025) * 2048);
}

TEST(TransformerWork, CausalPairsAndSlidingWindow) {
  const config::MoeModelConfig m = preset("mixtral-8x7b");
  StepShape s;
  s.sequences = 1;
  s.new_tokens = 4;  // a 4-token prompt: 1 + 2 + 3 + 4 pairs, all 4 positions read
  EXPECT_EQ(attention_pairs(m, 0, s), 10u);
  EXPECT_EQ(attention_positions_read(m, 0, s), 4u);
  // GPT-OSS layer 0 (window 128), a 200-token prompt: 1 + ... + 128 + 72 x 128 = 8256 + 9216.
  const config::MoeModelConfig g = preset("gpt-oss-20b");
  s.new_tokens = 200;
  EXPECT_EQ(attention_pairs(g, 0, s), 17472u);
  EXPECT_EQ(attention_pairs(g, 1, s), 200u * 201 / 2);
  // Decode over 1024 cached: the window's 128, or all 1025.
  s.new_tokens = 1;
  s.context_before = 1024;
  EXPECT_EQ(attention_pairs(g, 0, s), 128u);
  EXPECT_EQ(attention_pairs(g, 1, s), 1025u);
  // Two new tokens after 130 cached, window 128: 128 + 128 pairs; the union of their spans is
  // positions 4 .. 132 = 129 read.
  s.new_tokens = 2;
  s.context_before = 130;
  EXPECT_EQ(attention_pairs(g, 0, s), 256u);
  EXPECT_EQ(attention_positions_read(g, 0, s), 129u);
}

// NLLB-MoE decoder layer 24 (the decoder's first, dense), one sequence decoding its 5th token
// over a 32-token source: self-attention over 5 positions, cross-attention over the 32 cached
// source rows (16 heads of 128: 4096 elements per row), the dense FFN 2048 x 8192 x 2.
TEST(TransformerWork, EncoderDecoderCrossAttention) {
  const config::MoeModelConfig m = preset("nllb-moe-54b");
  StepShape s;
  s.sequences = 1;
  s.new_tokens = 1;
  s.context_before = 4;
  s.source_tokens = 32;
  const LayerKernels k = layer_kernels(m, 24, s);
  EXPECT_EQ(attention_pairs(m, 24, s), 5u);
  // cross: 32 pairs x 16 heads x 2 x 256 = 262,144 flops; bytes 2 x (32 x 4096 + 2 x 2048).
  EXPECT_EQ(k.cross_attention.flops, 262144.0);
  EXPECT_EQ(k.cross_attention.bytes, 2.0 * (32 * 4096 + 2 * 2048));
  EXPECT_EQ(k.cross_q.flops, 2.0 * 2048 * 2048);
  EXPECT_EQ(k.kv_read_bytes, (5u * 4096 + 32u * 4096) * 2);
  EXPECT_EQ(k.ffn.d_ff, 8192u);
  // An encoder layer of the same model has no cross-attention.
  EXPECT_TRUE(layer_kernels(m, 3, s).cross_q.empty());
  // The encoder step projects the 32 source tokens into each decoder layer's K and V:
  // 2048 x 4096 weights, 2 x 32 x 8,388,608 flops.
  StepShape enc;
  enc.sequences = 1;
  enc.new_tokens = 32;
  enc.bidirectional = true;
  enc.source_tokens = 32;
  EXPECT_EQ(cross_kv_kernel(m, enc).flops, 2.0 * 32 * 2048 * 4096);
  // After the encoder, the 24 decoder layers hold the source's cross K/V and no self-attention KV.
  EXPECT_EQ(kv_cache_bytes(m, enc), 24u * 32 * 4096 * 2);
}

TEST(TransformerWork, EmbeddingAndLmHead) {
  const config::MoeModelConfig m = preset("mixtral-8x7b");
  StepShape s;
  s.sequences = 32;
  s.new_tokens = 8;  // a prefill of 8 tokens: the LM head still runs on one token per sequence
  EXPECT_EQ(embedding_kernel(m, s).bytes, 2.0 * 2 * 256 * 4096);
  const KernelWork lm = lm_head_kernel(m, s);
  EXPECT_EQ(lm.flops, 2.0 * 32 * 32000 * 4096);
  EXPECT_EQ(lm.bytes, 2.0 * (32000.0 * 4096 + 32 * 4096 + 32 * 32000));
}

config::SystemConfig run_of(const std::string& model, config::RunPhase phase, std::uint32_t batch,
                            std::uint32_t prompt, std::uint32_t context, std::uint32_t steps) {
  config::SystemConfig c;
  c.model = preset(model);
  c.run.phase = phase;
  c.run.batch = batch;
  c.run.prompt_tokens = prompt;
  c.run.context_tokens = context;
  c.run.steps = steps;
  return c;
}

TEST(StepPlan, PhasesOfDecoderOnlyAndEncoderDecoderModels) {
  // Decoder-only generate: the prefill of all 32 layers, then decode steps after the prompt.
  auto c = run_of("mixtral-8x7b", config::RunPhase::kGenerate, 4, 16, 999, 2);
  auto plan = step_plan(c.model, c.run);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].kind, StepKind::kPrefill);
  EXPECT_EQ(plan[0].tokens(), 64u);
  EXPECT_TRUE(plan[0].lm_head);
  EXPECT_EQ(plan[1].kind, StepKind::kDecode);
  EXPECT_EQ(plan[1].shape.context_before, 16u);  // context_tokens is for decode runs
  EXPECT_EQ(plan[2].shape.context_before, 17u);
  EXPECT_EQ(plan[2].first_layer, 0u);
  EXPECT_EQ(plan[2].end_layer, 32u);
  // Encoder-decoder generate: the encoder (layers 0..11, no LM head, cross K/V), then decoder
  // steps over layers 12..23 from the decoder's own first token, cross-attending to 16 tokens.
  c = run_of("switch-base-128", config::RunPhase::kGenerate, 4, 16, 999, 2);
  plan = step_plan(c.model, c.run);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].kind, StepKind::kEncoder);
  EXPECT_EQ(plan[0].end_layer, 12u);
  EXPECT_FALSE(plan[0].lm_head);
  EXPECT_TRUE(plan[0].cross_kv);
  EXPECT_EQ(plan[1].first_layer, 12u);
  EXPECT_EQ(plan[1].end_layer, 24u);
  EXPECT_EQ(plan[1].shape.context_before, 0u);
  EXPECT_EQ(plan[2].shape.context_before, 1u);
  EXPECT_EQ(plan[2].shape.source_tokens, 16u);
  EXPECT_EQ(planned_layers(c.model, plan), 36u);
  EXPECT_EQ(planned_moe_layers(c.model, plan), 18u);
  // Decode runs of an encoder-decoder model run the decoder only, over context_tokens + s.
  c = run_of("switch-base-128", config::RunPhase::kDecode, 4, 16, 7, 2);
  plan = step_plan(c.model, c.run);
  EXPECT_EQ(plan[1].shape.context_before, 8u);
  EXPECT_EQ(planned_moe_layers(c.model, plan), 12u);
}

// The GPU memory of the default experiment's step: Mixtral-8x7B, decode at batch 32 over 1024.
TEST(HbmUsage, MixtralDecodeByHand) {
  const auto c = run_of("mixtral-8x7b", config::RunPhase::kDecode, 32, 1, 1024, 1);
  const HbmUsage u = hbm_usage(c);
  // Embeddings: 2 x 32000 x 4096 x 2 B (not tied) = 524,288,000.
  EXPECT_EQ(u.weights.embeddings, 524288000u);
  // Attention: 32 layers x (25,165,824 + 16,777,216) x 2 B = 2,684,354,560; routers 32 x 4096 x 8 x 2.
  EXPECT_EQ(u.weights.attention, 2684354560u);
  EXPECT_EQ(u.weights.routers, 2097152u);
  EXPECT_EQ(u.weights.dense_ffn + u.weights.shared_experts, 0u);
  // KV after the step: 32 layers x 32 x 1025 x 4096 B.
  EXPECT_EQ(u.kv_cache, 4299161600u);
  // One layer's routed experts: min(8, 32 x 2) = 8 x 352,321,536 B.
  EXPECT_EQ(u.hot_experts, 8u);
  EXPECT_EQ(u.hot_expert_buffers, 2818572288u);
  // Activations: 2 B x (32 tokens x (2 x 4096 + 43,008 = 3 x 14336) + 32 x 32000 logits) = 5,324,800.
  EXPECT_EQ(u.activations, 5324800u);
  EXPECT_EQ(u.total(), 10333798400u);
}

TEST(GpuHostCopy, LatencyPlusBytesAtThePcieDataRate) {
  config::GpuConfig g;  // PCIe Gen5 x16: 63.0154 GB/s raw x 256/280 = 57.614 GB/s of data; 2.69 us per copy
  const GpuHostCopy c = gpu_host_copy(g);
  EXPECT_NEAR(c.bytes_per_s, 16 * 32e9 * 128.0 / 130 / 8 * 256 / 280, 1e-3);
  EXPECT_NEAR(c.time_s(262144), 2.69e-6 + 262144 / c.bytes_per_s, 1e-18);
  EXPECT_EQ(c.time_s(0), 0.0);
}

}  // namespace
}  // namespace monde::perf
