#!/bin/sh
# check_sigusr1.sh MPIEXEC NP RUNNER: runs test_deadlock_sigusr1.py (the last PE spins
# 6 s while the entry function waits for it), sends SIGUSR1 to mpirun once the loop
# runs, and checks that the spinning PE printed its stack, PE 0 its waiting entry
# function, and that the program then finished normally (exit 0).
mpiexec=$1 np=$2 runner=$3
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 60 "$mpiexec" -n "$np" --oversubscribe "$runner" "$here/test_deadlock_sigusr1.py" 6 >"$out" 2>&1 &
pid=$!
i=0
until grep -q 'sigusr1 test: PE [0-9]* spinning' "$out"; do
  i=$((i + 1))
  if [ $i -gt 300 ]; then cat "$out"; echo "the loop never started"; exit 1; fi
  sleep 0.1
done
sleep 0.5
# to mpirun (the child of timeout), which forwards it to every rank
pkill -USR1 -P "$pid" -x "$(basename "$mpiexec")" || { echo "no $mpiexec to signal"; exit 1; }
wait "$pid"
rc=$?
cat "$out"
last=$((np - 1))
test $rc -eq 0 || { echo "exit code $rc, expected 0"; exit 1; }
grep -q "charmpy: PE $last got SIGUSR1; it runs:" "$out" || { echo "PE $last did not print where it runs"; exit 1; }
grep -q 'in spin_for' "$out" || { echo "no stack of the spinning method"; exit 1; }
grep -q "PE 0: the entry function main() waits for a future" "$out" || { echo "PE 0 did not report its waiting entry function"; exit 1; }
grep -q 'sigusr1 test: finished' "$out" || { echo "the program did not go on"; exit 1; }
echo "SIGUSR1 report ok"
