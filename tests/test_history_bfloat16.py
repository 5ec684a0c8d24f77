"""bfloat16 in a worker without ml_dtypes (crossgrad.core.bfloat16): the same values and
bits as the ml_dtypes path, so a history cell (the framework and NumPy only) records
bfloat16 rows byte-identical to those of crossgrad's own environment."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from crossgrad import adapter_kit
from crossgrad.core import bfloat16, dtypes

ml_dtypes = pytest.importorskip("ml_dtypes")  # the reference the stand-in is held to
EVERY_PATTERN = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)


@pytest.fixture
def no_ml_dtypes(monkeypatch):
    """ml_dtypes made unimportable, as in a cell's environment."""
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)
    assert not bfloat16.has_ml_dtypes()


def float64_values() -> np.ndarray:
    rng = np.random.default_rng(11)
    spread = rng.standard_normal(4000) * 10.0 ** rng.integers(-45, 40, 4000)
    specials = [0.0, -0.0, 1.0, 1 + 2 ** -8, 1 + 2 ** -8 + 2 ** -30, 1 + 3 * 2 ** -8, 3.4e38, 3.3961776e38,
                1e39, -1e39, 1e-45, -1e-45, 9.2e-41, float("inf"), float("-inf"), 0.7, 0.1, -2.5]
    nans = np.array([0x7FF8000000000000, 0xFFF8000000000000, 0x7FF0000000000001, 0xFFF4000000000000,
                     0x7FF8000000000123, 0x7FFA000000000000], dtype=np.uint64).view(np.float64)
    return np.concatenate([spread, specials, nans])


def test_every_bfloat16_pattern_survives_the_stand_in_bit_for_bit():
    carried = bfloat16.from_bits(EVERY_PATTERN)
    assert isinstance(carried, bfloat16.Bfloat16InFloat32)
    assert np.array_equal(bfloat16.to_bits(carried), EVERY_PATTERN)
    assert np.array_equal(bfloat16.to_bits(np.asarray(carried)), EVERY_PATTERN)  # the class dropped: a carrier still
    theirs = EVERY_PATTERN.view(ml_dtypes.bfloat16).astype(np.float32)  # ml_dtypes' value of each pattern
    assert np.array_equal(np.asarray(carried).view(np.uint32), theirs.view(np.uint32))


def test_float64_and_float32_values_round_as_ml_dtypes_rounds_them():
    values = float64_values()
    with np.errstate(invalid="ignore", over="ignore"):
        theirs = dtypes.as_dtype(values, "bfloat16").view(np.uint16)  # the ml_dtypes path (round to odd first)
    assert np.array_equal(bfloat16.to_bits(values), theirs)
    with np.errstate(invalid="ignore", over="ignore"):
        single = values.astype(np.float32)
    inexact = (single.view(np.uint32) & 0xFFFF) != 0  # a float32 with zero low bits is a carrier: kept
    with np.errstate(invalid="ignore", over="ignore"):
        theirs32 = single[inexact].astype(ml_dtypes.bfloat16).view(np.uint16)
    assert inexact.sum() > 3000 and np.array_equal(bfloat16.to_bits(single[inexact]), theirs32)


def test_as_dtype_bits_and_from_bits_agree_with_and_without_ml_dtypes(monkeypatch):
    values = [float(v) for v in float64_values()[::7]] + [float("nan")]
    arrays = [np.array(v, np.float64) for v in values[:50]]
    with_ml = ([dtypes.bits(v, "bfloat16") for v in values], [dtypes.bits(a, "bfloat16") for a in arrays],
               [dtypes.as_dtype(a, "bfloat16").shape for a in arrays])
    read_back = [dtypes.from_bits(b, "bfloat16") for b in with_ml[0]]
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)
    without = ([dtypes.bits(v, "bfloat16") for v in values], [dtypes.bits(a, "bfloat16") for a in arrays],
               [dtypes.as_dtype(a, "bfloat16").shape for a in arrays])
    assert without == with_ml and with_ml[2][0] == ()  # a 0-d array stays 0-d
    ours = [dtypes.from_bits(b, "bfloat16") for b in with_ml[0]]
    assert np.array(ours).tobytes() == np.array(read_back).tobytes()
    # an element read back from a framework (a float32 carrier) keeps its bits, a NaN's payload too
    elements = np.asarray(bfloat16.from_bits(EVERY_PATTERN[::97]))
    assert [dtypes.bits(v, "bfloat16") for v in elements] == ["0x%04x" % p for p in EVERY_PATTERN[::97]]


def test_adapter_kit_gives_an_adapter_the_bits_of_either_bfloat16(no_ml_dtypes):
    stand_in = dtypes.as_dtype(np.array([1.0, -0.0, 3.0e38], np.float64), "bfloat16")
    assert isinstance(stand_in, bfloat16.Bfloat16InFloat32)
    assert [hex(b) for b in adapter_kit.bfloat16_bits(np.atleast_1d(stand_in))] == ["0x3f80", "0x8000", "0x7f62"]
    assert adapter_kit.bfloat16_bits(np.ones(2, np.float32)) is None  # float32 is float32
    back = adapter_kit.bfloat16_from_bits(np.array([0x3F80, 0xFFC1], np.uint16))
    assert isinstance(back, bfloat16.Bfloat16InFloat32) and float(back[0]) == 1.0
    assert dtypes.bits(np.asarray(back)[1], "bfloat16") == "0xffc1"


def test_ml_dtypes_bfloat16_still_goes_through_adapter_kit_as_before():
    array = np.array([1.0, -0.0], ml_dtypes.bfloat16)
    assert adapter_kit.bfloat16_bits(array).tolist() == [0x3F80, 0x8000]
    assert adapter_kit.bfloat16_from_bits(np.array([0x3F80], np.uint16)).dtype == np.dtype(ml_dtypes.bfloat16)


@pytest.mark.parametrize("framework", ["torch", "mlx"])
def test_an_adapter_round_trips_bfloat16_without_ml_dtypes(framework, no_ml_dtypes):
    """The adapter's way in and out: the same bits as the patterns given, NaN payloads included."""
    from crossgrad.core.registry import frameworks

    adapter = frameworks()[framework]
    pytest.importorskip({"torch": "torch", "mlx": "mlx.core"}[framework])
    adapter.load()
    patterns = EVERY_PATTERN[::251]
    tensor = adapter.asarray(bfloat16.from_bits(patterns), "cpu")
    back = adapter.to_numpy(tensor)
    assert isinstance(back, bfloat16.Bfloat16InFloat32) and "bfloat16" in str(tensor.dtype)
    assert np.array_equal(bfloat16.to_bits(back), patterns)


@pytest.mark.integration
def test_a_worker_without_ml_dtypes_records_the_same_bfloat16_rows(tmp_path):
    """The whole path of a cell (the supervisor here, the worker under an interpreter that cannot
    import ml_dtypes) against crossgrad's own environment: the same rows, byte for byte."""
    import csv
    import os
    import subprocess

    pytest.importorskip("mlx.core")
    block = tmp_path / "block"
    block.mkdir()
    # A cell's environment has none of crossgrad's own requirements: ml_dtypes, and pandas,
    # matplotlib and rich (the supervisor's), are made unimportable for the worker.
    (block / "sitecustomize.py").write_text("import sys\nfor name in ('ml_dtypes', 'pandas', 'matplotlib', 'rich'):\n"
                                            "    sys.modules[name] = None\n")
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{block}${{PYTHONPATH:+:$PYTHONPATH}}" exec {sys.executable} "$@"\n')
    wrapper.chmod(0o755)
    kept = ("case", "dtype", "point", "ad", "wrt", "cotangent", "tangent", "index", "value", "bits", "outcome", "detail")
    rows = {}
    for name, extra in (("ml_dtypes", []), ("stand_in", ["--python", str(wrapper)])):
        out = tmp_path / name
        done = subprocess.run([sys.executable, "-m", "crossgrad", "run", "--frameworks", "mlx", "--cases", "relu,clamp",
                               "--dtypes", "bfloat16", "--modes", "eager", "--devices", "cpu", "--no-timings",
                               "--no-report", "--jobs", "1", "--out", str(out), *extra],
                              capture_output=True, text=True, timeout=600, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        assert done.returncode == 0, done.stderr[-2000:]
        with open(out / "gradients.csv", newline="") as handle:
            rows[name] = sorted(tuple(r[k] for k in kept) for r in csv.DictReader(handle))
    assert rows["ml_dtypes"] and rows["stand_in"] == rows["ml_dtypes"]
    assert any(r[-3] not in ("", "0x0000", "0x8000") and r[-2] == "ok" for r in rows["stand_in"])  # real bfloat16 bits


def test_tensorflow_takes_and_gives_bfloat16_through_its_bits():
    """tensorflow-cpu 2.12 has its own NumPy bfloat16 and refuses ml_dtypes' (the history cell
    crashed on it): the adapter goes through the bits, every pattern kept, NaN payloads too."""
    from crossgrad.core.registry import frameworks

    pytest.importorskip("tensorflow")
    adapter = frameworks()["tensorflow"]
    adapter.load()
    patterns = EVERY_PATTERN[::251]
    tensor = adapter.asarray(patterns.view(ml_dtypes.bfloat16), "cpu")
    assert tensor.dtype.name == "bfloat16"
    assert np.array_equal(adapter_kit.bfloat16_bits(adapter.to_numpy(tensor)), patterns)
    assert adapter.asarray(dtypes.as_dtype(1.0, "bfloat16"), "cpu").shape == ()  # a 0-d seed stays 0-d


def test_a_python_floats_bfloat16_bits_and_rounding_are_ml_dtypes_own():
    """bits() and round_to() of a Python float take NumPy alone even where ml_dtypes is
    installed (a report need not import it): the bits and values are still ml_dtypes'."""
    values = float64_values()
    with np.errstate(invalid="ignore", over="ignore"):
        theirs = dtypes.as_dtype(values, "bfloat16")  # an array: through ml_dtypes, as before
    assert theirs.dtype == ml_dtypes.bfloat16
    assert [dtypes.bits(float(v), "bfloat16") for v in values] == ["0x%04x" % p for p in theirs.view(np.uint16)]
    ours = np.array([dtypes.round_to(float(v), "bfloat16") for v in values])
    assert ours.tobytes() == theirs.astype(np.float64).tobytes()  # NaNs: the quiet NaN of their sign, as ml_dtypes


def test_the_catalogue_and_a_nan_snippet_input_do_not_import_ml_dtypes():
    code = ("import sys; from crossgrad import catalogue; catalogue.load_catalogue()\n"
            "from crossgrad.reporting.snippet_bits import arg_comment\n"
            "odd = __import__('struct').unpack('<d', (0xFFF8000000000000).to_bytes(8, 'little'))[0]\n"
            "assert arg_comment(odd, 'bfloat16') == 'nan(0xffc0)', arg_comment(odd, 'bfloat16')\n"
            "assert 'ml_dtypes' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
