# Programs whose output tests/python/output/check_output.py checks: every PE's lines
# must reach mpirun whole, all of them, in order, whatever the other PEs print at the
# same time and however the program ends.
#   flood N        every PE prints N lines on stdout (and every 10th one on stderr) at
#                  once; then PE 0 prints a JSON line and exits
#   exit_after N   the last PE prints N lines and calls charm.exit(0) right after
#   partial        the last PE prints a line without its newline and exits
#   partial0 N     PE 0 prints a line without its newline, then the last PE prints N
#                  lines and exits: they must not be glued to PE 0's line
#   exception N    the last PE prints N lines, then raises in a method nobody waits for
#   abort N        the last PE prints N lines, then calls charm.abort
#   busy_exit N, busy_exception N
#                  the same as exit_after and exception while PE 0 is busy in a long
#                  loop (it never writes the forwarded lines: the last PE must)
import json
import sys
import time

from charmpy import charm, Chare, Group, Future


class Printer(Chare):

    def flood(self, n):
        pe = charm.myPe()
        for i in range(n):
            print('FLOOD %d %d %s' % (pe, i, 'x' * (i % 97)))
            if i % 10 == 0:
                sys.stderr.write('STDERR %d %d %s\n' % (pe, i, 'y' * (i % 89)))
        return n

    def busy(self, started, case, n):
        started.send(True)
        charm.sleep(0.3)  # PE 0 is in its loop by then
        getattr(self, case)(n)

    def exit_after(self, n):
        for i in range(n):
            print('LINE %d %d' % (charm.myPe(), i))
        charm.exit(0)

    def partial(self):
        print('PARTIAL %d no newline' % charm.myPe(), end='')
        charm.exit(0)

    def exception(self, n):
        for i in range(n):
            print('LINE %d %d' % (charm.myPe(), i))
        raise ValueError('deliberate failure on PE %d' % charm.myPe())

    def abort(self, n):
        for i in range(n):
            print('LINE %d %d' % (charm.myPe(), i))
        charm.abort('deliberate abort on PE %d' % charm.myPe())


def main(args):
    case = args[1]
    n = int(args[2]) if len(args) > 2 else 0
    printers = Group(Printer)
    last = printers[charm.numPes() - 1]
    if case == 'flood':
        printers.flood(n, ret=True).get()
        print(json.dumps({'done': True, 'lines_per_pe': n, 'pes': charm.numPes()}))
        charm.exit(0)
    elif case == 'exit_after':
        last.exit_after(n)
    elif case == 'partial':
        last.partial()
    elif case == 'partial0':
        print('PARTIAL 0 no newline', end='')
        last.exit_after(n)
    elif case == 'exception':
        last.exception(n)
    elif case == 'abort':
        last.abort(n)
    elif case in ('busy_exit', 'busy_exception'):
        started = Future()
        last.busy(started, {'busy_exit': 'exit_after', 'busy_exception': 'exception'}[case], n)
        if charm.numPes() > 1:
            started.get()
            end = time.time() + 30
            while time.time() < end:
                pass
    else:
        raise ValueError('unknown case %r' % case)


charm.start(main)
