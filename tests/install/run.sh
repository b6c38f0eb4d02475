#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, builds tests/install against it
# with find_package(charmrt), and runs the result on 2 PEs; then runs a Python
# test with the installed charmpy-run.
set -euo pipefail
build=$1
mpiexec=$2
here=$(cd "$(dirname "$0")" && pwd)
prefix=$build/test-install
rm -rf "$prefix" "$build/test-consumer"
cmake --install "$build" --prefix "$prefix" > /dev/null
cmake -S "$here" -B "$build/test-consumer" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$build/test-consumer" > /dev/null
LD_LIBRARY_PATH="$prefix/lib:${LD_LIBRARY_PATH:-}" "$mpiexec" -n 2 --oversubscribe "$build/test-consumer/consumer"
# The installed charmpy-run finds its charmpy package under the prefix, not in the source tree.
"$mpiexec" -n 2 --oversubscribe "$prefix/bin/charmpy-run" "$here/../python/test_hello.py"
test -f "$prefix/lib/charmpy/python/charmpy/__init__.py"
