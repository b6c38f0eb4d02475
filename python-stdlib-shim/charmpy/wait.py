"""charm4py's `wait` module: how a `@when` / `Chare.wait` condition string is read.

charmpy runs `@when` and `Chare.wait` itself (charmpy/when.py: the condition is
compiled once and re-checked after each entry method of the chare). This module
keeps charm4py's public view of a condition, for programs that import it by name
(`from charm4py import wait`) to classify or evaluate conditions:

    cond = wait.parse_cond_str('self.iteration == it', '__main__', {'it': 0, 'x': 1})
    isinstance(cond, wait.MsgTagCond)          # True: attribute == one argument
    cond.evaluateWhen(chare, (3, data))        # chare.iteration == 3

`method_arguments` maps the method's parameter names (without self) to their
positions. The three kinds of condition:
  - MsgTagCond: `self.<attribute> == <one argument>` (either order);
  - ChareStateMsgCond: any other expression that uses the method's arguments;
  - ChareStateCond: an expression over `self` (and globals) only.
`evaluateWhen(obj, args)` evaluates one against a chare and the call's positional
arguments. charm4py's message queues behind them (enqueue/check) are its scheduler's
and have no counterpart here.
"""
import ast
from importlib import import_module

__all__ = ['MsgTagCond', 'ChareStateMsgCond', 'ChareStateCond', 'parse_cond_str', 'is_tag_cond',
           'MsgArgsTransformer']


class MsgTagCond:
    """`self.<attrib_name> == args[<arg_idx>]`: the call runs once the chare's attribute
    equals that argument."""

    group = True  # charm4py groups the waiting calls of one such condition

    def __init__(self, cond_str, attrib_name, arg_idx):
        self.cond_str = cond_str
        self.attrib_name = attrib_name
        self.arg_idx = arg_idx

    def evaluateWhen(self, obj, args):
        return args[self.arg_idx] == getattr(obj, self.attrib_name)

    def __repr__(self):
        return '<MsgTagCond %r>' % self.cond_str


class ChareStateMsgCond:
    """A condition over the chare and the call's arguments: `cond_func(self, args)`."""

    group = False

    def __init__(self, cond_str, cond_func):
        self.cond_str = cond_str
        self.cond_func = cond_func

    def evaluateWhen(self, obj, args):
        return self.cond_func(obj, args)

    def __repr__(self):
        return '<ChareStateMsgCond %r>' % self.cond_str


class ChareStateCond:
    """A condition over the chare alone, evaluated with the globals of module
    `module_name`: `cond_func(self)`."""

    group = True

    def __init__(self, cond_str, module_name):
        self.cond_str = cond_str
        self.globals_module_name = module_name
        self.cond_func = eval('lambda self: (%s)' % cond_str, import_module(module_name).__dict__)

    def evaluateWhen(self, obj, args):
        return self.cond_func(obj)

    def __repr__(self):
        return '<ChareStateCond %r>' % self.cond_str


def is_tag_cond(root_ast):
    """For the parsed condition `root_ast` (mode 'eval', arguments already rewritten to
    `args[i]`), `('self.<attr> == args[<i>]', attr, i)` when it compares one attribute
    of self with one argument, else None."""
    body = getattr(root_ast, 'body', None)
    if not isinstance(body, ast.Compare) or len(body.ops) != 1 or not isinstance(body.ops[0], ast.Eq):
        return None
    sides = (body.left, body.comparators[0])
    attrib = next((n for n in sides if isinstance(n, ast.Attribute)), None)
    arg = next((n for n in sides if isinstance(n, ast.Subscript)), None)
    if attrib is None or arg is None:
        return None
    if not (isinstance(attrib.value, ast.Name) and attrib.value.id == 'self'):
        return None
    if not (isinstance(arg.value, ast.Name) and arg.value.id == 'args'):
        return None
    index = arg.slice
    if not (isinstance(index, ast.Constant) and type(index.value) is int):
        return None
    return ('self.%s == args[%d]' % (attrib.attr, index.value), attrib.attr, index.value)


class MsgArgsTransformer(ast.NodeTransformer):
    """Rewrites the method's parameter names in a condition to `args[<position>]`
    (`method_arguments`: name -> position); counts them in `num_msg_args`."""

    def __init__(self, method_arguments):
        self.method_arguments = method_arguments
        self.num_msg_args = 0

    def visit_Name(self, node):
        position = self.method_arguments.get(node.id)
        if position is None or node.id == 'self':
            return node
        self.num_msg_args += 1
        return ast.copy_location(
            ast.Subscript(value=ast.Name(id='args', ctx=ast.Load()), slice=ast.Constant(position),
                          ctx=node.ctx), node)


def parse_cond_str(cond_str, module_name, method_arguments={}):
    """The condition object for `cond_str` on a method whose parameters are
    `method_arguments` (name -> position, self excluded), with the globals of module
    `module_name`: a MsgTagCond, a ChareStateMsgCond or a ChareStateCond (see above).
    Raises SyntaxError for a condition that is not a Python expression."""
    tree = ast.parse(cond_str.strip(), filename='<condition>', mode='eval')
    if not method_arguments:
        return ChareStateCond(cond_str, module_name)
    transformer = MsgArgsTransformer(method_arguments)
    tree = ast.fix_missing_locations(transformer.visit(tree))
    if transformer.num_msg_args == 0:
        return ChareStateCond(cond_str, module_name)
    tag = is_tag_cond(tree)
    if tag is not None:
        return MsgTagCond(*tag)
    func = ast.Expression(body=ast.Lambda(
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg='self'), ast.arg(arg='args')],
                           kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=tree.body))
    code = compile(ast.fix_missing_locations(func), '<condition %r>' % cond_str, 'eval')
    return ChareStateMsgCond(cond_str, eval(code, import_module(module_name).__dict__))
