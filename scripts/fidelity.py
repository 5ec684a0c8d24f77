#!/usr/bin/env python
"""Fidelity of crossgrad's timing harness: its median against torch.utils.benchmark and timeit.

On the very callables the harness times (crossgrad.workloads.build_callable:
one compiled call, then the adapter's block), for each N it measures, in rounds
whose order rotates (so no method always runs on a warmer or cooler machine):
  - ours:   crossgrad.timing.measure(call).median  (default HarnessOptions)
  - Timer:  torch.utils.benchmark.Timer("call()").blocked_autorange(min_run_time).median,
            min_run_time = max(0.2 s (its default), min_samples calls): at 0.2 s a
            0.3 s call would leave Timer a single sample, a reference as noisy as the noise
  - timeit: timeit.Timer(call).autorange() loop count, 5 repeats, median per call
and prints, per N, ours/Timer and ours/timeit two ways:
  - paired: within each round the methods run back to back, so their ratio
    cancels the slow drift of a shared machine's load; the median over rounds
    drops the rounds a burst hit one method only. Its range shows how much the
    machine moved while the script ran. The verdict uses this figure.
  - quietest: each method's smallest median over the rounds, compared (load
    only ever slows a measurement; timeit's documentation argues the same for
    the min of repeats).
Target: ours/Timer within 5% for N >= 10^4. It also states the harness's own
per-call overhead: the median of an empty callable under the same harness.

    .venv/bin/python scripts/fidelity.py                   # torch eager + jax compiled, gradient
    .venv/bin/python scripts/fidelity.py --pairs torch:compiled --phase primal --rounds 5
    .venv/bin/python scripts/fidelity.py --clock process_time   # CPU time instead of wall time
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import torch  # noqa: E402,F401  (before TensorFlow: the other order can segfault; Timer needs it)
from torch.utils.benchmark import Timer  # noqa: E402

from crossgrad.registry import frameworks  # noqa: E402
from crossgrad.timing import HarnessOptions, measure  # noqa: E402
from crossgrad.workloads import CPU_SIZES, build_callable, device_inputs  # noqa: E402


CLOCK = time.perf_counter  # --clock process_time swaps it in all three methods


def ours(call, options, per_call) -> float:
    return measure(call, options, clock=CLOCK).median


def torch_timer(call, options, per_call) -> float:
    min_run_time = max(0.2, options.min_samples * per_call)
    timer = Timer("call()", globals={"call": call}, timer=CLOCK)
    return timer.blocked_autorange(min_run_time=min_run_time).median


def timeit_median(call, options, per_call) -> float:
    timer = timeit.Timer(call, timer=CLOCK)
    number, _ = timer.autorange()
    return statistics.median(timer.repeat(repeat=5, number=number)) / number


METHODS = {"ours": ours, "Timer": torch_timer, "timeit": timeit_median}


def compare(call, rounds: int, options) -> dict[str, list[float]]:
    """Medians per method and round; the order of the methods rotates each round."""
    call()  # first call (compile) out of every method's way
    per_call = timeit.timeit(call, number=1)
    names = list(METHODS)
    results: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            results[name].append(METHODS[name](call, options, per_call))
    return results


def report_line(n: int, res: dict[str, list[float]]) -> str:
    quiet = {name: min(values) for name, values in res.items()}
    vs_timer = [o / t for o, t in zip(res["ours"], res["Timer"])]
    vs_timeit = [o / t for o, t in zip(res["ours"], res["timeit"])]
    paired = statistics.median(vs_timer)
    mark = "" if n < 10**4 else ("  ok" if abs(paired - 1) <= 0.05 else "  OFF >5%")
    return (f"{n:>10} {statistics.median(res['ours']):11.4e} {statistics.median(res['Timer']):11.4e} "
            f"{statistics.median(res['timeit']):11.4e}   {paired:6.3f} [{min(vs_timer):.2f}..{max(vs_timer):.2f}] "
            f"{statistics.median(vs_timeit):7.3f}   {quiet['ours'] / quiet['Timer']:6.3f} "
            f"{quiet['ours'] / quiet['timeit']:7.3f}{mark}")


def harness_overhead(options) -> float:
    """Median seconds per call of an empty callable: what the harness adds to every call."""
    return statistics.median(measure(lambda: None, options, clock=CLOCK).median for _ in range(5))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", default="torch:eager,jax:compiled", help="framework:mode list")
    parser.add_argument("--phase", default="gradient", choices=("primal", "gradient"))
    parser.add_argument("--sizes", default=",".join(map(str, CPU_SIZES)))
    parser.add_argument("--rounds", type=int, default=7)
    # One thread by default: on a shared 2-core machine a parallel op waits for
    # its slowest thread, so another process's load hits every method at random;
    # fidelity is about the harness, not about thread scaling.
    parser.add_argument("--threads", type=int, default=1, help="framework threads (0: its default)")
    parser.add_argument("--block-time", type=float, default=None,
                        help="harness block_time in seconds (default: HarnessOptions's)")
    parser.add_argument("--clock", choices=("perf_counter", "process_time"), default="perf_counter",
                        help="process_time: CPU time of this process instead of wall time, for all "
                             "three methods (time spent preempted by other processes is not counted)")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = getattr(time, args.clock)
    options = HarnessOptions() if args.block_time is None else HarnessOptions(block_time=args.block_time)
    print(f"harness: {options}; clock: {args.clock}")
    print(f"harness overhead per call (empty callable): {harness_overhead(options) * 1e9:.1f} ns")
    for pair in args.pairs.split(","):
        name, mode = pair.split(":")
        adapter = frameworks()[name]
        adapter.load(threads=args.threads or None)
        print(f"\n{name} {adapter.version()} {mode}, relu {args.phase}, threads {args.threads or 'default'}, "
              f"{args.rounds} rounds; seconds: median over rounds")
        print(f"{'':>10} {'':>35}   {'paired ratio (median [range])':<30} {'quietest ratio':<15}")
        print(f"{'N':>10} {'ours s':>11} {'Timer s':>11} {'timeit s':>11}   {'/Timer':>6} {'':>12} "
              f"{'/timeit':>7}   {'/Timer':>6} {'/timeit':>7}")
        for n in (int(s) for s in args.sizes.split(",")):
            call = build_callable(adapter, "relu", args.phase, mode, device_inputs(adapter, "relu", n, "cpu"))
            print(report_line(n, compare(call, args.rounds, options)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
