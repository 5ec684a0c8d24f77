"""Which worker computes which value tasks: a framework's tasks (value_tasks) dealt into
workers (shards, _dealt), the costliest frameworks started first (heaviest_first).
crossgrad.running.runner.execute runs the workers this deals."""
from __future__ import annotations

from collections import Counter

from crossgrad.core.registry import frameworks
from crossgrad.running.plan import RunConfig, tasks_for


def value_tasks(config: RunConfig, cases: dict) -> dict[str, list[dict]]:
    """framework -> its value tasks (dicts) of the configured cases (`cases`: name -> Case)."""
    catalogue = {name: cases[name] for name in config.cases}
    return {fw: [t.to_dict() for t in tasks_for(config, fw, frameworks()[fw].modes, catalogue)]
            for fw in config.frameworks}


# Tasks a run needs before each framework's values are dealt into two workers:
# a second worker costs a framework import (seconds), worth it only for a long run.
SHARD_FROM = 100


def shards(per_framework: dict[str, list[dict]], parts: int, heavy: tuple = ()) -> list[tuple[str, int, list[dict]]]:
    """(framework, shard, tasks): each framework's value tasks dealt into `parts`
    workers, every other task of each mode to the next (_dealt), so each gets its
    share of the costly (compiled) tasks. Every shard of the `heavy` frameworks
    starts first, in that order, then the first shards of the others. With more
    workers than cores, no framework is left computing alone at the end while a
    core idles."""
    light = [fw for fw in per_framework if fw not in heavy]
    out = [(fw, i, _dealt(per_framework[fw], parts, i)) for fw in heavy if fw in per_framework for i in range(parts)]
    out += [(fw, i, _dealt(per_framework[fw], parts, i)) for i in range(parts) for fw in light]
    return [(fw, i, tasks) for fw, i, tasks in out if tasks]


def _dealt(tasks: list[dict], parts: int, shard: int) -> list[dict]:
    """Shard `shard`'s tasks, in plan order: every `parts`-th task of each mode. Dealing
    every other task regardless of mode gave one of torch's two workers all 296
    compiled tasks of the full catalogue (its tasks alternate eager, compiled)."""
    seen: Counter = Counter()
    mine = []
    for task in tasks:
        if seen[task["mode"]] % parts == shard:
            mine.append(task)
        seen[task["mode"]] += 1
    return mine


def heaviest_first(per_framework: dict[str, list[dict]]) -> tuple[str, ...]:
    """The frameworks whose values cost most, costliest first: an empty compile
    cache (the adapter's compile_cache(), which reads folders and imports
    nothing: with only the quick scope's kernels cached, MLX compiled spent 344 s of CPU in its compiler over the
    whole catalogue here, 2026-12-07), then the most tasks that
    compile in the adapter's costly_modes (torch.compile, XLA). An eager task
    compiles nothing: tinygrad declares eager costly for its per-call cost (the
    property tests leave it out), and counting its eager tasks put it first
    ahead of torch, whose compiled tasks are the full check's long pole."""
    adapters = frameworks()

    def cold(name) -> bool:
        return str(adapters[name].compile_cache()).startswith("cold")

    def costly(name) -> int:
        modes = set(adapters[name].costly_modes) - {"eager"}
        return sum(t["mode"] in modes for t in per_framework[name])

    heavy = [n for n in per_framework if cold(n) or costly(n)]
    return tuple(sorted(heavy, key=lambda n: (not cold(n), -costly(n))))
