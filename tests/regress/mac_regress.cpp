// monde-mac-regress: the long random-seed differential regression of the MAC array RTL
// (`make regress SEEDS=N`). Each seed runs tlm/ndp/mac_differential.hpp's check (the one the
// CI test runs on one fixed seed) with random handshake stalls on every other seed, and
// prints the seed with its tile, MAC and stall counts, so a failing seed can be rerun alone:
//   monde-mac-regress --seeds N [--first-seed S] [--tiles T] [--max-k K]
// Exit 0 when every seed passes, 1 when one fails, 2 on bad arguments.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli_number.hpp"
#include "tlm/ndp/mac_differential.hpp"

namespace {

int usage(const std::string& why) {
  std::fprintf(stderr, "monde-mac-regress: %s\nusage: monde-mac-regress --seeds N [--first-seed S] [--tiles T] [--max-k K]\n",
               why.c_str());
  return 2;
}


}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seeds = 0, first = 1, tiles = 2000, max_k = 256;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) return usage("missing value after " + k);
    std::uint64_t* dst = k == "--seeds" ? &seeds : k == "--first-seed" ? &first : k == "--tiles" ? &tiles
                       : k == "--max-k" ? &max_k : nullptr;
    if (!dst) return usage("unknown option " + k);
    if (!monde::regress::parse_u64(argv[++i], *dst)) return usage("bad number for " + k + ": " + argv[i]);
  }
  if (seeds < 1) return usage("--seeds must be >= 1");
  if (tiles < 1 || tiles > 10000000) return usage("--tiles must be 1..10000000");
  if (max_k < 1 || max_k > 4096) return usage("--max-k must be 1..4096");

  unsigned failed = 0;
  std::uint64_t macs = 0;
  for (std::uint64_t s = first; s < first + seeds; ++s) {
    monde::ndp::DifferentialOptions opt;
    opt.min_tiles = static_cast<unsigned>(tiles);
    opt.max_k = static_cast<unsigned>(max_k);
    if (s % 2 == 0) {  // every other seed also stalls both handshakes at random
      opt.in_bubble_probability = 0.2;
      opt.out_stall_probability = 0.3;
    }
    const auto r = monde::ndp::run_random_differential(s, opt);
    macs += r.macs;
    std::printf("seed %llu: %u tiles, %llu MACs, %llu stall cycles: %s\n", static_cast<unsigned long long>(s), r.tiles,
                static_cast<unsigned long long>(r.macs), static_cast<unsigned long long>(r.stall_cycles),
                r.failures.empty() ? "PASS" : "FAIL");
    for (const auto& f : r.failures) std::printf("  %s\n", f.c_str());
    std::fflush(stdout);
    if (!r.failures.empty()) ++failed;
  }
  std::printf("seeds %llu..%llu: %llu MACs, %u failed\n", static_cast<unsigned long long>(first),
              static_cast<unsigned long long>(first + seeds - 1), static_cast<unsigned long long>(macs), failed);
  return failed == 0 ? 0 : 1;
}
