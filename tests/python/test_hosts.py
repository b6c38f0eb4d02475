# Host queries agree with each other and on every PE; getTopoTreeEdges/getTopoSubtrees
# describe one spanning tree, the same on every PE.
from charmpy import charm, Chare, Group

from cases import case, run_cases


def layout():
    hosts = [charm.getHostPes(h) for h in range(charm.numHosts())]
    return (charm.myHost(), charm.numHosts(), hosts,
            [charm.getPeHost(pe) for pe in range(charm.numPes())],
            [charm.getPeHostRank(pe) for pe in range(charm.numPes())],
            [charm.getHostFirstPe(h) for h in range(charm.numHosts())],
            [charm.getHostNumPes(h) for h in range(charm.numHosts())])


def trees():
    n = charm.numPes()
    out = []
    for root in range(n):
        for bfactor in (1, 2, 4):
            out.append([charm.getTopoTreeEdges(pe, root, None, bfactor) for pe in range(n)])
    pes = [n - 1] + list(range(0, n - 1, 2))
    out.append([charm.getTopoTreeEdges(pe, pes[0], pes, 2) for pe in pes])
    out.append(charm.getTopoSubtrees(pes[0], pes, 2))
    return out


class Reporter(Chare):

    def report(self):
        return charm.myPe(), layout(), trees()


def check_tree(root, pes, bfactor):
    edges = {pe: charm.getTopoTreeEdges(pe, root, pes, bfactor) for pe in pes}
    assert edges[root][0] is None
    for pe, (parent, children) in edges.items():
        assert len(children) <= bfactor
        for c in children:
            assert edges[c][0] == pe, (pe, c, edges)
        if pe != root:
            assert pe in edges[parent][1]
    # every PE reaches the root
    for pe in pes:
        seen = set()
        while pe != root:
            assert pe not in seen
            seen.add(pe)
            pe = edges[pe][0]
    subtrees = charm.getTopoSubtrees(root, pes, bfactor)
    assert [s[0] for s in subtrees] == edges[root][1]
    assert sorted(p for s in subtrees for p in s) == sorted(p for p in pes if p != root)
    for s in subtrees:   # a subtree is the tree of its first PE over its PEs
        assert charm.getTopoTreeEdges(s[0], s[0], s, bfactor)[1] == edges[s[0]][1]


@case
def host_queries_agree_with_each_other():
    n = charm.numPes()
    my_host, num_hosts, hosts, host_of, rank_of, first, counts = layout()
    assert num_hosts >= 1
    assert sorted(pe for h in hosts for pe in h) == list(range(n))
    assert counts == [len(h) for h in hosts] and first == [min(h) for h in hosts]
    for h, pes in enumerate(hosts):
        assert pes == sorted(pes)
        for r, pe in enumerate(pes):
            assert host_of[pe] == h and rank_of[pe] == r
    assert my_host == host_of[0]


@case
def topo_tree_edges_and_subtrees_describe_one_spanning_tree():
    n = charm.numPes()
    for root in range(n):
        for bfactor in (1, 2, 4):
            check_tree(root, list(range(root, n)) + list(range(root)), bfactor)
    pes = [n - 1] + list(range(0, n - 1, 2))
    check_tree(n - 1, pes, 2)
    assert charm.getTopoTreeEdges(0, 0) == charm.getTopoTreeEdges(0, 0, None, 4)


@case
def every_pe_sees_the_same_hosts_and_trees():
    my_host, num_hosts, hosts, host_of, rank_of, first, counts = layout()
    reports = Group(Reporter).report(ret=True).get()
    mine = trees()
    for pe, (who, their_layout, their_trees) in enumerate(reports):
        assert who == pe
        assert their_layout[0] == host_of[pe]
        assert their_layout[1:] == (num_hosts, hosts, host_of, rank_of, first, counts)
        assert their_trees == mine


@case
def out_of_range_host_queries_raise_index_error():
    n = charm.numPes()
    num_hosts = charm.numHosts()
    for bad in (lambda: charm.getPeHost(n), lambda: charm.getHostPes(num_hosts),
                lambda: charm.getPeHostRank(-1)):
        try:
            bad()
        except IndexError:
            pass
        else:
            raise AssertionError('no IndexError')


@case
def topo_tree_root_must_be_first_in_pes():
    try:
        charm.getTopoTreeEdges(0, 0, [1, 0])
    except ValueError:
        pass
    else:
        raise AssertionError('root_pe must be first in pes')


def main(args):
    run_cases()


charm.start(main)
