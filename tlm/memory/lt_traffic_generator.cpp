#include "tlm/memory/lt_traffic_generator.hpp"

#include <algorithm>
#include <cstring>

#include "tlm/common/blocking_access.hpp"

namespace monde::mem {

LtTrafficGenerator::LtTrafficGenerator(sc_core::sc_module_name name, const config::TrafficConfig& config,
                                       const LtOptions& options)
    : sc_module(name), socket("socket"), config_(config), options_(options), rng_(config.seed),
      buffer_(config.size_bytes) {
  socket.register_invalidate_direct_mem_ptr(this, &LtTrafficGenerator::invalidate_direct_mem_ptr);
  tlm_utils::tlm_quantumkeeper::set_global_quantum(options.quantum);
  SC_THREAD(run);
}

void LtTrafficGenerator::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  dmi_regions_.erase(std::remove_if(dmi_regions_.begin(), dmi_regions_.end(),
                                    [&](const tlm::tlm_dmi& d) {
                                      return d.get_start_address() <= end && start <= d.get_end_address();
                                    }),
                     dmi_regions_.end());
}

bool LtTrafficGenerator::dmi_access(std::uint64_t addr, bool is_write, tlm_utils::tlm_quantumkeeper& qk) {
  const std::uint64_t last = addr + config_.size_bytes - 1;
  // Newest region first: sequential traffic hits the page it just got.
  for (auto it = dmi_regions_.rbegin(); it != dmi_regions_.rend(); ++it) {
    const tlm::tlm_dmi& d = *it;
    if (addr < d.get_start_address() || last > d.get_end_address()) continue;
    if (is_write ? !d.is_write_allowed() : !d.is_read_allowed()) continue;
    unsigned char* p = d.get_dmi_ptr() + (addr - d.get_start_address());
    if (is_write) {
      std::memcpy(p, buffer_.data(), config_.size_bytes);
    } else {
      std::memcpy(buffer_.data(), p, config_.size_bytes);
    }
    const sc_core::sc_time lat = is_write ? d.get_write_latency() : d.get_read_latency();
    qk.inc(lat);
    latency_.record(static_cast<std::uint64_t>(lat.value() / sc_core::sc_time(1, sc_core::SC_PS).value()));
    ++dmi_accesses_;
    return true;
  }
  return false;
}

void LtTrafficGenerator::run() {
  tlm_utils::tlm_quantumkeeper qk;
  qk.reset();
  tlm::tlm_generic_payload t;
  const std::uint64_t slots = config_.region_bytes / config_.size_bytes;
  for (std::uint64_t i = 0; i < config_.requests; ++i) {
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    const bool is_write = !(u < config_.read_fraction);
    const std::uint64_t addr = (config_.random() ? rng_() % slots : i % slots) * config_.size_bytes;
    if (is_write) {
      for (std::uint32_t b = 0; b < config_.size_bytes; ++b) buffer_[b] = static_cast<unsigned char>((addr + b) * 131u);
    }
    if (!(options_.use_dmi && dmi_access(addr, is_write, qk))) {
      prepare_access(t, is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, addr, buffer_.data(),
                     config_.size_bytes);
      sc_core::sc_time delay = qk.get_local_time();
      const sc_core::sc_time before = sc_core::sc_time_stamp() + delay;
      socket->b_transport(t, delay);
      qk.set(delay);
      const sc_core::sc_time after = sc_core::sc_time_stamp() + delay;
      latency_.record(static_cast<std::uint64_t>((after - before).value() / sc_core::sc_time(1, sc_core::SC_PS).value()));
      if (t.is_response_error()) ++errors_;
      if (options_.use_dmi && t.is_dmi_allowed()) {
        tlm::tlm_dmi dmi;
        if (socket->get_direct_mem_ptr(t, dmi)) dmi_regions_.push_back(dmi);
      }
    }
    (is_write ? bytes_written_ : bytes_read_) += config_.size_bytes;
    ++completed_;
    if (qk.need_sync()) qk.sync();
  }
  qk.sync();
  last_completion_ = sc_core::sc_time_stamp();
}

}  // namespace monde::mem
