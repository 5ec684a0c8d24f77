"""The release grid (releases.toml): which framework releases the history measures.

Read by the nox session `history`, by the script that writes the CI workflow, and
by the tests; standard library only, so the noxfile can import it before any
environment exists. A cell is one framework release: one environment, one run folder.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

GRID = Path(__file__).with_name("releases.toml")
# The distribution whose exact pin names a cell's release, per crossgrad framework.
PACKAGE = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow-cpu", "mlx": "mlx"}
SPEC = re.compile(r"^(?P<package>[A-Za-z0-9_.-]+)(?:\[[A-Za-z0-9_,.-]+\])?==(?P<version>[A-Za-z0-9_.+-]+)$")


class GridError(ValueError):
    """releases.toml says something the grid cannot be built from."""


@dataclass(frozen=True)
class Cell:
    framework: str  # crossgrad's name: torch, jax, tensorflow, mlx
    spec: str  # what the installer is given: "jax[cpu]==0.4.13"

    @property
    def version(self) -> str:
        return SPEC.match(self.spec)["version"]

    @property
    def slug(self) -> str:
        """The cell's folder name: "jax-0.4.13"."""
        return f"{self.framework}-{self.version}"


def cells(path: Path = GRID) -> list[Cell]:
    """Every cell, framework by framework, each framework's releases in the file's order."""
    try:
        table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GridError(f"cannot read the release grid {str(path)!r}: {exc}") from None
    out = []
    for framework, entry in table.items():
        if framework not in PACKAGE:
            raise GridError(f"{path}: unknown framework {framework!r}; valid: {', '.join(PACKAGE)}")
        out += [checked(Cell(framework, spec), path) for spec in entry.get("releases", [])]
    return out


def checked(cell: Cell, path) -> Cell:
    """A cell whose spec pins its framework's own package exactly (one release, one cell)."""
    match = SPEC.match(cell.spec) if isinstance(cell.spec, str) else None
    if not match or match["package"].lower() != PACKAGE[cell.framework]:
        raise GridError(f"{path}: {cell.spec!r} under [{cell.framework}] is not an exact pin "
                        f"of {PACKAGE[cell.framework]} (e.g. {PACKAGE[cell.framework]}==1.2.3)")
    return cell


def frameworks_of(grid: list[Cell]) -> list[str]:
    return list(dict.fromkeys(c.framework for c in grid))
