"""What an adapter must have, and its optional facts with their defaults, in one place.

crossgrad.core.registry applies `complete` once to every adapter it registers
(built-in or from an entry point): a missing required attribute is one clear
error there, and each optional fact the adapter does not declare is set to its
default, so the rest of crossgrad reads every fact as a plain attribute (never
`getattr(adapter, fact, its own default)`). The contract itself is documented
in crossgrad/adapter.py and docs/adapters.md (tests/test_contract.py keeps the
docs' table of defaults equal to OPTIONAL).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from crossgrad.core.op_table import UnsupportedOp

# Attributes and methods every adapter has (crossgrad.adapter.Adapter documents each).
# `jvp` too, unless the adapter declares forward_mode = False.
REQUIRED = ("name", "modes", "op_table", "version", "load", "namespace", "devices", "ops", "asarray",
            "to_numpy", "block", "vjp", "compile", "info")


@dataclass(frozen=True)
class Fact:
    """An optional fact: its default and what it says. Where `shown` is given,
    `default` is a function of the adapter giving the value (a method bound to
    this adapter, a text with its name), and `shown` is how the docs write it."""

    default: Any
    says: str
    shown: str = ""

    @property
    def computed(self) -> bool:
        return bool(self.shown)

    def text(self) -> str:
        """The default as docs/adapters.md writes it."""
        return self.shown or repr(self.default)


def _vjp_only(adapter) -> Callable:
    return lambda: {"vjp": adapter.vjp}


def _no_custom_relu(adapter) -> Callable:
    def relu_with_derivative_at_zero(value):
        raise UnsupportedOp(f"{adapter.name} has no relu_with_derivative_at_zero")
    return relu_with_derivative_at_zero


def _no_forward_mode(adapter) -> Callable:
    def jvp(f, args, wrt, tangent):
        raise UnsupportedOp(declared_absent(adapter, "forward"))
    return jvp


OPTIONAL = {
    "dtypes": Fact(("float32", "float64"), "the DTYPE_NAMES asarray/to_numpy carry bit for bit; another "
                   "dtype's rows are `unsupported`"),
    "install_hint": Fact(lambda adapter: f"pip install {adapter.name}", "how to install the framework, "
                         "shown where it is missing", shown='"pip install <name>"'),
    "aliases": Fact({}, "other spellings people write for an op: {op: (template, ...)}"),
    "synonyms": Fact((), "other names for the framework on the command line (\"pytorch\")"),
    "device_names": Fact(("cpu", "gpu"), "every name devices() may return on some machine; "
                         "--devices accepts these (no framework imported to check them)"),
    "forward_mode": Fact(True, "False: the framework has no forward mode; forward rows are "
                         "`unsupported` (\"<name> declares no forward mode\"), jvp is never called"),
    "second_order": Fact(True, "False: a vjp cannot be differentiated again; second-order rows are "
                         "`unsupported` (\"<name> declares no second order\")"),
    "flushes_subnormals": Fact(False, "subnormal inputs and results read as 0 on the CPU"),
    "known_differences": Fact((), "KnownDifference entries: where an op differs from the "
                              "catalogue's truth by the framework's own rule"),
    "costly_modes": Fact((), "modes whose first call per function costs seconds"),
    "import_first": Fact((), "modules imported before the framework when one process holds several"),
    "snippets": Fact(None, "Snippets: the text of repro snippets (None: no snippet)"),
    "gradient_apis": Fact(_vjp_only, "{label: fn(f, args, wrt, cotangent) -> tuple}: the reverse-mode "
                          "APIs people write, each timed", shown='lambda: {"vjp": adapter.vjp}'),
    "notes": Fact(lambda adapter: lambda: "", "what the compiler did that a reader must know, "
                  "after each compiled group (lands in `detail`)", shown='lambda: ""'),
    "compile_cache": Fact(lambda adapter: lambda: "not reported", "the on-disk compile cache's state "
                          "(cold/warm/off), read without importing the framework",
                          shown='lambda: "not reported"'),
    "relu_with_derivative_at_zero": Fact(_no_custom_relu, "fn(value): relu with relu'(0) = value "
                                         "(crossgrad consequence)", shown="raises UnsupportedOp"),
    "network_ops": Fact({}, "{name: template}: log_softmax, sum_rows, mean, count_zeros, argmax_rows, the "
                        "calls beyond operators crossgrad consequence's network needs ({}: none)"),
}

ABSENT_AD = {"forward": ("forward_mode", "forward mode"), "second": ("second_order", "second order")}


class ContractError(ValueError):
    """An adapter lacks a required attribute, or cannot take an optional fact's default."""


def declares(adapter, name: str) -> bool:
    """Whether the adapter (its class or the object itself) defines `name`; a
    property is not called (an adapter's `ops` exists only after load())."""
    return (name in getattr(adapter, "__dict__", {})
            or any(name in vars(klass) for klass in type(adapter).__mro__ if klass is not object))


def missing_required(adapter) -> list[str]:
    needed = REQUIRED + (("jvp",) if getattr(adapter, "forward_mode", OPTIONAL["forward_mode"].default) else ())
    return [name for name in needed if not declares(adapter, name)]


def complete(adapter):
    """The adapter, every optional fact it does not declare set to its default
    (a method default bound to this adapter); ContractError names what is missing."""
    missing = missing_required(adapter)
    if missing:
        raise ContractError(f"adapter {getattr(adapter, 'name', adapter)!r} lacks required "
                            f"{', '.join(missing)} (crossgrad.adapter.Adapter; docs/adapters.md)")
    return apply_defaults(adapter)


def apply_defaults(adapter):
    """Set each optional fact the adapter does not declare to its default (complete()
    without the check of the required members: a test's partial stand-in uses it)."""
    defaults = {name: fact.default(adapter) if fact.computed else _fresh(fact.default)
                for name, fact in OPTIONAL.items() if not declares(adapter, name)}
    if not declares(adapter, "jvp"):  # forward_mode is False: jvp is never called, yet says why
        defaults["jvp"] = _no_forward_mode(adapter)
    for name, value in defaults.items():
        try:
            setattr(adapter, name, value)
        except (AttributeError, TypeError) as exc:
            raise ContractError(f"adapter {adapter.name!r} has no {name} and cannot take its default "
                                f"({exc}): declare it") from None
    return adapter


def _fresh(value):
    """A copy of a mutable default, so no two adapters share one dict."""
    return dict(value) if isinstance(value, dict) else value


def declared_absent(adapter, ad: str) -> str:
    """Why the adapter computes no `ad` rows ("tinygrad declares no forward mode"), or ""."""
    fact, words = ABSENT_AD.get(ad, (None, ""))
    if fact is None or getattr(adapter, fact):
        return ""
    return f"{adapter.name} declares no {words}"
