"""Repro snippets: the rewrite needs no framework; the integration tests run the
snippets for each installed framework and check they print what crossgrad records."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crossgrad.adapter import declared_absent, placeholder_count
from crossgrad.case import Point
from crossgrad.core.registry import frameworks
from crossgrad.reporting.repro import SnippetError, rewrite_case, snippet

ROOT = Path(__file__).resolve().parent.parent
KINK = Point("kink", -1.0, 1.0, 1.0)
TORCH = {"relu": "torch.relu({0})", "maximum": "torch.maximum({0}, {1})",
         "zeros_like": "torch.zeros_like({0})", "clip": "{0}.clamp(min={1})",
         "max": "torch.max({0})", "concat": "torch.cat([{0}, {1}])",
         "leaky_relu": "F.leaky_relu({0}, {1})"}


def relu(ops, x, w, b):
    """Docstrings mention ops; the snippet drops them."""
    return ops.relu(x * w + b)


def maximum(ops, x, w, b):
    z = x * w + b
    return ops.maximum(z, ops.zeros_like(z))


def clamp(ops, x, w, b):
    return ops.clip(x * w + b, 0.0)


def max_tie(ops, x, w, b):
    return ops.max(ops.concat(x * w + b, x * w + b))


def unary(op_name, *args):
    def fn(ops, x, w, b):
        return getattr(ops, op_name)(x * w + b, *args)
    fn.__name__ = op_name
    return fn


# --- the rewrite (no framework) ---------------------------------------------------

def test_rewrite_replaces_ops_calls_and_drops_ops():
    name, source = rewrite_case(relu, TORCH)
    assert name == "relu"
    assert source == "def relu(x, w, b):\n    return torch.relu(x * w + b)"


def test_rewrite_nested_calls_and_precedence():
    assert "torch.maximum(z, torch.zeros_like(z))" in rewrite_case(maximum, TORCH)[1]
    assert "(x * w + b).clamp(min=0.0)" in rewrite_case(clamp, TORCH)[1]
    assert "torch.max(torch.cat([x * w + b, x * w + b]))" in rewrite_case(max_tie, TORCH)[1]


def test_rewrite_inlines_a_factory_closure():
    name, source = rewrite_case(unary("leaky_relu", 0.01), TORCH)
    assert name == "leaky_relu"
    assert "return F.leaky_relu(x * w + b, 0.01)" in source
    assert "ops" not in source and "getattr" not in source


def test_missing_spelling_is_a_clear_error():
    with pytest.raises(SnippetError, match="no spelling for ops.relu"):
        rewrite_case(relu, {})


def test_snippet_text_for_each_transform():
    code = snippet("torch", relu, TORCH, KINK, "float32", "reverse", "w", -1.0, "compiled",
                   recorded="0.0")
    assert "x = torch.tensor([-1.0], dtype=torch.float32)" in code
    assert "torch.func.vjp(lambda w: relu(x, w, b), w)" in code
    assert "torch.full_like(out, -1.0)" in code
    assert "derivative = torch.compile(derivative, dynamic=False)" in code
    assert "# crossgrad recorded: 0.0" in code
    code = snippet("jax", relu, {"relu": "jax.nn.relu({0})"}, KINK, "float64", "forward", "b",
                   1.0, "compiled")
    assert 'jax.config.update("jax_enable_x64", True)' in code
    assert "jax.jvp(lambda b: relu(x, w, b), (b,), (jnp.full_like(b, 1.0),))[1]" in code
    assert "jax.jit(derivative)" in code
    code = snippet("tensorflow", relu, {"relu": "tf.nn.relu({0})"}, KINK, "float32", "second",
                   "w", 1.0, "graph")
    assert code.count("tf.GradientTape()") == 2 and "tf.function(derivative)" in code
    compile(code, "<snippet>", "exec")  # every snippet is valid Python


def test_unknown_framework_or_mode():
    with pytest.raises(SnippetError, match="no snippet template for framework 'mxnet'"):
        snippet("mxnet", relu, TORCH, KINK, "float32", "reverse", "w", 1.0, "eager")
    with pytest.raises(SnippetError, match="no mode 'graph'"):
        snippet("torch", relu, TORCH, KINK, "float32", "reverse", "w", 1.0, "graph")


def test_every_snippet_wrapper_is_a_mode_the_adapter_compiles():
    """The wrap text is the template the adapter's compile() runs: one per
    non-eager mode, each a call on its one argument (the derivative function)."""
    for name, adapter in frameworks().items():
        text = adapter.snippets
        if text is None:
            continue  # a plug-in without snippets gets the "no snippet template" note
        assert set(text.wrap) == set(adapter.modes) - {"eager"}, name
        assert all(placeholder_count(t) == 1 for t in text.wrap.values()), name


# --- integration: run the snippets, compare with what crossgrad records ----------------

# (case, point, dtype, ad, wrt, seed, mode); modes a framework lacks are left out.
SPECS = [("relu", "kink", "float32", ad, wrt, seed, "eager")
         for ad, wrt, seed in (("none", "", None), ("reverse", "w", 1.0), ("reverse", "w", -1.0),
                               ("reverse", "b", 1.0), ("forward", "w", 1.0), ("second", "w", 1.0))]
SPECS += [("relu", "kink", "float32", "reverse", "w", 1.0, "compiled"),
          ("relu", "kink", "float64", "reverse", "w", -1.0, "graph"),
          ("relu", "kink", "float64", "reverse", "w", 1.0, "eager"),
          ("relu_python", "kink", "float32", "reverse", "w", 1.0, "eager"),
          ("leaky_relu", "kink", "float32", "reverse", "w", -1.0, "eager"),
          ("max_tie", "kink_xpos", "float64", "forward", "w", -1.0, "eager")]

REFERENCE = textwrap.dedent("""
    import json, sys
    from crossgrad.running.derivatives import compute_task
    from crossgrad.running.plan import Task
    from crossgrad.core.registry import frameworks
    from crossgrad.catalogue import cases
    fw, specs = sys.argv[1], json.loads(sys.argv[2])
    adapter = frameworks()[fw]
    adapter.load()
    values = []
    for case, point, dtype, ad, wrt, seed, mode in specs:
        task = Task(fw, case, dtype, "cpu", mode)
        job = {"points": [point], "seeds": [1.0 if seed is None else seed]}
        rows = [r for r in compute_task(adapter, task, job, cases()) if r["ad"] == ad and r["wrt"] == wrt]
        values.append(rows[0]["value"] if rows[0]["outcome"] == "ok" else rows[0]["outcome"])
    print(json.dumps({"spelling": adapter.ops.spelling, "modes": list(adapter.modes),
                      "values": values}))
""")

# Runs each snippet in a fresh namespace of one fresh process, as if pasted alone;
# float32 snippets come first (a float64 JAX snippet switches x64 on for good).
RUNNER = textwrap.dedent("""
    import contextlib, io, json, sys
    printed = []
    for code in json.loads(sys.stdin.read()):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
        printed.append(out.getvalue().strip())
    print(json.dumps(printed))
""")


def python(args, stdin=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.integration
@pytest.mark.parametrize("framework", list(frameworks()))
def test_snippets_print_what_crossgrad_records(framework):
    adapter = frameworks()[framework]
    if adapter.version() is None:
        pytest.skip(f"{framework} is not installed")
    if adapter.snippets is None:
        pytest.skip(f"{framework}'s adapter has no snippets")
    from crossgrad.catalogue import cases

    modes = python(["-c", "from crossgrad.core.registry import frameworks; import json; "
                    f"print(json.dumps(list(frameworks()[{framework!r}].modes)))"])
    # a transform the adapter declares absent (forward_mode / second_order = False) has no value to reproduce
    specs = sorted((s for s in SPECS if s[6] in modes and not declared_absent(adapter, s[3])),
                   key=lambda s: s[2] == "float64")
    ref = python(["-c", REFERENCE, framework, json.dumps(specs)])
    # A quantity with no value (tinygrad: no forward mode, no Tensor.__bool__) gets no snippet
    # from the report (repro.divergent_cells): only those with a value are compared.
    valued = [i for i, v in enumerate(ref["values"]) if v not in ("unsupported", "error", "no_gradient")]
    assert specs.index(SPECS[1]) in valued, ref["values"]  # the notebook's kink always has its value
    specs, ref["values"] = [specs[i] for i in valued], [ref["values"][i] for i in valued]
    codes = [snippet(framework, cases()[c].function_for(framework), ref["spelling"],
                     cases()[c].point(p), dt, ad, wrt, seed, mode, recorded=value)
             for (c, p, dt, ad, wrt, seed, mode), value in zip(specs, ref["values"])]
    printed = python(["-c", RUNNER], stdin=json.dumps(codes))
    assert printed == ref["values"], list(zip(specs, printed, ref["values"]))
    if framework == "torch":  # the notebook's finding, through the snippet alone
        assert printed[specs.index(SPECS[1])] == "-0.0"


def test_an_input_nan_keeps_its_sign_and_payload_in_the_snippet():
    """float('nan') is one NaN (0x7ff8000000000000): any other is written by its bits."""
    import struct

    from crossgrad.reporting.snippet_bits import literal as _literal

    for pattern in ("7ff8000000000000", "fff8000000000000", "7ff8000000000001", "7ff4000000000000"):
        value = struct.unpack(">d", bytes.fromhex(pattern))[0]
        assert struct.pack(">d", eval(_literal(value))).hex() == pattern  # the snippet's own text, run
    assert _literal(float("nan")) == "float('nan')" and _literal(-0.0) == "-0.0"


def test_a_lambda_case_gets_a_snippet_in_the_frameworks_calls(tmp_path):
    """A case written as a lambda (docs/own-project.md) is found in its file by line."""
    import importlib.util

    from crossgrad.reporting.repro import case_snippet

    path = tmp_path / "lambda_cases.py"
    path.write_text("from crossgrad.case import Case, Point, exact\n"
                    "CASES = [Case('lam', lambda ops, x, w, b: ops.abs(x * w + b) * 2.0,\n"
                    "              (Point('smooth', 3.0, 2.0, 1.0, value=exact(14.0), d1=exact(2.0), d2=exact(0.0)),))]\n")
    spec = importlib.util.spec_from_file_location("lambda_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = case_snippet(module.CASES[0], "torch", {"abs": "torch.abs({0})"}, "smooth", "float32", "none", "", "", "eager")
    assert "def fn(x, w, b):\n    return torch.abs(x * w + b) * 2.0" in text and "ops." not in text
    compile(text, "snippet", "exec")
