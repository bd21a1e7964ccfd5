// HDM decoder: hand-worked HPA -> DPA mappings for every interleave way count, the two worked
// examples of the spec's "Device Decode Logic" note, DPA skip, wrong-target and out-of-range
// addresses, and configuration errors.
#include <gtest/gtest.h>

#include "core/config/config_node.hpp"
#include "tlm/cxl/hdm_decoder.hpp"

namespace monde::cxl {
namespace {

constexpr std::uint64_t kGiB = 1ull << 30;
constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kBase = 0x10'0000'0000;  // 64 GiB, 256 MiB aligned

HdmDecoder one(unsigned ways, std::uint64_t gran, unsigned pos, std::uint64_t size = kGiB) {
  config::HdmRange r;
  r.base = kBase;
  r.size = size;
  r.ways = ways;
  r.granularity = gran;
  r.position = pos;
  return HdmDecoder(config::HdmDecoderConfig{{r}});
}

// Notation: g = log2(granularity) = IG + 8, chunk = HPAOffset >> g, position = chunk mod ways,
// DPA = (chunk / ways) << g | (HPAOffset & (granularity - 1)).

TEST(HdmDecoder, OneWay) {
  // 1 way, 256 B: nothing is removed, DPA = HPAOffset = 0x1234.
  EXPECT_EQ(one(1, 256, 0).decode(kBase + 0x1234), 0x1234u);
}

TEST(HdmDecoder, TwoWay) {
  // 2 ways, 512 B (IG=1, g=9), HPAOffset 0x1234: chunk = 0x1234 >> 9 = 9, position = 9 & 1 = 1,
  // DPA chunk = 9 >> 1 = 4, low = 0x1234 & 0x1FF = 0x034 -> DPA = 4 << 9 | 0x34 = 0x834.
  EXPECT_EQ(one(2, 512, 1).decode(kBase + 0x1234), 0x834u);
  EXPECT_EQ(one(2, 512, 0).decode(kBase + 0x1234), std::nullopt);
}

TEST(HdmDecoder, FourWay) {
  // 4 ways, 256 B (g=8), HPAOffset 0x1234: position = (0x1234 >> 8) & 3 = 0x12 & 3 = 2,
  // DPA = (0x12 >> 2) << 8 | 0x34 = 4 << 8 | 0x34 = 0x434 (HPA bits [9:8] removed).
  EXPECT_EQ(one(4, 256, 2).decode(kBase + 0x1234), 0x434u);
  const auto r = one(4, 256, 1).decode_detail(kBase + 0x1234);
  EXPECT_EQ(r.outcome, HdmDecoder::Outcome::kOtherTarget);
  EXPECT_EQ(r.position, 2u);
}

TEST(HdmDecoder, EightWay) {
  // 8 ways, 1 KiB (g=10), HPAOffset 0x12F45 = 77637: chunk = 75 (0x4B), position = 75 & 7 = 3,
  // DPA chunk = 75 >> 3 = 9, low = 77637 - 75 * 1024 = 837 = 0x345 -> DPA = 9 << 10 | 0x345 = 0x2745.
  EXPECT_EQ(one(8, 1024, 3).decode(kBase + 0x12F45), 0x2745u);
}

TEST(HdmDecoder, SixteenWay) {
  // 16 ways, 16 KiB (g=14), HPAOffset 0x12345678: chunk = 0x48D1, position = 0x48D1 & 15 = 1,
  // DPA chunk = 0x48D1 >> 4 = 0x48D, low = 0x12345678 & 0x3FFF = 0x1678
  // -> DPA = 0x48D << 14 | 0x1678 = 0x1234000 | 0x1678 = 0x1235678.
  EXPECT_EQ(one(16, 16384, 1).decode(kBase + 0x12345678), 0x1235678u);
}

TEST(HdmDecoder, ThreeWay) {
  // 3 ways (IW=8), 256 B, HPAOffset 0x1334: chunk = 0x13 = 19, position = 19 mod 3 = 1,
  // spec: DPAOffset[51:8] = HPAOffset[51:8] / 3 = 19 / 3 = 6 -> DPA = 6 << 8 | 0x34 = 0x634.
  EXPECT_EQ(one(3, 256, 1, 768 * kMiB).decode(kBase + 0x1334), 0x634u);
  EXPECT_EQ(one(3, 256, 0, 768 * kMiB).decode(kBase + 0x1334), std::nullopt);
}

TEST(HdmDecoder, SixWay) {
  // 6 ways (IW=9), 2 KiB (g=11), HPAOffset 0x1A345 = 107333: chunk = 52, position = 52 mod 6 = 4
  // (= 2 * ((52 >> 1) mod 3) + (52 & 1) = 2 * 2 + 0), spec: DPAOffset[51:11] =
  // HPAOffset[51:12] / 3 = 0x1A / 3 = 26 / 3 = 8, low = 107333 - 52 * 2048 = 0x345
  // -> DPA = 8 << 11 | 0x345 = 0x4345.
  EXPECT_EQ(one(6, 2048, 4, 768 * kMiB).decode(kBase + 0x1A345), 0x4345u);
}

TEST(HdmDecoder, TwelveWay) {
  // 12 ways (IW=10), 4 KiB (g=12), HPAOffset 0x123456: chunk = 0x123 = 291,
  // position = 291 mod 12 = 3, spec: DPAOffset[51:12] = HPAOffset[51:14] / 3 = 0x48 / 3 = 24,
  // low = 0x456 -> DPA = 24 << 12 | 0x456 = 0x18456.
  EXPECT_EQ(one(12, 4096, 3, 3 * kGiB).decode(kBase + 0x123456), 0x18456u);
}

TEST(HdmDecoder, SpecExampleEightWayTwoDecoders) {
  // "Device Decode Logic" example 1: Decoder[0] = 32 GB + 32 GB, Decoder[1] = 128 GB + 4 GB,
  // IW=3 (8 way), IG=1 (512 B). DPABase[1] = 32 GB / 8 = 4 GB. HPA = 129 GB + 1028:
  // HPAOffset = 0x4000_0404, removing bits [11:9] gives 0x800_0004, DPA = 0x1_0800_0004.
  // Bits [11:9] of 0x404 are 010b, so the device is position 2.
  config::HdmRange d0{32 * kGiB, 32 * kGiB, 8, 512, 2, 0};
  config::HdmRange d1{128 * kGiB, 4 * kGiB, 8, 512, 2, 0};
  const HdmDecoder dec(config::HdmDecoderConfig{{d0, d1}});
  EXPECT_EQ(dec.dpa_base(1), 4 * kGiB);
  EXPECT_EQ(dec.decode(129 * kGiB + 1028), 0x1'0800'0004u);
}

TEST(HdmDecoder, SpecExampleTwelveWayTwoDecoders) {
  // Example 2: Decoder[0] = 32 GB + 48 GB, Decoder[1] = 128 GB + 24 GB, IW=10 (12 way), IG=1.
  // DPABase[1] = 48 GB / 12 = 4 GB. HPA = 128 GB + 24920: HPAOffset = 0x6158,
  // DPAOffset[51:9] = HPAOffset[51:11] / 3 = 01100b / 3 = 4, DPAOffset[8:0] = 0x158
  // -> DPAOffset = 0x958, DPA = 0x1_0000_0958. chunk = 24920 >> 9 = 48, 48 mod 12 = position 0.
  config::HdmRange d0{32 * kGiB, 48 * kGiB, 12, 512, 0, 0};
  config::HdmRange d1{128 * kGiB, 24 * kGiB, 12, 512, 0, 0};
  const HdmDecoder dec(config::HdmDecoderConfig{{d0, d1}});
  EXPECT_EQ(dec.dpa_base(1), 4 * kGiB);
  EXPECT_EQ(dec.decode(128 * kGiB + 24920), 0x1'0000'0958u);
}

TEST(HdmDecoder, DpaSkipAndAccumulation) {
  // Decoder 0: 1 GiB, 4 ways -> 256 MiB of DPA at [0, 0x1000_0000).
  // Decoder 1: 512 MiB, 1 way, skip 256 MiB -> DPABase = 0x1000_0000 + 0x1000_0000 = 0x2000_0000.
  config::HdmRange d0{kBase, kGiB, 4, 256, 0, 0};
  config::HdmRange d1{0x20'0000'0000, 512 * kMiB, 1, 256, 0, 256 * kMiB};
  const HdmDecoder dec(config::HdmDecoderConfig{{d0, d1}});
  EXPECT_EQ(dec.dpa_base(0), 0u);
  EXPECT_EQ(dec.dpa_base(1), 0x2000'0000u);
  EXPECT_EQ(dec.decode(0x20'0000'0000 + 0x100), 0x2000'0100u);
  EXPECT_EQ(dec.dpa_end(), 0x4000'0000u);
  // The last byte of decoder 0 (offset 0x3FFF_FFFF: chunk 0x3F_FFFF, position 3) is not ours.
  EXPECT_EQ(dec.decode(kBase + kGiB - 1), std::nullopt);
  // Its last line at position 0: offset 0x3FFF_FC00 -> chunk 0x3F_FFFC -> DPA 0xFFF_FF00.
  EXPECT_EQ(dec.decode(kBase + 0x3FFF'FC00), 0xFFF'FF00u);
}

TEST(HdmDecoder, OutsideEveryDecoder) {
  config::HdmRange d0{kBase, kGiB, 1, 256, 0, 0};
  config::HdmRange d1{0x20'0000'0000, kGiB, 1, 256, 0, 0};
  const HdmDecoder dec(config::HdmDecoderConfig{{d0, d1}});
  EXPECT_EQ(dec.decode(kBase - 1), std::nullopt);
  EXPECT_EQ(dec.decode(kBase + kGiB), std::nullopt);  // Base + Size is excluded
  EXPECT_EQ(dec.decode_detail(0x18'0000'0000).outcome, HdmDecoder::Outcome::kNoDecoder);
  EXPECT_EQ(dec.decode(0x20'0000'0000 + kGiB - 1), kGiB + kGiB - 1);
  EXPECT_EQ(dec.decode(0), std::nullopt);
  EXPECT_EQ(dec.decode(~std::uint64_t{0}), std::nullopt);
}

// Every line of an interleaved range belongs to exactly one position, and each position's DPAs
// are dense: walking the HPAs in order, position p sees DPA 0, 64, 128, ... without gaps.
TEST(HdmDecoder, EveryWayCountPartitionsAndPacksDensely) {
  for (unsigned ways : {1u, 2u, 3u, 4u, 6u, 8u, 12u, 16u}) {
    for (std::uint64_t gran : {256u, 1024u, 16384u}) {
      std::vector<HdmDecoder> devs;
      for (unsigned p = 0; p < ways; ++p) devs.push_back(one(ways, gran, p, 3 * kGiB));
      std::vector<std::uint64_t> next(ways, 0);
      for (std::uint64_t off = 0; off < ways * gran * 5; off += 64) {
        unsigned owners = 0;
        for (unsigned p = 0; p < ways; ++p) {
          if (auto dpa = devs[p].decode(kBase + off)) {
            ++owners;
            EXPECT_EQ(*dpa, next[p]) << ways << " ways, gran " << gran << ", offset " << off;
            next[p] += 64;
          }
        }
        ASSERT_EQ(owners, 1u) << ways << " ways, gran " << gran << ", offset " << off;
      }
    }
  }
}

TEST(HdmDecoder, EncodingsFollowTheControlRegister) {
  EXPECT_EQ(config::encode_ways(1), 0u);
  EXPECT_EQ(config::encode_ways(16), 4u);
  EXPECT_EQ(config::encode_ways(3), 8u);
  EXPECT_EQ(config::encode_ways(6), 9u);
  EXPECT_EQ(config::encode_ways(12), 10u);
  EXPECT_EQ(config::encode_ways(5), std::nullopt);
  EXPECT_EQ(config::encode_granularity(256), 0u);
  EXPECT_EQ(config::encode_granularity(16384), 6u);
  EXPECT_EQ(config::encode_granularity(128), std::nullopt);
  EXPECT_EQ(config::encode_granularity(32768), std::nullopt);
  EXPECT_EQ(config::encode_granularity(768), std::nullopt);
}

TEST(HdmDecoder, ConstructorRejectsBadSets) {
  config::HdmRange r{kBase, kGiB, 4, 256, 0, 0};
  r.position = 4;
  EXPECT_THROW(HdmDecoder(config::HdmDecoderConfig{{r}}), std::invalid_argument);
  EXPECT_THROW(HdmDecoder(config::HdmDecoderConfig{}), std::invalid_argument);
}

// ---- configuration ---------------------------------------------------------------------------

config::HdmDecoderConfig parse(const std::string& text) {
  const auto j = config::parse_json_text(text, "dev.json");
  return config::hdm_schema().parse(config::ConfigNode(j, "dev.json").child("cxl").child("hdm"));
}

std::string error_of(const std::string& decoder_json) {
  try {
    parse(R"({"cxl": {"hdm": {"decoders": [)" + decoder_json + "]}}}");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(HdmConfig, ParsesHexStringsAndDefaults) {
  const auto c = parse(R"({"cxl": {"hdm": {"decoders": [
      {"base": "0x1000000000", "size": 1073741824, "ways": 4, "granularity": 1024, "position": 3},
      {"base": "0x2000000000", "size": "0x10000000", "dpa_skip": "0x30000000"}]}}})");
  ASSERT_EQ(c.decoders.size(), 2u);
  EXPECT_EQ(c.decoders[0].base, 0x10'0000'0000u);
  EXPECT_EQ(c.decoders[0].size, kGiB);
  EXPECT_EQ(c.decoders[0].ways, 4u);
  EXPECT_EQ(c.decoders[0].granularity, 1024u);
  EXPECT_EQ(c.decoders[0].position, 3u);
  EXPECT_EQ(c.decoders[1].ways, 1u);
  EXPECT_EQ(c.decoders[1].granularity, 256u);
  EXPECT_EQ(c.decoders[1].dpa_skip, 0x3000'0000u);
  EXPECT_EQ(HdmDecoder(c).dpa_base(1), 0x1000'0000u + 0x3000'0000u);
}

TEST(HdmConfig, GranularityBounds) {
  const std::string b = R"("base": "0x1000000000", "size": "0x40000000", )";
  EXPECT_EQ(error_of("{" + b + R"("granularity": 128})"),
            "dev.json: key 'cxl.hdm.decoders[0].granularity' = 128: out of range; allowed 256 .. 16384");
  EXPECT_EQ(error_of("{" + b + R"("granularity": 32768})"),
            "dev.json: key 'cxl.hdm.decoders[0].granularity' = 32768: out of range; allowed 256 .. 16384");
  EXPECT_EQ(error_of("{" + b + R"("granularity": 768})"),
            "dev.json: key 'cxl.hdm.decoders[0].granularity' = 768: not an interleave granularity; allowed 256, 512, 1024, 2048, 4096, 8192, 16384");
  EXPECT_EQ(error_of("{" + b + R"("granularity": 16384})"), "no error");
  EXPECT_EQ(error_of("{" + b + R"("granularity": 256})"), "no error");
}

TEST(HdmConfig, ErrorsNameFileKeyAndAllowedValues) {
  const std::string b = R"("base": "0x1000000000", "size": "0x40000000", )";
  EXPECT_EQ(error_of("{" + b + R"("ways": 5})"),
            "dev.json: key 'cxl.hdm.decoders[0].ways' = 5: not an interleave way count; allowed 1, 2, 3, 4, 6, 8, 12, 16");
  EXPECT_EQ(error_of("{" + b + R"("ways": 32})"),
            "dev.json: key 'cxl.hdm.decoders[0].ways' = 32: out of range; allowed 1 .. 16");
  EXPECT_EQ(error_of("{" + b + R"("ways": 4, "position": 4})"),
            "dev.json: key 'cxl.hdm.decoders[0].position' = 4: out of range; allowed 0 .. 3 for 4 ways");
  EXPECT_EQ(error_of("{" + b + R"("ways": 3})"),
            "dev.json: key 'cxl.hdm.decoders[0].size' = \"0x40000000\": must be a multiple of 3 x 256 MiB for 3 ways (CXL 2.0 commit check)");
  EXPECT_EQ(error_of(R"({"base": "0x1000001000", "size": "0x40000000"})"),
            "dev.json: key 'cxl.hdm.decoders[0].base' = \"0x1000001000\": must be a multiple of 256 MiB (0x10000000)");
  EXPECT_EQ(error_of(R"({"base": "0x10000000000000", "size": "0x10000000"})"),
            "dev.json: key 'cxl.hdm.decoders[0].size' = \"0x10000000\": with base 0x10000000000000 ends beyond the 52-bit HPA space (0x10000000000000)");
  EXPECT_EQ(error_of(R"({"base": "0x10zz", "size": "0x40000000"})"),
            "dev.json: key 'cxl.hdm.decoders[0].base' = \"0x10zz\": must be a non-negative integer or a \"0x...\" hex string of at most 64 bits");
  EXPECT_EQ(error_of(R"({"base": -4, "size": "0x40000000"})"),
            "dev.json: key 'cxl.hdm.decoders[0].base' = -4: must be a non-negative integer or a \"0x...\" hex string of at most 64 bits");
  EXPECT_EQ(error_of(R"({"size": "0x40000000"})"), "dev.json: key 'cxl.hdm.decoders[0].base': missing; this key is required; "
            "allowed a non-negative integer or a \"0x...\" hex string");
  EXPECT_EQ(error_of(R"({"base": 0, "size": "0x40000000", "way": 2})"),
            "dev.json: key 'cxl.hdm.decoders[0].way': unknown key; allowed base, size, dpa_skip, ways, granularity, position");
  EXPECT_EQ(error_of(R"({"base": "0x2000000000", "size": "0x40000000"},
                        {"base": "0x2010000000", "size": "0x10000000"})"),
            "dev.json: key 'cxl.hdm.decoders[1].base' = \"0x2010000000\": must not be below the end of decoder 0 (0x2040000000): decoders are in increasing HPA order");
  EXPECT_EQ(error_of(""), "dev.json: key 'cxl.hdm.decoders' = []: has 0 elements; allowed an array of 1 .. 10 objects");
}

}  // namespace
}  // namespace monde::cxl
