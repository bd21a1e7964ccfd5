#include "tlm/pcie/pcie_link.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "tlm/common/sim_time.hpp"
#include "tlm/memory/memory_stats.hpp"

namespace monde::pcie {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

PcieLink::PcieLink(sc_core::sc_module_name name, const config::PcieLinkConfig& config)
    : sc_module(name),
      gpu_socket("gpu_socket"),
      rc_socket("rc_socket"),
      config_(config),
      latency_ps_(config.latency_ns * 1000.0),
      raw_bytes_per_s_(config.raw_bytes_per_s()) {
  gpu_socket.register_b_transport(this, &PcieLink::b_transport);
  gpu_socket.register_transport_dbg(this, &PcieLink::transport_dbg);
}

double PcieLink::now_ps() { return static_cast<double>(sim_now_ps()); }

double PcieLink::occupy(Dir d, double earliest, double wire) {
  const double start = std::max(free_ps_[d], earliest);
  free_ps_[d] = start + wire;
  dir_[d].busy_ps += wire;
  return start;
}

sc_time PcieLink::until(double t_ps) {
  // Simulated time is whole ps: round up, so that nothing completes before its exact time.
  const double target = std::ceil(t_ps);
  const double now = now_ps();
  return target > now ? ps_time(static_cast<std::uint64_t>(target - now)) : SC_ZERO_TIME;
}

void PcieLink::wait_until(double t_ps) {
  const sc_time d = until(t_ps);
  if (d > SC_ZERO_TIME) sc_core::wait(d);
}

void PcieLink::forward(tlm::tlm_generic_payload& trans, sc_time delay) {
  // The root complex and the targets behind it synchronise on an annotated delay before they
  // touch anything shared (LT), so the wait until the request reaches the root complex is
  // handed to them instead of waited here: one wait instead of two, ending at the same time.
  rc_socket->b_transport(trans, delay);
  if (delay > SC_ZERO_TIME) sc_core::wait(delay);  // the root complex annotates its latency
}

void PcieLink::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  // Synchronise: the serialisers are shared with concurrent callers, so the transfer starts
  // at the caller's local time, not before. No wait for a zero delay: a delta cycle would let
  // callers of the same instant claim the serialisers in scheduler order instead of call order.
  if (delay > SC_ZERO_TIME) sc_core::wait(delay);
  delay = SC_ZERO_TIME;
  const std::uint64_t len = trans.get_data_length();
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    forward(trans);  // nothing crosses the link
    return;
  }
  if (len == 0) {
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    ++errors_;
    return;
  }
  if (trans.get_streaming_width() != 0 && trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);  // a DMA is not a streaming (FIFO) access
    ++errors_;
    return;
  }
  if (trans.get_address() > std::numeric_limits<std::uint64_t>::max() - len) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    ++errors_;
    return;
  }
  if (trans.is_read()) {
    read(trans);
  } else {
    write(trans);
  }
}

void PcieLink::read(tlm::tlm_generic_payload& trans) {
  const std::uint64_t addr = trans.get_address(), len = trans.get_data_length();
  const double t0 = now_ps();
  ++reads_;
  // Upstream: the read request TLPs (header only).
  const std::uint64_t requests = config_.read_requests(addr, len);
  const double req_wire_bytes = config_.request_wire_bytes(addr, len);
  const double req_wire = wire_ps(req_wire_bytes);
  const double up_start = occupy(kUp, t0, req_wire);
  dir_[kUp].tlps += requests;
  dir_[kUp].wire_bytes += req_wire_bytes;
  const double at_rc = up_start + req_wire / static_cast<double>(requests) + latency_ps_;
  forward(trans, until(at_rc));
  const double cxl_done = now_ps();

  const double overhead = config_.tlp_overhead_bytes;
  double dn_end;
  if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) {
    // One completion without data (UR / CA status) answers the failed request.
    ++errors_;
    const double w = wire_ps(overhead);
    dn_end = occupy(kDown, cxl_done, w) + w;
    dir_[kDown].tlps += 1;
    dir_[kDown].wire_bytes += overhead;
  } else {
    // Completions with data, pipelined with the CXL stream (see the header).
    const std::uint64_t mps = config_.max_payload_bytes;
    const std::uint64_t last_block = (addr + len - 1) / mps * mps;
    const std::uint64_t last_payload = addr + len - std::max(addr, last_block);
    const double wire_bytes = config_.payload_wire_bytes(addr, len);
    const double wire = wire_ps(wire_bytes);
    const double last_tlp = wire_ps(static_cast<double>(last_payload) + overhead);
    const double start = std::max(free_ps_[kDown], at_rc);
    dn_end = std::max(start + wire, cxl_done + last_tlp);
    free_ps_[kDown] = dn_end;
    dir_[kDown].busy_ps += wire;
    dir_[kDown].tlps += config_.payload_tlps(addr, len);
    dir_[kDown].wire_bytes += wire_bytes;
    dir_[kDown].data_bytes += len;
  }
  wait_until(dn_end + latency_ps_);
  read_latency_.record(static_cast<std::uint64_t>(now_ps() - t0));
}

void PcieLink::write(tlm::tlm_generic_payload& trans) {
  const std::uint64_t addr = trans.get_address(), len = trans.get_data_length();
  const double t0 = now_ps();
  ++writes_;
  const std::uint64_t mps = config_.max_payload_bytes;
  const double wire_bytes = config_.payload_wire_bytes(addr, len);
  const double wire = wire_ps(wire_bytes);
  const double up_start = occupy(kUp, t0, wire);
  dir_[kUp].tlps += config_.payload_tlps(addr, len);
  dir_[kUp].wire_bytes += wire_bytes;
  dir_[kUp].data_bytes += len;
  const std::uint64_t first_payload = std::min(len, (addr / mps + 1) * mps - addr);
  const double at_rc =
      up_start + wire_ps(static_cast<double>(first_payload) + config_.tlp_overhead_bytes) + latency_ps_;
  const double last_arrival = up_start + wire + latency_ps_;
  forward(trans, until(at_rc));
  if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) ++errors_;
  // Posted: done when the device has it all, which cannot be before the last TLP arrived.
  wait_until(last_arrival);
  write_latency_.record(static_cast<std::uint64_t>(now_ps() - t0));
}

unsigned int PcieLink::transport_dbg(tlm::tlm_generic_payload& trans) { return rc_socket->transport_dbg(trans); }

nlohmann::json PcieLink::stats_json(double elapsed_ps) const {
  auto dir_json = [&](const PcieDirectionStats& d) {
    return nlohmann::json{{"tlps", d.tlps},
                          {"wire_bytes", d.wire_bytes},
                          {"data_bytes", d.data_bytes},
                          {"busy_ns", d.busy_ps / 1000.0},
                          {"utilisation", elapsed_ps > 0 ? d.busy_ps / elapsed_ps : 0.0},
                          {"data_GBps", elapsed_ps > 0 ? static_cast<double>(d.data_bytes) / elapsed_ps * 1e3 : 0.0},
                          {"peak_data_GBps", config_.data_bytes_per_s() / 1e9}};
  };
  return nlohmann::json{{"upstream", dir_json(dir_[kUp])},
                        {"downstream", dir_json(dir_[kDown])},
                        {"reads", reads_},
                        {"writes", writes_},
                        {"errors", errors_},
                        {"read_latency", mem::latency_json(read_latency_)},
                        {"write_latency", mem::latency_json(write_latency_)}};
}

}  // namespace monde::pcie
