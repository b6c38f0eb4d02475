"""The command line of every stencil3d flavour (see README.md): --grid, --blocks,
--iters, --imbalance, --lb-period. Runtime flags (+...) are not seen here: charmpy
removes them from sys.argv, and the MPI flavours have none."""
import argparse


def parse(argv, description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--grid', type=int, nargs='+', default=[128],
                        help='interior points: N, or NX NY NZ')
    parser.add_argument('--blocks', type=int, nargs='+', default=[2],
                        help='blocks: B per dimension, or BX BY BZ (charm flavours)')
    parser.add_argument('--iters', type=int, default=100)
    parser.add_argument('--imbalance', type=int, default=1,
                        help='the heavy half (x < NX/2) does F times the work')
    parser.add_argument('--lb-period', type=int, default=10,
                        help='AtSync every K iterations (charm flavours; 0: never)')
    args = parser.parse_args(argv)
    if len(args.grid) == 1:
        args.grid = args.grid * 3
    if len(args.grid) != 3 or min(args.grid) < 1:
        parser.error('--grid takes N or NX NY NZ, all >= 1')
    if len(args.blocks) == 1:
        args.blocks = args.blocks * 3
    if len(args.blocks) != 3:
        parser.error('--blocks takes B or BX BY BZ')
    if min(args.blocks) < 1 or args.iters < 1 or args.imbalance < 1 or args.lb_period < 0:
        parser.error('--blocks, --iters and --imbalance must be >= 1, --lb-period >= 0')
    return args


def split(grid, parts, what):
    """Block sizes along each dimension; exits with a clear message unless the grid
    divides evenly."""
    sizes = []
    for n, p, axis in zip(grid, parts, 'xyz'):
        if n % p:
            raise SystemExit('stencil3d: the grid\'s %s size %d is not a multiple of %d (%s)'
                             % (axis, n, p, what))
        sizes.append(n // p)
    return sizes
