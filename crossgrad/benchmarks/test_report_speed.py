"""`crossgrad report` of a run folder, timed beside pandas reading the same folder's
gradients.csv: the two share the group "report", so pytest-benchmark's table shows them
side by side (issue 19: the full catalogue's folder within 5 s and 400 MB, and at most
20 times pandas' read).

    pytest crossgrad/benchmarks/test_report_speed.py --benchmark-only \\
        --crossgrad-report-folder results/check-<id>     (a `crossgrad check` run folder)

The folder is copied first (a report rewrites its folder's derived files). The report
runs as a user types it, in its own process (interpreter and imports included). Its
peak memory goes into extra_info (ru_maxrss, MB): `peak_rss_mb` the report's process,
`drawing_peak_rss_mb` the process that draws a large run's summary picture beside it
(crossgrad.reporting.painter; 0 where none ran), and `both_peak_rss_mb_at_most` their sum,
an upper bound of the two together (their peaks need not fall at the same moment). Without --crossgrad-report-folder the
folder is the repository's results/sample, and these run only when timings are asked
for (a plain `pytest` would spend ~10 s on them); an installed crossgrad has no sample.
"""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crossgrad.benchmarks import options
from crossgrad.benchmarks.untimed import wants_timing
from crossgrad.core.run_folder import GRADIENTS, RECORDS, REPORT

SAMPLE = Path(__file__).resolve().parents[2] / "results" / "sample"


@pytest.fixture(scope="module")
def run_copy(request, tmp_path_factory) -> Path:
    given = options.report_folder(request.config)
    if not given and not wants_timing(request.config.option):
        pytest.skip("times the report of results/sample: run with --benchmark-only or --crossgrad-report-folder")
    source = Path(given) if given else SAMPLE
    if not (source / RECORDS).is_file():
        pytest.skip(f"{source} holds no {RECORDS} to rebuild a report from")
    copy = tmp_path_factory.mktemp("report") / source.name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".crossgrad.lock"))
    for path in (copy, *copy.rglob("*")):  # a read-only folder's copy is read-only too: the report rewrites it
        path.chmod(path.stat().st_mode | 0o200)
    return copy


# `crossgrad report FOLDER` as `python -m crossgrad` runs it, then its own and its
# children's peak memory (KB), on stderr's last line.
_MEASURED = ("import resource, sys\nfrom crossgrad.cli import main\ncode = main(sys.argv[1:])\n"
             "print(*(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)),"
             " file=sys.stderr)\nsys.exit(code)")


def _report(folder: Path) -> tuple[float, float]:
    """Runs the report; (its process's peak MB, its drawing process's peak MB)."""
    done = subprocess.run([sys.executable, "-c", _MEASURED, "report", str(folder)], check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    own, drawing = done.stderr.strip().splitlines()[-1].split()
    return int(own) / 1024, int(drawing) / 1024


@pytest.mark.benchmark(group="report")
def test_crossgrad_report(benchmark, run_copy):
    (run_copy / REPORT).unlink(missing_ok=True)
    own, drawing = benchmark.pedantic(_report, args=(run_copy,), rounds=3, iterations=1)
    benchmark.extra_info["rows"] = _rows(run_copy)
    benchmark.extra_info.update(peak_rss_mb=own, drawing_peak_rss_mb=drawing, both_peak_rss_mb_at_most=own + drawing)
    assert (run_copy / REPORT).read_text(encoding="utf-8").startswith("# crossgrad report")


@pytest.mark.benchmark(group="report")
def test_pandas_reads_gradients_csv(benchmark, run_copy):
    import pandas as pd

    if not (run_copy / GRADIENTS).is_file():
        _report(run_copy)
    frame = benchmark.pedantic(pd.read_csv, args=(run_copy / GRADIENTS,), rounds=5, iterations=1)
    benchmark.extra_info["rows"] = len(frame)
    assert len(frame) == _rows(run_copy) and "value" in frame


def _rows(folder: Path) -> int:
    """gradients.csv's rows (a quoted field may hold a newline: csv counts records, not lines)."""
    with open(folder / GRADIENTS, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1
