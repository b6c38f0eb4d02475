#!/usr/bin/env bash
# Runs the imbalanced-workload benchmark (apps/bench/lb_imbalance.py) on 2 PEs with
# +LBOff, with the default balancer (no +balancer flag: GreedyRefineLB) and with
# +balancer GreedyLB, and prints each with its speedup over no balancing.
# Usage: apps/bench/run-lb.sh [build-dir] [program options, e.g. --iters 40 --every 5]
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() { mpirun -n 2 "$build/bin/charmpy-run" "$@" "$here/lb_imbalance.py" "${options[@]}" | tail -n 1; }
options=("$@")
off_json=$(run +LBOff)
default_json=$(run)
greedy_json=$(run +balancer GreedyLB)
/usr/bin/python3 - "$off_json" "$default_json" "$greedy_json" <<'PY'
import json, sys
off, default, greedy = (json.loads(s) for s in sys.argv[1:4])
print(f"{'balancer':>16} {'ms/iter':>8} {'last':>8} {'max/avg before':>15} {'after':>6} {'speedup':>8}")
for r in (off, default, greedy):
    print(f"{r['balancer']:>16} {r['ms_per_iter']:8.2f} {r['ms_per_iter_last']:8.2f} "
          f"{r['max_avg_before']:15.2f} {r['max_avg_after']:6.2f} {off['ms_per_iter'] / r['ms_per_iter']:7.2f}x")
ideal = off['max_avg_before']
for r in (default, greedy):
    print(f"{r['balancer']} speedup over no LB: {off['ms_per_iter'] / r['ms_per_iter']:.2f}x overall, "
          f"{off['ms_per_iter_last'] / r['ms_per_iter_last']:.2f}x after balancing (ideal {ideal:.2f}x)")
print(json.dumps({"bench": "lb-imbalance", "pes": off["pes"], "lboff_ms_per_iter": off["ms_per_iter"],
                  "default_balancer": default["balancer"], "default_ms_per_iter": default["ms_per_iter"],
                  "greedy_ms_per_iter": greedy["ms_per_iter"],
                  "speedup": round(off['ms_per_iter'] / default['ms_per_iter'], 3),
                  "greedy_speedup": round(off['ms_per_iter'] / greedy['ms_per_iter'], 3),
                  "speedup_after_balancing": round(off['ms_per_iter_last'] / default['ms_per_iter_last'], 3),
                  "ideal_speedup": round(ideal, 3),
                  "max_avg_before": default["max_avg_before"], "max_avg_after": default["max_avg_after"]}))
PY
