# Entry points. `make run` and `make test` set up everything on a fresh Debian 12 machine.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= 2
# fuzz-smoke: each target runs a fixed number of inputs from a fixed seed, capped at FUZZ_SECONDS
# (a slow machine); the whole smoke stays within about 12 minutes on 2 cores.
FUZZ_SECONDS ?= 150
CMAKE_FLAGS ?=

# The libFuzzer targets (tests/fuzz/), each with a seed corpus in tests/fuzz/corpus/.
FUZZ_TARGETS = fuzz_expr fuzz_loader fuzz_application fuzz_case fuzz_journal

.PHONY: all deps configure build run test check sanitize fuzz-smoke bench clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The main job on the bundled ruleset.
run: build
	scripts/run-demo $(BUILD)/evenhand

# Quick loop: unit, conformance and CLI tests of the normal build.
check: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Every test: the normal build, then the unit tests under ASan+UBSan, then a short fuzz run.
test: check sanitize fuzz-smoke

sanitize: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DEVENHAND_SANITIZE=address,undefined \
	  -DEVENHAND_BUILD_BENCHMARKS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD_ASAN) -j $(JOBS) --target evenhand_unit_tests evenhand_cel_conformance evenhand_c_tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -L sanitize

# A target's budget: FUZZ_RUNS inputs (see scripts/fuzz-smoke).
fuzz-smoke: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DEVENHAND_BUILD_FUZZERS=ON -DEVENHAND_BUILD_TESTS=OFF -DEVENHAND_BUILD_BENCHMARKS=OFF \
	  -DEVENHAND_BUILD_TOOLS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target $(FUZZ_TARGETS)
	FUZZ_RUNS=200000 scripts/fuzz-smoke $(BUILD_FUZZ)/tests/fuzz/fuzz_expr tests/fuzz/corpus/expr $(FUZZ_SECONDS)
	FUZZ_RUNS=80000 scripts/fuzz-smoke $(BUILD_FUZZ)/tests/fuzz/fuzz_loader tests/fuzz/corpus/loader $(FUZZ_SECONDS)
	FUZZ_RUNS=60000 scripts/fuzz-smoke $(BUILD_FUZZ)/tests/fuzz/fuzz_application tests/fuzz/corpus/application $(FUZZ_SECONDS)
	FUZZ_RUNS=60000 scripts/fuzz-smoke $(BUILD_FUZZ)/tests/fuzz/fuzz_case tests/fuzz/corpus/case $(FUZZ_SECONDS)
	FUZZ_RUNS=10000 FUZZ_MAX_LEN=16384 scripts/fuzz-smoke $(BUILD_FUZZ)/tests/fuzz/fuzz_journal tests/fuzz/corpus/journal $(FUZZ_SECONDS)

bench: build
	$(BUILD)/tests/bench/evenhand_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
