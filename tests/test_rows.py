"""The row types (crossgrad.core.rows): one definition of each file's columns and key."""
from __future__ import annotations

from crossgrad.core.rows import GRADIENT_COLUMNS, TIMING_COLUMNS, RowKey, TimingKey, seed_text
from crossgrad.running.plan import Quantity, Task


def test_the_key_is_canonical_whatever_the_row_flavour():
    jsonl = dict(framework="torch", mode="eager", device="cpu", dtype="float32", case="relu", point="kink",
                 ad="reverse", cotangent="-1.0", tangent="", wrt="w", index=0)
    csv_text = dict(jsonl, cotangent="-1", index="0")  # CSV: all text, a seed spelled "-1"
    assert RowKey.of(jsonl) == RowKey.of(csv_text)
    assert RowKey.of(jsonl).seed == "-1.0"
    forward = dict(jsonl, ad="forward", cotangent="", tangent="1")
    assert RowKey.of(forward).seed == "1.0"  # forward rows are seeded by their tangent
    assert seed_text(dict(jsonl, ad="none", cotangent="")) == ""


def test_a_quantity_knows_the_key_its_rows_carry():
    row = dict(framework="jax", mode="compiled", device="cpu", dtype="float64", case="abs", point="kink",
               ad="forward", cotangent="", tangent="-1.0", wrt="b", index=3)
    task = Task("jax", "abs", "float64", "cpu", "compiled")
    assert Quantity("kink", "forward", "b", -1.0).row_key(task) == RowKey.of(row).quantity()
    assert RowKey.of(row).element() == ("kink", "forward", "-1.0", "b", 3)
    assert RowKey.of(row).column() == ("jax", "compiled", "cpu")


def test_columns_are_read_off_the_types():
    assert GRADIENT_COLUMNS[:2] == ("schema_version", "framework") and "bits" in GRADIENT_COLUMNS
    assert len(set(GRADIENT_COLUMNS)) == len(GRADIENT_COLUMNS) == 23
    assert TIMING_COLUMNS[-1] == "break_even_calls" and "api" in TIMING_COLUMNS


def test_timing_rows_of_two_apis_have_two_keys():
    row = dict(framework="torch", device="cpu", dtype="float32", mode="eager", workload="relu", n=1,
               phase="gradient", api="torch.func.vjp")
    assert TimingKey.of(row) != TimingKey.of(dict(row, api="torch.autograd.grad"))
    assert TimingKey.of(row) == TimingKey.of(dict(row, n="1"))  # jsonl's int, CSV's text
