"""The study's settings: one frozen value passed down, defaults like the paper's MNIST network.

Bertoin et al.'s volume notebook (deel-ai/relu-prime,
notebooks/volume_estimation_by_architecture.ipynb) sweeps width at 3 hidden
layers, depth at width 256, batch size at 3 x 256, batch 256 elsewhere; the
default network here is that one. `quick()` is the small study the tests run.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

DTYPES = ("float16", "bfloat16", "float32", "float64")
# relu'(0) variants: the two custom derivatives, the framework's relu, and the
# catalogue's spellings of the same function (Bolte & Pauwels, NeurIPS 2020).
VARIANTS = ("0", "1", "own", "maximum", "relu(-t)+t")
VARIANT_TEXT = {"0": "relu'(0)=0 (custom)", "1": "relu'(0)=1 (custom)", "own": "the framework's relu",
                "maximum": "maximum(z, 0)", "relu(-t)+t": "relu(-t)+t"}
INITS = ("uniform", "positive", "zero-bias")


@dataclass(frozen=True)
class StudyConfig:
    frameworks: tuple = ()  # empty: every registered framework (crossgrad.core.registry)
    dtypes: tuple = DTYPES
    depth: int = 3  # hidden layers
    width: int = 256
    batch: int = 32  # training minibatch
    volume_batch: int = 256  # the volume sweeps' minibatch (the paper's), where batch is not swept
    epochs: int = 10
    seeds: tuple = (0, 1)
    lr: float = 0.1  # plain SGD: the paper's bifurcation setting without momentum
    variants: tuple = VARIANTS
    draws: int = 20  # volume draws per configuration (the paper: 1000)
    widths: tuple = (16, 64, 256, 512, 1024)
    depths: tuple = (1, 2, 3, 5, 6)
    batches: tuple = (16, 64, 256, 512, 1024)
    # Fewer draws where one draw is costly: a configuration whose draws would
    # multiply more weights than `draws` draws of the default network gets
    # draws scaled down (at least min_draws).
    min_draws: int = 5
    init: str = "uniform"
    data: str | None = None  # a .npz (x, y); None: scikit-learn's digits
    test_fraction: float = 0.2
    timeout: float = 600.0  # seconds one task may take before its worker is killed
    jobs: int = 2
    quick: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def quick(config: StudyConfig) -> StudyConfig:
    """The --quick study (the tests'): float16 and float32, a small network, 2 epochs, one
    seed, the two custom relus and the framework's own, 3 draws, the width sweep only.
    Its CPU goes to imports and JAX's compiles (one per dtype, variant, function and
    shape), so fewer dtypes and variants is what makes it fast (under 40 s on 2 idle cores)."""
    return replace(config, dtypes=("float16", "float32"), depth=2, width=32, batch=32, volume_batch=128, epochs=2,
                   seeds=(0,), draws=3, widths=(16, 32), depths=(), batches=(), min_draws=2,
                   variants=("0", "1", "own"), quick=True)


def weights_of(features: int, depth: int, width: int, classes: int = 10) -> int:
    """Multiplications per example of one forward pass (the cost of a draw, per example)."""
    return features * width + (depth - 1) * width * width + width * classes


def draws_for(config: StudyConfig, depth: int, width: int, features: int) -> int:
    """How many draws a volume configuration gets: `draws`, scaled down by its
    cost against the default network's (volume.csv states each count)."""
    ratio = weights_of(features, depth, width) / weights_of(features, config.depth, config.width)
    return config.draws if ratio <= 1 else max(config.min_draws, int(config.draws / ratio))


def volume_configs(config: StudyConfig) -> list[dict]:
    """The paper's three sweeps around the default network, each point once per sweep."""
    base = dict(depth=config.depth, width=config.width, batch=config.volume_batch)
    points = [("width", dict(base, width=w)) for w in config.widths]
    points += [("depth", dict(base, depth=d)) for d in config.depths]
    points += [("batch", dict(base, batch=b)) for b in config.batches]
    return [dict(point, sweep=sweep) for sweep, point in points]


def config_from_dict(values: dict) -> StudyConfig:
    """A StudyConfig back from its JSON form (lists become the tuples they were)."""
    return StudyConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})
