# charmpy against charm4py 1.1's public API (tests/compat/charm4py_signatures.py):
# every callable's parameters (positional order, keyword names, defaults) and every
# public attribute. Run under charmpy-run (ctest: compat_signatures_np1/np2):
#
#   mpirun -n 1 charmpy-run tests/compat/test_signatures.py
#
# The rule for a callable, so that every charm4py call works unchanged:
#   - charm4py's positional parameters come first, in order, with the same names
#     (callers may pass them by keyword) and the same defaults; a positional one
#     must not become keyword-only;
#   - charm4py's keyword-only parameters exist with the same defaults;
#   - *args / **kwargs where charm4py has them (their names do not matter);
#   - charmpy may take more: parameters after charm4py's, with defaults, or
#     keyword-only with defaults, or *args / **kwargs.
# Differences listed in DELIBERATE are reported, not failed; names in PENDING are
# reported (and said to pass once they do), not failed. The program prints one line
# per difference and ends with "N passed, M failed".
import importlib
import inspect
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import charm4py
from charm4py import charm, Chare, Group, Array, Future, Reducer, Options, coro
from charmpy.charm import CharmRemote

import charm4py_signatures as data

_EMPTY = inspect.Parameter.empty
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class Probe(Chare):
    """A chare to read a chare's attributes from inside, and to call through proxies."""

    def missing(self, names):
        return [n for n in names if not hasattr(self, n)]

    def probe(self, x=None):
        return x


def expected_signature(text):
    namespace = dict(data.NAMESPACE)
    exec('def _expected(%s): pass' % text, namespace)
    return inspect.signature(namespace['_expected'])


def same_default(a, b):
    if a is _EMPTY or b is _EMPTY:
        return a is b
    return type(a) is type(b) and a == b


def _fmt(default):
    return 'no default' if default is _EMPTY else 'default %r' % (default,)


def compare(expected, actual):
    """The problems of `actual` (charmpy's signature) against `expected` (charm4py's)."""
    problems = []
    exp = list(expected.parameters.values())
    act = list(actual.parameters.values())
    exp_pos = [p for p in exp if p.kind in _POSITIONAL]
    act_pos = [p for p in act if p.kind in _POSITIONAL]
    act_by_name = {p.name: p for p in act}
    for i, e in enumerate(exp_pos):
        if i >= len(act_pos):
            problems.append('missing positional parameter %r (position %d)' % (e.name, i))
            continue
        a = act_pos[i]
        if a.name != e.name:
            problems.append('positional parameter %d is %r, charm4py names it %r' % (i, a.name, e.name))
        if e.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD and a.kind == inspect.Parameter.POSITIONAL_ONLY:
            problems.append('%r cannot be passed by keyword' % a.name)
        if not same_default(e.default, a.default):
            problems.append('%r has %s, charm4py %s' % (e.name, _fmt(a.default), _fmt(e.default)))
    for a in act_pos[len(exp_pos):]:
        if a.default is _EMPTY:
            problems.append('extra positional parameter %r has no default' % a.name)
    for e in exp:
        if e.kind == inspect.Parameter.KEYWORD_ONLY:
            a = act_by_name.get(e.name)
            if a is None or a.kind not in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
                problems.append('missing keyword parameter %r' % e.name)
            elif not same_default(e.default, a.default):
                problems.append('%r has %s, charm4py %s' % (e.name, _fmt(a.default), _fmt(e.default)))
        elif e.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            if not any(a.kind == e.kind for a in act):
                problems.append('missing %s%s' % ('*' if e.kind == inspect.Parameter.VAR_POSITIONAL else '**', e.name))
    exp_names = {e.name for e in exp}
    for a in act:
        if a.kind == inspect.Parameter.KEYWORD_ONLY and a.name not in exp_names and a.default is _EMPTY:
            problems.append('extra keyword-only parameter %r has no default' % a.name)
    return problems


class Context:
    """The objects names are looked up on: proxies and a future made in main()."""

    def __init__(self, group, array, section, future):
        self.objects = {'GroupProxy': group, 'ArrayProxy': array, 'SectionProxy': section,
                        'Future': future, 'proxy': group}


_MISSING = object()


def lookup(name, ctx):
    """(object, unbound) for a qualified name of the data; (_MISSING, False) when absent.
    `unbound` is True for a function taken from a class (its first parameter is self)."""
    parts = name.split('.')
    head = parts[0]
    if head == 'charm4py':
        obj = charm4py
        for i, part in enumerate(parts[1:], start=1):
            nxt = getattr(obj, part, _MISSING)
            more = i + 1 < len(parts)
            # `charm4py.charm` is the charm object, and also the module charm4py.charm
            # (from charm4py.charm import charm): a dotted path goes to the module.
            if inspect.ismodule(obj) and (nxt is _MISSING or (more and not inspect.ismodule(nxt))):
                try:
                    nxt = importlib.import_module('.'.join(parts[:i + 1]))
                except ImportError:
                    pass  # not a module: the attribute (or nothing)
            if nxt is _MISSING:
                return _MISSING, False
            owner, obj = obj, nxt
        return obj, inspect.isclass(owner) and inspect.isfunction(obj)
    if name.startswith('charm.thisProxy.'):
        return getattr(CharmRemote, parts[2], _MISSING), True
    if name.startswith('charm.pool.'):
        return getattr(charm.pool, parts[2], _MISSING), False
    if head == 'charm':
        return getattr(charm, parts[1], _MISSING), False
    if head == 'Options':
        obj = Options()
        for part in parts[1:]:
            obj = getattr(obj, part, _MISSING)
            if obj is _MISSING:
                break
        return obj, False
    if head == 'proxy':
        return getattr(ctx.objects['proxy'], 'probe', _MISSING), False
    if len(parts) == 1:
        return getattr(charm4py, head, _MISSING), False
    if head in ('GroupProxy', 'ArrayProxy', 'SectionProxy'):
        return getattr(ctx.objects[head], parts[1], _MISSING), False
    cls = {'Chare': Chare, 'Future': Future, 'Channel': charm4py.Channel, 'Reducer': Reducer}[head]
    if head == 'Future' and name in data.ATTRIBUTES:
        return getattr(ctx.objects['Future'], parts[1], _MISSING), False
    obj = inspect.getattr_static(cls, parts[1], _MISSING) if head == 'Channel' else getattr(cls, parts[1], _MISSING)
    return obj, inspect.isfunction(obj) and head != 'Reducer'


def check_signature(name, text, ctx):
    obj, unbound = lookup(name, ctx)
    if obj is _MISSING:
        return ['missing']
    try:
        actual = inspect.signature(obj)
    except (TypeError, ValueError) as e:
        return ['no signature (%s)' % e]
    if unbound:
        params = list(actual.parameters.values())[1:]
        actual = actual.replace(parameters=params)
    return compare(expected_signature(text), actual)


def check_attribute(name, expected, ctx, chare_missing):
    if name.startswith('Chare.'):
        return ['missing on a chare'] if name[len('Chare.'):] in chare_missing else []
    obj, _ = lookup(name, ctx)
    if obj is _MISSING:
        return ['missing']
    if expected is not data.ANY and not same_default(expected, obj):
        return ['is %r, charm4py %r' % (obj, expected)]
    return []


def main(args):
    group = Group(Probe)
    array = Array(Probe, 4)
    section = array[0:2]
    future = Future()
    charm.awaitCreation(group, array)
    ctx = Context(group, array, section, future)
    chare_names = [n[len('Chare.'):] for n in data.ATTRIBUTES if n.startswith('Chare.')]
    chare_missing = set(array[1].missing(chare_names, ret=True).get())
    chare_missing |= set(group[0].missing(['thisProxy', 'thisIndex', '_numthreads'], ret=True).get())

    overlap = set(data.SIGNATURES) & set(data.INTERNAL) | set(data.ATTRIBUTES) & set(data.OUT_OF_SCOPE)
    assert not overlap, 'names in two categories of the data: %s' % sorted(overlap)

    passed = failed = 0
    for kind, table, check in (('signature', data.SIGNATURES, check_signature),
                               ('attribute', data.ATTRIBUTES, None)):
        for name, expected in table.items():
            if check is not None:
                problems = check(name, expected, ctx)
            else:
                problems = check_attribute(name, expected, ctx, chare_missing)
            if name in data.PENDING:
                if problems:
                    print('PENDING %s (%s): %s' % (name, data.PENDING[name], '; '.join(problems)))
                else:
                    print('PENDING %s now passes: remove it from PENDING' % name)
                continue
            if name in data.DELIBERATE:
                print('DELIBERATE %s (%s)%s' % (name, data.DELIBERATE[name],
                                                ': ' + '; '.join(problems) if problems else ''))
                continue
            if problems:
                failed += 1
                print('FAIL %s %s: %s' % (kind, name, '; '.join(problems)))
            else:
                passed += 1
    print('not checked: %d charm4py internals, %d names of the Ray API and interactive mode'
          % (len(data.INTERNAL), len(data.OUT_OF_SCOPE)))
    print('%d passed, %d failed' % (passed, failed))
    future.send(None)
    charm.exit(1 if failed else 0)


charm.start(main)
