# Thin wrapper over CMake/CTest; see README.md.
BUILD   ?= build
PREFIX  ?= /usr/local
JOBS    ?= $(shell nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

.PHONY: deps build test demo bench soak install clean

deps:
	@bash cmake/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE=/usr/bin/python3

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

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
