#include "tlm/memory/host_memory.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/perf/bandwidth.hpp"
#include "tlm/common/sim_time.hpp"

namespace monde::mem {

HostMemory::HostMemory(sc_core::sc_module_name name, const config::HostMemoryConfig& config, bool timing_only)
    : sc_module(name),
      socket("socket"),
      capacity_(config.capacity_bytes()),
      timing_only_(timing_only),
      model_(perf::host_memory_bytes_per_s(config), static_cast<std::uint64_t>(std::llround(config.latency_ns * 1e3))),
      store_(config.capacity_bytes()) {
  socket.register_b_transport(this, &HostMemory::b_transport);
  socket.register_transport_dbg(this, &HostMemory::transport_dbg);
}

void HostMemory::preload(std::uint64_t address, const unsigned char* data, std::uint64_t bytes) {
  if (timing_only_) return;
  store_.write(address, data, bytes);
}

bool HostMemory::check(tlm::tlm_generic_payload& trans) {
  const std::uint64_t a = trans.get_address(), n = trans.get_data_length();
  if (n == 0 || a >= capacity_ || n > capacity_ - a) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  } else if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  } else if (trans.get_streaming_width() != 0 && trans.get_streaming_width() < n) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
  } else {
    return true;
  }
  ++stats_.errors;
  return false;
}

void HostMemory::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  sc_core::wait(delay);  // the access starts at now + delay
  delay = sc_core::SC_ZERO_TIME;
  if (!check(trans)) return;
  const std::uint64_t a = trans.get_address(), n = trans.get_data_length();
  const std::uint64_t start = sim_now_ps();
  const std::uint64_t before = model_.busy_until_ps();
  const std::uint64_t done = model_.transfer(start, n);
  stats_.busy_ps += model_.busy_until_ps() - std::max(before, start);
  if (!timing_only_) {
    if (trans.is_read()) {
      store_.read(a, trans.get_data_ptr(), n);
    } else {
      store_.write(a, trans.get_data_ptr(), n);
    }
  }
  if (trans.is_read()) {
    ++stats_.reads;
    stats_.bytes_read += n;
  } else {
    ++stats_.writes;
    stats_.bytes_written += n;
  }
  sc_core::wait(ps_time(done - start));
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int HostMemory::transport_dbg(tlm::tlm_generic_payload& trans) {
  const std::uint64_t a = trans.get_address(), n = trans.get_data_length();
  if (timing_only_ || a >= capacity_ || n > capacity_ - a) return 0;
  if (trans.is_read()) store_.read(a, trans.get_data_ptr(), n);
  if (trans.is_write()) store_.write(a, trans.get_data_ptr(), n);
  return static_cast<unsigned int>(n);
}

}  // namespace monde::mem
