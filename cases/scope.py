"""Scopes: how much of the catalogue one run computes (issue 11 item 7).

`full` (crossgrad run's default, and always `crossgrad check`): every case, in
every dtype and mode. On this project's 2-core machine that is ~2,000 tasks and
about 15 minutes, most of it compilation: each task in a compiled mode compiles
four derivative functions (torch.compile 1-2 s each with a cold cache).

`quick` (`make run`, and the consistency tests of `make test`): every case
still runs in eager mode in float32 and float64, so every case, point and
framework has its verdicts, findings and snippets; the expensive parts run for
a stated subset:
- compiled modes and TensorFlow's graph mode (traced per task): QUICK_COMPILED, the cases whose compiled values differ from
  eager in a full run (XLA selects where TF eager multiplies: relu, relu6; NaN
  through where; rewritten transcendental formulas: gelu, softplus; norm's z*z;
  a tie and a mask), plus the hand-written relu (jit refuses Python control flow);
- bfloat16 and float16: SIXTEEN_BIT_CASES in eager mode, the seed alone compiled;
- the special points (cases/special.py: signed zeros, NaN, inf, subnormals,
  near-kink decimals) of the clamp family: for the cases of
  cases.special.TEST_SUBSET_CASES (and their spelling variants) only;
- spelling variants (cases/spellings.py), and the tie and mask cases (vector
  points) outside QUICK_COMPILED: float32, eager;
- timings: relu at N = 1 and 10^6 (QUICK_SIZES) beside the dense workload.
"""
from __future__ import annotations

from crossgrad.cases.special import in_test_subset

SCOPES = ("full", "quick")
QUICK_COMPILED = ("relu", "relu_python", "relu6", "where_sqrt", "gelu", "softplus", "norm",
                  "maximum_ties", "max_axis_ties", "where_log")
SIXTEEN_BIT_CASES = ("relu", "relu_python", "maximum", "where", "gelu", "max_ties")
QUICK_SIZES = (1, 1_000_000)


def in_scope(scope: str, case, dtype: str, mode: str) -> bool:
    """Whether a run of `scope` computes `case` (a Case) in `dtype` and `mode`."""
    if scope == "full":
        return True
    if case.variant_of:
        return dtype == "float32" and mode == "eager"
    if case.name not in QUICK_COMPILED and any(p.is_vector for p in case.points):
        return dtype == "float32" and mode == "eager"  # ties and masks: their finding is the split
    if dtype in ("bfloat16", "float16"):
        return case.name in SIXTEEN_BIT_CASES and (mode == "eager" or case.name == "relu")
    return mode == "eager" or case.name in QUICK_COMPILED


def point_in_scope(scope: str, case, point: str) -> bool:
    """Whether a run of `scope` computes `case` (a Case) at the point named `point`."""
    return scope == "full" or in_test_subset(case.variant_of or case.name, "float32", point)
