# charm.pool with charm.options.local_msg_optim = True: PE 0's worker passes its results
# to the scheduler by reference, so a caller on PE 0 receives even results that do not
# pickle (charm4py's same-PE behaviour with the option), while a caller on another PE
# gets the error naming the task and its function, and the pool stays usable.
from charmpy import charm, Chare, coro

from cases import case, run_cases

charm.options.local_msg_optim = True


def numbers():
    yield 1


def gen_on_pe0(x):
    return numbers() if charm.myPe() == 0 else x


def square(x):
    return x * x


class Caller(Chare):
    @coro
    def run(self):
        for chunksize in (1, 2):
            for multi_future in (False, True):
                try:
                    charm.pool.map(gen_on_pe0, range(8 * charm.numPes()), chunksize=chunksize,
                                   multi_future=multi_future)
                except TypeError as e:
                    text = str(e)
                    assert 'cannot be sent back' in text and 'gen_on_pe0' in text, text
                    assert "cannot pickle 'generator'" in text, text
                else:
                    raise AssertionError('an unpicklable result reached PE %d' % charm.myPe())
        assert charm.pool.map(square, range(10)) == [x * x for x in range(10)]
        return 'done'


@case
def caller_on_pe0_receives_unpicklable_results_by_reference():
    results = charm.pool.map(gen_on_pe0, range(8 * charm.numPes()))
    assert any(not isinstance(r, int) for r in results)   # PE 0's worker ran some


@case
def caller_on_another_pe_gets_the_error_naming_the_task():
    if charm.numPes() > 1:
        assert Chare(Caller, onPE=1).run(ret=True).get() == 'done'


def main(args):
    run_cases()


charm.start(main)
