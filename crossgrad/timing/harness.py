"""The timing harness: the one loop that times every workload (CLI, pytest, fidelity script).

`measure(fn, options)` times a zero-argument callable whose last act is the
adapter's `block(...)` (so asynchronous dispatch is never timed as finished
work), in three steps:

1. the first call alone (trace / compile / first allocation), reported apart;
2. calibration, with torch.utils.benchmark's blocked_autorange rule: the inner
   loop count grows 10x at a time until one block lasts at least `block_time`
   (10 ms) and an empty block (clock reads, loop set-up) costs at most
   `overhead_fraction` of it (these calls are warm-up and are discarded);
3. sampling: blocks of that many calls until `min_time` seconds and
   `min_samples` blocks are reached, or `max_time` seconds are spent.

Each block gives one raw sample, the mean per-call time within it; the summary
is median, IQR, min and the count. `noisy` flags IQR/median > 10%.
`cores_busy` (process CPU time / wall time over the sampling) says how many
cores the callable really kept busy, whatever thread count was asked for.

The harness's own cost per call is one iteration of a Python `for` loop plus
the call (tens of nanoseconds; scripts/fidelity.py measures it). No framework
is imported here.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import itertools
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

NOISY_THRESHOLD = 0.10  # IQR / median above this earns a warning in the report


@dataclass(frozen=True)
class HarnessOptions:
    """Knobs of `measure`. The defaults keep a full default sweep short on 2 cores:
    a fast callable gets ~min_time of samples, a slow one min_samples calls."""

    min_time: float = 0.2  # seconds of sampled blocks before stopping (Timer's default too)
    min_samples: int = 5  # blocks before stopping
    max_time: float = 1.5  # stop sampling past this, even below min_samples
    # Block size, blocked_autorange's rule: grow the inner loop 10x at a time
    # until a block lasts >= block_time and an empty block (the clock and loop
    # set-up) costs <= overhead_fraction of it. Why a 10 ms floor and not Timer's
    # min_time / 1000: Timer's empty block (timeit's machinery, ~0.6-0.85 us
    # here) makes its overhead test the binding one, so its blocks last 6-85 ms;
    # ours costs ~0.12 us, which under the same test gave blocks from 1.2 ms
    # (single 2 ms calls at N=1e6 where Timer timed ten at a time). On a
    # shared machine the median of short blocks skips interference that long
    # blocks average in (the median single call of jax's N=1e6 gradient was 9%
    # below the mean call), so block length alone put our medians 5-15% from
    # Timer's. A 10 ms floor gives blocks of the length Timer's have
    # (scripts/fidelity.py checks the agreement).
    block_time: float = 1e-2
    overhead_fraction: float = 1e-4
    growth: int = 10
    max_inner_loops: int = 1 << 30
    disable_gc: bool = True  # as timeit does: a collection is not the callable's cost
    # glibc malloc kept from handing freed memory back to the kernel (see
    # steady_malloc); the worker applies it before loading the framework.
    steady_malloc: bool = True

    @classmethod
    def from_dict(cls, values: dict | None) -> "HarnessOptions":
        """Options from a JSON-able dict (the worker's job); unknown keys are an error."""
        return cls(**(values or {}))


@dataclass
class Measurement:
    """What `measure` observed. Times are seconds per call."""

    first_call_s: float
    samples: list[float] = field(default_factory=list)
    inner_loops: int = 1
    wall_s: float = 0.0  # everything measure() spent, first call included
    stopped_early: bool = False  # max_time reached before min_samples
    # Process CPU time (all threads) / wall time over the sampling: how many cores
    # the callable kept busy. 1.0 for one thread; a spinning waiter counts too.
    cores_busy: float = math.nan

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def iqr(self) -> float:
        """Q3 - Q1 with linear interpolation (numpy's and torch's default)."""
        if len(self.samples) < 2:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q3 - q1

    @property
    def noisy(self) -> bool:
        return is_noisy(self.iqr, self.median)


def is_noisy(iqr: float, median: float) -> bool:
    """IQR/median > 10%; a zero or missing median counts as noisy (nothing to trust)."""
    if not median or math.isnan(median):
        return True
    return iqr / median > NOISY_THRESHOLD


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def steady_malloc() -> str:
    """Keep glibc's malloc from returning freed memory to the kernel; says what it did.

    By default glibc trims freed memory at the heap's top and maps big blocks
    fresh, so a call may page-fault its temporaries back in: 0 to 300 faults per
    torch N=1e6 relu gradient call here, ~2 us each, depending on the heap's
    layout, i.e. on what else the process allocated before. That state flips
    between measurements: one run timed torch's N=1e6 primal at 5.4 ms, 2.4x
    its gradient (which includes the primal). A high trim threshold and the
    largest mmap threshold (32 MiB) keep freed memory for reuse, as jemalloc
    or tcmalloc (PyTorch's CPU tuning guide) would. Arrays over 32 MiB are
    still mapped per call. No effect outside glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        ok = libc.mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 and libc.mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1
    except (OSError, AttributeError, TypeError):
        ok = False
    return "malloc: no trim, mmap threshold 32 MiB" if ok else "malloc: defaults (mallopt unavailable)"


def time_block(fn: Callable[[], Any], number: int, clock=time.perf_counter,
               disable_gc: bool = True) -> float:
    """Seconds for `number` back-to-back calls of fn (timeit's loop shape)."""
    loop = itertools.repeat(None, number)
    was_enabled = gc.isenabled()
    if disable_gc:
        gc.disable()
    try:
        t0 = clock()
        for _ in loop:
            fn()
        return clock() - t0
    finally:
        if was_enabled:
            gc.enable()


def calibrate(fn, options: HarnessOptions, clock=time.perf_counter) -> int:
    """Inner loop count for the sampled blocks (blocked_autorange's rule; see
    HarnessOptions). The blocks run here are warm-up and are discarded."""
    overhead = statistics.median(time_block(fn, 0, clock, options.disable_gc) for _ in range(5))
    number = 1
    while number < options.max_inner_loops:
        elapsed = time_block(fn, number, clock, options.disable_gc)
        if elapsed >= options.block_time and overhead <= options.overhead_fraction * elapsed:
            break
        if elapsed > options.min_time:  # one block already fills the sampling time
            break
        number = min(options.max_inner_loops, number * options.growth)
    return number


def sample(fn, number: int, options: HarnessOptions, clock=time.perf_counter) -> tuple[list[float], bool]:
    """Per-call times of successive blocks; True if max_time cut it short."""
    samples: list[float] = []
    total = 0.0
    while total < options.min_time or len(samples) < options.min_samples:
        elapsed = time_block(fn, number, clock, options.disable_gc)
        samples.append(elapsed / number)
        total += elapsed
        if total >= options.max_time:
            return samples, len(samples) < options.min_samples
    return samples, False


def measure(fn: Callable[[], Any], options: HarnessOptions | None = None,
            clock: Callable[[], float] = time.perf_counter,
            cpu_clock: Callable[[], float] = time.process_time) -> Measurement:
    """Time fn: first call apart, then calibrated blocks (see the module docstring)."""
    options = options or HarnessOptions()
    start = clock()
    first = time_block(fn, 1, clock, options.disable_gc)
    number = calibrate(fn, options, clock)
    wall0, cpu0 = clock(), cpu_clock()
    samples, stopped_early = sample(fn, number, options, clock)
    wall, cpu = clock() - wall0, cpu_clock() - cpu0
    return Measurement(first_call_s=first, samples=samples, inner_loops=number,
                       wall_s=clock() - start, stopped_early=stopped_early,
                       cores_busy=cpu / wall if wall > 0 else math.nan)
