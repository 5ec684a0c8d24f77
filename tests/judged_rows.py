"""Hand-made rows in the shape the judge gives a run's rows (crossgrad.judging.judge), for the
tests that state a row's verdict and truth themselves instead of a catalogue's."""
from __future__ import annotations

from crossgrad.judging.judge import judge_rows

TYPED = ("number", "quantity_number")  # what the judge adds that such a row does not state


def judged_shape(rows: list[dict]) -> list[dict]:
    """Copies of `rows`, each with the judge's `number` (its value as a float) and
    `quantity_number` (its quantity), the verdicts and truths as the rows state them."""
    typed = judge_rows(rows, {})  # no catalogue: nothing but these two is kept
    return [dict(row, **{name: judged[name] for name in TYPED}) for row, judged in zip(rows, typed)]
