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
# Arrays have 8 elements per PE: also compare with mpi4py summing 8 local values
# per rank before its allreduce (like for like).
print(f"{'case':>14} {'mpi4py us':>10} {'charmpy us':>11} {'ratio':>6} {'mpi4py 8/rank':>14} {'ratio':>6}")
ratios, like_for_like = {}, {}
for case, value in ours["us"].items():
    kind, data = case.split("_", 1)
    r = ref["us"][data]
    ratios[case] = round(value / r, 3)
    line = f"{case:>14} {r:10.1f} {value:11.1f} {value / r:6.2f}"
    if kind == "array" and "8x" + data in ref["us"]:
        r8 = ref["us"]["8x" + data]
        like_for_like[case] = round(value / r8, 3)
        line += f" {r8:14.1f} {value / r8:6.2f}"
    print(line)
print(json.dumps({"bench": "allreduce", "mpi4py_us": ref["us"], "charmpy_us": ours["us"],
                  "ratio_charmpy_over_mpi4py": ratios,
                  "ratio_array_over_mpi4py_8_per_rank": like_for_like}))
PY
