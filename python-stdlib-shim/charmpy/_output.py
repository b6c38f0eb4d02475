"""sys.stdout and sys.stderr of a running charmpy program: whole lines per PE.

Under mpirun, lines printed at once by two PEs come out torn, since mpirun forwards
each PE's pipe in chunks that need not end at a newline. charm.start() therefore
replaces the interpreter's streams with text streams that hand every write to the
runtime (`_charmpy.write_output`), which forwards the complete lines of PEs other
than 0 to PE 0 and writes them there as whole lines (runtime/output_forwarder.h).

The streams behave as text streams do: print, write, flush, encoding, errors,
isatty(); fileno() is the PE's own descriptor (for faulthandler and the like; bytes
written to it directly bypass the forwarding). A partial line waits for its newline:
on PE 0 (and on one PE) an explicit flush() writes it, on the other PEs it goes out
with the rest of its line, or completed with a newline when the program ends.
"""
import io
import os
import sys

import _charmpy


class PeOutput(io.RawIOBase):
    """Raw writer of one standard stream (1: stdout, 2: stderr) through the runtime."""

    def __init__(self, stream, fd):
        super().__init__()
        self._stream = stream
        self._fd = fd

    def writable(self):
        return True

    def write(self, data):
        return _charmpy.write_output(self._stream, data)

    def flush(self):
        if not self.closed:
            _charmpy.flush_output(self._stream)

    def fileno(self):
        return self._fd

    def isatty(self):
        return os.isatty(self._fd)


def _through_runtime(stream, number):
    """A text stream like `stream` (same encoding and errors) writing through the runtime."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = number
    # write_through: each write reaches the runtime at once (which keeps partial lines
    # itself), and flush() is called only when the program asks for it.
    return io.TextIOWrapper(PeOutput(number, fd), encoding=stream.encoding, errors=stream.errors,
                            newline='\n', line_buffering=False, write_through=True)


def install():
    """Replaces sys.stdout and sys.stderr by streams through the runtime, unless the
    program has replaced them itself (then its own streams stay)."""
    for name, number in (('stdout', 1), ('stderr', 2)):
        current = getattr(sys, name)
        if current is None or current is not getattr(sys, '__%s__' % name):
            continue
        current.flush()
        setattr(sys, name, _through_runtime(current, number))
