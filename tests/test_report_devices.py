"""The report's cpu-vs-gpu section (crossgrad.reporting.report_devices)."""
from __future__ import annotations

from pathlib import Path

from crossgrad.reporting.report_devices import device_pairs, device_section
from judged_rows import judged_shape

H200 = Path(__file__).resolve().parents[1] / "results" / "h200" / "values-eager"  # committed, slimmed


def row(device: str, value: str, point: str = "kink", outcome: str = "ok", verdict: str = "exact", **extra) -> dict:
    base = dict(framework="jax", mode="eager", device=device, dtype="float32", case="relu", point=point,
                ad="reverse", cotangent="-1.0", tangent="", wrt="w", index=0, value=value,
                outcome=outcome, verdict=verdict)
    return judged_shape([dict(base, **extra)])[0]  # as the judge types a row: its `number` too


def test_one_device_has_no_section():
    assert device_section([row("cpu", "0.0")]) == ""


def test_each_pair_gets_its_category():
    rows = [row("cpu", "0.0", "a"), row("gpu", "-0.0", "a"),                       # sign of zero
            row("cpu", "1.0", "b"), row("gpu", "1.0000001192092896", "b"),         # 1 ulp: last bits
            row("cpu", "0.0", "c"), row("gpu", "1.0", "c"),                        # value
            row("cpu", "1.0", "d"), row("gpu", "", "d", outcome="error"),          # outcome
            row("cpu", "nan", "e"), row("gpu", "nan", "e"),                        # no bits: NaN equals NaN
            row("cpu", "nan", "g", bits="0x7fc00000"), row("gpu", "nan", "g", bits="0x7fffffff"),  # payload
            row("cpu", "nan", "h", bits="0x7fc00000"), row("gpu", "nan", "h", bits="0x7fc00000"),  # same bits
            row("gpu", "2.0", "f")]                                                # gpu only: no pair
    kinds = {cpu["point"]: kind for cpu, _, kind in device_pairs(rows)}
    assert kinds == {"a": "sign of zero", "b": "last bits", "c": "value", "d": "outcome", "e": "same",
                     "g": "nan payload", "h": "same"}
    text = device_section(rows)
    assert "| jax | eager | gpu | 7 |  | 1 | 1 | 1 | 1 | 1 | 2 |" in text
    assert "`-0.0`" in text and "`0.0`" in text  # the sign of a zero is shown, never rounded away
    assert "last bits" in text and "`1.0000001192092896`" not in text  # last bits are counted, not listed


def test_h200_run_shows_that_jax_flushes_subnormals_on_cpu_only():
    from crossgrad.catalogue import cases
    from crossgrad.core.records import read_csv
    from crossgrad.core.rows import GRADIENT_COLUMNS
    from crossgrad.judging.judge import judge_rows

    rows = judge_rows(read_csv(H200 / "gradients.csv", GRADIENT_COLUMNS), cases())
    pairs = [(c, g, k) for c, g, k in device_pairs(rows)
             if c["framework"] == "jax" and c["case"] == "relu" and c["point"] == "subnormal" and c["dtype"] == "float32" and c["ad"] == "reverse"]
    assert pairs and all(k == "value" for _, _, k in pairs)
    assert {c["value"] for c, _, _ in pairs} == {"0.0"}  # flushed on the CPU: the kink's slope 0
    assert {abs(float(g["value"])) for _, g, _ in pairs} == {1.0}  # kept on the GPU: slope 1
