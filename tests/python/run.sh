#!/usr/bin/env bash
# Runs the Python tests by hand: tests/python/run.sh [build-dir] [test.py ...]
# Each test runs as `mpirun -n P charmpy-run test.py` for P in $PES (default "1 2 4")
# and must exit with the code its "# expect-exit-code: N" line names (default 0).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
shift || true
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=("$here"/test_*.py)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
failed=0
for t in "${tests[@]}"; do
  expect=$(sed -n 's/^# expect-exit-code: *\([0-9]*\).*/\1/p' "$t" | head -1)
  expect=${expect:-0}
  for p in ${PES:-1 2 4}; do
    out=$(timeout 120 mpirun -n "$p" --oversubscribe "$build/bin/charmpy-run" "$t" 2>&1)
    rc=$?
    if [ "$rc" -eq "$expect" ]; then
      echo "ok    $(basename "$t") np$p"
    else
      echo "FAIL  $(basename "$t") np$p (exit $rc, expected $expect)"
      echo "$out" | tail -40 | sed 's/^/      /'
      failed=1
    fi
  done
done
exit $failed
