"""PyTorch adapter. The contract lives in crossgrad/adapter.py; this module only
says where PyTorch needs a choice. torch is imported by `load()`, never here."""
from __future__ import annotations

import os

import numpy as np
from crossgrad.adapter_kit import bfloat16_bits, bfloat16_from_bits, cache_state, files_in
from crossgrad.adapter import Snippets, ops_from_table
from crossgrad.frameworks._shared import LazyFramework, leaves, with_args

# The one op table (format: crossgrad/adapter.py): each op's call over its
# positional arguments, with torch's usual aliases; None where torch has none.
OPS = {
    "relu": "torch.relu({0})",
    # torch.maximum takes tensors only: a Python constant becomes one of z's dtype.
    "maximum": "torch.maximum({0}, torch.as_tensor({1}, dtype={0}.dtype, device={0}.device))",
    "clip": "torch.clamp({0}, min={1})",
    "where": "torch.where({0}, {1}, {2})",
    "zeros_like": "torch.zeros_like({0})",
    "abs": "torch.abs({0})",
    "leaky_relu": "F.leaky_relu({0}, {1})",
    "relu6": "F.relu6({0})",
    "hardtanh": "F.hardtanh({0})",
    "elu": "F.elu({0})",
    "gelu": "F.gelu({0})",  # default approximate='none': the exact erf form
    "softplus": "F.softplus({0})",
    "sqrt": "torch.sqrt({0})",
    "norm": "torch.linalg.vector_norm({0})",
    "max": "torch.max({0})",  # full reduction; torch.amax is the same kernel family
    "concat": "torch.cat([{0}, {1}])",
    "sign": "torch.sign({0})",
    "floor": "torch.floor({0})",
    # The notebook's `z[:] = 0.` as an expression: the in-place write, then z.
    "zero_fill": "{0}.__setitem__(slice(None), 0.) or {0}",
    "gelu_exact": "F.gelu({0}, approximate='none')",
    "minimum": "torch.minimum({0}, torch.as_tensor({1}, dtype={0}.dtype, device={0}.device))",
    "min": "torch.min({0})",
    "max_axis": "torch.max({0}, dim=0).values",
    "min_axis": "torch.min({0}, dim=0).values",
    "max_pool": "F.max_pool1d({0}[None], kernel_size=2, stride=2)[0]",
    "topk": "torch.topk({0}, {1}).values",
    "argmax_gather": "{0}[torch.argmax({0})]",
    "sum": "torch.sum({0})",
    "exp": "torch.exp({0})",
    "log": "torch.log({0})",
    "logsumexp": "torch.logsumexp({0}, dim=0)",
    "softmax": "torch.softmax({0}, dim=0)",
    "xlogy": "torch.xlogy({0}, {1})",
    "div_no_nan": None,
    "mul_no_nan": None,
    "nan_to_num": "torch.nan_to_num({0})",
    "euclidean_norm": None,
    "arange_like": "torch.arange(1, {0}.shape[0] + 1, dtype={0}.dtype, device={0}.device)",
    "divide": "torch.divide({0}, {1})",
    "ceil": "torch.ceil({0})",
    "neg": "torch.neg({0})",
    "frac": "torch.frac({0})",
    "atan2": "torch.atan2({0}, {1})",
    "argmax": "torch.argmax({0})",
    "argmin": "torch.argmin({0})",
    "clip_range": "F.hardtanh({0}, {1}, {2})",
    "threshold": "F.threshold({0}, {1}, {2})",
}


# Other spellings people write for the same function (the spelling comparison).
ALIASES = {
    "relu": ("F.relu({0})", "torch.clamp_min({0}, 0.)", "torch.clamp({0}, min=0.)",
             "torch.maximum({0}, torch.zeros_like({0}))", "torch.where({0} > 0, {0}, 0.)"),
    "maximum": ("torch.max({0}, {1})", "torch.fmax({0}, {1})"),
    "minimum": ("torch.min({0}, {1})", "torch.fmin({0}, {1})"),
    "max": ("torch.amax({0})", "{0}.max()"),
    "min": ("torch.amin({0})", "{0}.min()"),
    "max_axis": ("torch.amax({0}, dim=0)",),
    "norm": ("torch.norm({0})", "torch.sqrt(torch.sum({0} ** 2))"),
    "softmax": ("F.softmax({0}, dim=0)",),
}

SNIPPETS = Snippets(
    imports="import torch\nimport torch.nn.functional as F",
    array="torch.tensor([{value}], dtype=torch.{dtype})",
    full_like="torch.full_like({like}, {value})",
    pullback=("out, pullback = torch.func.vjp(lambda {wrt}: {fn}(x, w, b), {wrt})",
              "return pullback({cotangent})[0]"),
    pushforward=("return torch.func.jvp(lambda {wrt}: {fn}(x, w, b), ({wrt},), ({tangent},))[1]",),
    flatten="result.reshape(-1)[{index}].item()",
    # Default backend (inductor). dynamic=False: shapes never change within a
    # task, and static shapes keep the compiled kernels simple.
    wrap={"compiled": "torch.compile({0}, dynamic=False)"},
)


def _namespace(torch):
    """The names the templates use, as people import them."""
    return {"torch": torch, "F": torch.nn.functional}


def _autograd_grad(torch, f, args, wrt, cotangent):
    """torch.autograd.grad, as most PyTorch code asks for gradients: fresh leaves
    that require grad; allow_unused gives None where nothing reaches the output."""
    full = list(args)
    for i in wrt:
        full[i] = args[i].detach().requires_grad_(True)
    out = f(*full)
    return tuple(torch.autograd.grad(out, [full[i] for i in wrt], torch.broadcast_to(cotangent, out.shape),
                                     create_graph=True, allow_unused=True))


class TorchAdapter(LazyFramework):
    name = "torch"
    synonyms = ("pytorch", "pt")  # what people also type on the command line
    package = "torch"
    install_hint = "pip install torch"
    modes = ("eager", "compiled")
    dtypes = ("float32", "float64", "bfloat16", "float16")
    op_table = OPS
    aliases = ALIASES
    snippets = SNIPPETS
    # Facts the tests read (crossgrad.adapter.Adapter): subnormals are kept on
    # CPU; torch.compile's first call per function costs seconds.
    flushes_subnormals = False
    known_differences = ()
    costly_modes = ("compiled",)
    # The calls beyond operators a small classifier needs (crossgrad consequence's
    # network), spelled over namespace(); see the Adapter protocol.
    network_ops = {
        "log_softmax": "torch.log_softmax({0}, dim=1)",
        "sum_rows": "torch.sum({0}, dim=1)",
        "mean": "torch.mean({0})",
        "count_zeros": "torch.count_nonzero({0} == 0)",
        "argmax_rows": "torch.argmax({0}, dim=1)",
    }

    def load(self, *, threads: int | None = None) -> None:
        """float64 needs no switch in torch."""
        import torch

        self._module = torch
        # TF32 would round float32 matmuls/convs on Ampere+ GPUs: compare true float32.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        if threads:
            torch.set_num_threads(threads)
        self._raise_recompile_limit(torch)
        self._ops = ops_from_table(self.name, OPS, self.namespace())

    def compile(self, f, mode):
        """torch.compile(f) in a fresh dynamo state. Dynamo keeps state per code
        object, and every task's derivative functions share code objects
        (crossgrad.running.derivatives): once a case's transform hit a graph break
        (relu_python's `if` on a tensor), dynamo marked those code objects to be
        skipped, so every later task in the worker ran reverse, forward and second
        eagerly, counted no graph break, and recorded eager values as compiled.
        torch._dynamo.reset() forgets it; each task recompiles anyway."""
        if mode != "eager":
            self._require()._dynamo.reset()
        return super().compile(f, mode)

    @staticmethod
    def _raise_recompile_limit(torch):
        # Dynamo caches per code object: every task's derivative functions share
        # code objects (crossgrad.running.derivatives), differing in closures and dtypes, so
        # each task recompiles. Past the default limit (8) torch.compile silently
        # runs the function eagerly; a "compiled" row would then be an eager one.
        import torch._dynamo.config as config

        for key in ("recompile_limit", "cache_size_limit"):
            if hasattr(config, key):
                setattr(config, key, 4096)
        for key in ("accumulated_recompile_limit", "accumulated_cache_size_limit"):
            if hasattr(config, key):
                setattr(config, key, 1 << 16)

    def relu_with_derivative_at_zero(self, value: float):
        """torch.relu with derivative `value` at exactly 0 (either sign), by
        torch.autograd.Function (the functorch form: torch.func transforms it).
        Elsewhere torch's own rule: a select, +0 where z < 0."""
        torch = self._require()

        class ReluAtZero(torch.autograd.Function):
            @staticmethod
            def forward(z):
                return torch.relu(z)

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(inputs[0])

            @staticmethod
            def backward(ctx, g):
                (z,) = ctx.saved_tensors
                return torch.where(z > 0, g, torch.where(z == 0, g * value, torch.zeros_like(g)))

        return ReluAtZero.apply

    def namespace(self) -> dict:
        return _namespace(self._require())

    def devices(self):
        return ("cpu", "gpu") if self._require().cuda.is_available() else ("cpu",)

    def asarray(self, value, device):
        torch = self._require()
        array, target = np.asarray(value), "cuda" if device == "gpu" else "cpu"
        bf16 = bfloat16_bits(value)
        if bf16 is not None:  # torch.tensor refuses ml_dtypes' bfloat16: its bits
            return torch.tensor(bf16.view(np.int16), device=target).view(torch.bfloat16)
        # torch.tensor copies, keeping dtype and every bit (the sign of zero too).
        return torch.tensor(array, device=target)

    def to_numpy(self, x):
        # A gradient may be a ZeroTensor (abs's backward), which .numpy() refuses;
        # clone() materialises it. .numpy() would share memory on CPU; clone doesn't.
        x = x.detach().clone().cpu()
        if x.dtype == self._require().bfloat16:  # NumPy's bfloat16 is ml_dtypes': same bits
            return bfloat16_from_bits(x.view(self._module.int16).numpy().view(np.uint16))
        return x.numpy()

    def gradient_apis(self) -> dict:
        torch = self._require()
        return {"torch.func.vjp": self.vjp,
                "torch.autograd.grad": lambda f, args, wrt, cot: _autograd_grad(torch, f, args, wrt, cot)}

    def block(self, tree):
        torch = self._require()
        if any(t.is_cuda for t in leaves(tree) if isinstance(t, torch.Tensor)):
            torch.cuda.synchronize()  # CUDA kernels run asynchronously
        return tree

    def vjp(self, f, args, wrt, cotangent):
        # torch.func.vjp is a pure transform, differentiable again (second order)
        # and traced by torch.compile; .backward() would accumulate into .grad.
        torch = self._require()
        out, pullback = torch.func.vjp(with_args(f, args, wrt), *(args[i] for i in wrt))
        # broadcast_to keeps the seed's bits exactly (no multiplication involved).
        return tuple(pullback(torch.broadcast_to(cotangent, out.shape)))

    def jvp(self, f, args, wrt, tangent):
        torch = self._require()
        primal = args[wrt]
        _, tangent_out = torch.func.jvp(with_args(f, args, (wrt,)), (primal,),
                                        (torch.broadcast_to(tangent, primal.shape),))
        return tangent_out

    def notes(self) -> str:
        """Graph breaks since the last call: torch.compile runs the code around a
        break uncompiled, so a "compiled" value may come partly from eager."""
        from torch._dynamo.utils import counters

        breaks = sum(counters["graph_break"].values())
        counters["graph_break"].clear()
        return f"torch.compile: {breaks} graph break(s), partly run eagerly" if breaks else ""

    def info(self):
        torch = self._require()
        gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        return {
            "version": self.version(),
            "devices": {"cpu": "cpu", **({"gpu": gpus[0]} if gpus else {})},
            "gpus": gpus,
            "threads": {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()},
            "flags": {
                "cuda_matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
                "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
                "cuda_version": torch.version.cuda,
            },
            "env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                               "CUDA_VISIBLE_DEVICES") if k in os.environ},
        }

    def compile_cache(self) -> str:
        """State of inductor's on-disk cache before this process compiles (no torch import):
        a warm cache makes torch.compile's first call much cheaper. TORCHINDUCTOR_CACHE_DIR
        moves the cache but not inductor's precompiled C++ header (built once per compiler
        and flags, seconds of g++), which stays in the default folder: then named too."""
        import getpass
        import tempfile

        default = os.path.join(tempfile.gettempdir(), f"torchinductor_{getpass.getuser()}")
        folder = os.environ.get("TORCHINDUCTOR_CACHE_DIR") or default
        state = cache_state("inductor cache", folder, files_in(folder))
        if os.path.abspath(folder) == os.path.abspath(default):
            return state
        headers = os.path.join(default, "precompiled_headers")
        return f"{state}; precompiled headers {headers}: {files_in(headers)} files"


ADAPTER = TorchAdapter()
