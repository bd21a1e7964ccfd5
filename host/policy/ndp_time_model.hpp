// How long the NDP units take for one expert, as the placement policies see it. Two models:
//   ScheduleNdpTime  the device's own schedule (core/perf/ndp_job_time.hpp): what the runtime
//                    uses, so that policies predict what the simulation does;
//   BoundNdpTime     a hand-specified bound, max(weights / DRAM rate, MACs / MAC rate) + a fixed
//                    overhead per job, for cost models written without a device (tests,
//                    what-if studies); the simulation never uses it.
#pragma once

#include <cstdint>
#include <string>

#include "core/perf/expert_shape.hpp"
#include "core/perf/ndp_job_time.hpp"

namespace monde::policy {

class NdpTimeModel {
 public:
  virtual ~NdpTimeModel() = default;
  // All of one expert's NDP jobs for `tokens` tokens (0 tokens: 0 s), and how long they keep the
  // device DRAM streaming.
  virtual perf::NdpExpertTime expert_time(std::uint64_t tokens, const perf::ExpertShape& shape) const = 0;
  virtual std::string describe() const = 0;
};

class ScheduleNdpTime final : public NdpTimeModel {
 public:
  explicit ScheduleNdpTime(perf::NdpTiming timing) : timing_(std::move(timing)) {}
  perf::NdpExpertTime expert_time(std::uint64_t tokens, const perf::ExpertShape& shape) const override {
    return perf::ndp_expert_time(timing_, shape, tokens);
  }
  std::string describe() const override { return "schedule"; }
  const perf::NdpTiming& timing() const { return timing_; }

 private:
  perf::NdpTiming timing_;
};

class BoundNdpTime final : public NdpTimeModel {
 public:
  // dram and MAC rates > 0, overhead >= 0, token_block >= 1: the arrays take tokens in blocks
  // of this many rows and a partial block costs a whole one. std::invalid_argument otherwise.
  BoundNdpTime(double dram_bytes_per_s, double macs_per_s, double job_overhead_s, std::uint32_t token_block);
  perf::NdpExpertTime expert_time(std::uint64_t tokens, const perf::ExpertShape& shape) const override;
  std::string describe() const override { return "bound"; }

 private:
  double dram_bytes_per_s_, macs_per_s_, job_overhead_s_;
  std::uint32_t token_block_;
};

}  // namespace monde::policy
