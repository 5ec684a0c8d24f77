"""Framework version ranges of the expectations file (">=2.13,<2.14"), without
a dependency: versions compare by their release numbers; a local part
("2.13.0+cpu") and pre-release tags are ignored.

A range may end in a host condition, "@flag" or "@!flag" (">=0.10.2@avx512_fp16"):
the entry then holds only on hosts whose CPU has (or lacks) that instruction-set
extension (crossgrad.core.host), for the values XLA computes differently there."""
from __future__ import annotations

import operator
import re
from functools import lru_cache

_CLAUSE = re.compile(r"^(>=|<=|==|>|<)\s*(\d+(?:\.\d+)*)$")
_HOST = re.compile(r"^!?[a-z0-9_]+$")
HOST_MARK = "@"


def split_host(spec: str) -> tuple[str, str]:
    """">=0.10.2@!avx512_fp16" -> (">=0.10.2", "!avx512_fp16"); no condition -> (spec, "")."""
    versions, mark, condition = spec.partition(HOST_MARK)
    if mark and not _HOST.match(condition.strip()):
        raise ValueError(f"not a host condition: {condition!r} (use e.g. '@avx512_fp16' or '@!avx512_fp16')")
    return versions.strip(), condition.strip()


def with_host(versions: str, condition: str) -> str:
    return f"{versions}{HOST_MARK}{condition}" if condition else versions


def host_matches(spec: str, flags) -> bool:
    """Whether the spec's host condition holds for a CPU with these flags (none: always)."""
    condition = split_host(spec)[1]
    if not condition:
        return True
    return (condition.lstrip("!") in flags) != condition.startswith("!")


# A run has a handful of version texts and an expectations file a handful of ranges, read
# for each of its ~150,000 entries: each distinct text is parsed once (the results are tuples
# of tuples, never changed by a caller).
@lru_cache(maxsize=None)
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


@lru_cache(maxsize=None)
def parse_range(spec: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """">=2.13,<2.14" -> ((">=", (2, 13)), ("<", (2, 14))); "" or "*" is any version.
    A host condition is not part of the range (split_host)."""
    spec = split_host(spec)[0]
    if spec.strip() in ("", "*"):
        return ()
    clauses = []
    for part in spec.split(","):
        match = _CLAUSE.match(part.strip())
        if not match:
            raise ValueError(f"not a version range: {spec!r} (use e.g. '>=2.13,<2.14')")
        clauses.append((match.group(1), parse_version(match.group(2))))
    return tuple(clauses)


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
