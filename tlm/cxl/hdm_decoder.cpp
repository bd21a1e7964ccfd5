#include "tlm/cxl/hdm_decoder.hpp"

#include <stdexcept>

namespace monde::cxl {

namespace {

unsigned log2_exact(std::uint64_t v) {
  unsigned n = 0;
  while ((std::uint64_t{1} << n) < v) ++n;
  return n;
}

}  // namespace

HdmDecoder::HdmDecoder(config::HdmDecoderConfig cfg) : cfg_(std::move(cfg)) {
  if (auto p = config::find_hdm_problem(cfg_)) {
    throw std::invalid_argument("HDM decoder " + std::to_string(p->decoder) + ": " + p->field + " " +
                                p->message);
  }
  // DPABase accumulation of the "Device Decode Logic" note; Size / ways is exact because Size
  // is a multiple of 256 MiB (x3 for 3/6/12 ways) and ways / 3 is a power of two <= 4.
  std::uint64_t next = 0;
  for (const auto& d : cfg_.decoders) {
    const std::uint64_t base = next + d.dpa_skip;
    dpa_base_.push_back(base);
    next = base + d.size / d.ways;
  }
  if (next > config::kHpaLimit) throw std::invalid_argument("HDM decoders map DPAs beyond 52 bits");
}

std::uint64_t HdmDecoder::dpa_end() const {
  const auto& last = cfg_.decoders.back();
  return dpa_base_.back() + last.size / last.ways;
}

HdmDecoder::Result HdmDecoder::decode_detail(std::uint64_t hpa) const {
  Result r;
  for (std::size_t i = 0; i < cfg_.decoders.size(); ++i) {
    const auto& d = cfg_.decoders[i];
    if (hpa < d.base || hpa - d.base >= d.size) continue;  // Base <= HPA < Base + Size
    const unsigned g = log2_exact(d.granularity);            // IG + 8
    const std::uint64_t offset = hpa - d.base;                // HPAOffset
    const std::uint64_t chunk = offset >> g;
    r.decoder = i;
    r.position = static_cast<unsigned>(chunk % d.ways);
    if (r.position != d.position) {
      r.outcome = Outcome::kOtherTarget;
      return r;
    }
    // chunk / ways: for 2^k ways a shift by k (the spec's "remove IW bits"); for 3 * 2^k ways
    // (chunk >> k) / 3, the spec's HPAOffset[51:IG+IW] / 3 -- both equal chunk / ways.
    const std::uint64_t dpa_offset = ((chunk / d.ways) << g) | (offset & (d.granularity - 1));
    r.outcome = Outcome::kHit;
    r.dpa = dpa_base_[i] + dpa_offset;
    return r;
  }
  return r;  // kNoDecoder
}

std::optional<std::uint64_t> HdmDecoder::decode(std::uint64_t hpa) const {
  const auto r = decode_detail(hpa);
  if (r.outcome != Outcome::kHit) return std::nullopt;
  return r.dpa;
}

}  // namespace monde::cxl
