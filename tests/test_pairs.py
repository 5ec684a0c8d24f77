"""core.pairs: the one way the report (devices, spellings) and compare pair rows."""
import pytest

from crossgrad.core.pairs import pair_rows, shared_key


def row(device="cpu", case="relu", value="0.0", point="kink", **kw):
    return dict(framework="torch", mode="eager", device=device, dtype="float32", case=case, point=point,
                ad="reverse", cotangent="-1.0", wrt="w", index=0, value=value, **kw)


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
