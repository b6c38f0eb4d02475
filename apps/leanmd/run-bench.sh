#!/usr/bin/env bash
# Compares the two LeanMD flavours on 2 PEs: runs them alternately, cpp then charmpy,
# and prints every run's ms_per_step, the medians and minimums, the ratio charmpy /
# cpp of the medians, of the minimums and the median ratio of back-to-back pairs (on
# a shared, noisy machine the minimum and the pairs are the steadier figures), and
# checks that all runs printed the same energy.
# Usage: apps/leanmd/run-bench.sh [build-dir] [runs] [LeanMD options and runtime flags]
#   e.g. apps/leanmd/run-bench.sh build 5 --cells 3 3 4 --particles 150 --steps 50
set -euo pipefail
build=${1:-build}
runs=${2:-5}
shift 2 || shift $#
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
results=()
for ((i = 0; i < runs; i++)); do
  results+=("$(mpirun -n 2 "$build/bin/leanmd-cpp" "$@" | tail -n 1)")
  results+=("$(mpirun -n 2 "$build/bin/charmpy-run" "$here/leanmd.py" "$@" | tail -n 1)")
done
/usr/bin/python3 - "${results[@]}" <<'PY'
import json, statistics, sys
runs = [json.loads(s) for s in sys.argv[1:]]
times = {'cpp': [], 'charmpy': []}
for r in runs:
    times[r['flavour']].append(r['ms_per_step'])
energies = {r['energy'] for r in runs}
for flavour, ts in times.items():
    print('%-8s ms/step: %s  median %.2f  min %.2f'
          % (flavour, ' '.join('%.2f' % t for t in ts), statistics.median(ts), min(ts)))
ratio = statistics.median(times['charmpy']) / statistics.median(times['cpp'])
min_ratio = min(times['charmpy']) / min(times['cpp'])
pair_ratio = statistics.median(p / c for c, p in zip(times['cpp'], times['charmpy']))
print('charmpy / cpp: %.3f (medians), %.3f (minimums), %.3f (median of pairs); energies %s'
      % (ratio, min_ratio, pair_ratio, 'agree' if len(energies) == 1 else 'DIFFER: %r' % energies))
first = runs[0]
print(json.dumps({'bench': 'leanmd-compare', 'pes': first['pes'], 'cells': first['cells'],
                  'particles_per_cell': first['particles_per_cell'], 'steps': first['steps'],
                  'lb': first['lb'], 'cpp_ms_per_step': statistics.median(times['cpp']),
                  'charmpy_ms_per_step': statistics.median(times['charmpy']), 'ratio': round(ratio, 3),
                  'min_ratio': round(min_ratio, 3), 'pair_ratio': round(pair_ratio, 3),
                  'energy': first['energy']}))
sys.exit(0 if len(energies) == 1 else 1)
PY
