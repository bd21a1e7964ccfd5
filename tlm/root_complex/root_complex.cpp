// sc_spawn: the interleaved parts' worker processes are started as they are needed.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "tlm/root_complex/root_complex.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "tlm/common/interleave_span.hpp"
#include "tlm/common/poison_report.hpp"

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

void RootComplex::check_new_window(std::uint64_t base, std::uint64_t bytes) const {
  if (bytes == 0 || base + bytes < base) throw std::invalid_argument("root complex: an empty or wrapping CXL window");
  for (const Window& w : windows_) {
    if (base < w.base + w.bytes && w.base < base + bytes) {
      throw std::invalid_argument("root complex: CXL window at " + std::to_string(base) + " overlaps another");
    }
  }
  if (host_window_.bytes > 0 && base < host_window_.base + host_window_.bytes && host_window_.base < base + bytes) {
    throw std::invalid_argument("root complex: CXL window at " + std::to_string(base) + " overlaps host memory");
  }
}

void RootComplex::add_window(std::uint64_t base, std::uint64_t bytes) {
  check_new_window(base, bytes);
  windows_.push_back({base, bytes, next_port_++, 1, 0, false});
}

void RootComplex::add_interleaved_window(std::uint64_t base, std::uint64_t bytes, unsigned ways,
                                         std::uint64_t granularity, bool timing_only) {
  check_new_window(base, bytes);
  if (ways < 2 || granularity < 64 || (granularity & (granularity - 1)) != 0 || base % granularity != 0 ||
      bytes % (granularity * ways) != 0) {
    throw std::invalid_argument("root complex: an interleaved window needs >= 2 ways, a power-of-two granularity "
                                "of at least 64 B, an aligned base and whole stripes");
  }
  windows_.push_back({base, bytes, next_port_, ways, granularity, timing_only});
  next_port_ += ways;
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

const RootComplex::Window* RootComplex::window_of(std::uint64_t address, std::uint64_t bytes) const {
  for (const Window& w : windows_) {
    if (address >= w.base && address - w.base < w.bytes) return bytes <= w.bytes - (address - w.base) ? &w : nullptr;
  }
  return nullptr;
}

unsigned RootComplex::port_of(const Window& w, std::uint64_t address) const {
  if (w.ways == 1) return w.first_port;
  return w.first_port + static_cast<unsigned>(((address - w.base) / w.granularity) % w.ways);
}

int RootComplex::route(std::uint64_t address, std::uint64_t bytes) const {
  if (windows_.empty()) return 0;
  const Window* w = window_of(address, bytes);
  if (w == nullptr) return -1;
  if (w->ways > 1 && bytes > 0 && (address - w->base) / w->granularity != (address + bytes - 1 - w->base) / w->granularity) {
    return -1;  // several granules: split_interleaved
  }
  return static_cast<int>(port_of(*w, address));
}

namespace {

// One device's part of an interleaved access: its bytes, packed, and where each piece came from.
struct DevicePart {
  std::uint64_t hpa = 0;    // its first owned byte
  std::uint64_t bytes = 0;  // its bytes in the access
  struct Piece {
    std::uint64_t offset;  // in the original payload's data
    std::uint64_t bytes;
  };
  std::vector<Piece> pieces;  // in HPA order = packed order
  std::unique_ptr<unsigned char[]> data;  // null: timing_only
  std::vector<unsigned char> be;
  std::unique_ptr<tlm::tlm_generic_payload> gp;
};

// The original payload's bytes of part `p`, in packed order: f(packed offset, original offset, n).
template <class F>
void for_each_piece(const DevicePart& p, F f) {
  std::uint64_t packed = 0;
  for (const auto& piece : p.pieces) {
    f(packed, piece.offset, piece.bytes);
    packed += piece.bytes;
  }
}

// The original offset of packed byte `packed` of part `p`.
std::uint64_t original_offset(const DevicePart& p, std::uint64_t packed) {
  for (const auto& piece : p.pieces) {
    if (packed < piece.bytes) return piece.offset + packed;
    packed -= piece.bytes;
  }
  return 0;
}

}  // namespace

void RootComplex::post_part(unsigned port, Part part) {
  if (pools_.size() < cxl_port.size()) pools_.resize(cxl_port.size());
  if (!pools_[port]) pools_[port] = std::make_unique<PortPool>();
  PortPool& pool = *pools_[port];
  pool.queue.push_back(part);
  if (pool.queue.size() > pool.idle) {
    // Every worker of this port is busy (or already claimed): one more, which stays for later
    // parts, so that concurrent callers' parts reach the device's link at once, as they would.
    sc_core::sc_spawn_options opts;
    sc_core::sc_spawn([this, port] { part_worker(port); }, sc_core::sc_gen_unique_name("interleaved_part"), &opts);
  } else {
    pool.work.notify();
  }
}

void RootComplex::part_worker(unsigned port) {
  PortPool& pool = *pools_[port];
  for (;;) {
    while (pool.queue.empty()) {
      ++pool.idle;
      sc_core::wait(pool.work);
      --pool.idle;
    }
    const Part part = pool.queue.front();
    pool.queue.pop_front();
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    cxl_port[port]->b_transport(*part.gp, d);
    if (d > sc_core::SC_ZERO_TIME) sc_core::wait(d);
    if (--*part.running == 0) part.done->notify();
  }
}

void RootComplex::split_interleaved(const Window& w, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const std::uint64_t address = trans.get_address(), len = trans.get_data_length();
  if (trans.get_streaming_width() != 0 && trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  // The host bridge's decode: granule by granule, each to its position's port.
  std::vector<DevicePart> parts(w.ways);
  for (std::uint64_t off = 0; off < len;) {
    const std::uint64_t hpa = address + off;
    const std::uint64_t n = std::min(len - off, w.granularity - (hpa - w.base) % w.granularity);
    DevicePart& p = parts[port_of(w, hpa) - w.first_port];
    if (p.bytes == 0) p.hpa = hpa;
    p.pieces.push_back({off, n});
    p.bytes += n;
    off += n;
  }
  const bool is_write = trans.is_write();
  const unsigned char* be = trans.get_byte_enable_ptr();
  const unsigned be_len = trans.get_byte_enable_length();
  auto* report = trans.get_extension<PoisonReport>();
  // Everything starts at the caller's local time; the devices' transfers overlap from there.
  if (delay > sc_core::SC_ZERO_TIME) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  unsigned running = 0;
  sc_core::sc_event all_done;
  for (unsigned i = 0; i < w.ways; ++i) {
    DevicePart& p = parts[i];
    if (p.bytes == 0) continue;
    if (!w.timing_only) p.data.reset(new unsigned char[p.bytes]);
    if (is_write && !w.timing_only) {
      for_each_piece(p, [&](std::uint64_t packed, std::uint64_t orig, std::uint64_t n) {
        std::memcpy(p.data.get() + packed, trans.get_data_ptr() + orig, n);
      });
    }
    p.gp = std::make_unique<tlm::tlm_generic_payload>();
    auto& gp = *p.gp;
    gp.set_command(trans.get_command());
    gp.set_address(p.hpa);
    // timing_only: the caller's own buffer (long enough), which no device touches either.
    gp.set_data_ptr(w.timing_only ? trans.get_data_ptr() : p.data.get());
    gp.set_data_length(static_cast<unsigned>(p.bytes));
    gp.set_streaming_width(static_cast<unsigned>(p.bytes));
    if (be != nullptr && be_len > 0) {
      p.be.resize(p.bytes);
      for_each_piece(p, [&](std::uint64_t packed, std::uint64_t orig, std::uint64_t n) {
        for (std::uint64_t k = 0; k < n; ++k) p.be[packed + k] = be[(orig + k) % be_len];
      });
      gp.set_byte_enable_ptr(p.be.data());
      gp.set_byte_enable_length(static_cast<unsigned>(p.bytes));
    }
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    auto* span = new InterleaveSpan();  // owned by gp
    span->ways = w.ways;
    span->granularity = w.granularity;
    gp.set_extension(span);
    if (report != nullptr) gp.set_extension(new PoisonReport());
    ++running;
    post_part(w.first_port + i, Part{&gp, &running, &all_done});
  }
  while (running > 0) sc_core::wait(all_done);
  // The result: the first error in position order (a real host sees each device's own status;
  // one TLM payload carries one), the data and the poisoned lines put back where they came from.
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  for (DevicePart& p : parts) {
    if (p.bytes == 0) continue;
    if (status == tlm::TLM_OK_RESPONSE && !p.gp->is_response_ok()) status = p.gp->get_response_status();
    if (!is_write && !w.timing_only && p.gp->is_response_ok()) {
      for_each_piece(p, [&](std::uint64_t packed, std::uint64_t orig, std::uint64_t n) {
        if (be == nullptr || be_len == 0) {
          std::memcpy(trans.get_data_ptr() + orig, p.data.get() + packed, n);
        } else {
          for (std::uint64_t k = 0; k < n; ++k) {
            if (be[(orig + k) % be_len] == TLM_BYTE_ENABLED) trans.get_data_ptr()[orig + k] = p.data[packed + k];
          }
        }
      });
    }
    if (report != nullptr) {
      const auto* r = p.gp->get_extension<PoisonReport>();
      if (r != nullptr && r->poisoned()) report->add(r->lines, original_offset(p, r->first_offset));
    }
  }
  trans.set_response_status(status);
}

unsigned int RootComplex::split_interleaved_dbg(const Window& w, tlm::tlm_generic_payload& trans) {
  // Debug access: granule by granule to each owner, as plain contiguous pieces.
  const std::uint64_t address = trans.get_address(), len = trans.get_data_length();
  unsigned int total = 0;
  for (std::uint64_t off = 0; off < len;) {
    const std::uint64_t hpa = address + off;
    const std::uint64_t n = std::min(len - off, w.granularity - (hpa - w.base) % w.granularity);
    tlm::tlm_generic_payload gp;
    gp.set_command(trans.get_command());
    gp.set_address(hpa);
    gp.set_data_ptr(trans.get_data_ptr() + off);
    gp.set_data_length(static_cast<unsigned>(n));
    const unsigned int got = cxl_port[port_of(w, hpa)]->transport_dbg(gp);
    total += got;
    if (got != n) break;
    off += n;
  }
  return total;
}

const RootComplex::Window* RootComplex::walk_window(const tlm::tlm_generic_payload& trans) const {
  const auto* span = trans.get_extension<InterleaveSpan>();
  if (span == nullptr || !span->active() || trans.get_data_length() == 0) return nullptr;
  const std::uint64_t first = trans.get_address();
  const std::uint64_t last = span->hpa(first, trans.get_data_length() - 1);
  const Window* w = window_of(first, last - first + 1);
  if (w == nullptr || w->ways != span->ways || w->granularity != span->granularity) return nullptr;
  return w;
}

void RootComplex::b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  delay += latency_;
  // One device's walk over its granules of an interleaved range (a host that addresses one
  // device's memory through the range, host/driver/tlm_device_bus.hpp): every byte is that
  // device's, so it goes to its port whole, as the parts of split_interleaved() do.
  // A walk that is no interleaved window's (other ways or granularity, or past its end) cannot be
  // routed as a walk, nor as the contiguous range it is not: an address error.
  const auto* span = trans.get_extension<InterleaveSpan>();
  const Window* walk = walk_window(trans);
  const bool stray_walk = walk == nullptr && span != nullptr && span->active();
  const int host = walk != nullptr || stray_walk ? -1 : host_route(trans.get_address(), trans.get_data_length());
  const int to = walk != nullptr ? static_cast<int>(port_of(*walk, trans.get_address()))
                 : host >= 0 || stray_walk ? -1
                                           : route(trans.get_address(), trans.get_data_length());
  const Window* interleaved = nullptr;
  if (walk == nullptr && !stray_walk && host < 0 && to < 0) {
    interleaved = window_of(trans.get_address(), trans.get_data_length());
    if (interleaved != nullptr && interleaved->ways == 1) interleaved = nullptr;
  }
  if (interleaved != nullptr && interleaved->first_port + interleaved->ways <= cxl_port.size()) {
    split_interleaved(*interleaved, trans, delay);
  } else if (host == 0 && host_memory_port.size() > 0) {
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
  if (to < 0) {
    const Window* w = window_of(trans.get_address(), trans.get_data_length());
    if (w != nullptr && w->ways > 1 && w->first_port + w->ways <= cxl_port.size()) return split_interleaved_dbg(*w, trans);
    return 0;
  }
  if (to >= static_cast<int>(cxl_port.size())) return 0;
  return cxl_port[to]->transport_dbg(trans);
}

bool RootComplex::get_direct_mem_ptr(int /*port*/, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  if (host_route(trans.get_address(), 1) >= 0) return false;  // host memory grants no DMI
  const Window* w = window_of(trans.get_address(), 1);
  if (w != nullptr && w->ways > 1) return false;  // no device holds a contiguous HPA range of it
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
