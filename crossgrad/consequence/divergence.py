"""Where trajectories part: the first step whose weights differ bitwise, and how far apart after each epoch.

Pairs: every two frameworks in one dtype, variant and seed (the same initial
weights and minibatches), and, within a framework, each variant beside
relu'(0)=0 (the consequence itself). Weight identity is the hash of the bits
kept after every step; the distance is ||w_a - w_b|| / ||w_a|| over all
parameters, in float64 from the per-epoch weights the workers saved.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np


def first_difference(a: list[str], b: list[str]) -> int | None:
    """1-based step after which the weights first differ; None if identical throughout."""
    for step, (x, y) in enumerate(zip(a, b), 1):
        if x != y:
            return step
    return None if len(a) == len(b) else min(len(a), len(b)) + 1


def epoch_weights(path: str) -> dict[int, np.ndarray]:
    """{epoch: all parameters flattened}, from a worker's .npz (no pickles)."""
    with np.load(path, allow_pickle=False) as archive:
        names = sorted(archive.files, key=lambda n: tuple(int(p) for p in n[1:].split("_")))
        epochs: dict[int, list] = {}
        for name in names:
            epochs.setdefault(int(name[1:].split("_")[0]), []).append(archive[name].ravel())
    return {e: np.concatenate(parts) for e, parts in epochs.items()}


def relative_distance(a: np.ndarray, b: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(a - b) / np.linalg.norm(a))


def pairs(keys) -> list[tuple]:
    """(key_a, key_b) for keys (framework, dtype, variant, seed): across frameworks, and variants vs '0'."""
    keys = sorted(keys)
    across = [(a, b) for a, b in combinations(keys, 2) if a[0] != b[0] and a[1:] == b[1:]]
    within = [((f, d, "0", s), (f, d, v, s)) for f, d, v, s in keys if v != "0" and (f, d, "0", s) in keys]
    return across + within


def divergence_rows(hashes: dict, weights: dict) -> list[dict]:
    """Every pair's rows, one dtype and seed at a time: each run's weights are read once
    per group (a run is in several pairs), and only that group's are held in memory."""
    rows, groups = [], {}
    for a, b in pairs(hashes):
        groups.setdefault((a[1], a[3]), []).append((a, b))
    for group in groups.values():
        loaded = {key: epoch_weights(weights[key]) for key in {k for pair in group for k in pair}}
        for a, b in group:
            rows += pair_rows(a, b, hashes, loaded[a], loaded[b])
    return rows


def pair_rows(a: tuple, b: tuple, hashes: dict, wa: dict, wb: dict) -> list[dict]:
    first = first_difference(hashes[a], hashes[b])
    steps_per_epoch = len(hashes[a]) // max(1, len(wa))
    return [dict(dtype=a[1], seed=a[3], framework_a=a[0], variant_a=a[2], framework_b=b[0], variant_b=b[2],
                 first_differing_step=first, epoch=epoch, steps=epoch * steps_per_epoch,
                 identical=first is None or first > epoch * steps_per_epoch,
                 relative_distance=relative_distance(wa[epoch], wb[epoch]))
            for epoch in sorted(set(wa) & set(wb))]
