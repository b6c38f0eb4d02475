#!/usr/bin/env bash
# Runs the pool benchmark in its three flavours one after the other: charm.pool on 2
# PEs, multiprocessing.Pool(2), mpi4py.futures with 2 workers (3 ranks: master +
# workers, oversubscribed), and prints them side by side with charmpy's ratios.
# Usage: apps/bench/run-pool.sh [build-dir]; ends with one JSON line.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ours=$(mpirun -n 2 "$build/bin/charmpy-run" "$here/pool.py" | tail -n 1)
mp=$(/usr/bin/python3 "$here/pool_multiprocessing.py" 2 | tail -n 1)
futures=$(PYTHONPATH="$here" mpirun -n 3 --oversubscribe /usr/bin/python3 -m mpi4py.futures \
            "$here/pool_mpi4py.py" | tail -n 1)
/usr/bin/python3 - "$ours" "$mp" "$futures" <<'PY'
import json, sys
ours, mp, fut = (json.loads(s) for s in sys.argv[1:4])
flavours = (ours, mp, fut)
print("charm.pool vs multiprocessing.Pool vs mpi4py.futures, 2 workers each")
print(f"{'':28}" + "".join(f"{f['flavour']:>17}" for f in flavours)
      + f"{'vs mp':>8}{'vs futures':>11}")
ratios = {}
for cs in ours["tiny_tasks_per_s"]:
    values = [f["tiny_tasks_per_s"][cs] for f in flavours]
    r_mp, r_fut = values[0] / values[1], values[0] / values[2]
    ratios[f"tiny_chunksize_{cs}"] = {"vs_multiprocessing": round(r_mp, 2),
                                      "vs_mpi4py_futures": round(r_fut, 2)}
    print(f"{'tiny tasks/s, chunksize ' + cs:28}" + "".join(f"{v:17,d}" for v in values)
          + f"{r_mp:7.2f}x{r_fut:10.2f}x")
times = [f["coarse"]["parallel_s"] for f in flavours]
print(f"{'coarse: 1000 tasks, s':28}" + "".join(f"{t:17.3f}" for t in times))
for kind in ("busy", "serial"):
    eff = [f["coarse"]["efficiency_" + kind] for f in flavours]
    print(f"{'coarse: efficiency (' + kind + ')':28}" + "".join(f"{e * 100:16.1f}%" for e in eff))
print(f"(coarse task: {ours['coarse']['task_ms']:.2f} ms in charmpy's PE 0, "
      f"{mp['coarse']['task_ms']:.2f} ms in multiprocessing's parent. Efficiency (busy): time "
      "spent in tasks / (2 x parallel time); (serial): the tasks run one after another in "
      "that process / (2 x parallel time); this VM's speed drifts, so serial is noisier)")
print(json.dumps({"bench": "pool", "charmpy": ours, "multiprocessing": mp,
                  "mpi4py_futures": fut, "ratios_charmpy": ratios}))
PY
