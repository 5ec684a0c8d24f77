"""Unit tests of the timing harness, workloads plumbing, derived figures, report, pytest-benchmark
JSON and the pytest plugin. No framework needed: a fake clock, fake callables, a NumPy adapter."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest

from crossgrad import SCHEMA_VERSION
from crossgrad.benchmarks.untimed import untimed_by_default, wants_timing
from crossgrad.timing.bench_json import rows_from_benchmark_json
from crossgrad.timing.harness import HarnessOptions, Measurement, is_noisy, measure, steady_malloc
from crossgrad.core.rows import TIMING_COLUMNS
from crossgrad.reporting.timing_report import timing_part
from crossgrad.timing.derived import break_even, read_timings_csv, with_derived, write_timings_csv
from crossgrad.timing.rows import typed
from crossgrad.timing.run import (TimingState, default_options, measure_copy_bandwidth, run_timing_specs,
                                  timing_specs)
from crossgrad.timing.workloads import GPU_SIZES, bytes_moved, flops
from crossgrad.core.contract import apply_defaults


class FakeClock:
    """A clock that advances only when told: each read costs `read_cost` seconds."""

    def __init__(self, read_cost=0.0):
        self.now, self.read_cost = 0.0, read_cost

    def __call__(self):
        self.now += self.read_cost
        return self.now


def fake_callable(clock, first, steady):
    """Advances the clock by `first` on its first call, `steady` afterwards."""
    calls = []

    def fn():
        clock.now += first if not calls else steady
        calls.append(1)
    fn.calls = calls
    return fn


# --- harness -------------------------------------------------------------------------------

def test_first_call_is_timed_apart_from_steady_state():
    clock = FakeClock()
    fn = fake_callable(clock, first=2.0, steady=1e-3)
    m = measure(fn, HarnessOptions(min_time=0.05, min_samples=5, block_time=1e-2), clock)
    assert m.first_call_s == 2.0
    assert m.median == pytest.approx(1e-3) and m.min == pytest.approx(1e-3) and m.iqr == pytest.approx(0)
    assert m.inner_loops * 1e-3 >= 1e-2  # a block lasts at least block_time
    assert len(m.samples) >= 5 and sum(m.samples) * m.inner_loops >= 0.05


def test_inner_loop_grows_tenfold_until_clock_overhead_is_negligible():
    clock = FakeClock(read_cost=1e-6)  # an empty block costs 1 µs: a block must last >= 1 µs / 1e-4
    fn = fake_callable(clock, first=1e-7, steady=1e-7)
    m = measure(fn, HarnessOptions(block_time=1e-5, overhead_fraction=1e-4, min_time=0.05), clock)
    assert m.inner_loops == 10**5  # 10^4 calls last 1 ms + 1 µs < 10 ms; 10^5 calls do not
    # each sample is a block's time / loops: the clock's 1 µs is spread over the loop
    assert m.median == pytest.approx(1e-7 + 1e-6 / 10**5)


def test_block_time_is_a_floor_on_the_block():
    clock = FakeClock()
    fn = fake_callable(clock, first=1e-3, steady=1e-3)
    m = measure(fn, HarnessOptions(block_time=0.05, min_time=0.5), clock)
    assert m.inner_loops == 100  # 10 calls are 10 ms < 50 ms


def test_max_time_cuts_sampling_short_and_says_so():
    clock = FakeClock()
    fn = fake_callable(clock, first=1.0, steady=1.0)
    m = measure(fn, HarnessOptions(min_samples=5, max_time=2.5), clock)
    assert m.inner_loops == 1 and len(m.samples) == 3 and m.stopped_early
    assert len(fn.calls) == 1 + 1 + 3  # first call, one calibration (warm-up) call, 3 samples


def test_cores_busy_is_cpu_time_over_wall_time_of_the_sampling():
    clock = FakeClock()
    fn = fake_callable(clock, first=5.0, steady=1e-3)
    # two threads busy during every call: the process's CPU clock runs twice as fast
    m = measure(fn, HarnessOptions(min_time=0.05), clock, cpu_clock=lambda: 2 * clock.now)
    assert m.cores_busy == pytest.approx(2.0)  # the 5 s first call is outside the sampling


def test_statistics_match_numpy_and_noise_threshold():
    samples = [1.0, 2.0, 3.0, 4.0, 10.0]
    m = Measurement(first_call_s=0.0, samples=samples)
    q1, q3 = np.percentile(samples, [25, 75])
    assert (m.median, m.min, m.iqr) == (3.0, 1.0, q3 - q1)
    assert m.noisy and not is_noisy(0.1, 1.0) and is_noisy(0.11, 1.0) and is_noisy(0.0, 0.0)


def test_gc_is_off_inside_a_block_and_restored_after():
    seen = []
    measure(lambda: seen.append(gc.isenabled()), HarnessOptions(min_time=0.001, block_time=1e-4))
    assert seen and not any(seen) and gc.isenabled()


# --- runner of specs, with a NumPy adapter -----------------------------------------------------

class NumpyAdapter:
    """A fake adapter: enough of the contract for the timing path (vjp returns placeholders)."""

    name, modes = "fake", ("eager", "compiled", "broken")

    def __init__(self):
        self.ops = types.SimpleNamespace(relu=lambda z: np.maximum(z, 0))
        self.blocks, self.asarrays = 0, 0
        apply_defaults(self)  # the optional facts it does not declare, as the registry sets them

    def version(self):
        return "0.0"

    def devices(self):
        return ("cpu",)

    def info(self):
        return {"threads": {"intra_op": 3}}

    def asarray(self, value, device):
        self.asarrays += 1
        return np.array(value, copy=True)

    def to_numpy(self, x):
        return np.array(x)

    def block(self, tree):
        self.blocks += 1
        return tree

    def vjp(self, f, args, wrt, cotangent):
        f(*args)
        return tuple(np.zeros_like(args[i]) + cotangent for i in wrt)

    def compile(self, f, mode):
        if mode == "broken":
            raise RuntimeError("compiler refused\nsecond line")
        return f


FAST = {"min_time": 0.002, "min_samples": 3, "max_time": 0.05, "block_time": 1e-4}


def test_specs_are_grouped_by_inputs_and_dense_has_one_size():
    specs = timing_specs({"a": ("eager", "compiled")}, ("cpu", "gpu"), ("relu", "dense"), None)
    # the cpu copy first, the gpu's own copy (crossgrad.timing.device_copy) last
    assert specs[0]["workload"] == specs[-1]["workload"] == "copy" and specs[-1]["device"] == "gpu"
    assert [s["workload"] for s in specs].count("copy") == 2
    specs = specs[1:-1]
    keys = [(s["device"], s["workload"], s["n"]) for s in specs]
    groups = [k for i, k in enumerate(keys) if i == 0 or keys[i - 1] != k]
    assert len(groups) == len(set(groups))  # each input group is contiguous
    assert {s["n"] for s in specs if s["workload"] == "dense"} == {1024}
    assert max(s["n"] for s in specs if s["device"] == "gpu") == GPU_SIZES[-1] == 10**8
    assert max(s["n"] for s in specs if s["device"] == "cpu" and s["workload"] == "relu") == 10**7
    only = timing_specs({"a": ("eager", "compiled")}, sizes=(5,), workloads=("relu",), modes=("eager",),
                        copy_reference=False)
    assert [(s["n"], s["mode"], s["phase"]) for s in only] == [(5, "eager", "primal"), (5, "eager", "gradient")]


def test_run_specs_yields_one_row_per_spec_errors_included():
    adapter = NumpyAdapter()
    specs = timing_specs({"fake": ("eager", "broken")}, ("cpu", "gpu"), ("relu",), (10,))
    specs[0]["n"] = 1000  # the copy reference, small here
    rows = list(run_timing_specs(adapter, specs, FAST))
    assert len(rows) == len(specs) == 10  # with the gpu's copy, unavailable here
    assert (rows[0]["framework"], rows[0]["workload"], rows[0]["outcome"]) == ("numpy", "copy", "ok")
    by = {(r["device"], r["mode"], r["phase"]): r for r in rows}
    ok = by["cpu", "eager", "gradient"]
    assert ok["outcome"] == "ok" and float(ok["median_s"]) > 0 and ok["samples"] == len(ok["raw_samples"])
    assert ok["threads"] == "intra_op=3" and ok["framework_version"] == "0.0"
    assert by["cpu", "broken", "primal"]["outcome"] == "error"
    assert by["cpu", "broken", "primal"]["detail"] == "RuntimeError: compiler refused"
    assert {by["gpu", m, p]["outcome"] for m in ("eager", "broken") for p in ("primal", "gradient")} == {"unavailable"}
    assert set(TIMING_COLUMNS) - set(with_derived(typed(rows))[0]) == set()


def test_inputs_are_built_once_per_group_even_one_spec_at_a_time():
    adapter = NumpyAdapter()
    specs = timing_specs({"fake": ("eager", "compiled")}, ("cpu",), ("relu",), (10, 20), copy_reference=False)
    state = TimingState()  # the worker's, kept between its calls
    for spec in specs:  # as the worker calls it
        list(run_timing_specs(adapter, [spec], FAST, state=state))
    assert adapter.asarrays == 2 * 4  # two sizes x (x, w, b, cotangent)
    before = adapter.asarrays
    for spec in specs[:1]:  # a fresh state (another worker) builds its own inputs
        list(run_timing_specs(adapter, [spec], FAST))
    assert adapter.asarrays == before + 4


def test_every_timed_call_ends_with_block():
    adapter = NumpyAdapter()
    calls = []
    adapter.compile = lambda f, mode: (lambda *a: calls.append(1) or f(*a))
    spec = timing_specs({"fake": ("eager",)}, workloads=("relu",), sizes=(3,), phases=("primal",),
                        copy_reference=False)
    before = adapter.blocks
    list(run_timing_specs(adapter, spec, FAST))
    assert len(calls) > 0 and adapter.blocks - before == len(calls) + 2  # + inputs and cotangent


def test_copy_bandwidth_row():
    row = measure_copy_bandwidth(FAST, nbytes=4 * 10**5)
    assert (row["workload"], row["outcome"], row["framework"]) == ("copy", "ok", "numpy")
    derived = with_derived(typed([row]))[0]
    assert derived["bandwidth_bytes_per_s"] == 8 * 10**5 / float(row["median_s"])


# --- derived figures, CSV, report -------------------------------------------------------------

def row(mode="eager", phase="primal", median=1e-3, first=1e-2, workload="relu", n=1000, **kw):
    base = dict(schema_version=SCHEMA_VERSION, framework="fw", framework_version="1", device="cpu",
                dtype="float32", mode=mode, workload=workload, n=n, shape="", phase=phase, threads="2",
                first_call_s=repr(first) if first is not None else "", median_s=repr(median),
                iqr_s=repr(median / 20), min_s=repr(median * 0.9), samples=7, inner_loops=3,
                noisy=False, outcome="ok", detail="", raw_samples=[median] * 7)
    return typed([dict(base, **kw)])[0]  # as a run folder's rows are read: their numbers typed


def test_derived_figures():
    rows = with_derived([row(), row(phase="gradient", median=3e-3), row(workload="dense", n=1024, median=0.01),
                         row("compiled", first=1.0, median=0.5e-3), row("graph", median=2e-3)])
    primal, gradient, dense, compiled, graph = rows
    assert gradient["gradient_primal_ratio"] == pytest.approx(3.0)
    assert primal["bytes_moved"] == 16000 and gradient["bytes_moved"] == 20000
    assert primal["bandwidth_bytes_per_s"] == 16000 / 1e-3
    assert dense["flop"] == 2 * 256 * 1024 * 1024 and flops("dense", "gradient") == 2 * dense["flop"]
    # compiled: 1.0 + n * 0.5e-3 <= 0.01 + n * 1e-3  <=>  n >= 1980
    assert compiled["break_even_calls"] == 1980 and graph["break_even_calls"] == "never"
    assert primal["break_even_calls"] is None and bytes_moved("dense", 5, "primal") is None


def test_break_even_needs_both_first_calls():
    assert break_even(row("compiled", first=None, median=1e-4), row()) is None
    assert break_even(row("compiled", first=1e-3, median=1e-4), row(first=1e-2)) == 0


def test_csv_round_trip_keeps_every_digit_and_raw_samples(tmp_path):
    rows = [row(median=1 / 3), row(phase="gradient", median=2 / 3, raw_samples=[0.1, 0.2])]
    write_timings_csv(tmp_path, rows)
    back = read_timings_csv(tmp_path / "timings.csv")
    assert [r["median_s"] for r in back] == [1 / 3, 2 / 3]  # typed as read, every digit kept
    assert back[1]["gradient_primal_ratio"] == 2.0
    raw = (tmp_path / "timings_raw.csv").read_text().splitlines()
    assert len(raw) == 1 + 7 + 2 and raw[-1].endswith(",1,0.2")
    assert timing_part(rows, plots=False).markdown == timing_part(back, plots=False).markdown


def test_a_timings_csv_from_before_cores_busy_still_reads(tmp_path):
    write_timings_csv(tmp_path, [row(median=1e-3)])
    path = tmp_path / "timings.csv"
    lines = [line.split(",") for line in path.read_text().splitlines()]
    drop = lines[0].index("cores_busy")
    path.write_text("\n".join(",".join(c for i, c in enumerate(line) if i != drop) for line in lines) + "\n")
    back = read_timings_csv(path)
    assert back[0]["cores_busy"] is None and back[0]["median_s"] == 1e-3
    assert "| 1 ms |" in timing_part(back, plots=False).markdown  # the table renders, cores cell empty


def test_steady_malloc_is_the_default_and_can_be_turned_off(monkeypatch):
    monkeypatch.delenv("CROSSGRAD_MALLOC", raising=False)
    assert default_options()["steady_malloc"] is True
    monkeypatch.setenv("CROSSGRAD_MALLOC", "default")
    assert default_options()["steady_malloc"] is False
    assert steady_malloc() in ("malloc: no trim, mmap threshold 32 MiB", "malloc: defaults (mallopt unavailable)")


def test_timing_section_tables_marks_and_plots(tmp_path):
    rows = [row(), row(phase="gradient", median=3e-3, noisy=True), row("compiled", median=5e-4),
            row("graph", outcome="error", median_s="", detail="MemoryError: out of memory"),
            row(workload="dense", n=1024, median=0.01),
            # the runner's row for a worker that died: the spec's labels only
            *typed([dict(framework="fw2", device="cpu", dtype="float32", mode="eager", workload="relu", n=1000,
                         phase="primal", outcome="crashed", detail="worker died (SIGSEGV)")])]
    part = timing_part(rows)
    text = part.markdown
    assert "### relu" in text and "### dense" in text and "⚠" in text
    assert "**error**: MemoryError: out of memory" in text and "**crashed**: worker died (SIGSEGV)" in text
    assert "| primal | fw | compiled | cpu | 500 µs |" in text and "| 2.00 |" in text  # eager: 2x fastest
    for name in ("timing_relu.png", "timing_ratio.png"):
        assert f"]({name})" in text and part.files[name][:8] == b"\x89PNG\r\n\x1a\n" and len(part.files[name]) > 1000


# --- pytest-benchmark JSON ------------------------------------------------------------------

def bench_entry(phase="primal", median=1e-3, **info):
    labels = dict(framework="torch", framework_version="2.0", mode="eager", device="cpu", dtype="float32",
                  workload="relu", n=100, shape="N=100", phase=phase, threads="2", **info)
    data = [median * f for f in (0.9, 1.0, 1.0, 1.1, 1.2)]
    stats = {"min": min(data), "max": max(data), "mean": sum(data) / 5, "stddev": 0.0, "rounds": 5,
             "median": median, "iqr": median * 0.15, "q1": median, "q3": median * 1.15, "iqr_outliers": 0,
             "stddev_outliers": 0, "outliers": "0;0", "ld15iqr": min(data), "hd15iqr": max(data),
             "ops": 1 / median, "total": sum(data), "data": data, "iterations": 40}
    return {"group": "relu N=100", "name": f"test_workload[{phase}]", "fullname": "t::x",
            "params": {}, "param": phase, "extra_info": labels, "options": {}, "stats": stats}


def test_benchmark_json_becomes_timing_rows(tmp_path):
    path = tmp_path / "b.json"
    other = {"name": "someone_elses", "extra_info": {}, "stats": {"median": 1.0}}
    path.write_text(json.dumps({"machine_info": {}, "commit_info": {}, "datetime": "x", "version": "5.3.1",
                                "benchmarks": [bench_entry(), bench_entry("gradient", 2e-3), other]}))
    rows = rows_from_benchmark_json(path)
    assert len(rows) == 2 and rows[0]["samples"] == 5 and rows[0]["inner_loops"] == 40
    assert rows[0]["noisy"] is True and rows[0]["first_call_s"] == "" and "first call" in rows[0]["detail"]
    assert float(rows[1]["median_s"]) == 2e-3 and rows[1]["raw_samples"][0] == 2e-3 * 0.9
    rows = typed(rows)  # as `crossgrad report --from-benchmark-json` reads them
    assert with_derived(rows)[1]["gradient_primal_ratio"] == 2.0
    text = timing_part(rows, plots=False).markdown
    assert "| gradient | torch | eager | cpu | 2 ms ⚠ |" in text
    assert text.count("first call not measured") == 1  # said once, not on every line


@pytest.mark.parametrize("text", ["{not json", "[]", json.dumps({"benchmarks": [{"stats": {}}]})])
def test_benchmark_json_rejects_other_files(tmp_path, text):
    (tmp_path / "b.json").write_text(text)
    with pytest.raises(ValueError):
        rows_from_benchmark_json(tmp_path / "b.json")


# --- pytest plugin --------------------------------------------------------------------------

def options(**set_):
    base = dict(benchmark_disable=False, benchmark_only=False, benchmark_enable=False, benchmark_json=None,
                benchmark_save=None, benchmark_autosave=None, benchmark_compare=[], benchmark_histogram=[])
    return types.SimpleNamespace(**dict(base, **set_))


def test_plugin_disables_timing_unless_asked():
    plain = options()
    assert untimed_by_default(plain) and plain.benchmark_disable
    for flag, value in [("benchmark_only", True), ("benchmark_json", "f.json"), ("benchmark_enable", True),
                        ("benchmark_compare", True), ("benchmark_autosave", "tag")]:
        asked = options(**{flag: value})
        assert wants_timing(asked) and not untimed_by_default(asked) and not asked.benchmark_disable
    assert not untimed_by_default(types.SimpleNamespace())  # pytest-benchmark absent: no change


BENCH_FILE = """
import os
def test_counted(benchmark):
    def work():
        with open(os.environ["COUNT_FILE"], "a") as fh:
            fh.write("x")
    benchmark(work)
"""


@pytest.mark.parametrize("flags,timed", [((), False), (("--benchmark-only",), True)])
def test_plain_pytest_runs_a_benchmark_once(tmp_path, flags, timed):
    (tmp_path / "test_counted.py").write_text(textwrap.dedent(BENCH_FILE))
    # crossgrad's rule applies where a conftest opts in, as crossgrad's own tests/conftest.py does
    # (never through an entry point: see tests/test_plugin_entry_point.py).
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "conftest.py"), encoding="utf-8") as fh:
        (tmp_path / "conftest.py").write_text(fh.read())
    count = tmp_path / "count"
    # Not the outer run's PYTEST_* variables: under `pytest -n 2` they would make
    # pytest-benchmark think the inner run is an xdist worker and disable itself.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["COUNT_FILE"] = str(count)
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(here), env.get("PYTHONPATH", "")])  # this crossgrad
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           *flags, str(tmp_path / "test_counted.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = len(count.read_text())
    assert (calls > 1) if timed else (calls == 1)


# --- gradient API variants, compile cache, the summary --------------------------------------------

class TwoApiAdapter(NumpyAdapter):
    """Names two gradient APIs (the contract's optional gradient_apis) and a compile cache."""

    def __init__(self):
        super().__init__()
        self.used = []

    def gradient_apis(self):
        def api(label):
            def vjp(f, args, wrt, cotangent):
                self.used.append(label)
                return NumpyAdapter.vjp(self, f, args, wrt, cotangent)
            return vjp
        return {"fake.vjp": api("fake.vjp"), "fake.grad": api("fake.grad")}

    def compile_cache(self):
        return "cold: /tmp/fake-cache empty"


def test_a_gradient_spec_gives_one_row_per_gradient_api():
    adapter = TwoApiAdapter()
    specs = timing_specs({"fake": ("eager",)}, workloads=("relu",), sizes=(4,), copy_reference=False)
    rows = list(run_timing_specs(adapter, specs, FAST))
    assert [(r["phase"], r["api"]) for r in rows] == [("primal", ""), ("gradient", "fake.vjp"),
                                                      ("gradient", "fake.grad")]
    assert {"fake.vjp", "fake.grad"} <= set(adapter.used)  # each API really ran
    assert {r["compile_cache"] for r in rows} == {"cold: /tmp/fake-cache empty"}
    assert all(r["outcome"] == "ok" for r in rows)


def test_without_gradient_apis_the_adapter_vjp_is_timed_and_cache_is_not_reported():
    specs = timing_specs({"fake": ("eager",)}, workloads=("relu",), sizes=(4,), phases=("gradient",),
                         copy_reference=False)
    rows = list(run_timing_specs(NumpyAdapter(), specs, FAST))
    assert [(r["api"], r["compile_cache"]) for r in rows] == [("vjp", "not reported")]


def grad(framework, mode, median, first, api="vjp", n=1000, **kw):
    return row(mode, "gradient", median, first, n=n, framework=framework, api=api, **kw)


def test_summary_names_the_fastest_and_what_compiling_costs(tmp_path):
    rows = [grad("fa", "eager", 4e-3, 5e-3, api="fa.vjp", compile_cache="warm: 3 files"),
            grad("fa", "eager", 1e-3, 2e-3, api="fa.grad", compile_cache="warm: 3 files"),
            grad("fa", "compiled", 2e-3, 1.0, api="fa.vjp", compile_cache="warm: 3 files"),
            grad("fb", "eager", 8e-3, 1e-2, compile_cache="off: none"),
            row(framework="fb", n=1000), row(framework="fa", n=1000)]
    part = timing_part(rows)
    text = part.markdown
    summary = text[:text.index("### Detail")]
    assert text.index("### Summary") < text.index("### Detail") < text.index("### Gradient / primal")
    head = "| framework mode (device) · gradient API | relu N=1e3 |"
    assert head in summary
    assert "| **fastest** | **fa eager (cpu) · fa.grad**: 1 ms |" in summary
    assert "| fa eager (cpu) · fa.vjp | 4× |" in summary and "| fb eager (cpu) | 8× |" in summary
    assert "| fa eager (cpu) · fa.grad | **1 (fastest)** |" in summary
    # compile: first call · break-even against the same API's eager: 1.0 + n*2e-3 <= 5e-3 + n*4e-3 -> n >= 498
    assert "| fa compiled (cpu) · fa.vjp | 1 s · 498 |" in summary
    assert "| fa eager (cpu) · fa.grad | 2 ms · — |" in summary
    assert "`fa.vjp` (default), `fa.grad`" in summary
    assert "| fa eager (cpu) · fa.grad / fa.vjp | 0.25 |" in summary  # the API choice: 1e-3 / 4e-3
    assert "Compile cache when the timings began: fa: warm: 3 files; fb: off: none." in summary
    assert "](timing_compile.png)" in summary and len(part.files["timing_compile.png"]) > 1000


def test_a_timings_csv_without_api_and_cache_columns_still_reads(tmp_path):
    write_timings_csv(tmp_path, [row()])
    path = tmp_path / "timings.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    keep = [i for i, c in enumerate(header) if c not in ("api", "compile_cache")]
    path.write_text("\n".join(",".join(l.split(",")[i] for i in keep) for l in lines) + "\n")
    rows = read_timings_csv(path)
    assert rows[0]["api"] == "" and rows[0]["compile_cache"] == "" and rows[0]["median_s"] == 1e-3


@pytest.mark.parametrize("module", ["crossgrad.reporting.timing_plots", "crossgrad.reporting.plots"])
def test_plots_import_nothing_of_crossgrad(module):
    """plots <- the timing report and the report, never back: no import circle."""
    import ast
    import importlib
    from pathlib import Path

    tree = ast.parse(Path(importlib.import_module(module).__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in imported if m and m.startswith("crossgrad")}


def test_built_in_adapters_report_their_compile_cache_from_folders_and_environment(tmp_path, monkeypatch):
    from crossgrad.core.registry import frameworks

    import getpass
    import tempfile

    fws = frameworks()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # the default folder: empty
    headers = tmp_path / "tmp" / f"torchinductor_{getpass.getuser()}" / "precompiled_headers"
    cache = tmp_path / "cache"
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(cache))
    assert fws["torch"].compile_cache() == f"cold: inductor cache {cache} empty; precompiled headers {headers}: 0 files"
    (cache / "sub").mkdir(parents=True)
    (cache / "sub" / "kernel.so").write_bytes(b"")
    assert fws["torch"].compile_cache().startswith(f"warm: inductor cache {cache} holds 1 files;")
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", "")  # set empty: the cache turned off
    assert fws["jax"].compile_cache().startswith("off: ")
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR")  # unset: crossgrad's own folder
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fws["jax"].compile_cache() == f"cold: {tmp_path / 'xdg' / 'crossgrad' / 'jax'} empty"
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path))
    assert fws["jax"].compile_cache() == f"warm: {tmp_path} holds 1 files"
    monkeypatch.setenv("TF_XLA_FLAGS", f"--tf_xla_persistent_cache_directory={tmp_path / 'none'}")
    assert fws["tensorflow"].compile_cache() == f"cold: {tmp_path / 'none'} empty"
