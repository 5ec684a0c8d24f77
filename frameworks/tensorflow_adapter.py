"""TensorFlow adapter. The contract lives in crossgrad/adapter.py; this module only
says where TensorFlow needs a choice. tensorflow is imported by `load()`, never here
(and, in a process that also uses torch, after torch: a known crash otherwise)."""
from __future__ import annotations

import os

import numpy as np
from crossgrad.adapter_kit import bfloat16_bits, bfloat16_from_bits
from crossgrad.adapter import KnownDifference, Snippets, ops_from_table
from crossgrad.frameworks._shared import LazyFramework, dist_version, leaves

# The CPU wheel, the full wheel and the nightly install the same module.
DISTRIBUTIONS = ("tensorflow-cpu", "tensorflow", "tf-nightly")

# The one op table (format: crossgrad/adapter.py): each op's call over its
# positional arguments, with TensorFlow's usual alias tf; None where TF has none.
OPS = {
    "relu": "tf.nn.relu({0})",
    "maximum": "tf.maximum({0}, {1})",
    # TF has no lower-bound-only clip: the upper bound is the dtype's largest finite
    # value. Every finite input passes unchanged; +inf would become that max.
    "clip": "tf.clip_by_value({0}, {1}, {0}.dtype.max)",
    "where": "tf.where({0}, {1}, {2})",
    "zeros_like": "tf.zeros_like({0})",
    "abs": "tf.abs({0})",
    "leaky_relu": "tf.nn.leaky_relu({0}, alpha={1})",
    "relu6": "tf.nn.relu6({0})",
    "hardtanh": "tf.clip_by_value({0}, -1., 1.)",  # TF has no hardtanh
    "elu": "tf.nn.elu({0})",
    "gelu": "tf.nn.gelu({0})",  # default approximate=False: the exact erf form
    "softplus": "tf.nn.softplus({0})",
    "sqrt": "tf.sqrt({0})",
    "norm": "tf.norm({0})",
    "max": "tf.reduce_max({0})",
    "concat": "tf.concat([{0}, {1}], 0)",
    "sign": "tf.sign({0})",
    "floor": "tf.floor({0})",
    # Tensors are immutable: the notebook's `z[:] = 0.` becomes a scatter of zeros
    # over every index. Like torch's in-place write (and JAX's .at[].set), it keeps z
    # in the graph with a zero gradient; tf.zeros_like would cut z off, and TF would
    # report "no gradient" (None) for a spelling reason, not a convention.
    "zero_fill": "tf.tensor_scatter_nd_update({0}, tf.range(tf.size({0}))[:, None], tf.zeros_like({0}))",
    "gelu_exact": "tf.nn.gelu({0}, approximate=False)",
    "minimum": "tf.minimum({0}, {1})",
    "min": "tf.reduce_min({0})",
    "max_axis": "tf.reduce_max({0}, axis=0)",
    "min_axis": "tf.reduce_min({0}, axis=0)",
    "max_pool": "tf.nn.max_pool1d({0}[None, :, None], 2, 2, 'VALID')[0, :, 0]",
    "topk": "tf.math.top_k({0}, {1}).values",
    "argmax_gather": "tf.gather({0}, tf.argmax({0}))",
    "sum": "tf.reduce_sum({0})",
    "exp": "tf.exp({0})",
    "log": "tf.math.log({0})",
    "logsumexp": "tf.reduce_logsumexp({0})",
    "softmax": "tf.nn.softmax({0})",
    "xlogy": "tf.math.xlogy({0}, {1})",
    "div_no_nan": "tf.math.divide_no_nan({0}, {1})",
    "mul_no_nan": "tf.math.multiply_no_nan({0}, {1})",
    "nan_to_num": None,  # not in TF 2.21 (tf.experimental.numpy lacks it too)
    "euclidean_norm": "tf.math.reduce_euclidean_norm({0})",
    "arange_like": "tf.cast(tf.range(1, tf.size({0}) + 1), {0}.dtype)",
    "divide": "tf.divide({0}, {1})",
    "ceil": "tf.math.ceil({0})",
    "neg": "tf.negative({0})",
    "frac": None,  # TF has no frac or modf
    "atan2": "tf.math.atan2({0}, {1})",
    "argmax": "tf.argmax({0})",
    "argmin": "tf.argmin({0})",
    "clip_range": "tf.clip_by_value({0}, {1}, {2})",
    "threshold": None,  # TF has no threshold op (tf.where(z > th, z, value) is a spelling, not one)
}

# Other spellings people write for the same function (the spelling comparison).
ALIASES = {
    "relu": ("tf.maximum({0}, 0.)", "tf.keras.activations.relu({0})",
             "tf.clip_by_value({0}, 0., {0}.dtype.max)", "tf.where({0} > 0, {0}, 0.)"),
    "maximum": ("tf.math.maximum({0}, {1})",),
    "minimum": ("tf.math.minimum({0}, {1})",),
    "max": ("tf.math.reduce_max({0})",),
    "norm": ("tf.math.reduce_euclidean_norm({0})", "tf.sqrt(tf.reduce_sum({0} ** 2))"),
    "logsumexp": ("tf.math.reduce_logsumexp({0})",),
}

SNIPPETS = Snippets(
    imports="import tensorflow as tf",
    array="tf.constant([{value}], dtype=tf.{dtype})",
    full_like="tf.fill(tf.shape({like}), tf.constant({value}, {like}.dtype))",
    pullback=("with tf.GradientTape() as tape:", "    tape.watch({wrt})", "    out = {fn}(x, w, b)",
              "return tape.gradient(out, {wrt}, output_gradients={cotangent})"),
    pushforward=("with tf.autodiff.ForwardAccumulator({wrt}, {tangent}) as acc:",
                 "    out = {fn}(x, w, b)", "return acc.jvp(out)"),
    flatten="float(tf.reshape(result, [-1])[{index}])",
    wrap={"graph": "tf.function({0})", "compiled": "tf.function({0}, jit_compile=True)"},
)


class TensorflowAdapter(LazyFramework):
    name = "tensorflow"
    synonyms = ("tf", "keras")  # what people also type on the command line
    install_hint = "pip install tensorflow-cpu"
    modes = ("eager", "graph", "compiled")
    dtypes = ("float32", "float64", "bfloat16", "float16")
    op_table = OPS
    aliases = ALIASES
    snippets = SNIPPETS
    # Facts the tests read (crossgrad.adapter.Adapter), each an atlas point.
    flushes_subnormals = True  # Eigen's kernels on CPU: relu's points subnormal, subnormal64
    known_differences = (
        # Measured (cases/nan_results.py, TF 2.21 CPU): NumPy's argmax/argmin return the first
        # NaN's index; tf.argmax/argmin skip NaN in eager and graph mode, and under XLA take
        # the last NaN at [-1, nan, 9, nan]; XLA's reduce_max/min drop the NaN. Upstream bugs,
        # `invalid` in the findings and pinned by cases/expectations.csv.
        KnownDifference("argmax_nan", "tf.argmax does not return the first NaN's index (NumPy's rule)",
                        points=("nan", "two_nans")),
        KnownDifference("argmin_nan", "tf.argmin does not return the first NaN's index (NumPy's rule)",
                        points=("nan", "two_nans")),
        KnownDifference("max_nan", "XLA's reduce_max drops a NaN", mode="compiled", points=("nan", "nan_first")),
        KnownDifference("min_nan", "XLA's reduce_min drops a NaN", mode="compiled", points=("nan", "nan_first")),
        KnownDifference("leaky_relu", "tf.nn.leaky_relu keeps alpha in float32 (atlas: leaky_relu negative)",
                        dtype="float64", accuracy=True),
        KnownDifference("gelu", "tf.nn.gelu uses a float32 1/sqrt(2) inside erfc (atlas: gelu float64)",
                        dtype="float64", accuracy=True),
        KnownDifference("gelu_exact", "tf.nn.gelu(approximate=False) uses a float32 1/sqrt(2) inside erfc "
                        "(atlas: gelu_exact float64)", dtype="float64", accuracy=True),
        *(KnownDifference(case, "tf.clip_by_value needs an upper bound, the dtype's largest finite: "
                          f"clip(inf) is that, slope 0 (atlas: {case} inf)", points=("inf", "neg_inf"))
          for case in ("clamp", "relu~tensorflow:tf.clip_by_value")),
    )
    costly_modes = ("compiled",)  # XLA compiles each function on its first call
    # The calls beyond operators a small classifier needs (crossgrad consequence's
    # network), spelled over namespace(); see the Adapter protocol.
    network_ops = {
        "log_softmax": "tf.nn.log_softmax({0}, axis=1)",
        "sum_rows": "tf.reduce_sum({0}, axis=1)",
        "mean": "tf.reduce_mean({0})",
        "count_zeros": "tf.math.count_nonzero(tf.equal({0}, 0))",
        "argmax_rows": "tf.argmax({0}, axis=1)",
    }
    # TensorFlow before torch in one process can crash it; TensorFlow before paddle
    # segfaults in paddle's import (libpaddle, measured: TF 2.21, paddle 3.3.1).
    import_first = ("torch", "paddle")

    @property
    def package(self):
        """The installed distribution that provides `tensorflow` (or the first name)."""
        return next((d for d in DISTRIBUTIONS if dist_version(d)), DISTRIBUTIONS[0])

    def version(self):
        return next((v for v in map(dist_version, DISTRIBUTIONS) if v), None)

    def relu_with_derivative_at_zero(self, value: float):
        """tf.nn.relu with derivative `value` at exactly 0 (either sign), by
        tf.custom_gradient. Elsewhere TF's own rule: the cotangent times
        (z > 0), so -0.0 where z < 0 under a negative cotangent."""
        tf = self._require()

        @tf.custom_gradient
        def relu(z):
            def grad(g):
                at_zero = tf.fill(tf.shape(z), tf.constant(value, z.dtype))
                slope = tf.where(z > 0, tf.ones_like(z), tf.where(tf.equal(z, 0), at_zero, tf.zeros_like(z)))
                return g * slope
            return tf.nn.relu(z), grad

        return relu

    def load(self, *, threads: int | None = None) -> None:
        """float64 needs no switch in TF."""
        if self._module is not None:
            return  # thread and GPU settings raise once the runtime has started
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf

        self._module = tf
        if threads:  # must happen before the runtime starts, hence here
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)  # no up-front grab
        # TF32 would round float32 matmuls/convs on Ampere+ GPUs: compare true float32.
        tf.config.experimental.enable_tensor_float_32_execution(False)
        self._ops = ops_from_table(self.name, OPS, self.namespace())

    def namespace(self) -> dict:
        return {"tf": self._require()}

    def gradient_apis(self) -> dict:
        return {"tf.GradientTape": self.vjp}

    def devices(self):
        return ("cpu", "gpu") if self._require().config.list_physical_devices("GPU") else ("cpu",)

    def asarray(self, value, device):
        tf = self._require()
        bf16 = bfloat16_bits(value)
        # A private copy: an eager tensor may alias the NumPy buffer it came from.
        with tf.device("/GPU:0" if device == "gpu" else "/CPU:0"):
            if bf16 is not None:  # through the bits: TF 2.12 has its own NumPy bfloat16, not ml_dtypes'
                return tf.identity(tf.bitcast(tf.constant(np.array(bf16, copy=True)), tf.bfloat16))
            return tf.identity(tf.constant(np.array(value, copy=True)))

    def to_numpy(self, x):
        # tf.gather's gradient is an IndexedSlices (a sparse update), which has no
        # .numpy(): convert_to_tensor densifies it, exactly (a scatter of the values).
        if isinstance(x, self._require().IndexedSlices):
            x = self._require().convert_to_tensor(x)
        if x.dtype == self._require().bfloat16:  # the bits, as asarray (any release's NumPy bfloat16)
            return bfloat16_from_bits(self._require().bitcast(x, self._require().uint16).numpy())
        return np.array(x.numpy(), copy=True)

    def block(self, tree):
        # tf.test.experimental.sync_devices waits for every device's queued work
        # without copying; reading a value to the host would also wait, but its
        # copy (~6 ms per 10^7 floats) would be timed as if it were the work.
        # None entries (TF's "no gradient") are allowed and left alone.
        tf = self._require()
        sync = getattr(getattr(tf.test, "experimental", None), "sync_devices", None)
        if sync is not None:
            sync()
            return tree
        for leaf in leaves(tree):
            leaf.numpy()
        return tree

    def vjp(self, f, args, wrt, cotangent):
        tf = self._require()
        sources = [args[i] for i in wrt]
        with tf.GradientTape() as tape:
            tape.watch(sources)  # inputs are tensors, not Variables: watch explicitly
            out = f(*args)
        if out is None:  # f is itself a gradient TF left as None (second order):
            return (None,) * len(sources)  # nothing reaches it, so nothing flows back
        # broadcast_to keeps the seed's bits exactly (no multiplication involved);
        # NONE keeps TF's own answer for a gradient that does not reach the output.
        grads = tape.gradient(out, sources, output_gradients=tf.broadcast_to(cotangent, tf.shape(out)),
                              unconnected_gradients=tf.UnconnectedGradients.NONE)
        return tuple(grads)

    def jvp(self, f, args, wrt, tangent):
        tf = self._require()
        primal = args[wrt]
        with tf.autodiff.ForwardAccumulator(primal, tf.broadcast_to(tangent, tf.shape(primal))) as acc:
            out = f(*args)
        return acc.jvp(out)  # None where the tangent does not reach the output

    def info(self):
        tf = self._require()
        gpus = tf.config.list_physical_devices("GPU")
        names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
        build = tf.sysconfig.get_build_info()
        return {
            "version": self.version(),
            "distribution": self.package,
            "devices": {"cpu": "cpu", **({"gpu": names[0]} if names else {})},
            "gpus": names,
            "threads": {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                        "inter_op": tf.config.threading.get_inter_op_parallelism_threads()},
            "flags": {"tensor_float_32_execution": tf.config.experimental.tensor_float_32_execution_enabled(),
                      "cuda_build": bool(build.get("is_cuda_build")),
                      "cuda_version": build.get("cuda_version")},
            "env": {k: os.environ[k] for k in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS",
                                               "CUDA_VISIBLE_DEVICES") if k in os.environ},
        }

    def compile_cache(self) -> str:
        """tf.function traces afresh in every process; XLA keeps compiled programs on disk
        only with TF_XLA_FLAGS=--tf_xla_persistent_cache_directory=DIR."""
        flags = os.environ.get("TF_XLA_FLAGS", "")
        if "--tf_xla_persistent_cache_directory=" not in flags:
            return "off: no XLA persistent cache (TF_XLA_FLAGS sets no --tf_xla_persistent_cache_directory)"
        folder = flags.split("--tf_xla_persistent_cache_directory=")[1].split()[0]
        files = sum(len(names) for _, _, names in os.walk(folder))
        return f"warm: {folder} holds {files} files" if files else f"cold: {folder} empty"


ADAPTER = TensorflowAdapter()
