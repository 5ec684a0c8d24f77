"""Which framework primitive a case actually used: the spelling is part of the result."""
from __future__ import annotations


class RecordingOps:
    """Wraps an adapter's `ops` and remembers which ops a case touched, in order.

    `describe()` gives their spellings (`ops.spelling[name]`), e.g. "torch.relu",
    so the report can name the primitive behind every value.
    """

    def __init__(self, ops):
        self._ops = ops
        self._used: list[str] = []

    def __getattr__(self, name):
        value = getattr(self._ops, name)
        if callable(value) and name not in self._used:
            self._used.append(name)
        return value

    def describe(self) -> str:
        """The framework calls used, e.g. "torch.maximum, torch.zeros_like"."""
        spelling = getattr(self._ops, "spelling", {})
        return ", ".join(call_name(spelling.get(name, name)) for name in self._used)


def call_name(template: str) -> str:
    """The callable's name in a spelling template: "torch.clamp({0}, min={1})" -> "torch.clamp"."""
    head = template.split("(", 1)[0].strip()
    return head if head and "{" not in head else template
