# Names charm4py 1.1 programs import or read, and what they do here: the `wait`
# module's condition classes, Channel.remote, Chare._numthreads and .migratable,
# charm.lib, charm.register/started/interactive/reducers/addReducer, @coro_ext,
# Future(store=...), Future.send(result=...), NotThreadedError, proxies' elemIdx /
# gid / aid, and charm4py's keyword names (pool.submit(iterable=...),
# when(cond_str=...), Chare.wait(cond_str=...), charm.wait(objs=...)).
from charm4py import charm, Chare, Group, Array, Channel, Future, Reducer, coro, coro_ext, when
from charm4py import wait
from charm4py.threads import NotThreadedError
from charm4py.entry_method import coro_ext as coro_ext_again

from cases import case, run_cases


def double(x):
    return 2 * x


def count_items(contribs):
    return sum(contribs)


class Worker(Chare):

    def __init__(self):
        self.ready = False
        self.step = 0

    def plain_numthreads(self):
        return self._numthreads

    @coro
    def coro_numthreads(self):
        return self._numthreads

    @coro_ext(event_notify=True)
    def waits_on_future(self):
        f = Future()
        f.send(result=7)
        return f.get()

    def get_outside_coroutine(self):
        f = Future()
        try:
            f.get()
        except NotThreadedError as e:
            return isinstance(e, RuntimeError) and 'coroutine' in str(e)
        return False

    def migratable_states(self):
        before = self.migratable
        self.setMigratable(False)
        after = self.migratable
        self.migratable = True
        return before, after, self.migratable

    @coro
    def channel_remote(self, other):
        ch = Channel(self, remote=other)
        return ch.remote == other

    def set_ready(self):
        self.ready = True

    @coro
    def wait_ready(self):
        self.wait(cond_str='self.ready')
        return True

    @when(cond_str='self.step == step')
    def at_step(self, step):
        self.step += 1
        return step


@case
def wait_module_classifies_conditions(g, a):
    args = {'it': 0, 'x': 1, 'y': 2}
    tag = wait.parse_cond_str('self.iterations == it', __name__, args)
    assert isinstance(tag, wait.MsgTagCond) and tag.group, tag
    assert (tag.attrib_name, tag.arg_idx) == ('iterations', 0), vars(tag)
    assert isinstance(wait.parse_cond_str('y == self.x', __name__, args), wait.MsgTagCond)
    mixed = wait.parse_cond_str('self.x == x + y', __name__, args)
    assert isinstance(mixed, wait.ChareStateMsgCond) and not mixed.group, mixed
    state = wait.parse_cond_str('self.x + self.y == 3', __name__, args)
    assert isinstance(state, wait.ChareStateCond), state
    assert isinstance(wait.parse_cond_str('self.x', __name__), wait.ChareStateCond)

    class Obj:
        iterations, x, y = 4, 1, 2
    assert tag.evaluateWhen(Obj(), (4, 0, 0)) and not tag.evaluateWhen(Obj(), (5, 0, 0))
    assert mixed.evaluateWhen(Obj(), (0, 1, 0)) and not mixed.evaluateWhen(Obj(), (0, 1, 1))
    assert state.evaluateWhen(Obj(), ())


@case
def numthreads_counts_the_running_coroutines(g, a):
    assert g[0].plain_numthreads(ret=True).get() == 0
    assert g[0].coro_numthreads(ret=True).get() == 1


@case
def coro_ext_methods_may_suspend(g, a):
    assert coro_ext_again is coro_ext
    assert g[0].waits_on_future(ret=True).get() == 7


@case
def waiting_outside_a_coroutine_raises_NotThreadedError(g, a):
    assert g[0].get_outside_coroutine(ret=True).get() is True


@case
def migratable_follows_setMigratable(g, a):
    assert a[1].migratable_states(ret=True).get() == (True, False, True)


@case
def channel_remote_is_the_peer_proxy(g, a):
    fs = [a[0].channel_remote(a[1], ret=True), a[1].channel_remote(a[0], ret=True)]
    assert [f.get() for f in fs] == [True, True]


@case
def charm4py_keyword_names(g, a):
    assert charm.pool.submit(iterable=[(double, 3), (double, 4)]) == [6, 8]
    g[0].set_ready()
    assert g[0].wait_ready(ret=True).get()
    fs = [a[2].at_step(step=s, ret=True) for s in (1, 0)]
    charm.wait(objs=fs)
    assert [f.get() for f in fs] == [1, 0]


@case
def charm_object_attributes(g, a):
    assert charm.started is True and charm.interactive is False
    assert charm.reducers is Reducer
    assert charm.lib.name == 'charmpy' and charm.lib.CkMyPe() == charm.myPe()
    assert charm.lib.CkNumPes() == charm.numPes()
    try:
        charm.lib.CkRegisterReadonly
    except AttributeError as e:
        assert 'charmpy' in str(e) and 'CkRegisterReadonly' in str(e), e
    else:
        raise AssertionError('charm.lib.CkRegisterReadonly should not exist')
    charm.thisProxy.addReducer(count_items, awaitable=True).get()
    assert Reducer.count_items is not None


@case
def futures_take_charm4py_keywords(g, a):
    f = charm.createFuture(num_vals=2)
    assert f.src == charm.myPe() and f.nvals == 2
    f.send(result=1)
    f(result=2)
    assert f.get() == [1, 2]
    try:
        Future(store=True)
    except NotImplementedError as e:
        assert 'store' in str(e), e
    else:
        raise AssertionError('Future(store=True) should be refused')


@case
def proxies_have_charm4py_ids(g, a):
    assert g.elemIdx == -1 and g[0].elemIdx == 0 and g.gid == g[0].gid
    assert a.elemIdx == () and a[2].elemIdx == (2,) and a.aid == a[3].aid
    assert a.ndims == 1


def main(args):
    g = Group(Worker)
    a = Array(Worker, 4)
    charm.awaitCreation(g, a)
    run_cases(g, a)


charm.start(main)
