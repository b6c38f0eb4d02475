# charmpy.ray reports a task's error that nobody retrieved: the reference to the
# failed result is dropped without ray.get, and the PE that held the error prints a
# warning with the traceback (ctest checks the output). Errors that were raised by
# ray.get, or whose task was cancelled, are not reported.
import gc

from charm4py import charm, ray


@ray.remote
def fails(x):
    raise ValueError('nobody reads this %d' % x)


@ray.remote
def fine(x):
    return x


def main(args):
    ray.init()
    lost = fails.remote(1)
    ready, _ = ray.wait([lost])
    del lost, ready
    read = fails.remote(2)
    try:
        ray.get(read)
    except ValueError:
        pass
    del read
    gc.collect()
    assert ray.get(fine.remote(3)) == 3
    charm.waitQD()
    print('ray_unhandled_error: done')
    charm.exit()


charm.start(main)
