// HDM decoder of a CXL Type-3 device: host physical address (HPA) -> device physical address
// (DPA). No SystemC.
//
// Spec: CXL 2.0 §8.2.5.12 "CXL HDM Decoder Capability Structure" (numbered §8.2.4.20 in CXL
// 3.x), with the 3/6/12-way encodings of the CXL 2.0 "3, 6, 12 and 16-way interleaving" ECN
// that CXL 3.0 folded in. The rules used here:
//  * Decoder n Control: IG (granularity) 0..6 = 256 B .. 16 KiB, i.e. 2^(IG+8) bytes;
//    IW (ways) 0..4 = 1, 2, 4, 8, 16 ways and 8, 9, 10 = 3, 6, 12 ways.
//  * Base, Size and DPA Skip are programmed in 256 MiB units (only bits [63:28] exist).
//  * Commit checks: Decoder[m+1].Base >= Decoder[m].Base + Decoder[m].Size (decoders in
//    increasing HPA order); for IW >= 8 the size is a multiple of 3 (of 256 MiB units).
//  * Implementation Note "Device Decode Logic":
//      Decoder[0].DPABase   = Decoder[0].DPASkip
//      Decoder[m+1].DPABase = Decoder[m+1].DPASkip + Decoder[m].DPABase + Decoder[m].Size / ways[m]
//      HPAOffset = HPA - Base
//      IW <  8: DPAOffset[51:IG+8] = HPAOffset[51:IG+8+IW]        (drop the IW way bits)
//      IW >= 8: DPAOffset[51:IG+8] = HPAOffset[51:IG+IW] / 3       (drop IW-8 bits, divide by 3)
//      DPAOffset[IG+7:0] = HPAOffset[IG+7:0];  DPA = DPAOffset + DPABase
//    Both cases are "chunk index / ways", with chunk = HPAOffset >> (IG+8).
//
// Which interleave position owns an HPA: a real device never sees addresses of other targets
// (the host bridge / switch routes them away: "extract IW bits starting at IG+8"), so the spec's
// device logic does not check. The model does, so that a mis-routed access is caught: position
// = chunk mod ways. For power-of-two ways that is exactly HPA bits [IG+8+IW-1 : IG+8] (Base is
// 256 MiB aligned, far above those bits); for 3/6/12 ways it is the modulo-3 arithmetic that is
// the inverse of the device rule above (Linux drivers/cxl uses the same rule to rebuild an HPA:
// chunk = (dpa_chunk * 3 << (IW-8)) + position).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config/cxl_config.hpp"

namespace monde::cxl {

using config::HdmConfigProblem;
using config::HdmDecoderConfig;
using config::HdmRange;
using config::kHdmUnitBytes;
using config::kHpaLimit;

class HdmDecoder {
 public:
  enum class Outcome { kHit, kNoDecoder, kOtherTarget };
  struct Result {
    Outcome outcome = Outcome::kNoDecoder;
    std::size_t decoder = 0;      // valid unless kNoDecoder
    unsigned position = 0;        // interleave position that owns the HPA (unless kNoDecoder)
    std::uint64_t dpa = 0;        // valid for kHit
  };

  // Throws std::invalid_argument with config::find_hdm_problem()'s text when the set breaks a rule.
  explicit HdmDecoder(config::HdmDecoderConfig cfg);

  // DPA for `hpa`, or nullopt when no decoder covers it (Base <= HPA < Base + Size fails for all:
  // the spec drops such writes and answers reads with all 1s or poison) or when it belongs to
  // another device of the interleave set.
  std::optional<std::uint64_t> decode(std::uint64_t hpa) const;
  Result decode_detail(std::uint64_t hpa) const;

  const config::HdmDecoderConfig& config() const { return cfg_; }
  std::uint64_t dpa_base(std::size_t decoder) const { return dpa_base_.at(decoder); }
  // One past the highest DPA any decoder maps: the device capacity the set needs.
  std::uint64_t dpa_end() const;

 private:
  config::HdmDecoderConfig cfg_;
  std::vector<std::uint64_t> dpa_base_;
};

// Reads an HDM section, e.g. `top.child("cxl").child("hdm")`:
//   { "decoders": [ { "base": "0x1000000000", "size": "0x400000000", "ways": 4,
//                     "granularity": 256, "position": 1, "dpa_skip": 0 } ] }
// base/size/dpa_skip are integers or "0x..." hex strings (JSON has no hex literals). Only
// `base` and `size` are required. Errors name the file, the key (e.g. 'cxl.hdm.decoders[1].ways')
// and the allowed values.

}  // namespace monde::cxl
