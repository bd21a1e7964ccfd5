#include "tlm/cxl/cxl_mem_extension.hpp"

#include <stdexcept>

namespace monde::cxl {

tlm::tlm_extension_base* CxlMemExtension::clone() const { return new CxlMemExtension(*this); }

void CxlMemExtension::copy_from(const tlm::tlm_extension_base& other) {
  // TLM-2.0 only calls copy_from between extensions of the same type (same extension ID);
  // a different type is a caller bug, not something to copy half of.
  const auto* o = dynamic_cast<const CxlMemExtension*>(&other);
  if (o == nullptr) throw std::invalid_argument("CxlMemExtension::copy_from: not a CxlMemExtension");
  request = o->request;
  responses = o->responses;
}

void CxlMemExtension::add_response(CxlMemOpcode op, bool poisoned) {
  const auto cls = msg_class_of(op);
  if (cls != CxlMsgClass::kS2MNdr && cls != CxlMsgClass::kS2MDrs) {
    throw std::invalid_argument(std::string("CxlMemExtension::add_response: ") + to_string(op) +
                                " is not an S2M message");
  }
  if (poisoned && cls != CxlMsgClass::kS2MDrs) {
    throw std::invalid_argument("CxlMemExtension::add_response: only S2M DRS carries poison");
  }
  auto m = make_message(op, request.tag);
  m.ld_id = request.ld_id;
  m.poison = poisoned;
  responses.push_back(m);
}

bool CxlMemExtension::response_poisoned() const {
  for (const auto& r : responses) {
    if (r.msg_class == CxlMsgClass::kS2MDrs && r.poison) return true;
  }
  return false;
}

}  // namespace monde::cxl
