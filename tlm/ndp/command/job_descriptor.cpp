// Job descriptor encoding (job_descriptor.hpp): every field at its documented offset.
#include "tlm/ndp/command/job_descriptor.hpp"

#include <algorithm>

#include "tlm/ndp/command/byte_order.hpp"

namespace monde::ndp {

bool JobDescriptor::operator==(const JobDescriptor& o) const {
  return opcode == o.opcode && dtype == o.dtype && activation == o.activation &&
         flags == o.flags && job_tag == o.job_tag && d_model == o.d_model && d_ff == o.d_ff &&
         tokens == o.tokens && group_size == o.group_size && reserved_22 == o.reserved_22 && w_up == o.w_up &&
         w_gate == o.w_gate && w_down == o.w_down && x_addr == o.x_addr && y_addr == o.y_addr &&
         h_scratch_addr == o.h_scratch_addr && s_up == o.s_up && s_gate == o.s_gate && s_down == o.s_down &&
         reserved_96 == o.reserved_96;
}

std::optional<config::WeightFormat> weight_format_of_dtype(std::uint8_t dtype) {
  switch (dtype) {
    case kDtypeBf16: return config::WeightFormat::kBf16;
    case kDtypeInt8: return config::WeightFormat::kInt8;
    case kDtypeInt4: return config::WeightFormat::kInt4;
    default: return std::nullopt;
  }
}

std::uint8_t dtype_of(config::WeightFormat format) {
  switch (format) {
    case config::WeightFormat::kInt8: return kDtypeInt8;
    case config::WeightFormat::kInt4: return kDtypeInt4;
    case config::WeightFormat::kBf16: break;
  }
  return kDtypeBf16;
}

config::WeightEncoding weight_encoding(const JobDescriptor& d) {
  const config::WeightFormat f = weight_format_of_dtype(d.dtype).value_or(config::WeightFormat::kBf16);
  return config::WeightEncoding{f, config::is_quantised(f) ? d.group_size : 0u};
}

std::array<std::uint8_t, kJobDescriptorBytes> encode(const JobDescriptor& d) {
  std::array<std::uint8_t, kJobDescriptorBytes> b{};
  std::uint8_t* p = b.data();
  p[desc_off::kOpcode] = d.opcode;
  p[desc_off::kDtype] = d.dtype;
  p[desc_off::kActivation] = d.activation;
  p[desc_off::kFlags] = d.flags;
  store_le(p + desc_off::kJobTag, d.job_tag);
  store_le(p + desc_off::kDModel, d.d_model);
  store_le(p + desc_off::kDFf, d.d_ff);
  store_le(p + desc_off::kTokens, d.tokens);
  store_le(p + desc_off::kGroupSize, d.group_size);
  store_le(p + desc_off::kReserved22, d.reserved_22);
  store_le(p + desc_off::kWUp, d.w_up);
  store_le(p + desc_off::kWGate, d.w_gate);
  store_le(p + desc_off::kWDown, d.w_down);
  store_le(p + desc_off::kXAddr, d.x_addr);
  store_le(p + desc_off::kYAddr, d.y_addr);
  store_le(p + desc_off::kHScratch, d.h_scratch_addr);
  store_le(p + desc_off::kSUp, d.s_up);
  store_le(p + desc_off::kSGate, d.s_gate);
  store_le(p + desc_off::kSDown, d.s_down);
  std::copy(d.reserved_96.begin(), d.reserved_96.end(), p + desc_off::kReserved96);
  return b;
}

JobDescriptor decode_job_descriptor(const std::uint8_t* p) {
  JobDescriptor d;
  d.opcode = p[desc_off::kOpcode];
  d.dtype = p[desc_off::kDtype];
  d.activation = p[desc_off::kActivation];
  d.flags = p[desc_off::kFlags];
  d.job_tag = load_le<std::uint32_t>(p + desc_off::kJobTag);
  d.d_model = load_le<std::uint32_t>(p + desc_off::kDModel);
  d.d_ff = load_le<std::uint32_t>(p + desc_off::kDFf);
  d.tokens = load_le<std::uint32_t>(p + desc_off::kTokens);
  d.group_size = load_le<std::uint16_t>(p + desc_off::kGroupSize);
  d.reserved_22 = load_le<std::uint16_t>(p + desc_off::kReserved22);
  d.w_up = load_le<std::uint64_t>(p + desc_off::kWUp);
  d.w_gate = load_le<std::uint64_t>(p + desc_off::kWGate);
  d.w_down = load_le<std::uint64_t>(p + desc_off::kWDown);
  d.x_addr = load_le<std::uint64_t>(p + desc_off::kXAddr);
  d.y_addr = load_le<std::uint64_t>(p + desc_off::kYAddr);
  d.h_scratch_addr = load_le<std::uint64_t>(p + desc_off::kHScratch);
  d.s_up = load_le<std::uint64_t>(p + desc_off::kSUp);
  d.s_gate = load_le<std::uint64_t>(p + desc_off::kSGate);
  d.s_down = load_le<std::uint64_t>(p + desc_off::kSDown);
  std::copy(p + desc_off::kReserved96, p + kJobDescriptorBytes, d.reserved_96.begin());
  return d;
}

}  // namespace monde::ndp
