"""Checks the benchmark suite itself (apps/bench/run, make bench): runs it with
--smoke (stencil3d's cases, tiny, once) into a scratch directory and checks what it
must produce: every case of the headline tables, the overdecomposition curve at
1, 4, 32 and 256 blocks per PE for charmpy and C++, the targets' ratios, agreeing
checksums and the plots. Also checks median_of_leaves, which the repeated
benchmarks report through.

    python3 check_bench_smoke.py BUILD_DIR OUT_DIR
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'apps', 'bench'))
from bench_common import median_of_leaves  # noqa: E402


def check_median_of_leaves():
    runs = [{'us': {'8': 3.0, 'int': 1.0}, 'name': 'a', 'ratio': {'8': 2.0}},
            {'us': {'8': 1.0, 'int': 5.0}, 'name': 'b', 'ratio': {'8': 9.0}},
            {'us': {'8': 2.0, 'int': 4.0}, 'name': 'c', 'ratio': {'8': 1.0}}]
    merged = median_of_leaves(runs)
    assert merged == {'us': {'8': 2.0, 'int': 4.0}, 'name': 'a', 'ratio': {'8': 2.0}}, merged


def main():
    build, out = sys.argv[1], sys.argv[2]
    check_median_of_leaves()
    subprocess.run(['/usr/bin/python3', os.path.join(ROOT, 'apps', 'bench', 'run'), build,
                    '--smoke', '--out', out], check=True, timeout=900)
    with open(os.path.join(out, 'results.json')) as f:
        stencil = json.load(f)['benchmarks']['stencil3d']
    for label in ('mpi', 'mpi4py', 'charmpy 4x4x4', 'cpp 4x4x4', 'charmpy 2x2x2', 'cpp 2x2x2',
                  'charmpy 4x1x1', 'cpp 4x1x1'):
        assert stencil['balanced'][label]['ms_per_iter'] > 0, label
    for label in ('mpi', 'mpi4py', 'charmpy 4x4x4', 'cpp 4x4x4', 'charmpy 4x4x4 +LBOff'):
        assert stencil['imbalance4'][label]['ms_per_iter'] > 0, label
    for flavour in ('charmpy', 'cpp'):
        assert sorted(stencil['curve'][flavour], key=int) == ['1', '4', '32', '256'], stencil['curve']
    ratios = stencil['ratios']
    assert set(ratios['cubes_charmpy_over_mpi4py']) == {'4x4x4', '2x2x2'}, ratios
    assert ratios['checksum_spread'] <= 1e-9, ratios
    for plot in ('stencil3d.png', 'overdecomposition.png'):
        assert os.path.getsize(os.path.join(out, plot)) > 1000, plot
    print('bench smoke: ok')


if __name__ == '__main__':
    main()
