"""What the measures share inside a worker: one framework, one dtype, the data on its device."""
from __future__ import annotations

import hashlib

import numpy as np

from crossgrad.consequence.network import StudyOps, forward, loss_function, onehot, relu_of
from crossgrad.core.dtypes import as_dtype


def study_mode(adapter) -> str:
    """The mode the study runs a framework in: compiled where its first call is
    cheap (adapter.costly_modes: JAX, MLX; JAX's eager vjp re-traces on every
    call, hundreds of times slower here), eager elsewhere (torch, TensorFlow)."""
    cheap = "compiled" in adapter.modes and "compiled" not in adapter.costly_modes
    return "compiled" if cheap else "eager"


class Bench:
    """One framework in one dtype: NumPy in, framework arrays out, gradients by
    adapter.vjp; the forward pass and the gradient compiled once per function
    in the study's mode (adapter.compile)."""

    def __init__(self, adapter, dtype: str, data):
        self.adapter, self.dtype, self.data = adapter, dtype, data
        self.ops = StudyOps(adapter)
        self.one = self.array(as_dtype(1.0, dtype))
        self.mode = study_mode(adapter)
        self._compiled: dict = {}

    def relu(self, variant: str):
        """The variant's relu, one object per variant (so compiled functions are reused)."""
        return self._kept(("relu", variant), lambda: relu_of(self.adapter, variant))

    def loss(self, relu, n_params: int):
        return self._kept(("loss", relu, n_params), lambda: loss_function(self.ops, relu, n_params))

    def _kept(self, key, build):
        if key not in self._compiled:
            self._compiled[key] = build()
        return self._compiled[key]

    def _once(self, key, build):
        if key not in self._compiled:
            self._compiled[key] = self.adapter.compile(build(), self.mode)
        return self._compiled[key]

    def forward(self, params, xb, relu):
        """(logits, relu inputs per hidden layer), as network.forward computes them."""
        def build():
            return lambda *args: (lambda out: (out[0], *out[1]))(forward(args[:-1], args[-1], relu))
        logits, *pre = self._once(("forward", relu), build)(*params, xb)
        return logits, pre

    def array(self, value: np.ndarray):
        return self.adapter.asarray(value, "cpu")

    def numpy(self, x) -> np.ndarray:
        return self.adapter.to_numpy(x)

    def params(self, params: list[np.ndarray]) -> list:
        return [self.array(p) for p in params]

    def batch(self, x: np.ndarray, y: np.ndarray):
        """A minibatch in the run's dtype: the inputs and the one-hot labels."""
        return (self.array(as_dtype(x, self.dtype)),
                self.array(onehot(y, self.data.classes, self.dtype)))

    def gradients(self, f, params, xb, ob) -> list:
        """d loss / d params, pulled back from 1 (adapter.vjp: a pure transform)."""
        wrt = tuple(range(len(params)))
        grad = self._once(("gradients", f), lambda: lambda *args: tuple(self.adapter.vjp(f, args, wrt, self.one)))
        return list(grad(*params, xb, ob))

    def zeros_in(self, params, xb, relu) -> tuple[int, int]:
        """(relu inputs exactly 0, relu inputs) of one forward pass; -0.0 counts as 0."""
        return self.count(self.forward(params, xb, relu)[1])

    def count(self, pre) -> tuple[int, int]:
        """(exact zeros, entries) over the relu inputs `pre`."""
        zeros = sum(int(self.numpy(self.ops.count_zeros(z))) for z in pre)
        return zeros, sum(int(np.prod(tuple(z.shape))) for z in pre)

    def bits(self, arrays) -> list[bytes]:
        return [self.numpy(a).tobytes() for a in arrays]

    def digest(self, params) -> str:
        """The weights' identity: a hash of their bits (equal hashes: bit-identical weights)."""
        h = hashlib.blake2b(digest_size=8)
        for b in self.bits(params):
            h.update(b)
        return h.hexdigest()


def minibatches(n: int, batch: int, seed) -> list[np.ndarray]:
    """One pass over n examples in a seeded order, in batches of `batch` (the last may be short)."""
    order = np.random.default_rng(seed).permutation(n)
    return [order[i:i + batch] for i in range(0, n, batch)]


def draw_seed(*key: int) -> int:
    """A seed from integers (a configuration and a draw): the same in every framework and dtype."""
    return int(np.random.SeedSequence([abs(int(k)) for k in key]).generate_state(1)[0])
