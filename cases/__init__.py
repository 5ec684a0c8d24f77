"""The case catalogue, framework-neutral: each module exposes CASES (see crossgrad.case)."""
