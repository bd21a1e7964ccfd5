// monde-rtl-exhaustive: the MAC array's arithmetic leaves (rtl/bf16_mul.sv, rtl/fp32_to_bf16.sv,
// rtl/fp32_add.sv), verilated side by side (leaf_lanes.sv), against the golden model
// (tlm/ndp/numerics/bf16.hpp) bit for bit:
//   mul     [--from A --to B]  every b for each a in [A, B] (default: all 2^32 pairs)
//   to_bf16 [--from H --to H]  every fp32 whose top half is in [H, H'] (default: all 2^32)
//   add     --vectors N --seed S  random and constructed pairs (ties, cancellation, far
//                                 alignment, overflow, results near 2^-126)
//   dequant                    the weight dequantiser lane (rtl/weight_dequant.sv) on every input
//                              that matters: every int8 code and every int4 code against every
//                              bf16 scale, and every bf16 weight passed through (2^24 + 2^20 + 2^16)
// Work is split over --threads (default: all cores), one Verilated model each. Prints the
// count and the first mismatches; exit 0 when none, 1 on a mismatch, 2 on bad arguments.
#include <verilated.h>

#include "Vleaf_lanes.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "cli_number.hpp"
#include "tlm/ndp/numerics/bf16.hpp"
#include "tlm/ndp/numerics/quant.hpp"
#include "tlm/ndp/verilated_lanes.hpp"

namespace {

constexpr unsigned kLanes = 8;  // LANES of leaf_lanes.sv

using monde::ndp::get_lane;
using monde::ndp::put_lane;

struct Tally {
  std::atomic<std::uint64_t> checked{0};
  std::atomic<std::uint64_t> mismatches{0};
  std::mutex mu;
  std::vector<std::string> first;
  void report(const std::string& s) {
    ++mismatches;
    std::lock_guard<std::mutex> lock(mu);
    if (first.size() < 10) first.push_back(s);
  }
};

std::string hex(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08X", v);
  return b;
}

struct Model {
  VerilatedContext ctx;
  Vleaf_lanes top{&ctx, "leaf_lanes"};
};

// All b for each a in [lo, hi] (a 16-bit range), kLanes b values per evaluation.
void sweep_mul(std::uint32_t lo, std::uint32_t hi, Tally& t) {
  Model m;
  for (std::uint32_t a = lo; a <= hi; ++a) {
    for (unsigned l = 0; l < kLanes; ++l) put_lane(m.top.mul_a, l, 16, a);
    for (std::uint32_t b0 = 0; b0 < 0x10000; b0 += kLanes) {
      for (unsigned l = 0; l < kLanes; ++l) put_lane(m.top.mul_b, l, 16, b0 + l);
      m.top.eval();
      for (unsigned l = 0; l < kLanes; ++l) {
        const auto b = static_cast<monde::num::bf16_t>(b0 + l);
        const auto want = monde::num::mul(static_cast<monde::num::bf16_t>(a), b);
        const auto got = get_lane(m.top.mul_p, l, 32);
        if (got != want) t.report("mul(" + hex(a) + ", " + hex(b) + "): RTL " + hex(got) + ", golden " + hex(want));
      }
    }
    t.checked += 0x10000;
  }
}

// Every fp32 whose top 16 bits are in [lo, hi].
void sweep_to_bf16(std::uint32_t lo, std::uint32_t hi, Tally& t) {
  Model m;
  for (std::uint32_t h = lo; h <= hi; ++h) {
    for (std::uint32_t l0 = 0; l0 < 0x10000; l0 += kLanes) {
      for (unsigned l = 0; l < kLanes; ++l) put_lane(m.top.cvt_x, l, 32, (h << 16) | (l0 + l));
      m.top.eval();
      for (unsigned l = 0; l < kLanes; ++l) {
        const std::uint32_t x = (h << 16) | (l0 + l);
        const auto want = monde::num::to_bf16(x);
        const auto got = get_lane(m.top.cvt_y, l, 16);
        if (got != want) t.report("to_bf16(" + hex(x) + "): RTL " + hex(got) + ", golden " + hex(want));
      }
    }
    t.checked += 0x10000;
  }
}

// One adder operand pair of a random kind: the cases where adders go wrong, plus raw bits.
std::pair<std::uint32_t, std::uint32_t> add_pair(std::mt19937_64& rng) {
  const auto r32 = [&] { return static_cast<std::uint32_t>(rng()); };
  std::uint32_t x = r32();
  std::uint32_t y = r32();
  switch (rng() % 6) {
    case 0: break;  // raw bit patterns (NaN, inf, subnormal, anything)
    case 1: {       // exponent difference 0..31, either sign: alignment, sticky, carry
      const std::uint32_t e = 1 + rng() % 200;
      const std::uint32_t d = rng() % 32;
      x = (x & 0x807FFFFFu) | (e << 23);
      y = (y & 0x807FFFFFu) | ((e + d) << 23);
      break;
    }
    case 2:  // nearly equal magnitudes, opposite signs: cancellation, exact zero
      y = (x ^ 0x80000000u) + static_cast<std::uint32_t>(rng() % 8) - 4u;
      break;
    case 3:  // ties: y is x's half ULP (or a neighbour) at the right distance
      x = (x & 0x807FFFFFu) | ((100 + rng() % 50) << 23);
      y = (x & 0x80000000u) | ((((x >> 23) & 0xFF) - 24) << 23) | static_cast<std::uint32_t>(rng() % 3);
      break;
    case 4:  // near the top: overflow to inf
      x = (x & 0x807FFFFFu) | ((250 + rng() % 5) << 23);
      y = (y & 0x807FFFFFu) | ((250 + rng() % 5) << 23);
      break;
    default:  // near 2^-126: results that must be flushed
      x = (x & 0x807FFFFFu) | ((1 + rng() % 3) << 23);
      y = (y & 0x807FFFFFu) | ((1 + rng() % 3) << 23);
      break;
  }
  return {x, y};
}

void random_add(std::uint64_t seed, std::uint64_t n, Tally& t) {
  Model m;
  std::mt19937_64 rng(seed);
  std::uint32_t xs[kLanes], ys[kLanes];
  for (std::uint64_t done = 0; done < n; done += kLanes) {
    for (unsigned l = 0; l < kLanes; ++l) {
      std::tie(xs[l], ys[l]) = add_pair(rng);
      put_lane(m.top.add_x, l, 32, xs[l]);
      put_lane(m.top.add_y, l, 32, ys[l]);
    }
    m.top.eval();
    for (unsigned l = 0; l < kLanes; ++l) {
      const auto want = monde::num::add(xs[l], ys[l]);
      const auto got = get_lane(m.top.add_z, l, 32);
      if (got != want) t.report("add(" + hex(xs[l]) + ", " + hex(ys[l]) + "): RTL " + hex(got) + ", golden " + hex(want));
    }
    t.checked += kLanes;
  }
}

// Work item i of the dequantiser sweep: 0..255 an int8 code, 256..271 an int4 code, each against
// all 65536 scales; 272 the bf16 pass-through of all 65536 weights.
constexpr std::uint32_t kDequantItems = 273;
void sweep_dequant(std::uint32_t lo, std::uint32_t hi, Tally& t) {
  using monde::config::WeightFormat;
  Model m;
  for (std::uint32_t item = lo; item <= hi; ++item) {
    const WeightFormat f = item < 256 ? WeightFormat::kInt8 : item < 272 ? WeightFormat::kInt4 : WeightFormat::kBf16;
    const auto code = static_cast<std::uint8_t>(item < 256 ? item : item - 256);
    m.top.dq_fmt = static_cast<std::uint8_t>(f);
    for (std::uint32_t s0 = 0; s0 < 0x10000; s0 += kLanes) {
      for (unsigned l = 0; l < kLanes; ++l) {
        put_lane(m.top.dq_code, l, 8, code);
        put_lane(m.top.dq_scale, l, 16, s0 + l);
      }
      m.top.eval();
      for (unsigned l = 0; l < kLanes; ++l) {
        const auto s = static_cast<monde::num::bf16_t>(s0 + l);
        // bf16: the lane's weight bits are the scale input (leaf_lanes.sv).
        const auto want = monde::num::weight_operand(f, f == WeightFormat::kBf16 ? s : code, s);
        const auto got = get_lane(m.top.dq_y, l, 16);
        if (got != want) {
          t.report(std::string("dequant ") + monde::config::to_string(f) + "(code " + hex(code) + ", scale " + hex(s) +
                   "): RTL " + hex(got) + ", golden " + hex(want));
        }
      }
    }
    t.checked += 0x10000;
  }
}

int usage(const char* why) {
  std::fprintf(stderr,
               "monde-rtl-exhaustive: %s\nusage: monde-rtl-exhaustive mul|to_bf16 [--from N] [--to N] [--threads T]\n"
               "       monde-rtl-exhaustive add --vectors N [--seed S] [--threads T]\n"
               "       monde-rtl-exhaustive dequant [--threads T]\n",
               why);
  return 2;
}


}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("missing mode");
  const std::string mode = argv[1];
  std::uint64_t from = 0, to = 0xFFFF, vectors = 0, seed = 1;
  std::uint64_t threads = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 2; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) return usage(("missing value after " + k).c_str());
    std::uint64_t* dst = k == "--from" ? &from : k == "--to" ? &to : k == "--vectors" ? &vectors
                       : k == "--seed" ? &seed : k == "--threads" ? &threads : nullptr;
    if (!dst) return usage(("unknown option " + k).c_str());
    if (!monde::regress::parse_u64(argv[++i], *dst)) return usage(("bad number for " + k + ": " + argv[i]).c_str());
  }
  if (from > to || to > 0xFFFF) return usage("need 0 <= --from <= --to <= 0xFFFF");
  if (threads < 1 || threads > 256) return usage("--threads must be 1..256");
  if (mode == "add" && vectors == 0) return usage("add needs --vectors N > 0");
  if (mode != "mul" && mode != "to_bf16" && mode != "add" && mode != "dequant") {
    return usage(("unknown mode " + mode).c_str());
  }

  Tally t;
  std::vector<std::thread> pool;
  for (std::uint64_t w = 0; w < threads; ++w) {
    if (mode == "add") {
      const std::uint64_t share = (vectors + threads - 1) / threads;
      pool.emplace_back(random_add, seed * 1000003u + w, share, std::ref(t));
    } else if (mode == "dequant") {
      const std::uint64_t lo = kDequantItems * w / threads, hi = kDequantItems * (w + 1) / threads;
      if (lo == hi) continue;
      pool.emplace_back(sweep_dequant, static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(hi - 1), std::ref(t));
    } else {
      // One contiguous share of the 16-bit range per thread.
      const std::uint64_t span = to - from + 1;
      const std::uint64_t lo = from + span * w / threads;
      const std::uint64_t hi = from + span * (w + 1) / threads;
      if (lo == hi) continue;
      auto fn = mode == "mul" ? sweep_mul : sweep_to_bf16;
      pool.emplace_back(fn, static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(hi - 1), std::ref(t));
    }
  }
  for (auto& th : pool) th.join();
  for (const auto& s : t.first) std::printf("MISMATCH %s\n", s.c_str());
  std::printf("%s: %llu inputs checked against the golden model, %llu mismatches\n", mode.c_str(),
              static_cast<unsigned long long>(t.checked.load()), static_cast<unsigned long long>(t.mismatches.load()));
  return t.mismatches == 0 ? 0 : 1;
}
