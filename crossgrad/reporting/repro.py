"""Repro snippets: a few lines of plain framework code that reproduce one recorded value.

A case is written once against `ops` (`def relu(ops, x, w, b): return
ops.relu(x * w + b)`). A snippet rewrites its source into one framework's own
calls, using the adapter's spelling templates (`ops.spelling`, e.g.
"torch.clamp({0}, min={1})"), then adds the imports, the inputs (1-element
arrays of the dtype) and the same transform crossgrad ran (vjp with an explicit
cotangent, jvp, vjp of vjp), compiled the same way. The result is standalone:
paste it into an issue tracker, run it, and it prints the value with repr.

Every framework-specific line (imports, array literal, the transforms, the
compile wrapper) comes from the adapter's `snippets` (crossgrad.adapter.Snippets):
this module names no framework. Nothing here imports a framework: snippets are text.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from functools import lru_cache
from typing import Callable

from crossgrad.core.native import native_import
from crossgrad.core.registry import frameworks
from crossgrad.reporting import snippet_bits
from crossgrad.reporting.recorded_spelling import SnippetError, trusted_spelling  # SnippetError: re-exported


class _OpsToSpelling(ast.NodeTransformer):
    """Replaces every `ops.NAME(args)` by the framework's template for NAME."""

    def __init__(self, spelling: dict, ops_name: str):
        self.spelling, self.ops_name = spelling, ops_name

    def visit_Call(self, node: ast.Call):
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id == self.ops_name):
            return self.generic_visit(node)
        # Inner calls first (ops.max(ops.concat(z, z))); not node.func: it is ops.NAME.
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        if func.attr not in self.spelling:
            raise SnippetError(f"no spelling for ops.{func.attr}")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise SnippetError(f"ops.{func.attr}: only positional arguments can be spelled")
        # Parentheses keep precedence ("{0}.clamp(...)" on "x * w + b"); the
        # final ast.unparse drops the ones that are not needed.
        text = self.spelling[func.attr].format(*(f"({ast.unparse(a)})" for a in node.args))
        return ast.parse(text, mode="eval").body

    def visit_Attribute(self, node: ast.Attribute):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == self.ops_name:
            raise SnippetError(f"ops.{node.attr} is used other than as a call")
        return node


class _InlineClosure(ast.NodeTransformer):
    """Case factories (`unary("abs")`) close over plain constants: the op's name,
    extra arguments. Writes them in, and turns `getattr(ops, "abs")` into `ops.abs`,
    so the snippet stands alone."""

    def __init__(self, constants: dict, ops_name: str):
        self.constants, self.ops_name = constants, ops_name

    def visit_Name(self, node: ast.Name):
        if isinstance(node.ctx, ast.Load) and node.id in self.constants:
            return ast.parse(repr(self.constants[node.id]), mode="eval").body
        return node

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        args = []
        for a in node.args:  # f(z, *("const",)) -> f(z, "const")
            if isinstance(a, ast.Starred) and isinstance(a.value, (ast.Tuple, ast.List)):
                args.extend(a.value.elts)
            else:
                args.append(a)
        node.args = args
        if (isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(args) == 2
                and isinstance(args[0], ast.Name) and args[0].id == self.ops_name
                and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str)):
            return ast.Attribute(value=args[0], attr=args[1].value, ctx=ast.Load())
        return node


def _closure_constants(case_fn: Callable) -> dict:
    """The case function's free variables that are plain literals (str, numbers, tuples)."""
    try:
        free = inspect.getclosurevars(case_fn).nonlocals
    except TypeError:
        return {}
    plain = (str, int, float, bool, type(None))
    return {k: v for k, v in free.items() if isinstance(v, plain)
            or (isinstance(v, tuple) and all(isinstance(i, plain) for i in v))}


def _function_node(case_fn: Callable) -> ast.AST:
    """The case function's definition as an AST; a lambda (`Case("c", lambda ops, x,
    w, b: ops.relu(x * w + b), ...)`) becomes `def fn(x, w, b): return ...`. A
    lambda's source is the middle of a statement, so it is found in its whole file,
    by line and parameters."""
    if case_fn is None:
        raise SnippetError("the case has no function for this framework")
    if case_fn.__name__ != "<lambda>":
        return ast.parse(textwrap.dedent(inspect.getsource(case_fn))).body[0]
    try:
        tree = ast.parse("".join(inspect.findsource(case_fn)[0]))  # the whole file's lines
    except (OSError, TypeError, SyntaxError):
        raise SnippetError("a lambda without a source file has no snippet") from None
    code = case_fn.__code__
    params = list(code.co_varnames[:code.co_argcount])
    for node in ast.walk(tree):
        if (isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno
                and [a.arg for a in node.args.args] == params):
            fn = ast.FunctionDef(name="fn", args=node.args, body=[ast.Return(node.body)], decorator_list=[],
                                 returns=None, lineno=node.lineno, col_offset=0)
            if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
                fn.type_params = []
            return fn
    raise SnippetError("the lambda's source was not found")


def rewrite_case(case_fn: Callable, spelling: dict) -> tuple[str, str]:
    """(function name, source) of case_fn in the framework's own calls, without `ops`.
    A report's findings ask for the same few hundred (case, spelling) pairs over and over,
    and each rewrite reads and parses the case's source: the result is kept."""
    key = tuple(spelling.items())
    try:
        hash((case_fn, key))
    except TypeError:  # an unhashable template or function: rewritten every time
        return _rewrite(case_fn, spelling)
    return _rewritten(case_fn, key)


@lru_cache(maxsize=1024)
def _rewritten(case_fn: Callable, spelling: tuple) -> tuple[str, str]:
    return _rewrite(case_fn, dict(spelling))


def _rewrite(case_fn: Callable, spelling: dict) -> tuple[str, str]:
    if native_import(case_fn) is not None:  # a native implementation: the snippet imports it
        return native_import(case_fn)
    fn = _function_node(case_fn)
    if not isinstance(fn, ast.FunctionDef) or not fn.args.args:
        raise SnippetError(f"{case_fn.__name__}: expected a plain function fn(ops, x, w, b)")
    ops_name = fn.args.args[0].arg
    fn.args.args = fn.args.args[1:]
    fn.decorator_list = []
    if case_fn.__name__.isidentifier():
        fn.name = case_fn.__name__  # a factory's inner `fn` carries the op's name
    if ast.get_docstring(fn) is not None and len(fn.body) > 1:
        fn.body = fn.body[1:]  # the docstring talks about ops; the snippet needs none
    fn = _InlineClosure(_closure_constants(case_fn), ops_name).visit(fn)
    fn = _OpsToSpelling(spelling, ops_name).visit(fn)
    return fn.name, ast.unparse(ast.fix_missing_locations(fn))


def snippet(framework: str, case_fn: Callable, spelling: dict, point, dtype: str, ad: str,
            wrt: str, seed: float | None, mode: str, recorded: str | None = None,
            index: int = 0) -> str:
    """Standalone code that prints, with repr, the quantity crossgrad recorded.

    point: has x, w, b (a crossgrad.core.case.Point). ad: none / reverse / forward /
    second; wrt: "w" or "b" ("" for none); seed: the cotangent (reverse, second)
    or the tangent on `wrt` (forward). mode: eager, graph or compiled.
    recorded: the value crossgrad recorded (text), quoted in a comment.
    """
    text = snippet_text(framework)
    name, source = rewrite_case(case_fn, spelling)
    seed = 1.0 if seed is None else float(seed)
    parts = [_header(text, dtype, point), source, _inputs(text, point, dtype),
             _derivative(text, name, ad, wrt or "w", seed), _compiled(framework, text, mode),
             _print(text, index, recorded, ad, wrt, seed, mode, dtype, point)]
    return "\n\n".join(p for p in parts if p) + "\n"


def modes_snippet(framework: str, case_fn: Callable, spelling: dict, point, dtype: str, ad: str, wrt: str,
                  seed: float | None, modes: tuple, recorded: dict | None = None, index: int = 0) -> str:
    """One program that computes the quantity in each of `modes` (eager, compiled, ...)
    and prints every mode's value with repr and its float64 bits: a mode divergence
    ("torch compiled differs from torch eager") shown side by side. recorded: mode ->
    the text crossgrad recorded there, quoted in a comment."""
    text = snippet_text(framework)
    name, source = rewrite_case(case_fn, spelling)
    seed = 1.0 if seed is None else float(seed)
    wrapped = [f"    ({mode!r}, {_wrapped(framework, text, mode)})," for mode in modes]
    flat = text.flatten.format(index=index)
    what = f"{ad} {wrt}".strip() + ("" if ad == "none" else f", seed {seed!r}")
    notes = "; ".join(f"{mode} {value}" for mode, value in (recorded or {}).items())
    run = "\n".join([f"# {what}, {dtype}, {_inputs_comment(point, dtype)}",
                     "for mode, run in (", *wrapped, "):", "    result = run(x, w, b)",
                     f"    value = {flat} if result is not None else None",
                     f"    bits = {snippet_bits.bits_expression(flat, index, dtype)} if value is not None else ''",
                     f"    print(mode, repr(value), bits)  # bits: {snippet_bits.bits_meaning(dtype)}"]
                    + ([f"# crossgrad recorded: {notes}"] if notes else []))
    parts = [_header(text, dtype, point), source, _inputs(text, point, dtype),
             _derivative(text, name, ad, wrt or "w", seed), run]
    return "\n\n".join(p for p in parts if p) + "\n"


def case_snippet(case, framework: str, spelling: dict, point_name: str, dtype: str, ad: str, wrt: str,
                 seed, mode: str, recorded: str | None = None, index: int = 0) -> str:
    """`snippet` for a catalogue Case: its function for `framework` (a native
    override where it has one), a spelling variant's alias over the adapter's
    spelling, its point by name; `seed` may be row text ("-1.0", "")."""
    seed = float(seed) if seed not in (None, "") else None
    spelling = trusted_spelling(framework, spelling)
    return snippet(framework, case.function_for(framework), dict(spelling, **case.respell),
                   case.point(point_name), dtype, ad, wrt, seed, mode, recorded=recorded, index=index)


def modes_case_snippet(case, framework: str, spelling: dict, point_name: str, dtype: str, ad: str, wrt: str,
                       seed, modes: tuple, recorded: dict | None = None, index: int = 0) -> str:
    """`modes_snippet` for a catalogue Case, as case_snippet does for one mode."""
    seed = float(seed) if seed not in (None, "") else None
    spelling = trusted_spelling(framework, spelling)
    return modes_snippet(framework, case.function_for(framework), dict(spelling, **case.respell),
                         case.point(point_name), dtype, ad, wrt, seed, modes, recorded=recorded, index=index)


def snippet_text(framework: str):
    """The registered adapter's Snippets; SnippetError where it has none."""
    adapter = frameworks().get(framework)
    text = None if adapter is None else adapter.snippets
    if text is None:
        raise SnippetError(f"no snippet template for framework {framework!r} (its adapter has no `snippets`)")
    return text


ARGS = ("x", "w", "b")


def _header(text, dtype: str, point) -> str:
    imports = [text.imports, text.preamble.get(dtype, "")]
    if any(snippet_bits.has_odd_nan(getattr(point, n), dtype) for n in ARGS):  # inputs built from their bits
        imports.append("import numpy as np" + ("\nimport ml_dtypes" if dtype == "bfloat16" else ""))
    return "\n".join(filter(None, imports))


def _inputs(text, point, dtype: str) -> str:
    return "\n".join(f"{n} = " + snippet_bits.array(text, getattr(point, n), dtype) for n in ARGS)


def _lines(template: tuple, text, fn: str, wrt: str, seed: float) -> list[str]:
    """Body lines of a transform; the seed array is filled like the output (a
    cotangent) and like `wrt` (a tangent)."""
    fields = dict(fn=fn, wrt=wrt, cotangent=text.full_like.format(like="out", value=repr(seed)),
                  tangent=text.full_like.format(like=wrt, value=repr(seed)))
    return [line.format(**fields) for line in template]


def _define(name: str, comment: str, body: list[str]) -> str:
    lines = [f"def {name}(x, w, b):", f"    # {comment}"] + ["    " + line for line in body]
    return "\n".join(lines)


def _derivative(text, fn: str, ad: str, wrt: str, seed: float) -> str:
    """`derivative(x, w, b)`: the function crossgrad compiled and ran."""
    if ad == "none":
        return _define("derivative", "the primal value", [f"return {fn}(x, w, b)"])
    if ad == "reverse":
        return _define("derivative", f"reverse mode: cotangent {seed!r} pulled back to {wrt}",
                       _lines(text.pullback, text, fn, wrt, seed))
    if ad == "forward":
        return _define("derivative", f"forward mode: tangent {seed!r} on {wrt}",
                       _lines(text.pushforward, text, fn, wrt, seed))
    if ad == "second":
        first = _define("first", f"reverse mode: cotangent {seed!r} pulled back to w",
                        _lines(text.pullback, text, fn, "w", seed))
        again = _define("derivative", "second order: d/dw of the above, cotangent 1.0",
                        _lines(text.pullback, text, "first", "w", 1.0))
        return first + "\n\n" + again
    raise SnippetError(f"unknown ad kind {ad!r}")


def _compiled(framework: str, text, mode: str) -> str:
    """The adapter's own wrapper for `mode` (the template its compile() runs)."""
    if mode == "eager":
        return ""
    return f"derivative = {_wrapped(framework, text, mode)}  # mode {mode}"


def _wrapped(framework: str, text, mode: str) -> str:
    """`derivative` as `mode` runs it: itself eager, else the adapter's wrapper."""
    if mode == "eager":
        return "derivative"
    if mode not in text.wrap:
        raise SnippetError(f"{framework} has no mode {mode!r}")
    return text.wrap[mode].format("derivative")


def _inputs_comment(point, dtype: str) -> str:
    return " ".join(f"{n}={snippet_bits.arg_comment(getattr(point, n), dtype)}" for n in ARGS)


def _print(text, index: int, recorded, ad, wrt, seed, mode, dtype, point) -> str:
    flat = text.flatten.format(index=index)
    what = f"{ad} {wrt}".strip() + ("" if ad == "none" else f", seed {seed!r}")
    lines = ["result = derivative(x, w, b)",
             f"print(repr({flat}) if result is not None else None)"]
    if recorded is not None:
        lines[-1] += f"  # crossgrad recorded: {recorded}"
    if recorded is not None and str(recorded).startswith("nan"):  # repr says nan for every NaN
        lines.append(snippet_bits.nan_bits_line(flat, index, dtype))
    head = f"# {what}, {mode}, {dtype}, {_inputs_comment(point, dtype)}"
    return head + "\n" + "\n".join(lines)
