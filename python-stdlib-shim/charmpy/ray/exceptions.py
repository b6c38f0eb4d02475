"""The errors of `charmpy.ray`, under Ray's names (`ray.exceptions.GetTimeoutError`, ...),
so that programs written for Ray catch them unchanged.

An exception raised by a task or an actor method is raised again by `ray.get()` as a
`RayTaskError` that is also an instance of the original exception's class (as in Ray:
`except ValueError` and `except ray.exceptions.RayTaskError` both catch it); its message
ends with the remote traceback, also kept in `remote_stacktrace`.
"""


class RayError(Exception):
    """Base class of the errors of charmpy.ray."""


class RayTaskError(RayError):
    """A task or actor method raised. `cause` is the original exception (None when it
    could not travel), `remote_stacktrace` the traceback text from the PE that ran it."""

    def __init__(self, function_name='', traceback_str='', cause=None):
        super().__init__('%s raised:\n%s' % (function_name, traceback_str))
        self.function_name = function_name
        self.traceback_str = traceback_str
        self.remote_stacktrace = traceback_str
        self.cause = cause

    def __str__(self):
        return '%s raised:\n%s' % (self.function_name, self.traceback_str)

    def __reduce__(self):
        # The class of a task's error is made at run time (RayTaskError and the
        # cause's class, see task_error) and has no importable name: it travels as
        # its parts and is made again where it lands, so a task that re-raises a
        # nested task's error (ray.get inside a task) keeps the cause's class.
        if self.cause is None:
            return (RayTaskError, (self.function_name, self.traceback_str))
        return (task_error, (self.function_name,
                             (self.cause, self.traceback_str, type(self.cause).__name__)))


class GetTimeoutError(RayError, TimeoutError):
    """`ray.get(..., timeout=s)`: the values were not all ready within `s` seconds."""


class TaskCancelledError(RayError):
    """The task was cancelled (`ray.cancel`) before it started."""


class ObjectLostError(RayError):
    """The object is gone from the PE that held it (should not happen while a reference
    to it exists; reported instead of waiting forever)."""


class RayActorError(RayError):
    """The actor could not be created or has failed."""


_task_error_classes = {}


def task_error(function_name, error):
    """The exception `ray.get()` raises for a failed task: `error` is (exception or
    None, traceback text, type name) as the package's futures carry it. An instance of
    both RayTaskError and the cause's class when that class allows it."""
    cause, text, type_name = error
    if cause is None or isinstance(cause, RayError):
        if isinstance(cause, RayError):
            return cause          # e.g. a TaskCancelledError of a dependency
        return RayTaskError(function_name, text)
    cls = type(cause)
    dual = _task_error_classes.get(cls)
    if dual is None:
        try:
            dual = type('RayTaskError(%s)' % cls.__name__, (RayTaskError, cls), {})
        except TypeError:        # a class that cannot be a base (layout conflicts)
            dual = RayTaskError
        _task_error_classes[cls] = dual
    try:
        exc = dual.__new__(dual)
        exc.args = cause.args
        exc.__dict__.update(getattr(cause, '__dict__', {}))
        RayTaskError.__init__(exc, function_name, text, cause)
        exc.args = cause.args
    except Exception:
        exc = RayTaskError(function_name, text, cause)
    return exc
