"""What a run computes: tasks (one compiled unit per framework) and the quantities of each.

A task is framework x case x dtype x device x mode; the worker compiles each
derivative function once per task and reuses it across points and seeds, which
are passed as arrays so nothing recompiles per value.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from crossgrad.core.rows import RowKey

DEFAULT_SEEDS = (1.0, -1.0)


@dataclass(frozen=True)
class Task:
    framework: str
    case: str
    dtype: str
    device: str
    mode: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Quantity:
    """One recorded derivative: `seed` is the cotangent (reverse, second) or
    the tangent on `wrt` (forward); the primal value has ad "none", no seed."""

    point: str
    ad: str
    wrt: str = ""
    seed: float | None = None

    def row_key(self, task: Task) -> RowKey:
        """The key its rows carry when `task` computes it (core.rows.RowKey.quantity)."""
        seed = "" if self.seed is None else repr(float(self.seed))
        return RowKey(task.framework, task.mode, task.device, task.dtype, task.case,
                      self.point, self.ad, seed, self.wrt, 0)


def quantities(case, points: tuple[str, ...] | None = None, seeds=DEFAULT_SEEDS,
               dtype: str | None = None, scope: str = "full") -> list[Quantity]:
    """Every quantity of `case` at the selected points (those that exist in
    `dtype`, and that the run's scope keeps: cases.scope), in report order.

    second is d/dw (cotangent * da/dw): second order in w, as the atlas asks.
    """
    from crossgrad.cases.scope import point_in_scope  # here: `crossgrad --help` reads RunConfig's defaults only

    out = []
    for p in case.points:
        if (points and p.name not in points) or (dtype and dtype not in p.dtypes):
            continue
        if not point_in_scope(scope, case, p.name):
            continue
        out.append(Quantity(p.name, "none"))
        for ad in ("reverse", "forward"):
            out += [Quantity(p.name, ad, wrt, s) for s in seeds for wrt in case.wrt]
        if "w" in case.wrt:
            out += [Quantity(p.name, "second", "w", s) for s in seeds]
    return out


@dataclass(frozen=True)
class RunConfig:
    frameworks: tuple[str, ...]
    cases: tuple[str, ...]
    modes: tuple[str, ...]
    devices: tuple[str, ...]
    dtypes: tuple[str, ...]
    points: tuple[str, ...] = ()
    seeds: tuple[float, ...] = DEFAULT_SEEDS
    scope: str = "full"  # cases.scope: "quick" computes a stated subset of the catalogue
    timeout: float = 300.0
    threads: int | None = None
    # The interpreter the workers run under ("": crossgrad's own). Another
    # environment, holding another release of the framework, needs only the
    # framework and NumPy: crossgrad's code reaches it on PYTHONPATH
    # (crossgrad.running.worker_path), the supervisor and the records stay here.
    python: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def tasks_for(config: RunConfig, framework: str, modes_supported: tuple[str, ...], catalogue: dict) -> list[Task]:
    """Tasks of one framework: modes it lacks are left out, not failed; so are the
    cases that belong to other frameworks or modes (Case.runs_on: a spelling variant,
    a case limited to the frameworks or modes that have its op) and
    what the run's scope leaves out (cases.scope). `catalogue`: name -> Case."""
    from crossgrad.cases.scope import in_scope

    return [
        Task(framework, name, dt, dev, m)
        for name, case in catalogue.items()
        for dt in config.dtypes if dt in case.dtypes
        for dev in config.devices
        for m in config.modes if m in modes_supported and case.runs_on(framework, m)
        and in_scope(config.scope, case, dt, m)
    ]
