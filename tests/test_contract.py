"""The adapter contract's one place (crossgrad.core.contract): required members checked
and optional facts set to their defaults once, by the registry; forward_mode and
second_order = False honoured by the engine; device names beyond cpu/gpu; the docs'
table of defaults equal to the code's. No framework is loaded here."""
from __future__ import annotations

import ast
import importlib.util
import re
import types
from pathlib import Path

import pytest

from crossgrad.adapter import OPTIONAL, ContractError, UnsupportedOp, complete
from crossgrad.catalogue import cases
from crossgrad.core import registry
from crossgrad.running.derivatives import compute_task
from crossgrad.running.plan import Task

ROOT = Path(__file__).resolve().parent.parent


def fake_adapter(name="numpyfw", **facts):
    """The test plug-in (tests/fake_framework: only the required members and an
    install_hint), loaded from its file, with `facts` declared on the instance."""
    spec = importlib.util.spec_from_file_location("fakefw", ROOT / "tests" / "fake_framework" / "fakefw.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    adapter = module.FakeAdapter(name)
    for key, value in facts.items():
        setattr(adapter, key, value)
    return adapter


def test_complete_sets_every_optional_fact_it_lacks_to_the_one_default():
    adapter = complete(fake_adapter())
    assert adapter.install_hint == "it ships with the tests"  # declared: kept
    for name, fact in OPTIONAL.items():
        if fact.computed or name == "install_hint":
            continue
        assert getattr(adapter, name) == fact.default, name
    assert adapter.gradient_apis() == {"vjp": adapter.vjp}
    assert (adapter.notes(), adapter.compile_cache()) == ("", "not reported")
    with pytest.raises(UnsupportedOp, match="^numpyfw has no relu_with_derivative_at_zero$"):
        adapter.relu_with_derivative_at_zero(0.5)
    assert complete(fake_adapter(install_hint=None, aliases=None)).aliases is None  # declared, even as None


def test_a_mutable_default_is_not_shared_between_adapters():
    a, b = complete(fake_adapter("a")), complete(fake_adapter("b"))
    a.aliases["relu"] = ("np.clip({0}, 0, None)",)
    assert b.aliases == {}


def test_a_missing_required_member_is_one_error_naming_it():
    adapter = types.SimpleNamespace(name="half", modes=("eager",), version=lambda: "1")
    with pytest.raises(ContractError, match=r"^adapter 'half' lacks required op_table, load, namespace, devices, "
                                            r"ops, asarray, to_numpy, block, vjp, compile, info, jvp \("):
        complete(adapter)


def test_the_registry_names_the_plugin_that_breaks_the_contract(monkeypatch):
    broken = types.SimpleNamespace(name="broken", modes=("eager",))
    monkeypatch.setattr(registry, "_entry_point_adapters", lambda: [(broken, "entry point broken = pkg:ADAPTER")])
    registry.frameworks.cache_clear()
    try:
        with pytest.raises(registry.RegistryError, match="^entry point broken = pkg:ADAPTER: adapter 'broken' lacks"):
            registry.frameworks()
    finally:
        registry.frameworks.cache_clear()


def test_no_forward_mode_needs_no_jvp_and_its_default_says_why():
    adapter = fake_adapter(forward_mode=False)
    del type(adapter).jvp  # a class of its own (loaded from the file for this test)
    complete(adapter)
    with pytest.raises(UnsupportedOp, match="^numpyfw declares no forward mode$"):
        adapter.jvp(None, (), 0, None)


def test_the_engine_records_declared_absent_transforms_as_unsupported_without_calling_them():
    adapter = complete(fake_adapter(forward_mode=False, second_order=False))

    def never(*args, **kwargs):
        raise AssertionError("a transform the adapter declares absent was called")

    adapter.jvp = never
    rows = list(compute_task(adapter, Task("numpyfw", "relu", "float64", "cpu", "eager"),
                             {"seeds": [1.0, -1.0], "points": ["smooth"]}, cases()))
    by_ad = {}
    for row in rows:
        by_ad.setdefault(row["ad"], set()).add((row["outcome"], row["detail"]))
    assert by_ad["forward"] == {("unsupported", "numpyfw declares no forward mode")}
    assert by_ad["second"] == {("unsupported", "numpyfw declares no second order")}
    assert by_ad["none"] == by_ad["reverse"] == {("ok", "")}


def test_device_names_are_the_union_of_what_adapters_declare_cpu_first():
    adapters = {"a": types.SimpleNamespace(device_names=("gpu", "cpu")),
                "b": types.SimpleNamespace(device_names=("cpu", "mps", "xpu"))}
    assert registry.device_names(adapters) == ("cpu", "gpu", "mps", "xpu")


def test_a_device_an_adapter_lacks_here_is_unavailable_with_the_reason():
    adapter = complete(fake_adapter(device_names=("cpu", "mps")))
    rows = list(compute_task(adapter, Task("numpyfw", "relu", "float64", "mps", "eager"),
                             {"seeds": [1.0], "points": ["smooth"]}, cases()))
    assert rows and {(r["outcome"], r["detail"]) for r in rows} == {("unavailable", "no mps device for numpyfw")}


def test_docs_list_every_optional_fact_with_its_default():
    """docs/adapters.md's table: one row per fact of OPTIONAL, its default as the code has it."""
    text = (ROOT / "docs" / "adapters.md").read_text().split("## Optional facts and their defaults", 1)[1]
    text = text.split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| `(.+?)` \|", text, flags=re.M))
    assert set(rows) == set(OPTIONAL), (set(OPTIONAL) ^ set(rows))
    for name, fact in OPTIONAL.items():
        assert rows[name] == fact.text(), name


def test_no_module_reads_an_optional_fact_with_a_default_of_its_own():
    """getattr(x, "<optional fact>", default) or hasattr(x, "<fact>") anywhere but the
    contract would be a second default; the registry has set every fact."""
    offenders = []
    for path in list((ROOT / "crossgrad").rglob("*.py")) + list((ROOT / "frameworks").rglob("*.py")):
        if path.name == "contract.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr") and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value in OPTIONAL):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


MPS_PLUGIN = '''
from fakefw import FakeAdapter


class OnMps(FakeAdapter):
    device_names = ("cpu", "mps")  # declared: --devices accepts mps; devices() here has cpu only


ADAPTER = OnMps("fake_mps")
'''


def test_the_command_line_accepts_a_device_name_an_adapter_declares(tmp_path):
    from cli_helpers import FAKE, run_cli

    (tmp_path / "fakemps.py").write_text(MPS_PLUGIN)
    info = tmp_path / "fakemps-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakemps\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[crossgrad.frameworks]\nfake_mps = fakemps:ADAPTER\n")
    env = {"PYTHONPATH": f"{tmp_path}:{FAKE}"}
    listed = run_cli("list", env=env)
    assert "devices: cpu, gpu, mps " in listed.stdout, listed.stdout
    result = run_cli("run", "--frameworks", "fake_mps", "--cases", "relu", "--points", "smooth", "--dtypes",
                     "float64", "--devices", "mps", "--no-timings", "--out", str(tmp_path / "run"), env=env)
    assert result.returncode == 4, result.stderr  # nothing judged: this machine has no mps
    assert "no mps device for fake_mps" in result.stderr
    refused = run_cli("run", "--frameworks", "fake_mps", "--devices", "tpu", env=env)
    assert refused.returncode == 2 and "unknown device 'tpu'; valid: cpu, gpu, mps" in refused.stderr
