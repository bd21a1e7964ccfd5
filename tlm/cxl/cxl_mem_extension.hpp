// TLM-2.0 extension that carries the CXL.mem view of a generic-payload transaction.
//
// The generic payload keeps the host-visible access (address, data, length, command); this
// extension adds what the CXL.mem link actually carries: the M2S message (request side) and the
// S2M message(s) that answer it. A Type-3 device answers MemRd with one S2M DRS MemData and
// MemWr/MemWrPtl with one S2M NDR Cmp (CXL 2.0 §3.3, Type-3 flows); some M2S Req opcodes with
// MetaField != No-Op get both a DRS and an NDR, hence a list. Poison travels on the DRS
// (CXL 2.0 §3.3: "Poison" bit of S2M DRS) so a read of poisoned memory still completes.
//
// This is the only cxl header that pulls in SystemC/TLM (<tlm> costs seconds per include).
#pragma once

#include <vector>

#include <tlm>

#include "tlm/cxl/cxl_mem_message.hpp"

namespace monde::cxl {

class CxlMemExtension : public tlm::tlm_extension<CxlMemExtension> {
 public:
  CxlMemExtension() = default;
  explicit CxlMemExtension(const CxlMemMessage& req) : request(req) {}

  tlm::tlm_extension_base* clone() const override;
  void copy_from(const tlm::tlm_extension_base& other) override;

  // Adds an S2M response; its tag is set to the request's tag (S2M messages are matched to
  // their request by Tag, they carry no address).
  void add_response(CxlMemOpcode op, bool poisoned = false);
  // True when any DRS response carries poison.
  bool response_poisoned() const;
  // Drops the responses (the extension is reused for the next request of a pooled payload).
  void clear_responses() { responses.clear(); }

  CxlMemMessage request;
  std::vector<CxlMemMessage> responses;
};

}  // namespace monde::cxl
