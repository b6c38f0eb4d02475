"""Draws the benchmark suite's plots from its results.json (apps/bench/run calls it):

    python3 apps/bench/plot.py build/bench/results.json build/bench/

latency.png and bandwidth.png (ping-pong curves: C MPI, libcharmrt C++, mpi4py,
charmpy), stencil3d.png (time per iteration per flavour, balanced, and with
--imbalance 4 with and without load balancing), overdecomposition.png (stencil3d's
time per iteration against blocks per PE), leanmd.png (time per step per
flavour, with and without load balancing), pool.png and ray.png (tasks per second). A
benchmark missing from the results is skipped.
"""
import json
import os
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def sizes_and_values(series):
    """(bytes, value) pairs of a {size: value} dict, numeric sizes only, sorted."""
    points = sorted((int(k), v) for k, v in series.items() if k.isdigit())
    return [p[0] for p in points], [p[1] for p in points]


def pingpong_curves(bench):
    curves = []
    native = bench.get('pingpong')
    if native:
        curves.append(('C MPI', native['mpi_one_way_us'], 'k-o'))
        curves.append(('libcharmrt C++', native['cpp_one_way_us'], 'b-s'))
    python = bench.get('pingpong-python')
    if python:
        curves.append(('mpi4py (NumPy arrays)', python['mpi4py_one_way_us'], 'k--^'))
        curves.append(('charmpy (NumPy arrays)', python['charmpy_one_way_us'], 'r-v'))
    return curves


def plot_pingpong(bench, out_dir, machine):
    curves = pingpong_curves(bench)
    if not curves:
        return
    for name, ylabel, transform in (
            ('latency.png', 'one-way time (us)', lambda b, us: us),
            ('bandwidth.png', 'bandwidth (MB/s)', lambda b, us: b / us)):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for label, series, style in curves:
            x, y = sizes_and_values(series)
            ax.plot(x, [transform(b, us) for b, us in zip(x, y)], style, label=label)
        ax.set_xscale('log', base=2)
        ax.set_yscale('log')
        ax.set_xlabel('message size (bytes)')
        ax.set_ylabel(ylabel)
        ax.set_title('ping-pong between 2 PEs (%s)' % machine)
        ax.grid(True, which='both', alpha=0.3)
        ax.legend()
        save(fig, out_dir, name)


def save(fig, out_dir, name):
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, name), dpi=120)
    plt.close(fig)


def bars(ax, labels, values, title, ylabel, colors=None):
    positions = range(len(labels))
    ax.bar(positions, values, color=colors)
    ax.set_xticks(list(positions))
    ax.set_xticklabels(labels, rotation=20, ha='right')
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    for x, v in zip(positions, values):
        ax.annotate('%.3g' % v, (x, v), ha='center', va='bottom', fontsize=8)


def color_of(label):
    return {'mpi': 'dimgray', 'mpi4py': 'darkgray', 'cpp': 'tab:blue',
            'charmpy': 'tab:red'}.get(label.split()[0], 'tab:green')


def plot_stencil3d(bench, out_dir, machine):
    stencil = bench.get('stencil3d')
    if not stencil:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, group, title in ((left, 'balanced', 'balanced'),
                             (right, 'imbalance4', '--imbalance 4, with and without load balancing')):
        labels = list(stencil[group])
        bars(ax, labels, [stencil[group][k]['ms_per_iter'] for k in labels], title,
             'ms per iteration', [color_of(k) for k in labels])
    fig.suptitle('stencil3d on 2 PEs (%s)' % machine)
    save(fig, out_dir, 'stencil3d.png')


def plot_overdecomposition(bench, out_dir, machine):
    """ms per iteration against blocks per PE, charmpy and C++, with the MPI
    flavours (one block per rank) as horizontal lines."""
    curve = (bench.get('stencil3d') or {}).get('curve')
    if not curve:
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for flavour, style in (('charmpy', 'r-o'), ('cpp', 'b-s')):
        points = sorted((int(k), v['ms_per_iter']) for k, v in curve[flavour].items())
        ax.plot([p[0] for p in points], [p[1] for p in points], style, label=flavour)
        ax.set_xticks([p[0] for p in points], [str(p[0]) for p in points])
    for flavour, style in (('mpi4py', 'r--'), ('mpi', 'b--')):
        ax.axhline(curve[flavour], linestyle='--', color=style[0], alpha=0.6,
                   label='%s (1 block per rank)' % flavour)
    ax.set_xscale('log', base=2)
    ax.set_ylim(bottom=0)
    ax.set_xlabel('blocks per PE')
    ax.set_ylabel('ms per iteration')
    ax.set_title('stencil3d overdecomposition on 2 PEs (%s)' % machine, fontsize=9)
    ax.grid(True, which='both', alpha=0.3)
    ax.legend()
    save(fig, out_dir, 'overdecomposition.png')


def plot_leanmd(bench, out_dir, machine):
    md = bench.get('leanmd')
    if not md:
        return
    labels = [k for k in md if k != 'ratios']
    fig, ax = plt.subplots(figsize=(7, 4.5))
    bars(ax, labels, [md[k]['ms_per_step'] for k in labels], 'LeanMD on 2 PEs (%s)' % machine,
         'ms per step', [color_of(k) for k in labels])
    save(fig, out_dir, 'leanmd.png')


def plot_pool(bench, out_dir, machine):
    pool = bench.get('pool')
    if not pool:
        return
    flavours = [('charm.pool', pool['charmpy']), ('multiprocessing', pool['multiprocessing']),
                ('mpi4py.futures', pool['mpi4py_futures'])]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, chunksize in zip(axes, ('1', '100')):
        bars(ax, [f[0] for f in flavours], [f[1]['tiny_tasks_per_s'][chunksize] for f in flavours],
             'tiny tasks, chunksize %s' % chunksize, 'tasks per second',
             ['tab:red', 'darkgray', 'dimgray'])
        ax.set_yscale('log')
    fig.suptitle('parallel map with 2 workers (%s)' % machine)
    save(fig, out_dir, 'pool.png')


def plot_ray(bench, out_dir, machine):
    ray = bench.get('ray')
    if not ray:
        return
    rates = ray['charmpy']['tiny_tasks_per_s']
    fig, ax = plt.subplots(figsize=(6, 4.5))
    bars(ax, ['charmpy.ray', 'charm.pool\nchunksize 1', 'multiprocessing\nPool(2).apply_async'],
         [rates['ray'], rates['charm_pool_chunksize_1'], ray['multiprocessing']['apply_async_tasks_per_s']],
         'tiny tasks, 2 workers (%s)' % machine, 'tasks per second', ['tab:red', 'tab:orange', 'darkgray'])
    save(fig, out_dir, 'ray.png')


def main():
    path, out_dir = sys.argv[1], sys.argv[2]
    with open(path) as f:
        results = json.load(f)
    machine = '%d cores, %s' % (results['machine']['cores'], results['machine']['cpu'] or 'unknown CPU')
    bench = results['benchmarks']
    for plot in (plot_pingpong, plot_stencil3d, plot_overdecomposition, plot_leanmd, plot_pool, plot_ray):
        plot(bench, out_dir, machine)
    print('plots: %s' % ', '.join(sorted(f for f in os.listdir(out_dir) if f.endswith('.png'))))


if __name__ == '__main__':
    main()
