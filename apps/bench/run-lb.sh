#!/usr/bin/env bash
# Runs the imbalanced-workload benchmark (apps/bench/lb_imbalance.py) on 2 PEs with
# +LBOff and with +balancer GreedyLB in one go and prints both with the speedup.
# Usage: apps/bench/run-lb.sh [build-dir] [program options, e.g. --iters 40 --every 5]
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
off_json=$(mpirun -n 2 "$build/bin/charmpy-run" +LBOff "$here/lb_imbalance.py" "$@" | tail -n 1)
greedy_json=$(mpirun -n 2 "$build/bin/charmpy-run" +balancer GreedyLB "$here/lb_imbalance.py" "$@" | tail -n 1)
/usr/bin/python3 - "$off_json" "$greedy_json" <<'PY'
import json, sys
off, greedy = (json.loads(s) for s in sys.argv[1:3])
print(f"{'balancer':>10} {'ms/iter':>8} {'last':>8} {'max/avg before':>15} {'after':>6}")
for r in (off, greedy):
    print(f"{r['balancer']:>10} {r['ms_per_iter']:8.2f} {r['ms_per_iter_last']:8.2f} "
          f"{r['max_avg_before']:15.2f} {r['max_avg_after']:6.2f}")
speedup = off['ms_per_iter'] / greedy['ms_per_iter']
steady = off['ms_per_iter_last'] / greedy['ms_per_iter_last']
ideal = off['max_avg_before']
print(f"GreedyLB speedup over no LB: {speedup:.2f}x overall, {steady:.2f}x after balancing (ideal {ideal:.2f}x)")
print(json.dumps({"bench": "lb-imbalance", "pes": off["pes"], "lboff_ms_per_iter": off["ms_per_iter"],
                  "greedy_ms_per_iter": greedy["ms_per_iter"], "speedup": round(speedup, 3),
                  "speedup_after_balancing": round(steady, 3), "ideal_speedup": round(ideal, 3),
                  "max_avg_before": greedy["max_avg_before"], "max_avg_after": greedy["max_avg_after"]}))
PY
