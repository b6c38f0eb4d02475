"""Spanning trees of PEs that follow the hosts: charm.getTopoTreeEdges and
charm.getTopoSubtrees.

The other PEs are ordered with those of the root's host first, then host by host, and
cut into up to `bfactor` consecutive blocks (whole hosts per block when there are
enough hosts, else each host cut into blocks of nearly equal size); the first PE of
each block is a child of the root and, recursively, the root of its block's tree.
"""
import _charmpy

_NUM_PES = _charmpy.num_pes()


def tree_pes(root_pe, pes):
    """`pes` as a list starting with `root_pe` (every PE when None)."""
    if pes is None:
        return [root_pe] + [p for p in range(_NUM_PES) if p != root_pe]
    pes = list(pes)
    if not pes or pes[0] != root_pe:
        raise ValueError('the spanning tree\'s root_pe %r must be the first of pes' % (root_pe,))
    return pes


def _split_evenly(items, parts):
    """`items` cut into `parts` consecutive pieces whose sizes differ by at most one."""
    n = len(items)
    pieces, start = [], 0
    for i in range(parts):
        size = n // parts + (1 if i < n % parts else 0)
        pieces.append(items[start:start + size])
        start += size
    return pieces


def topo_blocks(pes, bfactor, host_of):
    """Splits pes[1:] into the root's subtrees (see getTopoTreeEdges): up to `bfactor`
    blocks, each made of whole hosts when there are at least as many hosts as blocks,
    else each host cut into a number of blocks proportional to its PEs. `host_of[pe]` is
    the host of `pe`."""
    if bfactor < 1:
        raise ValueError('bfactor must be at least 1, got %r' % (bfactor,))
    rest = pes[1:]
    if not rest:
        return []
    root_host = host_of[pes[0]]
    by_host = {}
    for pe in sorted(rest, key=lambda p: (host_of[p] != root_host, host_of[p])):
        by_host.setdefault(host_of[pe], []).append(pe)
    hosts = list(by_host.values())   # the root's host first, then by host number
    k = min(bfactor, len(rest))
    if len(hosts) >= k:
        # whole hosts, consecutive, about the same number of PEs per block
        blocks, current, left = [], [], len(rest)
        for i, host in enumerate(hosts):
            current = current + host
            blocks_after = k - len(blocks) - 1
            hosts_after = len(hosts) - i - 1
            if blocks_after and (hosts_after == blocks_after or
                                 len(current) * (blocks_after + 1) >= left):
                blocks.append(current)
                left -= len(current)
                current = []
        blocks.append(current)
        return blocks
    # fewer hosts than blocks: every host gets one block or more
    shares = [1] * len(hosts)
    for _ in range(k - len(hosts)):
        i = max(range(len(hosts)), key=lambda h: (len(hosts[h]) / shares[h], -h))
        shares[i] += 1
    return [piece for host, share in zip(hosts, shares) for piece in _split_evenly(host, share)]
