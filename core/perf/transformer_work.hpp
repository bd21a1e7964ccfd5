// The GPU's dense work in one step of a transformer: each kernel's floating-point operations and
// HBM bytes, written once here and timed with the one GPU time model (GpuTimeModel::kernel_time_s
// for the attention kernels, the embedding and the LM head; GpuTimeModel::expert_time_s for the
// dense FFNs and shared experts, which are FFNs of the experts' form). The simulation charges
// these times on the GPU; tests derive them by hand. Everything is bf16 (b = 2 bytes per element).
//
// Per layer, with d = d_model, H query heads, G key/value heads, h = head_dim, B sequences, T new
// tokens per sequence, N = B x T:
//   qkv        norm + the Q, K and V projections: weights d x (H h + 2 G h); the new K and V rows
//              are its output, written into the KV cache
//   attention  scores and values over the KV positions, one fused (flash-attention style) kernel
//              that reads each sequence's cached K and V once: 2 x B x H x P x (h + h) flops,
//              P = the (query, position) pairs: sum over the T queries of the positions each
//              attends to (causal: context_before + i, capped by a sliding window; encoder:
//              all T; cross-attention: the source's S)
//   out        the output projection (H h x d) and the residual add
//   cross_*    decoder layers of encoder-decoder models: the same three over the encoded source
//              (its K and V were projected once, by the encoder step: cross_kv_kernel)
//   router     MoE layers: the gate, d x experts
//   ffn        dense layers: the dense FFN (dense_d_ff); MoE layers: the shared experts as one FFN
//              of width shared_experts x shared_expert_d_ff (none when the model has none)
// MLA (DeepSeek-V2) in its absorbed form (the key up-projection folded into the query, the value
// up-projection into the output): the cache holds one latent of r = kv_lora_rank plus one rotary
// key of h_r elements per token, shared by all heads; scores have r + h_r elements, values r.
// Norms and residual adds are fused into their neighbouring kernels (their weights, 2 d per
// norm, are left out); the MoE combine is part of the MoE layer.
#pragma once

#include <cstdint>

#include "core/config/model_config.hpp"
#include "core/perf/expert_shape.hpp"
#include "core/perf/gpu_time_model.hpp"

namespace monde::perf {

inline constexpr double kActivationBytes = 2.0;  // bf16

// One kernel's work. A kernel with no work is not launched (0 s).
struct KernelWork {
  double flops = 0;
  double bytes = 0;  // HBM bytes read and written
  bool empty() const { return flops == 0 && bytes == 0; }
};
// GpuTimeModel::kernel_time_s, or 0 for an empty kernel.
double kernel_time_s(const GpuTimeModel& gpu, const KernelWork& k);

// One step's shape, per sequence.
struct StepShape {
  std::uint64_t sequences = 0;       // B
  std::uint64_t new_tokens = 0;      // T per sequence
  std::uint64_t context_before = 0;  // self-attention KV positions per sequence already cached
  std::uint64_t source_tokens = 0;   // S: the encoded source (decoder steps of encoder-decoder models)
  bool bidirectional = false;        // encoder step: each token attends to all T of its sequence
  std::uint64_t tokens() const { return sequences * new_tokens; }
};

// The attention of one model, in elements (MHA/GQA/MQA or MLA, see above).
struct AttentionShape {
  std::uint64_t heads = 0;
  std::uint64_t q_width = 0;          // per token: the query width the attention kernel reads
  std::uint64_t score_dim = 0;        // per head and (query, position) pair: the q.k length
  std::uint64_t value_dim = 0;        // per head: the width of what the attention kernel writes
  std::uint64_t kv_row = 0;           // cached elements per token and layer (K and V together)
  std::uint64_t in_weights = 0;       // qkv kernel's weights (MLA: q, kv_a and the absorbed W_UK)
  std::uint64_t in_outputs = 0;       // per token: what the qkv kernel writes (queries and the new KV row)
  std::uint64_t out_weights = 0;      // out kernel's weights (MLA: the absorbed W_UV and o_proj)
  std::uint64_t out_inputs = 0;       // per token: what the out kernel reads besides the residual
  // Cross-attention of encoder-decoder decoder layers (multi-head, head_dim wide).
  std::uint64_t cross_q_weights = 0, cross_kv_weights = 0, cross_out_weights = 0;
};
AttentionShape attention_shape(const config::MoeModelConfig& model);

// (query, position) pairs and KV positions read per sequence for layer `layer`'s self-attention.
std::uint64_t attention_pairs(const config::MoeModelConfig& model, std::uint32_t layer, const StepShape& s);
std::uint64_t attention_positions_read(const config::MoeModelConfig& model, std::uint32_t layer, const StepShape& s);

struct LayerKernels {
  KernelWork qkv, attention, out;                    // self-attention
  KernelWork cross_q, cross_attention, cross_out;    // decoder layers of encoder-decoder models
  KernelWork router;                                 // MoE layers
  std::uint64_t ffn_tokens = 0;                      // dense FFN or shared experts: tokens through it
  ExpertShape ffn;                                   // d_ff 0: no such FFN in this layer
  // For stats and tests, bytes:
  std::uint64_t kv_read_bytes = 0;     // cached K/V (self and cross) the attention kernels read
  std::uint64_t kv_written_bytes = 0;  // new K/V rows written into the self-attention cache
};
LayerKernels layer_kernels(const config::MoeModelConfig& model, std::uint32_t layer, const StepShape& s);

// What the GPU spends on one layer's dense work: the attention kernels (self and cross), and the
// FFN part (dense FFN, or the router and the shared experts of a MoE layer).
struct LayerDenseTime {
  double attention_s = 0;
  double ffn_s = 0;
  double total_s() const { return attention_s + ffn_s; }
};
LayerDenseTime layer_dense_time(const GpuTimeModel& gpu, const LayerKernels& k);

// Per step: the token embedding (a gather of N rows), the LM head (final norm and the vocabulary
// projection of one token per sequence), and an encoder step's projection of the encoded source
// into one decoder layer's cross-attention K and V (run once per decoder layer).
KernelWork embedding_kernel(const config::MoeModelConfig& model, const StepShape& s);
KernelWork lm_head_kernel(const config::MoeModelConfig& model, const StepShape& s);
KernelWork cross_kv_kernel(const config::MoeModelConfig& model, const StepShape& s);

// Weight bytes the GPU holds besides the routed experts: embeddings (one matrix when tied, else
// two), every layer's attention (and cross-attention), dense FFNs, routers and shared experts.
struct NonExpertWeights {
  std::uint64_t embeddings = 0, attention = 0, dense_ffn = 0, routers = 0, shared_experts = 0;
  std::uint64_t total() const { return embeddings + attention + dense_ffn + routers + shared_experts; }
};
NonExpertWeights non_expert_weight_bytes(const config::MoeModelConfig& model);

// KV-cache bytes resident after a step of this shape: each layer that caches (decoder-only: all;
// encoder-decoder: the decoder's) holds B x its attended positions of context_before + T (a
// sliding window caps them) x kv_row, plus the decoder layers' cross-attention K/V of the source.
std::uint64_t kv_cache_bytes(const config::MoeModelConfig& model, const StepShape& s);

}  // namespace monde::perf
