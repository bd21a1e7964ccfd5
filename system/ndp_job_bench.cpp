#include "system/ndp_job_bench.hpp"

#include <algorithm>
#include <functional>
#include <memory>

#include <tlm_utils/simple_initiator_socket.h>

#include "host/driver/ndp_driver.hpp"
#include "host/driver/ndp_job_error.hpp"
#include "host/driver/tlm_device_bus.hpp"
#include "system/builder.hpp"

namespace monde::system {

namespace {

// The host: CXL.mem and CXL.io initiators and the thread that runs the jobs through the driver.
class NdpBenchHost : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<NdpBenchHost, 64> mem{"mem"};
  tlm_utils::simple_initiator_socket<NdpBenchHost, 64> mmio{"mmio"};

  SC_HAS_PROCESS(NdpBenchHost);
  NdpBenchHost(sc_core::sc_module_name name, device::CxlType3Device& dev, std::uint64_t device_bytes,
               const std::vector<ndp::VectorJob>& jobs)
      : sc_module(name), dev_(dev), device_bytes_(device_bytes), jobs_(jobs) {
    SC_THREAD(run);
  }
  NdpBenchResult result;

 private:
  void run() {
    std::size_t i = 0;
    try {
      driver::TlmDeviceBus bus(mem, mmio, &dev_.ndp().irq_event(), [this] { return dev_.ndp().irq_pending(); });
      driver::NdpDriver drv(bus, device_bytes_);
      drv.init();
      for (; i < jobs_.size(); ++i) run_job(drv, jobs_[i]);
    } catch (const std::exception& e) {
      result.error = (i < jobs_.size() ? "job '" + jobs_[i].name + "': " : std::string()) + e.what();
    }
    result.simulated = sc_core::sc_time_stamp();
    sc_core::sc_stop();
  }

  void run_job(driver::NdpDriver& drv, const ndp::VectorJob& j) {
    driver::ExpertShape shape{j.d_model, j.d_ff, j.gated, j.weights};
    const driver::ExpertHandle e =
        j.weights.quantised()
            ? drv.place_quantised_expert(shape, j.q_up, j.gated ? &j.q_gate : nullptr, j.q_down)
            : drv.place_expert(shape, j.w_up.data(), j.gated ? j.w_gate.data() : nullptr, j.w_down.data());
    driver::NdpDriver::DescriptorEdit edit;
    if (!j.descriptor.empty()) edit = [&j](ndp::JobDescriptor& d) { ndp::apply_descriptor_edits(d, j.descriptor); };
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    const driver::JobTicket ticket = drv.submit(e, j.tokens, j.x.data(), edit);
    ndp::NdpJobOutcome out;
    try {
      driver::JobResult r = drv.wait(ticket, true);
      out.h = std::move(r.h);
      out.y = std::move(r.y);
      result.submit_to_completion.push_back(r.submit_to_completion);
    } catch (const driver::NdpJobError& err) {
      out.code = err.code();
      // wait() throws as soon as it consumed the completion: the same span as submit_to_completion.
      result.submit_to_completion.push_back(sc_core::sc_time_stamp() - t0);
    }
    result.outcomes.push_back(std::move(out));
  }

  device::CxlType3Device& dev_;
  std::uint64_t device_bytes_;
  const std::vector<ndp::VectorJob>& jobs_;
};

}  // namespace

NdpBenchResult run_ndp_jobs(const config::DeviceConfig& device, const std::vector<ndp::VectorJob>& jobs) {
  auto dev = build_device(device, {}, "device");
  NdpBenchHost host("host", *dev, device.dram.capacity_bytes(), jobs);
  host.mem.bind(dev->host_socket());
  host.mmio.bind(dev->ndp_mmio_socket());
  sc_core::sc_start();
  return host.result;
}

std::string check_job_fits(const config::DeviceConfig& device, const ndp::VectorJob& j) {
  if (j.expected_code() != ndp::NdpErrorCode::kOk) return {};
  const config::NdpLimits lim = device.ndp.limits();
  const std::uint32_t align = std::max(1u, lim.dim_align);
  const auto dim = [&](const char* name, std::uint32_t v, std::uint32_t max) -> std::string {
    if (v % align != 0 || v > max) {
      return std::string(name) + " = " + std::to_string(v) + " does not fit the device; allowed multiples of " +
             std::to_string(align) + " up to " + std::to_string(max) + " (device.ndp)";
    }
    return {};
  };
  if (auto s = dim("d_model", j.d_model, lim.max_d_model); !s.empty()) return s;
  if (auto s = dim("d_ff", j.d_ff, lim.max_d_ff); !s.empty()) return s;
  const std::uint32_t max_tokens = lim.max_tokens_for(std::max(j.d_model, j.d_ff));
  if (j.tokens > max_tokens) {
    return "tokens = " + std::to_string(j.tokens) + " does not fit the device; allowed 1.." + std::to_string(max_tokens) +
           " for this shape (device.ndp activation buffer and max_tokens)";
  }
  return {};
}

}  // namespace monde::system
