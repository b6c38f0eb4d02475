#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, checks that only the public
# headers were installed, builds tests/install (a consumer and the C++ apps)
# against it with find_package(charmrt), and runs the consumer on 2 PEs; then runs
# a Python test with the installed charmpy-run.
set -euo pipefail
build=$1
mpiexec=$2
here=$(cd "$(dirname "$0")" && pwd)
prefix=$build/test-install
rm -rf "$prefix" "$build/test-consumer"
cmake --install "$build" --prefix "$prefix" > /dev/null
# Only the public API is installed: the include tree is exactly the source's
# include/ (charm.h and charm/...), with none of the layers' internal headers.
diff <(cd "$here/../../include" && find . -name '*.h' | sort) <(cd "$prefix/include" && find . -name '*.h' | sort)
for internal in runtime.h collection.h transport.h message_queue.h registry.h chare_internals.h lb_manager.h; do
  if [ -n "$(find "$prefix/include" -name "$internal")" ]; then
    echo "internal header $internal was installed" >&2
    exit 1
  fi
done
# A program that includes only <charm.h> compiles against the installed tree alone.
printf '#include <charm.h>\nint main(int argc, char** argv) { return charm::run(argc, argv, {}); }\n' |
  "${CXX:-c++}" -std=c++20 -fsyntax-only -I"$prefix/include" -x c++ -
cmake -S "$here" -B "$build/test-consumer" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$build/test-consumer" -j2 > /dev/null
for flags in "" "+balancer RotateLB" "+LBOff"; do
  # shellcheck disable=SC2086  # the flags are separate arguments
  LD_LIBRARY_PATH="$prefix/lib:${LD_LIBRARY_PATH:-}" "$mpiexec" -n 2 --oversubscribe "$build/test-consumer/consumer" $flags
done
# The installed charmpy-run finds its charmpy package under the prefix, not in the source tree.
"$mpiexec" -n 2 --oversubscribe "$prefix/bin/charmpy-run" "$here/../python/test_hello.py"
test -f "$prefix/lib/charmpy/python/charmpy/__init__.py"
