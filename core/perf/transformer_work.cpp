#include "core/perf/transformer_work.hpp"

#include <algorithm>
#include <limits>

namespace monde::perf {

namespace {

constexpr double b = kActivationBytes;

double as_double(std::uint64_t v) { return static_cast<double>(v); }

// The window of `layer`, or a count no context reaches when it has none.
std::uint64_t window_of(const config::MoeModelConfig& m, std::uint32_t layer) {
  return m.attended_positions(layer, std::numeric_limits<std::uint64_t>::max() / 4);
}

// A projection GEMM: N tokens through a weights-element matrix, reading `in` and writing `out`
// elements per token (plus `extra` elements per token read, e.g. the residual).
KernelWork projection(std::uint64_t tokens, std::uint64_t weights, std::uint64_t in, std::uint64_t out,
                      std::uint64_t extra = 0) {
  const double n = as_double(tokens);
  return KernelWork{2.0 * n * as_double(weights), b * (as_double(weights) + n * as_double(in + out + extra))};
}

// Whether `layer` keeps a self-attention KV cache (decoder-side layers).
bool caches(const config::MoeModelConfig& m, std::uint32_t layer) { return !m.is_encoder_layer(layer); }

}  // namespace

double kernel_time_s(const GpuTimeModel& gpu, const KernelWork& k) {
  return k.empty() ? 0.0 : gpu.kernel_time_s(k.flops, k.bytes);
}

AttentionShape attention_shape(const config::MoeModelConfig& m) {
  AttentionShape a;
  const std::uint64_t d = m.d_model, H = m.attention_heads, G = m.kv_heads, h = m.head_dim;
  a.heads = H;
  if (m.has_mla) {
    const std::uint64_t r = m.mla.kv_lora_rank, hr = m.mla.qk_rope_head_dim, hv = m.mla.v_head_dim;
    a.score_dim = r + hr;
    a.value_dim = r;
    a.q_width = H * (r + hr);  // the absorbed queries: latent and rotary parts per head
    a.kv_row = r + hr;         // one latent and one rotary key per token, for every head
    // q_proj (d x H (h + hr)), kv_a_proj_with_mqa (d x (r + hr)), W_UK absorbed (H x h x r).
    a.in_weights = d * H * (h + hr) + d * (r + hr) + H * h * r;
    a.in_outputs = H * (r + hr) + (r + hr);
    // W_UV absorbed (H x r x hv), then o_proj (H hv x d).
    a.out_weights = H * r * hv + H * hv * d;
    a.out_inputs = H * r;
  } else {
    a.score_dim = h;
    a.value_dim = h;
    a.q_width = H * h;
    a.kv_row = 2 * G * h;
    a.in_weights = d * (H * h + 2 * G * h);
    a.in_outputs = H * h + 2 * G * h;
    a.out_weights = H * h * d;
    a.out_inputs = H * h;
  }
  if (m.encoder_decoder()) {
    a.cross_q_weights = d * H * h;
    a.cross_kv_weights = d * 2 * G * h;
    a.cross_out_weights = H * h * d;
  }
  return a;
}

std::uint64_t attention_pairs(const config::MoeModelConfig& m, std::uint32_t layer, const StepShape& s) {
  const std::uint64_t T = s.new_tokens;
  if (s.bidirectional) return T * T;
  // Query i (1..T) attends to min(context_before + i, W) positions.
  const std::uint64_t W = window_of(m, layer), a = s.context_before + 1, z = s.context_before + T;
  if (T == 0) return 0;
  if (z <= W) return (a + z) * T / 2;  // (a + z) T = (2 c + T + 1) T is even
  if (a > W) return W * T;
  // a .. W grows, W + 1 .. z is capped at W.
  return (a + W) * (W - a + 1) / 2 + (z - W) * W;
}

std::uint64_t attention_positions_read(const config::MoeModelConfig& m, std::uint32_t layer, const StepShape& s) {
  if (s.bidirectional) return s.new_tokens;
  // The union of the T queries' spans: the last query's span and the T - 1 positions before it.
  const std::uint64_t W = window_of(m, layer), z = s.context_before + s.new_tokens;
  return std::min(z, W + s.new_tokens - 1);
}

LayerKernels layer_kernels(const config::MoeModelConfig& m, std::uint32_t layer, const StepShape& s) {
  LayerKernels k;
  const AttentionShape a = attention_shape(m);
  const std::uint64_t d = m.d_model, N = s.tokens(), B = s.sequences;
  k.qkv = projection(N, a.in_weights, d, a.in_outputs);
  const double pairs = as_double(B) * as_double(attention_pairs(m, layer, s));
  const std::uint64_t read = B * attention_positions_read(m, layer, s);
  k.attention = KernelWork{2.0 * pairs * as_double(a.heads) * as_double(a.score_dim + a.value_dim),
                           b * (as_double(read) * as_double(a.kv_row) + as_double(N) * as_double(a.q_width) +
                                as_double(N) * as_double(a.heads * a.value_dim))};
  k.out = projection(N, a.out_weights, a.out_inputs, d, d);
  k.kv_read_bytes = read * a.kv_row * 2;
  k.kv_written_bytes = caches(m, layer) ? N * a.kv_row * 2 : 0;
  if (m.encoder_decoder() && !m.is_encoder_layer(layer) && s.source_tokens > 0) {
    const std::uint64_t H = m.attention_heads, h = m.head_dim, S = s.source_tokens;
    const std::uint64_t cross_row = 2 * std::uint64_t{m.kv_heads} * h;
    k.cross_q = projection(N, a.cross_q_weights, d, H * h);
    k.cross_attention = KernelWork{2.0 * as_double(B) * as_double(s.new_tokens) * as_double(S) * as_double(H) *
                                       as_double(2 * h),
                                   b * (as_double(B * S) * as_double(cross_row) + 2.0 * as_double(N) * as_double(H * h))};
    k.cross_out = projection(N, a.cross_out_weights, H * h, d, d);
    k.kv_read_bytes += B * S * cross_row * 2;
  }
  if (m.is_moe_layer(layer)) {
    k.router = projection(N, d * m.experts, d, m.experts);
    if (m.shared_experts > 0) {
      k.ffn = ExpertShape{d, std::uint64_t{m.shared_experts} * m.shared_expert_d_ff, m.gated};
      k.ffn_tokens = N;
    }
  } else {
    k.ffn = ExpertShape{d, m.dense_d_ff, m.gated};
    k.ffn_tokens = N;
  }
  return k;
}

LayerDenseTime layer_dense_time(const GpuTimeModel& gpu, const LayerKernels& k) {
  LayerDenseTime t;
  for (const KernelWork* w : {&k.qkv, &k.attention, &k.out, &k.cross_q, &k.cross_attention, &k.cross_out}) {
    t.attention_s += kernel_time_s(gpu, *w);
  }
  t.ffn_s = kernel_time_s(gpu, k.router) + (k.ffn.d_ff > 0 ? gpu.expert_time_s(k.ffn_tokens, k.ffn) : 0.0);
  return t;
}

KernelWork embedding_kernel(const config::MoeModelConfig& m, const StepShape& s) {
  // Gather one row per token and write it: no arithmetic.
  return KernelWork{0.0, 2.0 * b * as_double(s.tokens()) * as_double(m.d_model)};
}

KernelWork lm_head_kernel(const config::MoeModelConfig& m, const StepShape& s) {
  const std::uint64_t rows = s.sequences;  // the next token's logits of each sequence
  return projection(rows, std::uint64_t{m.vocab_size} * m.d_model, m.d_model, m.vocab_size);
}

KernelWork cross_kv_kernel(const config::MoeModelConfig& m, const StepShape& s) {
  const AttentionShape a = attention_shape(m);
  return projection(s.tokens(), a.cross_kv_weights, m.d_model, 2 * std::uint64_t{m.kv_heads} * m.head_dim);
}

NonExpertWeights non_expert_weight_bytes(const config::MoeModelConfig& m) {
  NonExpertWeights w;
  const AttentionShape a = attention_shape(m);
  const std::uint64_t e = 2;  // bytes per bf16 weight
  const std::uint64_t table = std::uint64_t{m.vocab_size} * m.d_model * e;
  w.embeddings = m.tied_embeddings ? table : 2 * table;
  for (std::uint32_t l = 0; l < m.layers; ++l) {
    w.attention += (a.in_weights + a.out_weights) * e;
    if (m.encoder_decoder() && !m.is_encoder_layer(l)) {
      w.attention += (a.cross_q_weights + a.cross_kv_weights + a.cross_out_weights) * e;
    }
    if (m.is_moe_layer(l)) {
      w.routers += std::uint64_t{m.d_model} * m.experts * e;
      w.shared_experts += std::uint64_t{m.shared_experts} * m.shared_expert_weight_bytes();
    } else {
      w.dense_ffn += ExpertShape{m.d_model, m.dense_d_ff, m.gated}.weight_bytes();
    }
  }
  return w;
}

std::uint64_t kv_cache_bytes(const config::MoeModelConfig& m, const StepShape& s) {
  const AttentionShape a = attention_shape(m);
  std::uint64_t bytes = 0;
  for (std::uint32_t l = 0; l < m.layers; ++l) {
    if (!caches(m, l)) continue;
    if (!s.bidirectional) {
      bytes += s.sequences * m.attended_positions(l, s.context_before + s.new_tokens) * a.kv_row * 2;
    }
    if (m.encoder_decoder()) bytes += s.sequences * s.source_tokens * 2 * std::uint64_t{m.kv_heads} * m.head_dim * 2;
  }
  return bytes;
}

}  // namespace monde::perf
