# Bad calls fail at the caller with a clear exception: unknown method (AttributeError),
# index out of range (IndexError), a class that is not a chare (TypeError), arguments
# that do not pickle, and features that are not there yet (NotImplementedError). The
# program keeps working afterwards.
import threading

from charmpy import charm, Chare, Group, Array, Reducer, Channel

from cases import case, run_cases


class Worker(Chare):

    def work(self, x):
        return x * 2

    def _private(self):
        return 'private'


class NotAChare:
    pass


def expect(exc_type, fn, *words):
    try:
        fn()
    except exc_type as e:
        text = str(e)
        for w in words:
            assert w in text, (exc_type.__name__, text, w)
        return e
    except Exception as e:
        raise AssertionError('expected %s, got %r' % (exc_type.__name__, e))
    raise AssertionError('expected %s, nothing raised' % exc_type.__name__)


def check_unknown_method_raises_attribute_error_naming_class_and_method(g, a, a2):
    """unknown methods, at the call site, naming the class and the method"""
    expect(AttributeError, lambda: a.nosuch(1), 'Worker', 'nosuch')
    expect(AttributeError, lambda: a[0].nosuch, 'Worker', 'nosuch')
    expect(AttributeError, lambda: g.nosuch(), 'Worker', 'nosuch')
    expect(AttributeError, lambda: a[0]._private(ret=True), 'Worker', '_private')


def check_index_out_of_range_raises_index_error(g, a, a2):
    """indices"""
    n = charm.numPes()
    expect(IndexError, lambda: a[4], '(4,)', '(4,)')
    expect(IndexError, lambda: a[-1], '(-1,)')
    expect(IndexError, lambda: a[0, 0], '2 dimension', '(4,)')
    expect(IndexError, lambda: a2[2, 0], '(2, 0)', '(2, 3)')
    expect(IndexError, lambda: a2[0], 'dims')
    expect(IndexError, lambda: g[n], str(n))
    expect(IndexError, lambda: g[-1], '-1')
    expect(TypeError, lambda: a['x'])
    expect(TypeError, lambda: a[0][0], 'one element')


def check_bad_sections_raise_at_the_call(g, a, a2):
    """sections"""
    n = charm.numPes()
    expect(ValueError, lambda: g[n:n + 2], 'at least one member')
    expect(IndexError, lambda: a2[0:1, 1:3, 0], '3 dimension')
    expect(IndexError, lambda: a2[0:1, 5], '5')
    expect(ValueError, lambda: a2[1:1, :], 'selects no element')
    expect(AttributeError, lambda: a2[0:1, :].nosuch, 'nosuch')
    expect(IndexError, lambda: a2[0:1, :][0], 'dimension')
    expect(IndexError, lambda: a2[0:1, :][1, 0], 'not a member')
    expect(TypeError, lambda: charm.combine(g, a)[0], 'several collections')
    expect(TypeError, lambda: charm.split(g, 2), 'section_func')
    expect(ValueError, lambda: charm.split(g, 2, elems=[[0]]), '1 lists for 2')
    expect(ValueError, lambda: charm.split(a, 1, elems=[[7]]), 'not a member')
    expect(TypeError, lambda: charm.split(a[0], 1, elems=[[0]]), 'one element')
    expect(IndexError, lambda: Group(Worker, onPEs=[n]), 'onPEs')
    expect(ValueError, lambda: Group(Worker, onPEs=[]), 'at least one PE')
    expect(TypeError, lambda: charm.combine(), 'at least one')


def check_non_chare_class_raises_type_error(g, a, a2):
    """not a chare class"""
    expect(TypeError, lambda: Group(NotAChare), 'Chare subclass')
    expect(TypeError, lambda: Array(int, 4), 'Chare subclass')
    expect(TypeError, lambda: Chare(dict), 'Chare subclass')
    expect(TypeError, lambda: Group('Worker'), 'Chare subclass')
    expect(TypeError, lambda: Group(Chare), 'Chare subclass')
    expect(TypeError, lambda: Group(Worker, args=5), 'args')


def check_bad_placement_and_shapes_raise(g, a, a2):
    """bad placement and shapes"""
    n = charm.numPes()
    expect(IndexError, lambda: Chare(Worker, onPE=n), str(n))
    expect(ValueError, lambda: Array(Worker, (2, -1)))
    expect(ValueError, lambda: Array(Worker, (1,) * 7))
    expect(ValueError, lambda: Array(Worker, (2, 2), ndims=3))
    expect(TypeError, lambda: Array(Worker, 'big'))
    expect(ValueError, lambda: Array(Worker, ndims=7), 'dimensions')   # sparse, too many dims


def check_missing_features_and_bad_channels_raise_type_error(g, a, a2):
    """not there yet"""
    expect(TypeError, lambda: Array(Worker, 4, map=g), 'ArrayMap')  # g is not a map group
    expect(TypeError, lambda: Channel(None, remote=a[0]), 'local chare object')
    expect(TypeError, lambda: Channel(g, remote=a), 'local chare object')


def check_unpicklable_arguments_raise_type_error(g, a, a2):
    """arguments that do not pickle, to another PE or to everyone"""
    n = charm.numPes()
    lock = threading.Lock()
    if n > 1:
        expect(TypeError, lambda: g[1].work(lock), 'pickle')
        expect(TypeError, lambda: a[3].work(lock, ret=True), 'pickle')
    expect(TypeError, lambda: g.work(lock), 'pickle')
    expect(TypeError, lambda: a.work(x=lock, awaitable=True), 'pickle')


# The checks of each kind of bad call run twice, as they did: all of them during
# start-up (the first case, before main() waits for anything: calls are held until
# start-up ends), then each kind in its own case in the running program.
@case
def bad_calls_fail_at_the_caller_during_start_up(g, a, a2):
    check_unknown_method_raises_attribute_error_naming_class_and_method(g, a, a2)
    check_index_out_of_range_raises_index_error(g, a, a2)
    check_bad_sections_raise_at_the_call(g, a, a2)
    check_non_chare_class_raises_type_error(g, a, a2)
    check_bad_placement_and_shapes_raise(g, a, a2)
    check_missing_features_and_bad_channels_raise_type_error(g, a, a2)
    check_unpicklable_arguments_raise_type_error(g, a, a2)


@case
def program_runs_after_bad_calls_at_start_up(g, a, a2):
    assert a.work(1, ret=True).get() == [2] * 4


@case
def unknown_method_raises_attribute_error_naming_class_and_method(g, a, a2):
    check_unknown_method_raises_attribute_error_naming_class_and_method(g, a, a2)


@case
def index_out_of_range_raises_index_error(g, a, a2):
    check_index_out_of_range_raises_index_error(g, a, a2)


@case
def bad_sections_raise_at_the_call(g, a, a2):
    check_bad_sections_raise_at_the_call(g, a, a2)


@case
def non_chare_class_raises_type_error(g, a, a2):
    check_non_chare_class_raises_type_error(g, a, a2)


@case
def bad_placement_and_shapes_raise(g, a, a2):
    check_bad_placement_and_shapes_raise(g, a, a2)


@case
def missing_features_and_bad_channels_raise_type_error(g, a, a2):
    check_missing_features_and_bad_channels_raise_type_error(g, a, a2)


@case
def unpicklable_arguments_raise_type_error(g, a, a2):
    check_unpicklable_arguments_raise_type_error(g, a, a2)


@case
def remote_code_execution_is_off_by_default(g, a, a2):
    expect(RuntimeError, lambda: charm.thisProxy[0].eval('1 + 1', ret=True).get(),
           'remote_exec')
    expect(RuntimeError, lambda: charm.thisProxy.exec('x = 1', awaitable=True).get(),
           'remote_exec')


@case
def await_creation_of_a_non_proxy_raises_type_error(g, a, a2):
    expect(TypeError, lambda: charm.awaitCreation(g, 'not a proxy'), 'proxies')


@case
def program_still_works_after_bad_calls(g, a, a2):
    n = charm.numPes()
    assert g.work(3, ret=True).get() == [6] * n
    assert a2[1, 2].work(4, ret=True).get() == 8


def main(args):
    g = Group(Worker)
    a = Array(Worker, 4)
    a2 = Array(Worker, (2, 3))
    run_cases(g, a, a2)


charm.start(main)
