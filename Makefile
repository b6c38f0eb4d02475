# Thin wrapper over CMake/CTest; see README.md.
BUILD   ?= build
PREFIX  ?= /usr/local
JOBS    ?= $(shell nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

.PHONY: deps build test test-sanitize demo bench soak install clean

deps:
	@bash cmake/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE=/usr/bin/python3

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

# The whole ctest suite again on an AddressSanitizer + UndefinedBehaviorSanitizer build
# of everything (build-sanitize/, -DCHARMPY_SANITIZE=ON, see cmake/Sanitize.cmake).
# Every finding ends its process with a non-zero code, so it fails its test; mpirun
# hands these variables to every PE it starts. LeakSanitizer is off here and turned
# on by tests/CMakeLists.txt for the unit tests and the C++ MPI programs (with the
# suppressions of tests/sanitize/lsan.supp); charmpy-run ends with _Exit, which
# skips it anyway.
SANITIZE_BUILD ?= build-sanitize
SANITIZE_ENV = ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Warnings are errors in the normal build only: GCC warns falsely on instrumented code
# (-Wmaybe-uninitialized in libstdc++'s <regex> under -fsanitize=address).
$(SANITIZE_BUILD)/CMakeCache.txt:
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE=/usr/bin/python3 \
	  -DCHARMPY_SANITIZE=ON -DCHARMRT_WERROR=OFF

test-sanitize: deps $(SANITIZE_BUILD)/CMakeCache.txt
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -j $(JOBS) --timeout 300

demo: build
	mpirun -n 2 --oversubscribe $(BUILD)/bin/charmpy-run apps/hello/hello.py
	mpirun -n 2 --oversubscribe $(BUILD)/bin/hello-cpp

# Every benchmark and mini-app flavour on 2 PEs: tables, $(BUILD)/bench/results.json, plots.
bench: build
	/usr/bin/python3 apps/bench/run $(BUILD)

# The soak (apps/bench/soak.py): 1e7 messages and 1e4 migrations on 4 PEs, every
# delivery checked; fails if a PE's RSS grows by 1 % or more after warm-up. Minutes.
soak: build
	mpirun -n 4 --oversubscribe $(BUILD)/bin/charmpy-run apps/bench/soak.py

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
