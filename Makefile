# The two README commands (`make run`, `make test`) plus bench and lint.
# Everything builds once in build/release; ctest runs the suites in parallel.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

.PHONY: run demo test asan asan-ci bench lint signoff regress soak fuzz build configure bootstrap clean

# The prefill steps the benchmarks time: 256 prompts of 8 tokens (2048 tokens), as the presets study.
PREFILL_2048 := --step-set run.phase=prefill --step-set run.batch=256 --step-set run.prompt_tokens=8

# The main job: one Mixtral-8x7B decode step under monde, offload and ndp_only (the embedded
# configs/experiments/default.json); outputs in runs/latest/.
run: bootstrap build
	$(BUILD)/bin/monde-sim run --out runs/latest

# The MAC-array demo: RTL vs C++ model on a few tiles, with a VCD for GTKWave.
demo: bootstrap build
	$(BUILD)/bin/monde-sim mac demo --vcd waveforms/mac_array_demo.vcd

test: bootstrap build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory asan-ci

# The sanitizer builds (ASan + UBSan, Debug, build/asan). `make asan`: the whole ctest suite.
# `make asan-ci` (part of make test, so CI runs it): the tests labelled asan_ci, the SystemC-free
# libraries' suites and the bad-input corpus replays, which build in a few minutes.
ASAN_CI_TARGETS := test_numerics test_ndp_unit test_dram test_moe monde-fuzz-replay-model_config \
  monde-fuzz-replay-device_config monde-fuzz-replay-routing_trace monde-fuzz-replay-request_trace
asan: bootstrap
	@test -f build/asan/CMakeCache.txt || cmake --preset asan
	cmake --build build/asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

asan-ci: bootstrap
	@test -f build/asan/CMakeCache.txt || cmake --preset asan
	cmake --build build/asan -j $(JOBS) --target $(ASAN_CI_TARGETS)
	ctest --test-dir build/asan --output-on-failure -j $(JOBS) -L asan_ci

bench: bootstrap build
	$(BUILD)/bench/monde-bench-mac --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	$(BUILD)/bench/monde-bench-dram --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	$(BUILD)/bench/monde-bench-dram-tlm --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	$(BUILD)/bench/monde-bench-policy --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	$(BUILD)/bench/monde-bench-ndp --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	$(BUILD)/bench/monde-bench-model --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	$(BUILD)/bench/monde-bench-model --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
	  --step-name BM_Model_PrefillStep_Mixtral8x7B $(PREFILL_2048)
	$(BUILD)/bench/monde-bench-model --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
	  --step-name BM_Model_PrefillStep_Mixtral8x22B $(PREFILL_2048) --step-set model=mixtral-8x22b \
	  --step-set routing.source=zipf --step-set device.memory.organization.ranks=8
	$(BUILD)/bench/monde-bench-model --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
	  --step-name BM_Model_PrefillStep_Qwen3_30B_A3B $(PREFILL_2048) --step-set model=qwen3-30b-a3b \
	  --step-set routing.source=zipf
	$(BUILD)/bench/monde-bench-model --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
	  --step-name BM_Model_PrefillStep_Mixtral8x22B_NdpOnly $(PREFILL_2048) --step-set model=mixtral-8x22b \
	  --step-set routing.source=zipf --step-set device.memory.organization.ranks=8 --step-policy ndp_only

lint:
	verilator --lint-only -Wall --top-module mac_array rtl/*.sv

# RTL sign-off: lint, yosys synthesis (area, logic depth), formal proofs, coverage from the
# differential tests (a 4 x 4 coverage build in build/coverage). Report: signoff/report.md.
signoff: bootstrap
	JOBS=$(JOBS) scripts/signoff/run

# Long RTL regression: exhaustive bf16 multiplier and fp32->bf16 (2^32 inputs each), 10^9 adder
# pairs, then SEEDS seeds of the random differential run (FIRST_SEED onwards).
SEEDS ?= 20
FIRST_SEED ?= 1
regress: bootstrap build
	scripts/regress $(BUILD) $(SEEDS) $(FIRST_SEED)

# Soak (not in ctest): 10,000 MoE layers in one process with and without --out (RSS sampled,
# growth per 1,000 layers), a timed-DRAM run with protocol checkers and queue peaks, and the CXL
# link saturated from both directions (scripts/soak says what passes).
soak: bootstrap build
	scripts/soak $(BUILD)

# libFuzzer targets (tests/fuzz/; clang, ASan + UBSan, build/fuzz), each for a bounded time:
# FUZZ_SECONDS per target (default 60), or FUZZ_RUNS executions; FUZZ_TARGETS a subset.
fuzz:
	JOBS=$(JOBS) scripts/fuzz

bootstrap:
	@scripts/bootstrap

configure:
	@test -f $(BUILD)/CMakeCache.txt || cmake --preset $(PRESET)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

clean:
	rm -rf build
