#include "tlm/root_complex/root_complex.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace monde::root_complex {

RootComplex::RootComplex(sc_core::sc_module_name name, const config::RootComplexConfig& config)
    : sc_module(name),
      gpu_port("gpu_port"),
      cpu_port("cpu_port"),
      cxl_port("cxl_port"),
      host_memory_port("host_memory_port"),
      config_(config),
      latency_(std::round(config.latency_ns * 1000.0), sc_core::SC_PS) {
  for (int p : {kGpuPort, kCpuPort}) {
    auto& s = p == kGpuPort ? gpu_port : cpu_port;
    s.register_b_transport(this, &RootComplex::b_transport, p);
    s.register_transport_dbg(this, &RootComplex::transport_dbg, p);
    s.register_get_direct_mem_ptr(this, &RootComplex::get_direct_mem_ptr, p);
  }
  cxl_port.register_invalidate_direct_mem_ptr(this, &RootComplex::invalidate_direct_mem_ptr);
}

void RootComplex::add_window(std::uint64_t base, std::uint64_t bytes) {
  if (bytes == 0 || base + bytes < base) throw std::invalid_argument("root complex: an empty or wrapping CXL window");
  for (const Window& w : windows_) {
    if (base < w.base + w.bytes && w.base < base + bytes) {
      throw std::invalid_argument("root complex: CXL window at " + std::to_string(base) + " overlaps another");
    }
  }
  if (host_window_.bytes > 0 && base < host_window_.base + host_window_.bytes && host_window_.base < base + bytes) {
    throw std::invalid_argument("root complex: CXL window at " + std::to_string(base) + " overlaps host memory");
  }
  windows_.push_back({base, bytes});
}

void RootComplex::set_host_memory_window(std::uint64_t base, std::uint64_t bytes) {
  if (bytes == 0 || base + bytes < base) throw std::invalid_argument("root complex: an empty or wrapping host memory window");
  for (const Window& w : windows_) {
    if (base < w.base + w.bytes && w.base < base + bytes) {
      throw std::invalid_argument("root complex: host memory window at " + std::to_string(base) + " overlaps a CXL window");
    }
  }
  host_window_ = {base, bytes};
}

int RootComplex::host_route(std::uint64_t address, std::uint64_t bytes) const {
  const Window& w = host_window_;
  if (w.bytes == 0 || address < w.base || address - w.base >= w.bytes) return -1;
  return bytes <= w.bytes - (address - w.base) ? 0 : 1;
}

int RootComplex::route(std::uint64_t address, std::uint64_t bytes) const {
  if (windows_.empty()) return 0;
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    const Window& w = windows_[i];
    if (address >= w.base && address - w.base < w.bytes) {
      return bytes <= w.bytes - (address - w.base) ? static_cast<int>(i) : -1;
    }
  }
  return -1;
}

void RootComplex::b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  delay += latency_;
  const int host = host_route(trans.get_address(), trans.get_data_length());
  const int to = host >= 0 ? -1 : route(trans.get_address(), trans.get_data_length());
  if (host == 0 && host_memory_port.size() > 0) {
    // The host memory target sees the offset in its window (it is the socket's DRAM, not a device).
    const std::uint64_t hpa = trans.get_address();
    trans.set_address(hpa - host_window_.base);
    host_memory_port->b_transport(trans, delay);
    trans.set_address(hpa);
  } else if (to < 0 || to >= static_cast<int>(cxl_port.size())) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  } else {
    cxl_port[to]->b_transport(trans, delay);
  }
  delay += latency_;
  auto& s = stats_[port];
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) return;
  const bool ok = trans.get_response_status() == tlm::TLM_OK_RESPONSE;
  if (!ok) ++s.errors;
  if (trans.is_read()) {
    ++s.reads;
    if (ok) s.bytes_read += trans.get_data_length();
  } else {
    ++s.writes;
    if (ok) s.bytes_written += trans.get_data_length();
  }
}

unsigned int RootComplex::transport_dbg(int /*port*/, tlm::tlm_generic_payload& trans) {
  const int host = host_route(trans.get_address(), trans.get_data_length());
  if (host >= 0) {
    if (host != 0 || host_memory_port.size() == 0) return 0;
    const std::uint64_t hpa = trans.get_address();
    trans.set_address(hpa - host_window_.base);
    const unsigned int n = host_memory_port->transport_dbg(trans);
    trans.set_address(hpa);
    return n;
  }
  const int to = route(trans.get_address(), trans.get_data_length());
  if (to < 0 || to >= static_cast<int>(cxl_port.size())) return 0;
  return cxl_port[to]->transport_dbg(trans);
}

bool RootComplex::get_direct_mem_ptr(int /*port*/, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  if (host_route(trans.get_address(), 1) >= 0) return false;  // host memory grants no DMI
  const int to = route(trans.get_address(), 1);
  if (to < 0 || to >= static_cast<int>(cxl_port.size())) return false;
  if (!cxl_port[to]->get_direct_mem_ptr(trans, dmi)) return false;
  // (The device grants within its HDM range, which is its window: HPA, nothing to translate.)
  dmi.set_read_latency(dmi.get_read_latency() + 2 * latency_);
  dmi.set_write_latency(dmi.get_write_latency() + 2 * latency_);
  return true;
}

void RootComplex::invalidate_direct_mem_ptr(int /*port*/, sc_dt::uint64 start, sc_dt::uint64 end) {
  if (gpu_port.size() > 0) gpu_port->invalidate_direct_mem_ptr(start, end);
  if (cpu_port.size() > 0) cpu_port->invalidate_direct_mem_ptr(start, end);
}

nlohmann::json RootComplex::stats_json() const {
  auto port_json = [](const RootComplexPortStats& s) {
    return nlohmann::json{{"reads", s.reads},           {"writes", s.writes},
                          {"errors", s.errors},         {"bytes_read", s.bytes_read},
                          {"bytes_written", s.bytes_written}};
  };
  return nlohmann::json{{"gpu_port", port_json(stats_[kGpuPort])},
                        {"cpu_port", port_json(stats_[kCpuPort])},
                        {"latency_ns", config_.latency_ns}};
}

}  // namespace monde::root_complex
