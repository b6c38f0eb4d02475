#!/usr/bin/env bash
# Runs the charmpy allreduce benchmark and the mpi4py reference on 2 PEs in one go
# and prints the latencies side by side with the ratio charmpy / mpi4py.
# Usage: apps/bench/run-allreduce.sh [build-dir] [--iters-scale F]
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ref_json=$(mpirun -n 2 /usr/bin/python3 "$here/allreduce_mpi4py.py" "$@" | tail -n 1)
ours_json=$(mpirun -n 2 "$build/bin/charmpy-run" "$here/allreduce.py" "$@" | tail -n 1)
/usr/bin/python3 - "$ref_json" "$ours_json" <<'PY'
import json, sys
ref, ours = (json.loads(s) for s in sys.argv[1:3])
print(f"{'case':>14} {'mpi4py us':>10} {'charmpy us':>11} {'ratio':>6}")
ratios = {}
for case, value in ours["us"].items():
    r = ref["us"][case.split("_", 1)[1]]
    ratios[case] = round(value / r, 3)
    print(f"{case:>14} {r:10.1f} {value:11.1f} {value / r:6.2f}")
print(json.dumps({"bench": "allreduce", "mpi4py_us": ref["us"], "charmpy_us": ours["us"],
                  "ratio_charmpy_over_mpi4py": ratios}))
PY
