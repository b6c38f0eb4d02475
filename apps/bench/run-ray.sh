#!/usr/bin/env bash
# Runs the charmpy.ray benchmark (ray_tasks.py on 2 PEs: ray tasks next to
# charm.pool chunksize 1, latencies, 1 MiB objects next to the ping-pong) and the
# multiprocessing.Pool(2) apply_async reference (ray_multiprocessing.py) one after
# the other, and prints them side by side with issue 17's targets: ray tiny tasks
# >= 50% of charm.pool chunksize 1 and >= 2x multiprocessing.Pool(2).
# Usage: apps/bench/run-ray.sh [build-dir] [--tasks N]; ends with one JSON line.
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ours=$(mpirun -n 2 "$build/bin/charmpy-run" "$here/ray_tasks.py" "$@" | tail -n 1)
mp=$(/usr/bin/python3 "$here/ray_multiprocessing.py" 2 "$@" | tail -n 1)
/usr/bin/python3 - "$ours" "$mp" <<'PY'
import json, sys
ours, mp = (json.loads(s) for s in sys.argv[1:3])
rates, lat, obj = ours["tiny_tasks_per_s"], ours["latency_us"], ours["object_1mib_us"]
ray, pool, mpr = rates["ray"], rates["charm_pool_chunksize_1"], mp["apply_async_tasks_per_s"]
vs_pool, vs_mp = ray / pool, ray / mpr
met = lambda ok: "met" if ok else "MISSED"
print("charmpy.ray vs charm.pool vs multiprocessing.Pool(2), 2 PEs / 2 workers")
print(f"{'':34}{'ray':>12}{'charm.pool':>12}{'mp.Pool(2)':>12}")
note = f"   (mp: {mp['tasks']} tasks)" if mp["tasks"] != ours["tasks"] else ""
print(f"{'tiny tasks/s (%d tasks)' % ours['tasks']:34}{ray:12,d}{pool:12,d}{mpr:12,d}{note}")
print(f"{'one tiny task, round trip (us)':34}{lat['ray_task']:12.1f}{lat['charm_pool_task']:12.1f}"
      f"{mp['apply_latency_us']:12.1f}")
print(f"  (an entry-method call with ret=True, round trip: {lat['entry_method_ret']:.1f} us)")
print(f"target: ray >= 50% of charm.pool chunksize 1: {vs_pool * 100:.0f}% ({met(vs_pool >= 0.5)})")
print(f"target: ray >= 2x multiprocessing.Pool(2) apply_async: {vs_mp:.2f}x ({met(vs_mp >= 2)})")
print("1 MiB objects (us):")
labels = {"put_local": "ray.put, same PE", "get_local": "ray.get of a put, same PE",
          "get_remote": "ray.get of a value held on PE 1",
          "call_returning_remote": "actor call on PE 1 returning it",
          "put_then_use_remote": "put, then an actor on PE 1 uses it",
          "pingpong_one_way": "ping-pong one way (group, ret=True)"}
for key, label in labels.items():
    if key in obj:
        print(f"  {label:40}{obj[key]:10.1f}")
ratios = {"ray_over_charm_pool_chunksize_1": round(vs_pool, 3), "ray_over_multiprocessing": round(vs_mp, 2)}
if "get_remote" in obj and "pingpong_one_way" in obj:
    ratios["get_remote_over_pingpong_one_way"] = round(obj["get_remote"] / obj["pingpong_one_way"], 2)
print(json.dumps({"bench": "ray", "charmpy": ours, "multiprocessing": mp, "ratios": ratios}))
PY
