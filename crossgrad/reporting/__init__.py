"""Reports of a run: report.md, its case pages, plots, repro snippets."""
