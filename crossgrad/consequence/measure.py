"""What the measures share inside a worker: one framework, one dtype, the data on its device."""
from __future__ import annotations

import hashlib

import numpy as np

from crossgrad.consequence.network import StudyOps, forward, loss_function, loss_of, onehot, relu_of
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
        self.volumes: dict = {}  # volume rows by network, for sweeps that share one

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

    def zeros_in(self, params, xb, relu):
        """The count of relu inputs exactly 0 (either sign) in one forward pass, as one
        framework scalar: a single compiled call, read back when the caller needs it."""
        def build():
            return lambda *args: self._zeros(forward(args[:-1], args[-1], relu)[1])
        return self._once(("zeros", relu), build)(*params, xb)

    def _zeros(self, pre):
        total = self.ops.count_zeros(pre[0])
        for z in pre[1:]:
            total = total + self.ops.count_zeros(z)
        return total

    def train_step(self, f, relu, n_params: int):
        """One SGD step as one compiled call: (params..., x, onehot, lr) -> (new params...,
        the minibatch's loss, its relu inputs exactly 0). One call per step keeps each
        worker busy: no per-op dispatch, one compile per shape where compiling is cheap."""
        wrt = tuple(range(n_params))

        def build():
            def step(*args):
                params, (xb, ob, lr) = args[:n_params], args[n_params:]
                logits, pre = forward(params, xb, relu)
                grads = self.adapter.vjp(f, (*params, xb, ob), wrt, self.one)
                new = tuple(p - lr * g for p, g in zip(params, grads))
                return (*new, loss_of(self.ops, logits, ob), self._zeros(pre))
            return step
        return self._once(("step", f), build)

    def evaluation(self, relu):
        """params..., x, onehot -> (loss, predicted class per row), compiled once per relu."""
        def build():
            def evaluate(*args):
                logits = forward(args[:-2], args[-2], relu)[0]
                return loss_of(self.ops, logits, args[-1]), self.ops.argmax_rows(logits)
            return evaluate
        return self._once(("evaluate", relu), build)

    def array(self, value: np.ndarray):
        return self.adapter.asarray(value, "cpu")

    def numpy(self, x) -> np.ndarray:
        return self.adapter.to_numpy(x)

    def scalar(self, x) -> float:
        """A 0-d framework array as a Python float (float64: exact for every dtype studied)."""
        return float(np.asarray(self.numpy(x), dtype=np.float64))

    def params(self, params: list[np.ndarray]) -> list:
        return [self.array(p) for p in params]

    def batch(self, x: np.ndarray, y: np.ndarray):
        """A minibatch in the run's dtype: the inputs and the one-hot labels."""
        return (self.array(as_dtype(x, self.dtype)),
                self.array(onehot(y, self.data.classes, self.dtype)))

    def gradients(self, losses, params, xb, ob) -> list[list]:
        """d loss / d params of each loss in `losses` at the same point, pulled back from 1
        (adapter.vjp: a pure transform), in one compiled call: [grads of losses[0], ...]."""
        wrt, n = tuple(range(len(params))), len(params)

        def build():
            return lambda *args: tuple(g for f in losses for g in self.adapter.vjp(f, args, wrt, self.one))
        flat = list(self._once(("gradients", *losses), build)(*params, xb, ob))
        return [flat[i:i + n] for i in range(0, len(flat), n)]

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
