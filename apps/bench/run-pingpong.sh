#!/usr/bin/env bash
# Runs the C++ (libcharmrt) and the plain C MPI ping-pong on 2 PEs in one go and
# prints their one-way latencies side by side with the ratio ours / MPI.
# Usage: apps/bench/run-pingpong.sh [build-dir] [--iters-scale F]
set -euo pipefail
build=${1:-build}
shift || true
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi_json=$(mpirun -n 2 "$build/bin/pingpong-mpi" "$@" | tail -n 1)
cpp_json=$(mpirun -n 2 "$build/bin/pingpong-cpp" "$@" | tail -n 1)
/usr/bin/python3 - "$mpi_json" "$cpp_json" <<'PY'
import json, sys
mpi, cpp = (json.loads(s) for s in sys.argv[1:3])
print(f"{'bytes':>10} {'C MPI us':>10} {'charm payload us':>17} {'ratio':>6} {'charm vector us':>16} {'ratio':>6}")
ratios = {}
for size, ref in mpi["one_way_us"].items():
    ours = cpp["one_way_us"].get(size)
    vec = cpp["vector_one_way_us"].get(size)
    if ours is None:
        continue
    ratios[size] = ours / ref
    print(f"{size:>10} {ref:10.3f} {ours:17.3f} {ours/ref:6.2f} {vec:16.3f} {vec/ref:6.2f}")
print(json.dumps({"bench": "pingpong", "mpi_one_way_us": mpi["one_way_us"],
                  "cpp_one_way_us": cpp["one_way_us"],
                  "ratio_cpp_over_mpi": {k: round(v, 3) for k, v in ratios.items()}}))
PY
