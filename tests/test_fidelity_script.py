"""The statistics scripts/fidelity.py bases its verdict on (the timing itself is a benchmark, not a test)."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

pytest.importorskip("torch")  # the script compares against torch.utils.benchmark.Timer


def load_script():
    path = Path(__file__).resolve().parents[1] / "scripts" / "fidelity.py"
    spec = importlib.util.spec_from_file_location("fidelity_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fidelity = load_script()


def binomial_cdf_below(n: int, k: int) -> float:
    """P(Binomial(n, 1/2) < k)."""
    return sum(math.comb(n, i) for i in range(k)) / 2 ** n


@pytest.mark.parametrize("n", [6, 7, 21, 50, 101])
def test_median_interval_is_the_sign_test_interval(n):
    values = [float(v) for v in range(n, 0, -1)]  # unsorted on purpose
    low, high = fidelity.median_interval(values)
    k = int(low)  # values are 1..n, so the k-th order statistic is k
    assert high == n + 1 - k
    # k is the largest order with at most 2.5% of the binomial mass below it
    assert binomial_cdf_below(n, k) <= 0.025 < binomial_cdf_below(n, k + 1)


def test_median_interval_is_unbounded_below_six_values():
    assert fidelity.median_interval([1.0, 2.0, 3.0, 4.0, 5.0]) == (-math.inf, math.inf)


def test_verdict_needs_the_whole_interval_on_one_side_of_the_band():
    assert fidelity.verdict(10**4, (0.96, 1.04)) == "ok"
    assert fidelity.verdict(10**6, (1.06, 1.2)) == "OFF >5%"
    assert fidelity.verdict(10**6, (0.8, 0.94)) == "OFF >5%"
    assert fidelity.verdict(10**7, (0.97, 1.06)) == "unsettled"
    assert fidelity.verdict(100, (0.5, 2.0)) == ""  # below 10^4 the target does not apply


def test_paired_ratios_cancel_an_order_effect():
    # ours 10% slower whenever it runs second (odd rounds), equal otherwise
    ours, timer = [1.0, 1.1, 1.0, 1.1], [1.0, 1.0, 1.0, 1.0]
    assert fidelity.paired_ratios(ours, timer) == pytest.approx([math.sqrt(1.1)] * 2)
    # whichever runs first is 10% slower: the rounds' ratios are 1.1 and 1/1.1, their mean 1
    assert fidelity.paired_ratios([1.1, 1.0], [1.0, 1.1]) == pytest.approx([1.0])
