"""crossgrad in a library's own pytest suite (opt-in plugin).

conftest.py:

    pytest_plugins = ["crossgrad.testing"]

a test module, one line per case:

    from crossgrad.testing import case_benchmarks, case_tests

    test_squareplus = case_tests("squareplus", cases_from="../squareplus_cases.py",
                                 expectations="../expectations.csv")
    test_squareplus_speed = case_benchmarks("squareplus", cases_from="../squareplus_cases.py")

(paths relative to the test module). case_tests gives one test per quantity
(point x ad x wrt x seed) per framework x mode x dtype, with ids such as
`squareplus-kink-jax-compiled-reverse-b`; a test fails when its value departs
from the expectations file (the format of crossgrad's cases/expectations.csv:
the values whose verdict is not exact/close, or every value of a case without
a stated truth), and the message carries the diff and a repro snippet.
`pytest --crossgrad-update` accepts the results after review: the tests pass
and the expectations file is rewritten at the end of the session.
The same marker spells it without the helper:

    @pytest.mark.crossgrad_case("squareplus", cases_from=..., expectations=...)
    def test_squareplus(crossgrad_quantity, crossgrad_values): crossgrad_values(crossgrad_quantity)

Values come from crossgrad's runner (crossgrad.running.case_session says why).
case_benchmarks times the case through pytest-benchmark's `benchmark` fixture,
in-process, the adapter's block() inside the timed call
(crossgrad.running.case_benchmark). Importing this module imports no framework.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crossgrad.benchmarks.options import add_options
from crossgrad.core.registry import frameworks
from crossgrad.catalogue import load_catalogue
from crossgrad.core.user_cases import CaseSourceError
from crossgrad.running.case_benchmark import run_benchmark, TimedCase
from crossgrad.running.case_session import CaseSession, QuantityId, Selection
from crossgrad.running.plan import quantities

_SESSION_KEY = pytest.StashKey[CaseSession]()


def pytest_addoption(parser):
    group = parser.getgroup("crossgrad")
    group.addoption("--crossgrad-update", action="store_true",
                    help="accept crossgrad's results: rewrite the expectations files (review with git diff)")
    group.addoption("--crossgrad-host-specific", default="", metavar="FLAG",
                    help="with --crossgrad-update: what changed holds only on hosts on this machine's side of the "
                         "CPU flag FLAG (e.g. avx512_fp16), the old values on the other side")
    group.addoption("--crossgrad-frameworks", default=None, metavar="torch,jax,...",
                    help="only these frameworks in crossgrad_case tests (default: every installed one)")
    add_options(parser)


def pytest_configure(config):
    config.addinivalue_line("markers", "crossgrad_case(case, cases_from=None, expectations=None, frameworks=None, "
                                       "modes=None, dtypes=None, devices=('cpu',)): one test per quantity of a case")
    config.addinivalue_line("markers", "crossgrad_benchmark(case, cases_from=None, frameworks=None, modes=None, "
                                       "ads=('none', 'reverse'), point=None): time a case per framework")


def case_tests(case: str, *, cases_from=None, expectations=None, **selection):
    """A test function: one test per quantity of `case` (see the module docstring)."""
    @pytest.mark.crossgrad_case(case, cases_from=cases_from, expectations=expectations, **selection)
    def test(crossgrad_quantity, crossgrad_values):
        crossgrad_values(crossgrad_quantity)

    test.__name__ = f"test_{case}"
    return test


def case_benchmarks(case: str, *, cases_from=None, **selection):
    """A benchmark test function: `case` timed per framework x mode x ad (crossgrad.running.case_benchmark)."""
    @pytest.mark.crossgrad_benchmark(case, cases_from=cases_from, **selection)
    def test(crossgrad_timed, benchmark):
        run_benchmark(crossgrad_timed, benchmark)

    test.__name__ = f"test_{case}_speed"
    return test


# --- collection ---------------------------------------------------------------------


def _paths(value, here: Path) -> tuple[str, ...]:
    if not value:
        return ()
    items = [value] if isinstance(value, (str, Path)) else list(value)
    return tuple(str((here / p).resolve()) for p in items)


def _load(case: str, case_files: tuple[str, ...]):
    """The Case, from the installed cases and the test file's case files (its
    Selection carries them, so the case's run and its workers load them too)."""
    try:
        table = load_catalogue(case_files).cases
    except CaseSourceError as exc:
        raise pytest.UsageError(f"crossgrad: {exc}") from None
    if case not in table:
        raise pytest.UsageError(f"crossgrad: no case {case!r}; loaded: {', '.join(table)}")
    return table[case]


def _frameworks(config, asked) -> list[str]:
    """An explicit --crossgrad-frameworks wins over the test file's frameworks=: the
    person at the command line chose last; then the file's; then every framework."""
    given = tuple(c.strip() for c in (config.getoption("--crossgrad-frameworks") or "").split(",") if c.strip())
    chosen = given or tuple(asked or ()) or tuple(frameworks())
    unknown = [c for c in chosen if c not in frameworks()]
    if unknown:
        raise pytest.UsageError(f"crossgrad: unknown framework {', '.join(unknown)}; known: {', '.join(frameworks())}")
    return list(chosen)


def _installed(name: str):
    adapter = frameworks()[name]
    if adapter.version() is None:
        return pytest.mark.skip(reason=f"{name} is not installed ({adapter.install_hint})")
    return None


def _quantity_params(metafunc, marker) -> list:
    here = metafunc.definition.path.parent
    kw = dict(marker.kwargs)
    case_files = _paths(kw.pop("cases_from", None), here)
    case = _load(marker.args[0], case_files)
    expectations = _paths(kw.pop("expectations", None), here) or (str(here / "crossgrad_expectations.csv"),)
    fws = _frameworks(metafunc.config, kw.pop("frameworks", None))
    dtypes = tuple(kw.pop("dtypes", None) or case.dtypes)
    modes = tuple(kw.pop("modes", None) or dict.fromkeys(m for f in fws for m in frameworks()[f].modes))
    selection = Selection(case.name, case_files, expectations[0], tuple(f for f in fws if _installed(f) is None),
                          modes, dtypes, **kw)
    params = []
    for fw in fws:
        skip = _installed(fw)
        for mode in (m for m in modes if m in frameworks()[fw].modes and case.runs_on(fw, m)):
            for dtype in dtypes:
                for device in selection.devices:
                    for q in quantities(case, None, selection.seeds, dtype):
                        qid = QuantityId(selection, fw, mode, dtype, device, q)
                        params.append(pytest.param(qid, id=qid.label(len(dtypes) > 1), marks=[skip] if skip else []))
    return params


def _benchmark_params(metafunc, marker) -> list:
    kw = dict(marker.kwargs)
    case_files = _paths(kw.pop("cases_from", None), metafunc.definition.path.parent)
    case = _load(marker.args[0], case_files)
    fws = _frameworks(metafunc.config, kw.pop("frameworks", None))
    modes, ads = kw.pop("modes", None), tuple(kw.pop("ads", None) or ("none", "reverse"))
    point = kw.pop("point", None) or case.points[0].name
    dtype = kw.pop("dtype", None) or case.dtypes[0]
    if kw:
        raise pytest.UsageError(f"crossgrad_benchmark: unknown argument(s) {', '.join(kw)}")
    return [pytest.param(TimedCase(case.name, fw, mode, ad, point, dtype, case_files),
                         id=f"{case.name}-{fw}-{mode}-{ad}")
            for fw in fws for mode in frameworks()[fw].modes
            if (not modes or mode in modes) and case.runs_on(fw, mode) for ad in ads]


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("crossgrad_case")
    if marker is not None and "crossgrad_quantity" in metafunc.fixturenames:
        metafunc.parametrize("crossgrad_quantity", _quantity_params(metafunc, marker))
    marker = metafunc.definition.get_closest_marker("crossgrad_benchmark")
    if marker is not None and "crossgrad_timed" in metafunc.fixturenames:
        metafunc.parametrize("crossgrad_timed", _benchmark_params(metafunc, marker))


# --- running ------------------------------------------------------------------------


_WANTED_KEY = pytest.StashKey[dict]()


def pytest_collection_finish(session):
    """The quantities of the tests pytest kept (after -k, -m, node ids): a case's run
    computes only their tasks and points, not the whole selection of the test file."""
    wanted: dict = {}
    for item in session.items:
        qid = getattr(getattr(item, "callspec", None), "params", {}).get("crossgrad_quantity")
        if isinstance(qid, QuantityId):
            wanted.setdefault(qid.selection, []).append(qid)
    session.config.stash[_WANTED_KEY] = wanted


@pytest.fixture(scope="session")
def crossgrad_session(request, tmp_path_factory) -> CaseSession:
    session = CaseSession(tmp_path_factory.mktemp("crossgrad"),
                          wanted=request.config.stash.get(_WANTED_KEY, None))
    request.config.stash[_SESSION_KEY] = session
    return session


@pytest.fixture
def crossgrad_values(crossgrad_session, request):
    """check(quantity): fails the test with the diff and a repro snippet where it departs."""
    update = request.config.getoption("--crossgrad-update")

    def check(qid: QuantityId) -> None:
        failure = crossgrad_session.check(qid, update)
        if failure:
            pytest.fail(failure, pytrace=False)

    return check


def pytest_sessionfinish(session, exitstatus):
    case_session = session.config.stash.get(_SESSION_KEY, None)
    if case_session is None or not session.config.getoption("--crossgrad-update"):
        return
    for line in case_session.write_updates(session.config.getoption("--crossgrad-host-specific")):
        print(line, file=sys.stderr)
