# charm.exit takes what sys.exit takes: an int code, None (code 0) or a string. A
# non-integer number is a TypeError naming charm.exit, raised at the call (the
# program goes on); charm.exit(None) then ends it with code 0.
from charmpy import charm


def main(args):
    for bad in (2.7, 3.0, [1]):
        try:
            charm.exit(bad)
        except TypeError as e:
            assert 'charm.exit' in str(e), str(e)
        else:
            raise AssertionError('charm.exit(%r) did not raise TypeError' % (bad,))
    charm.exit(None)


charm.start(main)
