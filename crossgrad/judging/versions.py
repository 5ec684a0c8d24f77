"""Framework version ranges of the expectations file (">=2.13,<2.14"), without
a dependency: versions compare by their release numbers; a local part
("2.13.0+cpu") and pre-release tags are ignored."""
from __future__ import annotations

import operator
import re

_CLAUSE = re.compile(r"^(>=|<=|==|>|<)\s*(\d+(?:\.\d+)*)$")


def parse_version(text: str) -> tuple[int, ...]:
    """Release numbers, trailing zeros dropped so that 2.13 == 2.13.0:
    "2.13.0+cpu" -> (2, 13); "2.14.0rc1" -> (2, 14); "0.10.2" -> (0, 10, 2)."""
    match = re.match(r"^\s*v?(\d+(?:\.\d+)*)", text or "")
    if not match:
        raise ValueError(f"not a version: {text!r}")
    parts = [int(part) for part in match.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def parse_range(spec: str) -> list[tuple[str, tuple[int, ...]]]:
    """">=2.13,<2.14" -> [(">=", (2, 13)), ("<", (2, 14))]; "" or "*" is any version."""
    if spec.strip() in ("", "*"):
        return []
    clauses = []
    for part in spec.split(","):
        match = _CLAUSE.match(part.strip())
        if not match:
            raise ValueError(f"not a version range: {spec!r} (use e.g. '>=2.13,<2.14')")
        clauses.append((match.group(1), parse_version(match.group(2))))
    return clauses


_HOLDS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


def version_matches(spec: str, version: str) -> bool:
    """Whether `version` lies in the range `spec`; an unknown version only in "*"."""
    clauses = parse_range(spec)
    try:
        v = parse_version(version)
    except ValueError:
        return not clauses
    return all(_HOLDS[op](v, bound) for op, bound in clauses)


def release(version: str) -> str:
    """The release a new entry opens at: major.minor, or major.minor.patch for 0.x
    versions (where a minor release is the breaking one; JAX is 0.x)."""
    try:
        parts = parse_version(version) + (0, 0)
    except ValueError:
        return ""
    return ".".join(str(p) for p in parts[:3 if parts[0] == 0 else 2])
