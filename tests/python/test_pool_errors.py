# charm.pool when a task's result or arguments cannot be pickled: the caller's get()
# (map, map_async, submit, Task(ret=True), multi_future) raises an error naming the
# task and the user's function (not the pool's internal entry method), for chunksize 1
# and larger chunks, for callers on PE 0 and on another PE, and for tasks that ran on
# PE 0's worker (results are sent by message there too); the pool stays usable. A
# task whose arguments do not pickle fails at the call; a Task without ret= whose
# result does not pickle is fine (nothing is sent back).
import threading

from charmpy import charm, coro, Chare, Future

from cases import case, run_cases


def numbers():
    yield 1


def gen_on_3(x):
    """Returns a generator (which does not pickle) for task 3, else x."""
    return numbers() if x == 3 else x


def gen_on_pe0(x):
    """Returns a generator when it runs on PE 0's worker."""
    return numbers() if charm.myPe() == 0 else x


def square(x):
    return x * x


def lock_and_signal(f):
    """A Task without ret: tells the caller it ran, then returns a lock."""
    f.send('ran')
    return threading.Lock()


def expect_unsendable(fn, func_name, task=None):
    """Runs fn(); it must raise the pool's 'cannot be sent back' error."""
    try:
        value = fn()
    except Exception as e:
        text = str(e)
        assert 'cannot be sent back' in text, text
        assert func_name in text, text
        assert "cannot pickle 'generator' object" in text, text
        assert '_charmpy_pool' not in text, text
        if task is not None:
            assert 'task %d ' % task in text, text
        return text
    raise AssertionError('no error; got %r' % (value,))


def check_results(where):
    name = __name__ + '.gen_on_3'
    for chunksize in (1, 4):
        expect_unsendable(lambda: charm.pool.map(gen_on_3, range(20), chunksize=chunksize),
                          name, 3)
        assert charm.pool.map(square, range(20), chunksize=chunksize) == \
            [x * x for x in range(20)]
        f = charm.pool.map_async(gen_on_3, range(20), chunksize=chunksize)
        expect_unsendable(f.get, name, 3)
        fs = charm.pool.map_async(gen_on_3, range(8), chunksize=chunksize, multi_future=True)
        for i, f in enumerate(fs):
            if i < 3:
                assert f.get() == i
            elif i == 3:
                expect_unsendable(f.get, name, 3)
        expect_unsendable(lambda: charm.pool.map(gen_on_3, range(8), chunksize=chunksize,
                                                 multi_future=True), name, 3)
        pairs = [(square, 2), (gen_on_3, 3), (square, 4)]
        expect_unsendable(lambda: charm.pool.submit(pairs, chunksize=chunksize), name, 1)
    expect_unsendable(charm.pool.Task(gen_on_3, (3,), ret=True).get, name, 0)
    # Tasks that run on PE 0's worker (it takes one chunk of a long job at the start).
    for chunksize in (1, 2):
        expect_unsendable(lambda: charm.pool.map(gen_on_pe0, range(8 * charm.numPes()),
                                                 chunksize=chunksize),
                          __name__ + '.gen_on_pe0')
    assert charm.pool.map(square, range(30), chunksize=3) == [x * x for x in range(30)]
    print('unsendable results ok (caller on PE %d)' % where)


def check_arguments():
    lock = threading.Lock()
    for call in (lambda: charm.pool.map(square, [1, 2, lock]),
                 lambda: charm.pool.map_async(square, [1, lock], chunksize=2),
                 lambda: charm.pool.submit([(square, 1), (square, lock)]),
                 lambda: charm.pool.Task(square, (lock,), ret=True)):
        try:
            call()
        except Exception as e:
            text = str(e)
            assert 'cannot be sent' in text and 'square' in text, text
            assert 'lock' in text, text
        else:
            raise AssertionError('unpicklable arguments were accepted')
    assert charm.pool.map(square, range(10)) == [x * x for x in range(10)]
    print('unsendable arguments ok')


def check_task_without_ret():
    f = Future()
    assert charm.pool.Task(lock_and_signal, (f,)) is None
    assert f.get() == 'ran'
    assert charm.pool.Task(gen_on_3, (3,), awaitable=True).get() is None
    assert charm.pool.map(square, range(10)) == [x * x for x in range(10)]
    print('Task without ret ok')


class Client(Chare):
    @coro
    def run(self):
        check_results(charm.myPe())
        check_arguments()
        return 'done'


@case
def unsendable_results_raise_naming_the_task_and_function():
    check_results(0)


@case
def unsendable_arguments_refused_at_the_call():
    check_arguments()


@case
def task_without_ret_with_an_unsendable_result_is_fine():
    check_task_without_ret()


@case
def unsendable_results_and_arguments_with_the_caller_on_another_pe():
    if charm.numPes() > 1:
        client = Chare(Client, onPE=1)
        assert client.run(ret=True).get() == 'done'


def main(args):
    run_cases()


charm.start(main)
