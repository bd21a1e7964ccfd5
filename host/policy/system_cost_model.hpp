// The numbers the placement cost model runs on: link and compute rates of the GPU, the MoNDE
// device (its DRAM and NDP units) and the host CPU. All fields are SI (bytes/s, s, flop/s).
// The runtime derives one from the experiment's hardware (system/cost_model.hpp) with the same
// formulas the simulation uses; tests build them by hand.
#pragma once

#include <cstdint>
#include <memory>

#include "core/perf/gpu_host_copy.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "host/policy/ndp_time_model.hpp"

namespace monde::policy {

struct SystemCostModel {
  // Expert weights from device memory into GPU memory. The caller passes the effective rate
  // of the whole path (min of the CXL read bandwidth and the GPU's PCIe link).
  double device_to_gpu_bytes_per_s = 0;
  // Activations into the device for NDP jobs, and NDP results back out, over CXL.
  double host_to_device_bytes_per_s = 0;
  double device_to_host_bytes_per_s = 0;
  // One-way latency added once per transfer (each weight fetch, each activation batch).
  double link_latency_s = 0;
  // The NDP path's activations also cross the GPU's PCIe link: GPU -> host memory before the CXL
  // writes, results host -> GPU after the CXL reads, one copy of the layer's batch each way
  // (core/perf/gpu_host_copy.hpp, the formula the simulation waits). bytes_per_s 0: not modelled.
  perf::GpuHostCopy gpu_host_copy;
  // The NDP units: time and DRAM occupancy of one expert's jobs.
  std::shared_ptr<const NdpTimeModel> ndp;
  // Bandwidth of the device DRAM that both the NDP units and the GPU's weight fetch read: while
  // a fetch streams, the NDP path loses DRAM time (path_timers.hpp, shared_stream_delay_s).
  // 0: not modelled (a hand-built model whose paths do not share a memory).
  double shared_dram_bytes_per_s = 0;
  // Rate of the CXL link (device to host) that both the GPU's weight copies and the CPU path's
  // weight reads cross: while a copy streams, the CPU path loses link time (the same
  // shared_stream_delay_s). 0: not modelled.
  double shared_link_bytes_per_s = 0;
  // Host CPU running cold experts (`cpu` policy): weights read over CXL.mem at its rate, its
  // compute rate, and the GPU<->host PCIe rate that its activations and results cross.
  double cpu_weight_bytes_per_s = 0;
  double cpu_flops_per_s = 0;
  double gpu_host_activation_bytes_per_s = 0;
  // GPU memory one MoE layer may keep experts pinned in (`static_freq`, `context`): the
  // experiment's run.gpu_memory_budget_bytes_per_layer as given (0: nothing pinned).
  std::uint64_t gpu_memory_budget_bytes_per_layer = 0;
  // GPU compute time of one expert.
  std::shared_ptr<const perf::GpuTimeModel> gpu;
  // MoNDE devices (config devices.count, 1 .. 16), each with its own CXL link, DRAM and NDP units
  // at the rates above: the NDP path is one serial path per device (LayerDemand::ndp_device says
  // whose), and the layer's NDP part ends with the slowest. The GPU's fetches still cross one PCIe
  // link at device_to_gpu_bytes_per_s, whichever device they read.
  std::uint32_t ndp_devices = 1;
};

// Throws std::invalid_argument naming the first field that is not a positive rate (or a
// negative latency), or a missing GPU or NDP time model. The evaluator calls it on entry, so
// hand-built models are checked as strictly as derived ones.
void validate(const SystemCostModel& model);

}  // namespace monde::policy
