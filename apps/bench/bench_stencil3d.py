"""stencil3d in the benchmark suite (apps/bench/run): the four flavours on 2 PEs,
in the decompositions users write, with default options.

- Headline: cubic blocks, 4x4x4 (32 per PE) and 2x2x2 (4 per PE), charmpy next to
  mpi4py and C++ on libcharmrt next to C++ MPI; slabs (4x1x1) a second row.
- The overdecomposition curve: ms per iteration against blocks per PE (1, 4, 32,
  256: 2x1x1, 2x2x2, 4x4x4, 8x8x8), drawn by plot.py.
- `--imbalance 4`: the heavy half does 4x the work; the default balancer against
  +LBOff and the MPI flavours (ideal speed-up 1.6x).

The charm flavours run with their defaults (AtSync every 10 iterations, the
default balancer), as a user would. Every case runs `repeats` times, the cases
taking turns, and the medians are reported; the targets of issue 16 are printed
with each figure.
"""
import os

from bench_common import ROOT, median_runs, mpirun

GRID = ['--grid', '192']
ITERS = ['--iters', '100']
CUBES = {'4x4x4': ['4', '4', '4'], '2x2x2': ['2', '2', '2']}
SLABS = ['4', '1', '1']
CURVE = {1: ['2', '1', '1'], 4: ['2', '2', '2'], 32: ['4', '4', '4'], 256: ['8', '8', '8']}
TARGET_CHARMPY_OVER_MPI4PY = 1.15
TARGET_CPP_OVER_MPI = 1.10
TARGET_LB_SPEEDUP = 1.35
TARGET_CURVE = 1.10       # up to 32 blocks per PE, against 1 block per PE


def commands(build, sizes):
    """The command lines of one run of every case: label -> command."""
    app = os.path.join(ROOT, 'apps', 'stencil3d')
    charmpy = os.path.join(app, 'stencil3d.py')
    mpi4py = os.path.join(app, 'stencil3d_mpi4py.py')

    def blocks(b):
        return ['--blocks'] + b

    balanced, imbalanced = {}, {}
    args = sizes['grid'] + sizes['iters']
    balanced['mpi'] = mpirun(build, 'stencil3d-mpi', args)
    balanced['mpi4py'] = mpirun(build, mpi4py, args, python=True)
    for b in sizes['curve'].values():
        balanced['cpp %s' % 'x'.join(b)] = mpirun(build, 'stencil3d-cpp', args + blocks(b))
        balanced['charmpy %s' % 'x'.join(b)] = mpirun(build, charmpy, args + blocks(b), charmpy=True)
    slabs = 'x'.join(sizes['slabs'])
    balanced['cpp %s' % slabs] = mpirun(build, 'stencil3d-cpp', args + blocks(sizes['slabs']))
    balanced['charmpy %s' % slabs] = mpirun(build, charmpy, args + blocks(sizes['slabs']), charmpy=True)

    heavy = args + ['--imbalance', '4']
    imbalanced['mpi'] = mpirun(build, 'stencil3d-mpi', heavy)
    imbalanced['mpi4py'] = mpirun(build, mpi4py, heavy, python=True)
    for name, b in sizes['cubes'].items():
        imbalanced['cpp %s' % name] = mpirun(build, 'stencil3d-cpp', heavy + blocks(b))
        imbalanced['charmpy %s' % name] = mpirun(build, charmpy, heavy + blocks(b), charmpy=True)
    first, b = next(iter(sizes['cubes'].items()))   # the largest count: 4x4x4
    imbalanced['cpp %s +LBOff' % first] = mpirun(build, 'stencil3d-cpp', heavy + blocks(b) + ['+LBOff'])
    imbalanced['charmpy %s +LBOff' % first] = mpirun(build, charmpy, heavy + blocks(b) + ['+LBOff'],
                                                     charmpy=True)
    return balanced, imbalanced


def verdict(value, target, at_most):
    met = value <= target if at_most else value >= target
    return '%.2fx (target %s %.2fx: %s)' % (value, '<=' if at_most else '>=', target,
                                          'met' if met else 'MISSED')


def report(results, sizes, repeats):
    balanced, imbalanced = results['balanced'], results['imbalance4']
    ms = {group: {k: v['ms_per_iter'] for k, v in results[group].items()}
          for group in ('balanced', 'imbalance4')}
    b, i = ms['balanced'], ms['imbalance4']
    print('stencil3d, %s, 2 PEs, default options: ms per iteration (medians of %d runs)'
          % (' '.join(sizes['grid'] + sizes['iters']), repeats))
    print('%-24s %10s %12s %10s' % ('balanced', 'ms/iter', 'vs mpi4py', 'vs mpi'))
    for name in balanced:
        print('%-24s %10.2f %11.2fx %9.2fx' % (name, b[name], b[name] / b['mpi4py'], b[name] / b['mpi']))
    print('%-24s %10s %12s %10s' % ('--imbalance 4', 'ms/iter', 'mpi4py / it', 'mpi / it'))
    for name in imbalanced:
        print('%-24s %10.2f %11.2fx %9.2fx' % (name, i[name], i['mpi4py'] / i[name], i['mpi'] / i[name]))

    ratios = {'cubes_charmpy_over_mpi4py': {}, 'cubes_cpp_over_mpi': {},
              'imbalance4_charmpy_speedup_over_mpi4py': {}, 'imbalance4_cpp_speedup_over_mpi': {}}
    print('targets (issue 16):')
    for name in sizes['cubes']:
        r = ratios['cubes_charmpy_over_mpi4py'][name] = round(b['charmpy ' + name] / b['mpi4py'], 3)
        print('  charmpy %s / mpi4py: %s' % (name, verdict(r, TARGET_CHARMPY_OVER_MPI4PY, True)))
        r = ratios['cubes_cpp_over_mpi'][name] = round(b['cpp ' + name] / b['mpi'], 3)
        print('  cpp %s / mpi: %s' % (name, verdict(r, TARGET_CPP_OVER_MPI, True)))
    for name in sizes['cubes']:
        r = ratios['imbalance4_charmpy_speedup_over_mpi4py'][name] = round(i['mpi4py'] / i['charmpy ' + name], 3)
        print('  --imbalance 4, mpi4py / charmpy %s: %s' % (name, verdict(r, TARGET_LB_SPEEDUP, False)))
        r = ratios['imbalance4_cpp_speedup_over_mpi'][name] = round(i['mpi'] / i['cpp ' + name], 3)
        print('  --imbalance 4, mpi / cpp %s: %s' % (name, verdict(r, TARGET_LB_SPEEDUP, False)))

    curve = {}
    print('overdecomposition curve (ms/iter; relative to 1 block per PE):')
    for flavour in ('charmpy', 'cpp'):
        points = {per_pe: b['%s %s' % (flavour, 'x'.join(blk))] for per_pe, blk in sizes['curve'].items()}
        one = points[min(points)]
        curve[flavour] = {str(per_pe): {'ms_per_iter': v, 'relative': round(v / one, 3)}
                          for per_pe, v in points.items()}
        print('  %-8s %s' % (flavour, '  '.join('%d/PE %.2f (%.2fx)' % (per_pe, v, v / one)
                                                for per_pe, v in points.items())))
        for per_pe, v in points.items():
            if 1 < per_pe <= 32:
                print('    %s %d per PE vs 1 per PE: %s' % (flavour, per_pe,
                                                           verdict(v / one, TARGET_CURVE, True)))
    curve['mpi4py'], curve['mpi'] = b['mpi4py'], b['mpi']
    results['curve'] = curve
    checksums = {r['checksum'] for group in (balanced, imbalanced) for r in group.values()}
    spread = (max(checksums) - min(checksums)) / abs(max(checksums))
    print('checksums agree to %.1e relative' % spread)
    ratios['checksum_spread'] = spread
    results['ratios'] = ratios
    if spread > 1e-9:
        raise SystemExit('bench: stencil3d checksums disagree (%.1e relative)' % spread)
    return results


FULL = {'grid': GRID, 'iters': ITERS, 'cubes': CUBES, 'slabs': SLABS, 'curve': CURVE}
# `apps/bench/run --smoke`: the same cases, tiny, to check the suite itself runs.
SMOKE = {'grid': ['--grid', '24'], 'iters': ['--iters', '12'], 'cubes': CUBES, 'slabs': SLABS,
         'curve': CURVE}


def stencil3d(build, smoke=False):
    sizes = SMOKE if smoke else FULL

    def bench(repeats):
        balanced, imbalanced = commands(build, sizes)
        results = {'balanced': median_runs(balanced, repeats, 'ms_per_iter'),
                   'imbalance4': median_runs(imbalanced, repeats, 'ms_per_iter')}
        return report(results, sizes, repeats)
    return bench
