"""crossgrad's convention history: one framework across its releases (issue 25).

grid: the releases to measure (releases.toml); cells: building each release's
environment and running the catalogue there (the nox session `history`);
table / report: `crossgrad history RUN...`, what changed from release to release.
"""
