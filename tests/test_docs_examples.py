"""The cases files docs/own-project.md shows (blocks marked `runs as written`) run as
written: each is imported as a user's cases file (crossgrad.core.user_cases, what
`--cases-from` does), and every case's stated value is checked against the case's
function evaluated with the NumPy reference of the ops (tests/test_cases.py): its
verdict must be exact or close (a NaN the truth states: NaN). No
framework needed."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from test_cases import NUMPY_OPS

from cli_helpers import ROOT
from crossgrad.core.dtypes import as_dtype
from crossgrad.core.user_cases import load_case_file
from crossgrad.judging.truth import quantity_truth
from crossgrad.judging.verdicts import verdict
from crossgrad.reporting.repro import case_snippet

DOC = ROOT / "docs" / "own-project.md"
MARK = "<!-- runs as written -->"
BLOCKS = re.findall(re.escape(MARK) + r"\n```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_page_has_its_runnable_examples():
    assert len(BLOCKS) == 3 and DOC.read_text(encoding="utf-8").count(MARK) == len(BLOCKS)
    assert any("lambda ops" in block for block in BLOCKS)


def _loaded(tmp_path, index: int) -> list:
    path = tmp_path / f"doc_example_{index}.py"
    path.write_text(BLOCKS[index], encoding="utf-8")
    return load_case_file(path)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_each_example_loads_and_states_the_value_its_function_computes(tmp_path, index):
    checked = 0
    for case in _loaded(tmp_path, index):
        for point in case.points:
            for dtype in point.dtypes:
                want = quantity_truth(point, "none", "", None)
                arrays = [np.atleast_1d(as_dtype(np.array(v, np.float64), dtype)) for v in (point.x, point.w, point.b)]
                with np.errstate(invalid="ignore"):
                    out = np.asarray(case.fn(NUMPY_OPS, *arrays)).reshape(-1)[0]
                    got = float(as_dtype(out, dtype))  # NumPy computes bfloat16 clip in float32: stored back
                # NumPy's float32 arctan2 is within an ulp, not correctly rounded: `close` is the bar.
                assert verdict(got, "ok", want, dtype) in ("exact", "close"), (case.name, point.name, dtype, got)
                if not math.isnan(got):
                    assert math.copysign(1, got) == math.copysign(1, want.value), (case.name, point.name)
                checked += 1
    assert checked >= 3


def test_the_lambda_example_gets_a_snippet(tmp_path):
    (neg,) = [c for c in _loaded(tmp_path, 0) if c.fn.__name__ == "<lambda>"]
    assert neg.frameworks == ("torch",) and neg.modes == ("compiled",)
    text = case_snippet(neg, "torch", {"neg": "torch.neg({0})"}, "smooth", "float32", "reverse", "w", "1.0", "compiled")
    assert "return torch.neg(x * w + b)" in text and "torch.compile" in text
    compile(text, "snippet", "exec")
