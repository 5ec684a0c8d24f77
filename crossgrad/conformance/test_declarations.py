"""An adapter's declarations, read without loading its framework: the op table spells
every op of the catalogue, and every declared name is one crossgrad knows.
(The registry has already checked the required members: crossgrad.core.contract.)"""
from __future__ import annotations

import ast

import pytest

from crossgrad.adapter import DTYPE_NAMES, MODES, OP_NAMES, OP_SIGNATURES, KnownDifference, Snippets, placeholder_count
from crossgrad.catalogue import cases
from crossgrad.core.registry import frameworks


def test_the_op_table_spells_every_op_of_the_catalogue(framework):
    """One entry per op: a template over as many placeholders as the op has
    parameters, valid Python once filled, or None (recorded `unsupported`)."""
    table = frameworks()[framework].op_table
    assert set(table) == set(OP_NAMES), \
        f"missing {sorted(set(OP_NAMES) - set(table))}, unknown {sorted(set(table) - set(OP_NAMES))}"
    for op, template in table.items():
        assert template is None or isinstance(template, str), (op, template)
        if template:
            count = placeholder_count(template)
            assert count == len(OP_SIGNATURES[op].split()), f"{op}: {template} takes {count} arguments"
            ast.parse(template.format(*(f"a{i}" for i in range(count))), mode="eval")


def test_modes_dtypes_and_devices_are_names_crossgrad_knows(framework):
    adapter = frameworks()[framework]
    assert adapter.modes and "eager" in adapter.modes and set(adapter.modes) <= set(MODES), adapter.modes
    assert adapter.dtypes and set(adapter.dtypes) <= set(DTYPE_NAMES), adapter.dtypes
    assert set(adapter.costly_modes) <= set(adapter.modes), adapter.costly_modes
    assert "cpu" in adapter.device_names and all(isinstance(d, str) and d for d in adapter.device_names)
    for flag in ("forward_mode", "second_order", "flushes_subnormals"):
        assert isinstance(getattr(adapter, flag), bool), f"{flag} must be True or False"


def test_aliases_and_known_differences_name_real_ops_and_cases(framework):
    adapter = frameworks()[framework]
    for op, spellings in adapter.aliases.items():
        assert op in OP_NAMES and all(isinstance(t, str) for t in spellings), (op, spellings)
    catalogue = cases()
    for known in adapter.known_differences:
        assert isinstance(known, KnownDifference), known
        assert known.case in catalogue, f"known difference of an unknown case {known.case!r}"
        assert known.mode in (None, *adapter.modes) and known.dtype in (None, *adapter.dtypes), known
        points = {p.name for p in catalogue[known.case].points}
        assert set(known.points) <= points, f"{known.case}: no point(s) {set(known.points) - points}"


def test_snippets_wrap_only_the_declared_modes(framework):
    """Repro snippets are optional; where given, each compiled mode's wrapper is one of
    the adapter's modes (compile() runs the same template: crossgrad.adapter_kit)."""
    snippets = frameworks()[framework].snippets
    if snippets is None:
        pytest.skip(f"{framework} declares no snippets (a report says so where it would show one)")
    assert isinstance(snippets, Snippets)
    assert set(snippets.wrap) <= set(frameworks()[framework].modes) - {"eager"}, snippets.wrap
