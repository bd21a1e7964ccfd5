// DRAM simulation speed through TLM-2.0: 1M random 64-byte reads on the DDR4-3200 preset
// (configs/device/ddr4-3200.json), as requests per wall second:
//   BM_DramTlm_TargetAt: an approximately-timed initiator straight into the DRAM target
//     (MemoryTarget: SystemC engine + DRAM timing model + sparse store), 256 outstanding;
//   BM_DramTlm_DeviceAt: the same initiator into the whole CXL Type-3 device (link with its two
//     serialisers and credits, CXL.mem controller, memory port, DRAM target), 256 outstanding.
// Rates are per wall second (UseRealTime). Addresses are uniform over the 8 GiB (mt19937_64,
// seed 1), reads only, data: full (reads of never-written lines return zeros from the sparse
// store). No protocol checker sits on the socket (monde-sim traffic has one). One elaboration
// per process: sc_main builds both rigs; each benchmark iteration hands 1M requests to its
// initiator thread, which pauses the simulation when the last response is in.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "core/config/device_config.hpp"
#include "tlm/device/cxl_type3_device.hpp"
#include "tlm/memory/memory_target.hpp"

namespace {

using namespace monde;

constexpr std::uint64_t kRequests = 1'000'000;
constexpr unsigned kOutstanding = 256;

// A base-protocol AT initiator: BEGIN_REQ, waits for END_REQ (request exclusion), at most
// kOutstanding in flight, answers every BEGIN_RESP with TLM_COMPLETED.
class Initiator : public sc_core::sc_module, public tlm::tlm_mm_interface {
 public:
  tlm_utils::simple_initiator_socket<Initiator, 64> socket{"socket"};
  SC_HAS_PROCESS(Initiator);
  Initiator(sc_core::sc_module_name n, std::uint64_t lines) : sc_module(n), lines_(lines) {
    socket.register_nb_transport_bw(this, &Initiator::nb_transport_bw);
    SC_THREAD(run);
  }
  // Runs `n` reads to completion; returns the simulated time they took.
  sc_core::sc_time play(std::uint64_t n) {
    todo_ = n;
    go_.notify(sc_core::SC_ZERO_TIME);
    const auto t0 = sc_core::sc_time_stamp();
    sc_core::sc_start();
    return sc_core::sc_time_stamp() - t0;
  }
  std::uint64_t errors() const { return errors_; }

 private:
  void free(tlm::tlm_generic_payload* t) override { pool_.push_back(t); }
  tlm::tlm_generic_payload* allocate() {
    if (pool_.empty()) {
      owned_.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
      data_.push_back(std::make_unique<unsigned char[]>(64));
      owned_.back()->set_data_ptr(data_.back().get());
      pool_.push_back(owned_.back().get());
    }
    auto* t = pool_.back();
    pool_.pop_back();
    t->acquire();
    return t;
  }
  void run() {
    for (;;) {
      while (todo_ == 0) sc_core::wait(go_);
      const std::uint64_t n = todo_;
      for (std::uint64_t i = 0; i < n; ++i) {
        while (in_flight_ >= kOutstanding) sc_core::wait(slot_);
        auto* t = allocate();
        t->set_command(tlm::TLM_READ_COMMAND);
        t->set_address((rng_() % lines_) * 64);
        t->set_data_length(64);
        t->set_streaming_width(64);
        t->set_byte_enable_ptr(nullptr);
        t->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        ++in_flight_;
        open_ = t;
        tlm::tlm_phase phase = tlm::BEGIN_REQ;
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        const auto s = socket->nb_transport_fw(*t, phase, delay);
        if (s == tlm::TLM_COMPLETED) {
          open_ = nullptr;
          done(*t);
        } else if (s == tlm::TLM_UPDATED) {
          open_ = nullptr;
          if (phase == tlm::BEGIN_RESP) done(*t);
        }
        while (open_ != nullptr) sc_core::wait(end_req_);
      }
      while (in_flight_ > 0) sc_core::wait(slot_);
      todo_ = 0;
      sc_core::sc_pause();
    }
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase, sc_core::sc_time&) {
    if (&t == open_ && (phase == tlm::END_REQ || phase == tlm::BEGIN_RESP)) {
      open_ = nullptr;
      end_req_.notify(sc_core::SC_ZERO_TIME);
    }
    if (phase != tlm::BEGIN_RESP) return tlm::TLM_ACCEPTED;
    done(t);
    phase = tlm::END_RESP;
    return tlm::TLM_COMPLETED;
  }
  void done(tlm::tlm_generic_payload& t) {
    if (t.is_response_error()) ++errors_;
    --in_flight_;
    t.release();
    slot_.notify(sc_core::SC_ZERO_TIME);
  }

  std::uint64_t lines_;
  std::mt19937_64 rng_{1};
  std::uint64_t todo_ = 0, in_flight_ = 0, errors_ = 0;
  tlm::tlm_generic_payload* open_ = nullptr;
  sc_core::sc_event go_, end_req_, slot_;
  std::vector<tlm::tlm_generic_payload*> pool_;
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> owned_;
  std::vector<std::unique_ptr<unsigned char[]>> data_;
};

Initiator* g_target = nullptr;
Initiator* g_device = nullptr;

void run(benchmark::State& state, Initiator& ini) {
  std::uint64_t requests = 0;
  sc_core::sc_time simulated;
  for (auto _ : state) {
    simulated = ini.play(kRequests);
    requests += kRequests;
  }
  if (ini.errors() != 0) state.SkipWithError("error responses");
  state.counters["requests_per_second"] = benchmark::Counter(double(requests), benchmark::Counter::kIsRate);
  state.counters["simulated_us"] = simulated.to_seconds() * 1e6;
  state.counters["GBps_simulated"] = double(kRequests) * 64 / simulated.to_seconds() / 1e9;
}

void BM_DramTlm_TargetAt(benchmark::State& state) { run(state, *g_target); }
void BM_DramTlm_DeviceAt(benchmark::State& state) { run(state, *g_device); }
BENCHMARK(BM_DramTlm_TargetAt)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DramTlm_DeviceAt)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const auto cfg = config::load_device_config("ddr4-3200");
  const std::uint64_t lines = cfg.dram.capacity_bytes() / 64;
  Initiator target_ini("target_initiator", lines);
  mem::MemoryTarget target("memory", cfg.dram, cfg.dram.capacity_bytes(), mem::MemoryTargetOptions{});
  target_ini.socket.bind(target.socket);
  Initiator device_ini("device_initiator", lines);
  device::DeviceOptions opt;
  opt.ndp = false;  // a plain memory expander: host traffic only
  device::CxlType3Device dev("device", cfg, opt);
  device_ini.socket.bind(dev.host_socket());
  g_target = &target_ini;
  g_device = &device_ini;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
