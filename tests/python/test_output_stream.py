# sys.stdout and sys.stderr of a running program (on every PE, where PEs other than 0
# forward their lines to PE 0) still behave as the text streams python3 gives a
# program under mpirun: print, write, writelines, flush, encoding, errors, isatty and
# fileno (those of the PE's own descriptors), bytes refused, redirect_stdout.
import contextlib
import io
import sys

from charmpy import charm, Chare, Group

from cases import case, run_cases


def check_streams():
    pe = charm.myPe()
    failures = []

    def attempt(name, fn):
        try:
            fn()
        except Exception as e:  # report every case by name
            failures.append('PE %d: %s: %r' % (pe, name, e))

    def text_calls():
        assert sys.stdout.write('PE %d write\n' % pe) == len('PE %d write\n' % pe)
        sys.stdout.writelines(['PE %d ' % pe, 'writelines\n'])
        print('PE %d print' % pe, 'with', 'several', 'parts', sep=' ', end='\n')
        print('PE %d to stderr' % pe, file=sys.stderr)
        assert sys.stdout.flush() is None and sys.stderr.flush() is None
        print('PE %d print with flush' % pe, flush=True)

    def attributes():
        for name, fd in (('stdout', 1), ('stderr', 2)):
            stream, original = getattr(sys, name), getattr(sys, '__%s__' % name)
            assert stream.encoding == original.encoding, (stream.encoding, original.encoding)
            assert stream.errors == original.errors, (stream.errors, original.errors)
            assert stream.writable() and not stream.readable() and not stream.closed
            assert stream.fileno() == fd, stream.fileno()
            # what the PE's own descriptor is (Open MPI gives ranks a pty for stdout)
            assert stream.isatty() == original.isatty(), (name, stream.isatty())
        assert sys.stderr.errors == 'backslashreplace'

    def non_ascii():
        print('PE %d non-ASCII: \u00e9t\u00e9 \u2713 \u65e5\u672c' % pe)

    def bytes_refused():
        try:
            sys.stdout.write(b'bytes')
        except TypeError:
            return
        raise AssertionError('sys.stdout.write(bytes) did not raise TypeError')

    def redirect():
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            print('captured on PE %d' % pe)
        assert captured.getvalue() == 'captured on PE %d\n' % pe, captured.getvalue()
        print('PE %d after redirect' % pe)

    for name, fn in (('text calls', text_calls), ('attributes', attributes), ('non-ASCII', non_ascii),
                     ('bytes refused', bytes_refused), ('redirect_stdout', redirect)):
        attempt(name, fn)
    return failures


class Checker(Chare):

    def check(self):
        return check_streams()


@case
def pe0_streams_behave_as_python_text_streams(checkers):
    failures = check_streams()
    assert not failures, '\n'.join(failures)


@case
def every_pes_streams_behave_as_python_text_streams(checkers):
    failures = []
    for pe_failures in checkers.check(ret=True).get() or []:
        failures += pe_failures
    assert not failures, '\n'.join(failures)


def main(args):
    run_cases(Group(Checker))


charm.start(main)
