#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, builds tests/install against it
# with find_package(charmrt), and runs the result on 2 PEs.
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
