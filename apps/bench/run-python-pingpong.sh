#!/usr/bin/env bash
# Runs the charmpy Python ping-pong and the mpi4py ping-pong on 2 PEs in one go
# and prints their one-way latencies side by side with the ratio charmpy / mpi4py.
# Usage: apps/bench/run-python-pingpong.sh [build-dir] [--iters-scale F]
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ref_json=$(mpirun -n 2 /usr/bin/python3 "$here/pingpong_mpi4py.py" "$@" | tail -n 1)
ours_json=$(mpirun -n 2 "$build/bin/charmpy-run" "$here/pingpong.py" "$@" | tail -n 1)
/usr/bin/python3 - "$ref_json" "$ours_json" <<'PY'
import json, sys
ref, ours = (json.loads(s) for s in sys.argv[1:3])
print(f"{'payload':>10} {'mpi4py us':>10} {'charmpy us':>11} {'ratio':>6}")
ratios = {}
for k, r in ref["one_way_us"].items():
    o = ours["one_way_us"][k]
    ratios[k] = round(o / r, 3)
    print(f"{k:>10} {r:10.3f} {o:11.3f} {o/r:6.2f}")
print(f"same-PE entry-method chain: {ours['same_pe_msgs_per_s']:.0f} messages/s")
print(json.dumps({"bench": "pingpong-python", "mpi4py_one_way_us": ref["one_way_us"],
                  "charmpy_one_way_us": ours["one_way_us"], "ratio_charmpy_over_mpi4py": ratios,
                  "same_pe_msgs_per_s": round(ours["same_pe_msgs_per_s"])}))
PY
