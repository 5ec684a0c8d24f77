"""`crossgrad test-adapter NAME`: crossgrad's adapter conformance tests (shipped in the
package, crossgrad/conformance) on one installed adapter, exit status pytest's; what the
adapter declares absent is skipped with the reason; an unknown NAME is exit 2."""
from __future__ import annotations

import re

from cli_helpers import FAKE, run_cli

PARTIAL = '''
from fakefw import FakeAdapter


class Partial(FakeAdapter):
    forward_mode = False  # no jvp method needed: the contract gives one that says why
    second_order = False


ADAPTER = Partial("fake_partial")
'''


def plugin_without_forward_mode(root):
    """A plug-in package (module + dist-info with its entry point) built on the test fake."""
    (root / "fakepartial.py").write_text(PARTIAL)
    info = root / "fakepartial-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakepartial\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[crossgrad.frameworks]\nfake_partial = fakepartial:ADAPTER\n")
    return root


def test_an_unknown_adapter_is_exit_2_listing_the_registered_ones():
    from crossgrad.core.registry import frameworks

    result = run_cli("test-adapter", "fake_aa")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "crossgrad: error: unknown adapter 'fake_aa' (did you mean 'fake_a'?); valid: "
        + ", ".join([*frameworks(), "fake_a", "fake_b"])]  # the built-ins, then the test plug-ins


def test_the_exit_status_is_pytests_and_undeclared_dtypes_are_skipped_with_the_reason():
    passed = run_cli("test-adapter", "fake_a", "-q", "-k", "asarray or declarations")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "fake_a does not list float16 in its dtypes" in passed.stdout
    assert "5 passed, 3 skipped" in passed.stdout
    # central differences are not bit-exact: the fake fails the smooth-point check, as it should
    failed = run_cli("test-adapter", "fake_a", "-q", "-k", "smooth and float64 and reverse")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "1 failed" in failed.stdout and "expected 3.0" in failed.stdout


def test_capabilities_declared_absent_are_skipped_not_failed(tmp_path):
    root = plugin_without_forward_mode(tmp_path)
    result = run_cli("test-adapter", "fake_partial", "-q", "-k", "forward or second",
                     env={"PYTHONPATH": f"{root}:{FAKE}"})
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = {}  # reason -> count, from pytest's -ra lines "SKIPPED [n] file:line: reason"
    for count, reason in re.findall(r"^SKIPPED \[(\d+)\] \S+:\d+: (.+)$", result.stdout, flags=re.M):
        skipped[reason] = skipped.get(reason, 0) + int(count)
    assert skipped == {"fake_partial declares no forward mode": 2,  # float32, float64
                       "fake_partial declares no second order": 3}, result.stdout  # and the unconnected one
    assert "5 skipped" in result.stdout and " failed" not in result.stdout


def test_a_plugin_that_breaks_the_contract_is_one_line_exit_2(tmp_path):
    (tmp_path / "halfdone.py").write_text("class Half:\n    name = 'half'\n    modes = ('eager',)\n\n\nADAPTER = Half()\n")
    info = tmp_path / "halfdone-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: halfdone\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[crossgrad.frameworks]\nhalf = halfdone:ADAPTER\n")
    result = run_cli("list", env={"PYTHONPATH": f"{tmp_path}:{FAKE}"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "crossgrad: error: entry point half = halfdone:ADAPTER: adapter 'half' lacks required op_table, version, "
        "load, namespace, devices, ops, asarray, to_numpy, block, vjp, compile, info, jvp "
        "(crossgrad.adapter.Adapter; docs/adapters.md)"]
