"""core.pairs: the one way the report (devices, spellings) and compare pair rows."""
import pytest

from crossgrad.core.rows import RowKey

from crossgrad.core.pairs import KeysLess, keyed, pair_rows, pair_with, shared_key


def row(device="cpu", case="relu", value="0.0", point="kink", **kw):
    return dict(framework="torch", mode="eager", device=device, dtype="float32", case=case, point=point,
                ad="reverse", cotangent="-1.0", tangent="", wrt="w", index=0, value=value, **kw)


def test_rows_pair_on_the_key_less_the_fields_the_sides_differ_in():
    rows = [row("cpu", point="kink"), row("gpu", point="kink", value="-0.0"), row("cpu", point="smooth"),
            row("gpu", point="other")]
    pairs = pair_rows(rows, ("device",), lambda r: r["device"] == "cpu", lambda r: r["device"] == "gpu")
    assert [(b["point"], b["value"], o["value"]) for b, o in pairs] == [("kink", "0.0", "-0.0")]


def test_a_field_outside_the_key_is_refused_not_an_empty_pairing():
    assert shared_key(["device"]) == ("framework", "mode", "dtype", "case", "point", "ad", "seed", "wrt", "index")
    with pytest.raises(ValueError, match="devices"):
        shared_key(["devices"])
    with pytest.raises(ValueError):
        pair_rows([row()], ("devices",), lambda r: True, lambda r: True)
    with pytest.raises(ValueError):  # refused also when no row is on the other side
        pair_rows([row()], ("devices",), lambda r: True, lambda r: False)


def test_no_key_is_built_when_one_side_has_no_rows():
    """A run on one device pairs nothing and keys nothing (a key per row of a 260,000-row
    run was most of the device section's time): a row whose key cannot be built shows it."""
    unkeyable = dict(row(), index="not an index")
    assert pair_rows([unkeyable, row()], ("device",), lambda r: r["device"] == "cpu",
                     lambda r: r["device"] == "gpu") == []
    with pytest.raises(ValueError):
        pair_rows([unkeyable, row("gpu")], ("device",), lambda r: r["device"] == "cpu",
                  lambda r: r["device"] == "gpu")


def test_one_side_keyed_once_pairs_like_pair_rows_with_each_other_side():
    rows = [row("cpu", point="kink"), row("cpu", point="smooth", value="1.0"), row("gpu", point="smooth"),
            row("xpu", point="kink", value="-0.0"), row("gpu", point="kink")]
    keys = KeysLess(("device",))
    base = keyed([r for r in rows if r["device"] == "cpu"], keys)
    for device in ("gpu", "xpu"):
        alone = pair_rows(rows, ("device",), lambda r: r["device"] == "cpu", lambda r, d=device: r["device"] == d)
        assert pair_with(base, [r for r in rows if r["device"] == device], keys) == alone
    assert [(b["value"], o["value"]) for b, o in pair_with(base, rows[2:], keys)] == [
        ("1.0", "0.0"), ("0.0", "-0.0"), ("0.0", "0.0")]


def test_keys_are_those_of_row_keys_made_canonical_once_per_raw_part():
    """KeysLess keys as RowKey.of does ("1" and "1.0" are one seed, a forward row's seed is its
    tangent), though it reads each raw part once: rows pair where those keys are equal."""
    def seeded(device, ad, cotangent, tangent=""):
        return dict(row(device), ad=ad, cotangent=cotangent, tangent=tangent)
    rows = [seeded("cpu", "reverse", "1"), seeded("gpu", "reverse", "1.0"), seeded("gpu", "reverse", "2.0"),
            seeded("gpu", "forward", "", "-1"), seeded("cpu", "forward", "", "-1.0"), seeded("cpu", "reverse", "1")]
    kept = [RowKey._fields.index(f) for f in shared_key(["device"])]
    assert [column + quantity for column, quantity in KeysLess(("device",))(rows)] == [
        tuple(RowKey.of(r)[i] for i in kept) for r in rows]
    pairs = pair_rows(rows, ("device",), lambda r: r["device"] == "cpu", lambda r: r["device"] == "gpu")
    assert [(b["cotangent"] or b["tangent"], o["cotangent"] or o["tangent"]) for b, o in pairs] == [
        ("1", "1.0"), ("-1.0", "-1")]
