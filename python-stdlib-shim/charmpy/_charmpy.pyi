"""The native module `_charmpy`, built into charmpy-run (embed/). This stub is the
contract between the C++ side and the Python package: everything the package needs
from the runtime, and the hooks the runtime calls back.

Conventions
- An *index* is a tuple of ints (1 to 6 of them). Groups use (pe,), singleton
  chares (0,).
- A *future reference* is a pair of ints (pe, fid); (-1, 0) means "no reply".
- Collection kinds: KIND_CHARE = 0, KIND_GROUP = 1, KIND_ARRAY = 2.
- A *callback* (for reductions) is a tuple:
    ("future", pe, fid)                       set future fid on PE pe with the result
    ("element", collection_id, index, pe, entry_id)
    ("broadcast", collection_id, entry_id)
    ("exit",)                                 end the program with code 0
    ("ignore",)
- Arguments travel pickled (protocol 5; NumPy arrays, bytes, bytearray,
  array.array and memoryview out-of-band, received as objects viewing the message
  memory). Calls to an element on the same PE pass the args/kwargs objects by
  reference (no pickling) when charm.options.local_msg_optim is True, or when
  every argument is immutable, a proxy or a future (set_local_calls).
"""
from typing import Any, Callable, Optional, Sequence, Tuple

KIND_CHARE: int
KIND_GROUP: int
KIND_ARRAY: int

# --- where am I -------------------------------------------------------------
def my_pe() -> int: ...
def num_pes() -> int: ...
def host_layout() -> tuple[int, tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """(my_host, host_of_pe per PE, PEs of each host)."""
def runtime_flags() -> dict[str, Any]:
    """The Charm-style +flags given on the command line (e.g. {'balancer': 'GreedyLB',
    'quiet': True}), already removed from sys.argv."""
def consume_flags(argv: list[str]) -> list[str]:
    """Takes +flags/++flags out of `argv` (a program may append some to sys.argv
    before charm.start) into runtime_flags(); returns the remaining list. Unknown
    flags print a warning."""

# --- hooks the runtime calls (set once, before start) -------------------------
def set_hooks(*, make_chare: Callable[..., Any],
              deliver_future: Callable[[int, Any, bool], None],
              format_exception: Callable[[BaseException], str],
              array_map_pe: Optional[Callable[[int, tuple], int]] = None,
              reduction_done: Optional[Callable[..., None]] = None,
              numeric_reduction_done: Optional[Callable[..., None]] = None,
              recheck_waiting: Optional[Callable[[Any], None]] = None,
              allreduce_done: Optional[Callable[..., None]] = None,
              pack_chare: Optional[Callable[[Any], bytes]] = None,
              unpack_chare: Optional[Callable[..., Any]] = None,
              collection_destroyed: Optional[Callable[[int], None]] = None) -> None:
    """make_chare(cls, kind, collection_id, index, dims, args, kwargs) ->
         (object, run_constructor): the Python object of one element (thisProxy
         and thisIndex set, __init__ not run yet) and a callable without
         arguments that runs its __init__ (on a fiber of its own when the
         constructor is a coroutine). The runtime registers the object as a chare
         of this PE between the two calls, so __init__ may contribute, allreduce,
         migrate. Called on the PE where the element lives.
       deliver_future(fid, value, is_exception): a value arrived for future fid
         owned here. When is_exception, value is a tuple
         (exception_object_or_None, traceback_text, exception_type_name): the
         exception raised remotely (None when it could not be pickled) and its
         formatted traceback. Called on the scheduler context (never in a fiber).
       format_exception(exc) -> str: the traceback text sent with an exception.
       array_map_pe(map_id, index) -> int: the PE of `index` under the ArrayMap
         group map_id (its local element's procNum); used for arrays created with
         a map, on every PE.
       pack_chare(obj) -> bytes: the state of a chare that migrates (on the PE it
         leaves); unpack_chare(cls, kind, collection_id, index, dims, home_pe,
         state) -> object: the chare rebuilt on the PE it moved to (thisProxy and
         thisIndex set); its migrated() runs next.
       collection_destroyed(collection_id): an array was destroyed (ckDestroy) on
         this PE, its elements deleted; the Python layer forgets its records.
       make_chare is always called on the scheduler context, never in a fiber (an
       element whose constructor suspends must already be registered)."""

# --- registration: identical order on every PE, before start() ----------------
def register_constructor(cls: type, kind: int, coro: bool) -> int: ...
def register_entry(cls: type, method_name: str, coro: bool) -> int: ...

# --- run --------------------------------------------------------------------
def start(entry: Optional[Callable[[], None]]) -> int:
    """Runs the scheduler until the program exits; on PE 0 `entry()` first runs on a
    fiber (so it may suspend). Returns the exit code."""
def exit(code: int = 0) -> None:
    """Ends the program on every PE with `code` (returns; the PE stops when it gets
    back to the scheduler)."""
def abort(message: str) -> None:
    """Prints message naming this PE and ends the job non-zero. Does not return."""
def write_output(stream: int, data: bytes) -> int:
    """Prints data on stdout (1) or stderr (2) so that it reaches mpirun as whole
    lines (PEs other than 0 forward complete lines to PE 0); returns len(data)."""
def flush_output(stream: int) -> None:
    """Sends the complete lines of stdout (1) or stderr (2) now; where output is
    written directly (PE 0, one PE), a partial line too."""

# --- collections and calls (the hot path) -------------------------------------
def create(kind: int, constructor_entry: int, dims: Optional[tuple[int, ...]],
           on_pe: int, args: tuple, kwargs: Optional[dict], map_id: int = 0,
           on_pes: Optional[list[int]] = None, use_at_sync: bool = False) -> int:
    """Creates a collection (asynchronously); returns its id. on_pe: singleton
    chares only, -1 = runtime's choice (see place_chare). map_id: arrays only, the
    ArrayMap group placing the elements (0 = the default block map). on_pes:
    groups only, the PEs that get an element (None = every PE). use_at_sync:
    arrays whose elements call at_sync for load balancing."""
def place_chare() -> int: ...
def element_pe(dims: tuple[int, ...], index: tuple[int, ...], map_id: int = 0) -> int:
    """PE of an array element under the default map (or the ArrayMap group
    map_id). Raises IndexError when the index is outside dims."""
def create_sparse(constructor_entry: int, ndims: int, map_id: int = 0, use_at_sync: bool = False) -> int:
    """Creates an empty sparse array of ndims (1 to 6) dimensions (asynchronously);
    returns its id. map_id: the ArrayMap group giving each element's home (0: a
    hash of the index). Raises ValueError for a bad ndims."""
def insert(collection_id: int, index: tuple[int, ...], on_pe: int, constructor_entry: int,
           args: tuple, kwargs: Optional[dict], map_id: int = 0) -> None:
    """Inserts element index into sparse array collection_id, constructed with
    (args, kwargs) pickled, on on_pe (-1: its home PE, where the array's map
    map_id puts it when not 0). Raises ValueError for a
    wrong number of dimensions, an index inserted from this PE before, or a
    collection known here that is not a sparse array; IndexError for a bad PE;
    RuntimeError once ckDoneInserting has completed (as far as this PE knows). A
    duplicate inserted from another PE aborts the job at the element's home."""
def done_inserting(collection_id: int) -> None:
    """Ends insertion into a sparse array: once every insertion made before it has
    landed (quiescence) the elements are counted; reductions complete from then
    on, and broadcasts requested after it reach every element."""
def destroy(collection_id: int) -> None:
    """Destroys an array on every PE (ckDestroy). Raises ValueError for a
    collection known here that is not an array, RuntimeError for an array already
    destroyed (as far as this PE knows)."""
def sparse_home_pe(index: tuple[int, ...]) -> int:
    """The home PE of an element of a sparse array without a map (a hash of its
    index)."""
def collection_map(collection_id: int) -> int:
    """The ArrayMap group id of an array created on this PE (0: default map), -1
    when the collection is not known here yet."""
def send(collection_id: int, index: tuple, pe: int, entry: int, args: tuple,
         kwargs: Optional[dict], reply_pe: int = -1, reply_fid: int = 0) -> None:
    """Calls entry on one element. With a reply future, the return value (or the
    exception) is sent to it."""
def broadcast(collection_id: int, entry: int, args: tuple, kwargs: Optional[dict],
              reply_pe: int = -1, reply_fid: int = 0, gather: bool = False) -> None:
    """Calls entry on every element. With a reply future: gather=False sets it to
    None once every element ran (awaitable); gather=True sets it to the list of
    return values in element order (ret=True)."""
PROXY_ENTRY_CALL: int; PROXY_GROUP_ITEM: int; PROXY_ARRAY_ITEM: int
METHOD_FUTURE_GET: int; METHOD_CHARE_ALLREDUCE: int
class ProxyMethod:
    """ProxyMethod(kind, fallback, entry=None): a method of a proxy class done in C
    (embed/proxy_methods.cc). PROXY_ENTRY_CALL: `proxy.method(*args)` sends the call
    (as send / broadcast would) unless there are keyword arguments or calls are held;
    PROXY_GROUP_ITEM / PROXY_ARRAY_ITEM: `proxy[key]` for an in-range int key (dense
    arrays on the default map: ints or a tuple of ints). Two kinds front other
    classes' methods: METHOD_FUTURE_GET (Future.get of a local future of one value)
    and METHOD_CHARE_ALLREDUCE (Chare.allreduce of one number or nothing over the
    collection, positional arguments: allreduce_scalar's path). Anything else calls
    `fallback` (a function taking the object first) with the same arguments. A method
    descriptor: `proxy.method` is a bound method; `ep`, `__name__`, `__qualname__`,
    `__doc__` as on the fallback, which is `__wrapped__`."""
    ep: Optional[int]
    def __init__(self, kind: int, fallback: Any, entry: Optional[int] = None) -> None: ...
def set_proxy_layout(proxy_class: type) -> None:
    """Registers proxy.Proxy: the ProxyMethods read its slots _cid, _index, _pe, _dims."""
def set_calls_held(held: bool) -> None:
    """While true (PE 0's start-up), ProxyMethods pass every call to their fallback."""
def send_future(pe: int, fid: int, value: Any, is_exception: bool = False) -> None: ...
def new_future_id() -> int:
    """A future id unique on this PE."""

# --- reductions ---------------------------------------------------------------
REDUCER_NOP: int; REDUCER_SUM: int; REDUCER_PRODUCT: int; REDUCER_MIN: int
REDUCER_MAX: int; REDUCER_AND: int; REDUCER_OR: int; REDUCER_XOR: int
REDUCER_GATHER: int
def contribute(chare: Any, item: tuple, section: int = 0, form: bytes = b'') -> None:
    """`chare` is the calling element object (on its own PE); `item` is
    (reducer, data, target), pickled and gathered over the reduction tree to PE 0,
    where the reduction_done(items) hook gets every element's item in element
    order (set with set_hooks(reduction_done=...)). With `section` (an id
    registered on this PE): over the section, in section order, ending on the
    section's root. `form` names the data in the error raised should a numeric
    contribution meet this one."""
def contribute_numeric(chare: Any, reducer: int, data: Any, tag: bytes, form: bytes,
                       section: int = 0) -> None:
    """Numbers or a C-contiguous numeric buffer (a Python int under REDUCER_SUM
    travels as two int64 lanes, high and low 32 bits), combined in C along the
    tree; the root calls numeric_reduction_done(tag, raw_result). Contributions
    whose `form` (a description of the data) differs refuse to combine: the
    error quotes both. `section` as above."""

# --- sections -------------------------------------------------------------------
def section_new_id() -> int:
    """A section id unique without communication (this PE is its root)."""
def section_register(sid: int, root: int, members: Sequence[tuple[int, tuple, int]]) -> None:
    """Tells this PE section `sid`: its root PE and its members in section order,
    each (collection id, index tuple, pe). Idempotent; ValueError for an empty
    section, duplicate members, PEs out of range."""
def section_broadcast(sid: int, entries: Sequence[tuple[int, int]], args: tuple,
                      kwargs: Optional[dict], reply_pe: int = -1, reply_fid: int = 0,
                      gather: bool = False) -> None:
    """Calls, on every member of section `sid` (registered here), the entry given
    for its collection in `entries` ((collection id, entry id) pairs). Replies as
    for broadcast(), in section order."""

def allreduce_numeric(chare: Any, reducer: int, data: Any, form: Any, form_text: bytes,
                      future: Any) -> None:
    """Contributes `data` (an int, float, bool, a C-contiguous buffer of numbers, or
    None with REDUCER_NOP) to the element's next reduction, as an allreduce: the
    PEs holding elements swap partials pairwise and combine them in C, and every PE
    calls the allreduce_done(reducer, form, raw, futures) hook once with the raw
    result (bytes, a memoryview of the received message, or None) and the futures
    of its elements in contribution order (set with set_hooks(allreduce_done=...)).
    Raises TypeError/ValueError, contributing nothing, for data that is not numbers
    or does not match the other contributions of this PE (`form_text` included);
    a mismatch with another PE's aborts the job with both forms named. `form` is
    handed back to the hook as it is."""

def allreduce_marker(chare: Any, form_text: bytes) -> None:
    """Stands in the pairwise allreduce for the element's next contribution, which
    goes to a reduction combined in Python at the root (it does not use up the
    reduction number): markers agree with each other; a marker and numbers in one
    allreduce end the job naming both (`form_text` says what the data is), or raise
    ValueError when both are on this PE."""

# --- migration and load balancing -------------------------------------------------
def migrate(chare: Any, pe: int) -> None:
    """Moves `chare` (an array element or single chare on this PE) to `pe` once
    the running entry method returns and none of its coroutines is suspended.
    IndexError for a bad PE, ValueError for group elements and chares set not
    migratable."""
def set_migratable(chare: Any, migratable: bool) -> None: ...
def chare_state(chare: Any) -> Optional[Tuple[bool, int]]:
    """(migratable, number of its coroutines running or suspended) of a chare living
    on this PE; None for any other object."""
def at_sync(chare: Any) -> None:
    """The chare is ready for a load-balancing step (resumeFromSync follows)."""
def lb_instrument(on: Optional[bool]) -> Optional[bool]:
    """Turns load measurement on this PE on or off; with None, whether it is on."""

# --- coroutines on fibers -------------------------------------------------------
def spawn(fn: Callable[..., Any], args: tuple = ()) -> None:
    """Runs fn(*args) on a new fiber (now if called from the scheduler, else as soon
    as the current fiber suspends). An uncaught exception aborts the job."""
def current_fiber() -> int:
    """A handle of the running fiber; 0 on the scheduler context."""
def suspend() -> Any:
    """Suspends the running fiber (RuntimeError outside one); returns what resume()
    passes."""
def note_waiting() -> None:
    """A chare of this PE has a call waiting on a condition (when.py, before it makes
    the chare's `_charmpy_waiting` list): from now on the runtime calls the
    recheck_waiting hook after the entry methods of chares that have such a list;
    until then it looks for none."""
def resume(fiber: int, value: Any = None) -> None:
    """Resumes a suspended fiber with `value` (from the scheduler context: runs it
    now; from a fiber: as soon as the current one suspends)."""
def start_qd(callback: tuple) -> None: ...
def after(seconds: float, fn: Callable[[], None]) -> None:
    """Calls fn() on the scheduler context after `seconds` (timers)."""
