"""Within one framework: the quantities whose bits differ between two of its modes
(eager vs compiled vs graph) or two of its devices (cpu vs gpu), whatever the truth allows.

The frameworks treat that as a bug of their compiler or device kernel (torch's
minimum(-0.0, +0.0) is -0.0 eager and +0.0 under torch.compile on CPU): a value
both verdicts call `exact` is still a finding when its bits differ across
modes. The reference side is eager (for modes) and cpu (for devices); every
other mode or device is paired with it, quantity by quantity (the same
framework, case, point, dtype, ad, seed, wrt and element, and the same device
or mode). Bits are the recorded `bits` at the dtype's width, so a NaN whose
payload or sign changed is a divergence too (`payload_only`: both sides NaN),
which findings rank lowest: finer on purpose than the one "same value?" rule
(crossgrad.core.same_value), which calls every NaN the same value; as
crossgrad.judging.difference's "nan payload", the finer pairs are reported apart.

Input: judged gradient rows (crossgrad.judging.judge: its `quantity_number` is the quantity, so
a pair's key is the framework, that number and the side held); output: typed records, no markdown.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, repeat
from operator import and_, eq, is_not, itemgetter, ne, not_, truth

AXES = {"mode": "eager", "device": "cpu"}  # axis -> its reference side


@dataclass(frozen=True)
class Divergence:
    """One quantity whose bits differ between the reference side and another."""

    axis: str  # "mode" or "device"
    framework: str
    reference: str  # "eager" / "cpu"
    other: str  # "compiled", "graph" / "gpu"
    held: str  # the other axis's value, shared by both sides: the device of a mode pair
    case: str
    point: str
    dtype: str
    ad: str
    seed: str
    wrt: str
    index: int
    reference_value: str
    other_value: str
    reference_bits: str
    other_bits: str
    truth: str
    verdicts: tuple[str, str]

    @property
    def payload_only(self) -> bool:
        """Both sides NaN, other bits: a NaN's sign or payload changed, nothing else."""
        return self.reference_value == self.other_value == "nan"


# A row's pairing key: its framework, its quantity (judge's number) and the other axis's side.
_KEYS = {"mode": itemgetter("framework", "quantity_number", "device"),
         "device": itemgetter("framework", "quantity_number", "mode")}
_BITS = itemgetter("bits")


def _seed(row: dict) -> str:
    return str(row.get("tangent") if row.get("ad") == "forward" else row.get("cotangent") or "")


def divergences(rows: list[dict], axis: str = "mode") -> list[Divergence]:
    """Every quantity (of rows with a value) whose bits differ between `axis`'s
    reference side and another side of the same framework, in row order."""
    if axis not in AXES:
        raise ValueError(f"axis must be one of {', '.join(AXES)}, not {axis!r}")
    return _divergences(_valued(rows), axis)


def all_divergences(rows: list[dict]) -> dict[str, list[Divergence]]:
    """axis -> divergences(rows, axis), for every axis, the rows with a value picked once."""
    valued = _valued(rows)
    return {axis: _divergences(valued, axis) for axis in AXES}


def _valued(rows: list[dict]) -> list[dict]:
    """The rows with a value: outcome "ok" and recorded bits (read with dict.get in C: no
    Python call per row)."""
    ok = map(eq, _field(rows, "outcome"), repeat("ok"))
    return list(compress(rows, map(and_, ok, map(truth, _field(rows, "bits")))))


def _field(rows: list[dict], name: str):
    """row.get(name) of each row, lazily."""
    return map(dict.get, rows, repeat(name))


def _divergences(valued: list[dict], axis: str) -> list[Divergence]:
    reference = AXES[axis]
    sides = list(map(ne, _field(valued, axis), repeat(reference)))  # True: the other side
    if not any(sides):  # one side only (a run on one device): no key to build
        return []
    keys = list(map(_KEYS[axis], valued))  # in C: no Python call per row
    base = dict(compress(zip(keys, valued), map(not_, sides)))
    others = list(compress(valued, sides))
    # Each other side's reference row (_NO_REFERENCE: it has none) and their bits compared
    # without a Python call per row: a full check pairs 109,000 rows and a few thousand differ.
    refs = list(map(base.get, compress(keys, sides), repeat(_NO_REFERENCE)))
    ref_bits = list(map(_BITS, refs))
    differ = map(and_, map(is_not, ref_bits, repeat(None)), map(ne, ref_bits, map(_BITS, others)))
    return [_divergence(axis, ref, row) for ref, row in compress(zip(refs, others), differ)]


_NO_REFERENCE = {"bits": None}


def _divergence(axis: str, ref: dict, row: dict) -> Divergence:
    return Divergence(axis, row["framework"], AXES[axis], str(row[axis]),
                      str(row.get("device" if axis == "mode" else "mode", "")), row["case"], row["point"],
                      row["dtype"], row["ad"], _seed(row), str(row.get("wrt", "")), int(row.get("index") or 0),
                      str(ref.get("value", "")), str(row.get("value", "")), ref["bits"], row["bits"],
                      str(row.get("truth", "")), (str(ref.get("verdict", "")), str(row.get("verdict", ""))))


def mode_pairs(rows: list[dict], axis: str = "mode") -> list[tuple[str, str, str]]:
    """(framework, reference, other) of every pair of sides the rows hold: what was compared."""
    seen = {(r.get("framework"), r.get(axis)) for r in rows if r.get("outcome") == "ok"}
    reference = AXES[axis]
    return sorted((fw, reference, side) for fw, side in seen if side != reference and (fw, reference) in seen)
