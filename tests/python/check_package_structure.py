"""Checks the structure of the Python package charmpy (no MPI, no _charmpy needed):

1. no import cycle between its modules, counting every intra-package import: absolute
   (`import charmpy.x`, `from charmpy import x`) and relative (`from . import x`,
   `from .x import y`), at module level and inside functions (a lazy import that
   closes a cycle is still a cycle);
2. no module uses another module's private names (one leading underscore, not
   dunder): `mod._x` where `mod` names a package module, `from .mod import _x`,
   `getattr(mod, '_x')` / `setattr(mod, '_x', ...)` with a constant name.

Underscore-prefixed modules (_startup, _output, _pickling) may be imported; their
public names may be used. The C extension _charmpy is outside the package (a leaf).

    /usr/bin/python3 tests/python/check_package_structure.py [package_dir]

Exits 0 when both hold, 1 listing every cycle and every private use otherwise.
"""
import ast
import os
import sys

PACKAGE = 'charmpy'


def is_private(name):
    return name.startswith('_') and not (name.startswith('__') and name.endswith('__'))


def module_names(package_dir):
    """Module name -> path, for every .py file of the package (subpackages included)."""
    modules = {}
    for root, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        rel = os.path.relpath(root, package_dir)
        parts = [PACKAGE] + ([] if rel == '.' else rel.split(os.sep))
        for f in sorted(files):
            if not f.endswith('.py'):
                continue
            stem = f[:-3]
            name = '.'.join(parts if stem == '__init__' else parts + [stem])
            modules[name] = os.path.join(root, f)
    return modules


class ModuleScan(ast.NodeVisitor):
    """The package modules one module imports, and its uses of other modules' private
    names. Names bound to modules are tracked per module file (any scope): precise
    enough for a package that binds module names only by import."""

    def __init__(self, name, path, modules):
        self.name = name
        self.path = path
        self.modules = modules
        self.is_package = path.endswith('__init__.py')
        self.imports = {}     # imported module -> first line
        self.aliases = {}     # local name -> package module it names
        self.private_uses = []  # (line, text)

    def _package_of_self(self):
        return self.name if self.is_package else self.name.rpartition('.')[0]

    def _resolve_from(self, node):
        if node.level == 0:
            return node.module
        base = self._package_of_self().split('.')
        if node.level > 1:
            base = base[:-(node.level - 1)]
        return '.'.join(base + ([node.module] if node.module else []))

    def _add_import(self, module, line):
        if module in self.modules and module != self.name:
            self.imports.setdefault(module, line)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name == PACKAGE or alias.name.startswith(PACKAGE + '.'):
                # `import charmpy.a.b` imports charmpy, charmpy.a and charmpy.a.b
                parts = alias.name.split('.')
                for i in range(1, len(parts) + 1):
                    self._add_import('.'.join(parts[:i]), node.lineno)
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    self.aliases[parts[0]] = parts[0]
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        base = self._resolve_from(node)
        if base is None or not (base == PACKAGE or base.startswith(PACKAGE + '.')):
            return
        for alias in node.names:
            sub = base + '.' + alias.name
            if sub in self.modules:
                # `from . import x`: imports module x (and its package)
                self._add_import(base, node.lineno)
                self._add_import(sub, node.lineno)
                self.aliases[alias.asname or alias.name] = sub
            else:
                self._add_import(base, node.lineno)
                if is_private(alias.name) and base != self.name:
                    self.private_uses.append(
                        (node.lineno, 'from %s import %s' % (base, alias.name)))
        self.generic_visit(node)

    def _module_of(self, expr):
        """The package module `expr` names (a name or dotted attribute), or None."""
        if isinstance(expr, ast.Name):
            return self.aliases.get(expr.id)
        if isinstance(expr, ast.Attribute):
            owner = self._module_of(expr.value)
            if owner is not None and owner + '.' + expr.attr in self.modules:
                return owner + '.' + expr.attr
        return None

    def visit_Attribute(self, node):
        owner = self._module_of(node.value)
        if owner is not None and owner != self.name and is_private(node.attr) \
                and owner + '.' + node.attr not in self.modules:
            self.private_uses.append((node.lineno, '%s.%s' % (owner, node.attr)))
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in ('getattr', 'setattr', 'hasattr', 'delattr') \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str):
            owner = self._module_of(node.args[0])
            attr = node.args[1].value
            if owner is not None and owner != self.name and is_private(attr):
                self.private_uses.append((node.lineno, '%s(%s, %r)' % (func.id, owner, attr)))
        self.generic_visit(node)


def scan(package_dir):
    modules = module_names(package_dir)
    scans = {}
    for name, path in modules.items():
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        s = ModuleScan(name, path, modules)
        # two passes: aliases bound anywhere in the file (e.g. by a lazy import in a
        # function) are known when attributes are checked
        s.visit(tree)
        s.private_uses = []
        s.visit(tree)
        scans[name] = s
    return scans


def find_cycles(graph):
    """Every elementary cycle's strongly connected component, as one cycle through it
    per component plus the component's members (Tarjan), sorted."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = [0]

    def strongconnect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return sorted(comps)


def simple_cycles_in(comp, graph, limit=50):
    """Up to `limit` elementary cycles inside one strongly connected component."""
    members = set(comp)
    cycles = []
    for start in sorted(comp):
        # cycles whose smallest member is `start`
        path, seen = [start], {start}

        def walk(v):
            for w in sorted(graph.get(v, ())):
                if len(cycles) >= limit:
                    return
                if w == start:
                    cycles.append(path + [start])
                elif w in members and w > start and w not in seen:
                    path.append(w)
                    seen.add(w)
                    walk(w)
                    path.pop()
                    seen.discard(w)
        walk(start)
    return cycles


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    package_dir = argv[1] if len(argv) > 1 else os.path.join(
        here, '..', '..', 'python-stdlib-shim', PACKAGE)
    package_dir = os.path.normpath(package_dir)
    scans = scan(package_dir)
    # The package's __init__ imports its modules, and every `from . import x` /
    # `import charmpy.x` runs it first; edges to the package itself are what Python
    # does, not a design choice, so the graph leaves out edges into `charmpy`.
    graph = {name: {m for m in s.imports if m != PACKAGE} for name, s in scans.items()}
    failed = False

    comps = find_cycles(graph)
    cycles = [c for comp in comps for c in simple_cycles_in(comp, graph)]
    if cycles:
        failed = True
        print('%d import cycle(s) in %s:' % (len(cycles), package_dir))
        for c in cycles:
            steps = []
            for a, b in zip(c, c[1:]):
                steps.append('%s (line %d)' % (a, scans[a].imports[b]))
            print('  ' + ' -> '.join(steps) + ' -> ' + c[-1])

    uses = [(name, line, text) for name, s in sorted(scans.items()) for line, text in s.private_uses]
    if uses:
        failed = True
        print('%d use(s) of another module\'s private names:' % len(uses))
        for name, line, text in uses:
            print('  %s:%d: %s' % (os.path.relpath(scans[name].path, package_dir), line, text))

    if failed:
        return 1
    print('%s: %d modules, no import cycle, no use of another module\'s private names'
          % (package_dir, len(scans)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
