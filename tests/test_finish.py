"""crossgrad.reporting.finish: the collector is paused while a run is finished, and as it was afterwards."""
from __future__ import annotations

import gc

import pytest

from crossgrad.reporting import finish


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_during_finish_and_as_it_was_after(tmp_path, monkeypatch, enabled):
    seen = []
    monkeypatch.setattr(finish, "_finish", lambda *args: seen.append(gc.isenabled()) or "finished")
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert finish.finish_run(tmp_path, {}) == "finished"
        assert seen == [False] and gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
