"""The study's data, no download: scikit-learn's bundled digits, or the user's .npz (x, y).

Features are scaled into [0, 1] by the largest absolute value (digits: /16,
MNIST bytes: /255, both exact in every precision's rounding of the quotient
computed in float64), flattened to one row per example; a fixed seeded split
gives the test set. Every framework gets the same NumPy arrays.
"""
from __future__ import annotations

import importlib.util
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SPLIT_SEED = 20211206  # NeurIPS 2021's first day: any fixed number would do


class DataError(ValueError):
    """The user's data cannot be used: a one-line reason."""


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray  # float64, (n, features), in [0, 1]
    y_train: np.ndarray  # int64 labels 0..classes-1
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int

    @property
    def features(self) -> int:
        return self.x_train.shape[1]


def load(path: str | None, test_fraction: float = 0.2) -> Dataset:
    """Digits (path None) or the .npz at `path`; DataError says why one cannot be used."""
    if path is None:
        x, y, name = _digits()
    else:
        x, y = _npz(Path(path))
        name = Path(path).name
    return split(name, *_checked(x, y, name), test_fraction)


def _digits():
    """scikit-learn's bundled digits: its own CSV read as load_digits reads it (NumPy's
    loadtxt), without importing scikit-learn (seconds of CPU); load_digits where the
    file is not where scikit-learn keeps it."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise DataError("the default data set needs scikit-learn (pip install scikit-learn), "
                        "or give --data PATH.npz with arrays x and y")
    bundled = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    if bundled.is_file():
        table = np.loadtxt(bundled, delimiter=",")
        x, y = table[:, :-1], table[:, -1].astype(int)
    else:
        from sklearn.datasets import load_digits
        x, y = load_digits(return_X_y=True)
    return x, y, "digits (scikit-learn, 8x8)"


def _npz(path: Path):
    """x and y of a .npz, read without pickles (a data file must not run code)."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in ("x", "y") if k not in archive.files]
            if missing:
                raise DataError(f"{path} lacks array(s) {', '.join(missing)}; it holds: "
                                f"{', '.join(archive.files) or 'nothing'}")
            return archive["x"], archive["y"]
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"cannot read {path} as .npz: {exc}") from None


def _checked(x, y, name):
    if x.dtype.kind not in "iuf" or y.dtype.kind not in "iu":
        raise DataError(f"{name}: x must be numeric and y integer labels (got {x.dtype}, {y.dtype})")
    if x.ndim < 2 or y.ndim != 1 or len(x) != len(y) or len(x) < 10:
        raise DataError(f"{name}: x must be (n, ...) and y (n,), n >= 10 (got {x.shape}, {y.shape})")
    x = x.reshape(len(x), -1).astype(np.float64)
    if not np.isfinite(x).all():
        raise DataError(f"{name}: x holds nan or inf")
    scale = np.abs(x).max()
    if y.min() < 0:
        raise DataError(f"{name}: labels must be 0, 1, ... (found {y.min()})")
    return (x / scale if scale > 0 else x), y.astype(np.int64)


def save(data: Dataset, path: Path) -> Path:
    """The split data set as one .npz, for the workers: they read it with NumPy
    alone (importing scikit-learn costs each worker seconds of CPU)."""
    np.savez(path, name=np.array(data.name), x_train=data.x_train, y_train=data.y_train,
             x_test=data.x_test, y_test=data.y_test, classes=np.array(data.classes))
    return path


def read_saved(path: str | Path) -> Dataset:
    """The Dataset `save` wrote (no pickles)."""
    with np.load(path, allow_pickle=False) as a:
        return Dataset(str(a["name"]), a["x_train"], a["y_train"], a["x_test"], a["y_test"], int(a["classes"]))


def split(name, x, y, test_fraction: float) -> Dataset:
    order = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    n_test = max(1, int(round(len(x) * test_fraction)))
    test, train = order[:n_test], order[n_test:]
    return Dataset(name, x[train], y[train], x[test], y[test], int(y.max()) + 1)
