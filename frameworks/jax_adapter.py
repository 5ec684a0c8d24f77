"""JAX adapter. The contract lives in crossgrad/adapter.py; this module only says
where JAX needs a choice. jax is imported by `load()`, never here."""
from __future__ import annotations

import importlib
import os
import sys

import numpy as np
from crossgrad.adapter import KnownDifference, Snippets, ops_from_table
from crossgrad.frameworks._shared import LazyFramework, dist_version, with_args

# The one op table (format: crossgrad/adapter.py): each op's call over its
# positional arguments, with JAX's usual aliases; None where JAX has none.
OPS = {
    "relu": "jax.nn.relu({0})",
    "maximum": "jnp.maximum({0}, {1})",
    "clip": "jnp.clip({0}, min={1})",
    "where": "jnp.where({0}, {1}, {2})",
    "zeros_like": "jnp.zeros_like({0})",
    "abs": "jnp.abs({0})",
    "leaky_relu": "jax.nn.leaky_relu({0}, negative_slope={1})",
    "relu6": "jax.nn.relu6({0})",
    "hardtanh": "jax.nn.hard_tanh({0})",
    "elu": "jax.nn.elu({0})",
    "gelu": "jax.nn.gelu({0})",  # default approximate=True: the tanh form
    "softplus": "jax.nn.softplus({0})",
    "sqrt": "jnp.sqrt({0})",
    "norm": "jnp.linalg.norm({0})",
    "max": "jnp.max({0})",
    "concat": "jnp.concatenate([{0}, {1}])",
    "sign": "jnp.sign({0})",
    "floor": "jnp.floor({0})",
    # JAX arrays are immutable: the notebook's `z[:] = 0.` is the functional update.
    "zero_fill": "{0}.at[:].set(0.)",
    "gelu_exact": "jax.nn.gelu({0}, approximate=False)",
    "minimum": "jnp.minimum({0}, {1})",
    "min": "jnp.min({0})",
    "max_axis": "jnp.max({0}, axis=0)",
    "min_axis": "jnp.min({0}, axis=0)",
    # What flax.linen.max_pool runs: a windowed max from the lowest value up.
    "max_pool": "lax.reduce_window({0}, -jnp.inf, lax.max, (2,), (2,), 'VALID')",
    "topk": "lax.top_k({0}, {1})[0]",
    "argmax_gather": "{0}[jnp.argmax({0})]",
    "sum": "jnp.sum({0})",
    "exp": "jnp.exp({0})",
    "log": "jnp.log({0})",
    "logsumexp": "jax.nn.logsumexp({0})",
    "softmax": "jax.nn.softmax({0})",
    "xlogy": "jax.scipy.special.xlogy({0}, {1})",
    "div_no_nan": None,
    "mul_no_nan": None,
    "nan_to_num": "jnp.nan_to_num({0})",
    "euclidean_norm": None,
    "arange_like": "jnp.arange(1, {0}.shape[0] + 1, dtype={0}.dtype)",
    "divide": "jnp.divide({0}, {1})",
    "ceil": "jnp.ceil({0})",
    "neg": "jnp.negative({0})",
    "frac": "jnp.modf({0})[0]",  # jnp has no frac: modf's fractional part is z - trunc(z)
    "atan2": "jnp.arctan2({0}, {1})",
    "argmax": "jnp.argmax({0})",
    "argmin": "jnp.argmin({0})",
    "clip_range": "jnp.clip({0}, {1}, {2})",
    "threshold": None,  # jax has no threshold op (jnp.where(z > th, z, value) is a spelling, not one)
}

# Older releases' spellings, one line per op (crossgrad/adapter.py: OLDER), used
# only where a release lacks the table's.
OLDER = {
    "clip": "jnp.clip({0}, a_min={1})",  # jax 0.4.13: a_min= only, no min=
}

# XLA's CPU client reads its thread settings once, at import. Only "one thread"
# can be asked for: XLA has no flag for an exact count above 1, so other values
# are recorded in info() but leave XLA's default (all cores).
_ONE_THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


# Other spellings people write for the same function (the spelling comparison).
ALIASES = {
    "relu": ("jnp.maximum({0}, 0.)", "lax.max({0}, jnp.zeros_like({0}))", "jnp.clip({0}, min=0.)",
             "jnp.where({0} > 0, {0}, 0.)"),
    "maximum": ("lax.max({0}, {1})", "jnp.fmax({0}, {1})"),
    "minimum": ("lax.min({0}, {1})", "jnp.fmin({0}, {1})"),
    "max": ("jnp.amax({0})", "{0}.max()"),
    "min": ("jnp.amin({0})", "{0}.min()"),
    "norm": ("jnp.sqrt(jnp.sum({0} ** 2))",),
    "logsumexp": ("jax.scipy.special.logsumexp({0})",),
}

SNIPPETS = Snippets(
    imports="import jax\nimport jax.numpy as jnp\nimport jax.scipy.special\nfrom jax import lax",
    array="jnp.array([{value}], dtype=jnp.{dtype})",
    full_like="jnp.full_like({like}, {value})",
    pullback=("out, pullback = jax.vjp(lambda {wrt}: {fn}(x, w, b), {wrt})",
              "return pullback({cotangent})[0]"),
    pushforward=("return jax.jvp(lambda {wrt}: {fn}(x, w, b), ({wrt},), ({tangent},))[1]",),
    flatten="float(result.reshape(-1)[{index}])",
    wrap={"compiled": "jax.jit({0})"},
    preamble={"float64": 'jax.config.update("jax_enable_x64", True)  # float64 needs x64 in JAX'},
)


def _namespace(jax):
    """The names the templates use, as people import them."""
    importlib.import_module("jax.scipy.special")  # xlogy, logsumexp: not loaded by `import jax`
    return {"jax": jax, "jnp": jax.numpy, "lax": jax.lax}


def _grad(jax, f, args, wrt, cotangent):
    """jax.grad, as most JAX code asks for gradients: of a scalar, here the output
    weighted by the cotangent (one multiplication more than jax.vjp)."""
    loss = lambda *diff: jax.numpy.sum(with_args(f, args, wrt)(*diff) * cotangent)
    return tuple(jax.grad(loss, argnums=tuple(range(len(wrt))))(*(args[i] for i in wrt)))


def _cache_folder() -> str:
    """Where JAX's persistent compilation cache is: JAX_COMPILATION_CACHE_DIR where
    set ("" turns the cache off), else crossgrad's own folder,
    <XDG_CACHE_HOME or ~/.cache>/crossgrad/jax. Reads the environment only."""
    folder = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    if folder is None:
        folder = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "crossgrad", "jax")
    return folder


class JaxAdapter(LazyFramework):
    name = "jax"
    synonyms = ("jaxlib",)  # what people also type on the command line
    package = "jax"
    install_hint = "pip install jax"
    modes = ("eager", "compiled")
    dtypes = ("float32", "float64", "bfloat16", "float16")
    op_table = OPS
    aliases = ALIASES
    snippets = SNIPPETS
    # Facts the tests read (crossgrad.adapter.Adapter), each an atlas point.
    flushes_subnormals = True  # XLA on CPU: relu's points subnormal, subnormal64
    known_differences = (
        KnownDifference("gelu", "jax.nn.gelu defaults to approximate=True, the tanh form, not z*Phi(z) "
                        "(atlas: gelu, every point)"),
        KnownDifference("relu_python", "a Python `if` on a traced value raises TracerBoolConversionError "
                        "(atlas: relu_python, outcome error)", mode="compiled"),
        # Measured on an Intel Xeon (property test, float64): at z = 31.515625*31.504219078094366
        # + 31.504219078094366 ~ 1024.4 the compiled value is 1 ulp of z (2**-42) from the twice
        # rounded z, which frac's cancellation turns into a relative error of 6e-13.
        KnownDifference("frac", "compiled, z = x*w + b came out 1 ulp from the twice-rounded reference z "
                        "(as a fused multiply-add would); "
                        "frac(z) = z - trunc(z) keeps z's absolute error, so at |z| >> 1 the fractional "
                        "part is right only to z's precision", mode="compiled", accuracy=True),
    )
    costly_modes = ()
    # The calls beyond operators a small classifier needs (crossgrad consequence's
    # network), spelled over namespace(); see the Adapter protocol.
    network_ops = {
        "log_softmax": "jax.nn.log_softmax({0}, axis=1)",
        "sum_rows": "jnp.sum({0}, axis=1)",
        "mean": "jnp.mean({0})",
        "count_zeros": "jnp.count_nonzero({0} == 0)",
        "argmax_rows": "jnp.argmax({0}, axis=1)",
    }

    def __init__(self):
        super().__init__()
        self._threads = None

    def load(self, *, threads: int | None = None) -> None:
        """Environment first (XLA reads it at import), then import and configure."""
        self._threads = threads
        # Allocate GPU memory on demand, not 75% of the card up front.
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        if threads == 1 and "jax" not in sys.modules:
            flags = os.environ.get("XLA_FLAGS", "")
            os.environ["XLA_FLAGS"] = f"{flags} {_ONE_THREAD_FLAGS}".strip()
        import jax

        # Without x64 JAX silently computes float64 inputs in float32.
        jax.config.update("jax_enable_x64", True)
        self._use_compilation_cache(jax)
        self._module = jax
        self._ops = ops_from_table(self.name, OPS, self.namespace(), OLDER)

    @staticmethod
    def _use_compilation_cache(jax) -> None:
        """JAX's persistent compilation cache (_cache_folder), every computation in it,
        also eager mode's op-by-op ones that compile in milliseconds: a later process
        loads the executable XLA built before instead of compiling it again, and gets
        the same bits (the whole catalogue's jax values, compared cold and warm against
        a run without the cache: 347 s of CPU without, 301 s cold, 147 s warm).
        The thresholds are left alone where the environment sets them."""
        folder = _cache_folder()
        if not folder:
            return
        jax.config.update("jax_compilation_cache_dir", folder)
        for option in ("jax_persistent_cache_min_compile_time_secs", "jax_persistent_cache_min_entry_size_bytes"):
            if option.upper() not in os.environ:
                jax.config.update(option, 0)

    def relu_with_derivative_at_zero(self, value: float):
        """jax.nn.relu with derivative `value` at exactly 0 (either sign), by
        jax.custom_jvp (reverse mode transposes it). Elsewhere jax's own rule:
        a select, +0 where z < 0."""
        jax = self._require()
        jnp = jax.numpy

        @jax.custom_jvp
        def relu(z):
            return jax.nn.relu(z)

        @relu.defjvp
        def relu_jvp(primals, tangents):
            (z,), (t,) = primals, tangents
            return jax.nn.relu(z), jnp.where(z > 0, t, jnp.where(z == 0, t * value, jnp.zeros_like(t)))

        return relu

    def namespace(self) -> dict:
        return _namespace(self._require())

    def gradient_apis(self) -> dict:
        jax = self._require()
        return {"jax.vjp": self.vjp, "jax.grad": lambda f, args, wrt, cot: _grad(jax, f, args, wrt, cot)}

    def _gpus(self):
        try:
            return self._require().devices("gpu")
        except RuntimeError:  # no GPU backend: jax raises rather than returning []
            return []

    def devices(self):
        return ("cpu", "gpu") if self._gpus() else ("cpu",)

    def asarray(self, value, device):
        jax = self._require()
        target = self._gpus()[0] if device == "gpu" else jax.devices("cpu")[0]
        # device_put copies the buffer bit for bit, dtype kept (x64 is on;
        # float16 and ml_dtypes' bfloat16 are JAX's own 16-bit types).
        return jax.device_put(np.array(value, copy=True), target)

    def to_numpy(self, x):
        return np.array(x, copy=True)

    def block(self, tree):
        # JAX dispatches asynchronously: wait for every array (None leaves are fine).
        return self._require().block_until_ready(tree)

    def vjp(self, f, args, wrt, cotangent):
        jax = self._require()
        out, pullback = jax.vjp(with_args(f, args, wrt), *(args[i] for i in wrt))
        # broadcast_to keeps the seed's bits exactly (no multiplication involved).
        return tuple(pullback(jax.numpy.broadcast_to(cotangent, out.shape)))

    def jvp(self, f, args, wrt, tangent):
        jax = self._require()
        primal = args[wrt]
        _, tangent_out = jax.jvp(with_args(f, args, (wrt,)), (primal,),
                                 (jax.numpy.broadcast_to(tangent, primal.shape),))
        return tangent_out

    def info(self):
        jax = self._require()
        return {
            "version": self.version(),
            "jaxlib": dist_version("jaxlib"),
            "backend": jax.default_backend(),
            "devices": {"cpu": str(jax.devices("cpu")[0].device_kind),
                        **({"gpu": self._gpus()[0].device_kind} if self._gpus() else {})},
            "threads": {"requested": self._threads, "cpu_devices": jax.device_count("cpu"),
                        "one_thread_flags": _ONE_THREAD_FLAGS in os.environ.get("XLA_FLAGS", "")},
            "flags": {"jax_enable_x64": bool(jax.config.jax_enable_x64),
                      "jax_default_matmul_precision": jax.config.jax_default_matmul_precision},
            "env": {k: os.environ[k] for k in ("XLA_FLAGS", "XLA_PYTHON_CLIENT_PREALLOCATE", "CUDA_VISIBLE_DEVICES",
                                               "JAX_COMPILATION_CACHE_DIR") if k in os.environ},
            "compilation_cache": self.compile_cache(),  # its state; the runner writes the home folder "~"
        }

    def compile_cache(self) -> str:
        """The state of JAX's persistent compilation cache (_cache_folder); off where
        JAX_COMPILATION_CACHE_DIR is set empty: then jit compiles afresh in every process."""
        folder = _cache_folder()
        if not folder:
            return "off: no persistent compilation cache (JAX_COMPILATION_CACHE_DIR empty)"
        files = sum(len(names) for _, _, names in os.walk(folder))
        return f"warm: {folder} holds {files} files" if files else f"cold: {folder} empty"


ADAPTER = JaxAdapter()
