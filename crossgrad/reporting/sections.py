"""The report's sections, in the order report.md shows them.

Each section is a pure function of the run's ReportInput (crossgrad.reporting.report_input)
returning a Part: its markdown ("" to say nothing) and the files it needs beside the
page (a PNG, findings.csv, the case pages), as data. crossgrad.reporting.report joins
the markdown into report.md and hands every file to the one writer.

Adding a section is one module with `def section(report: ReportInput) -> Part` and
one entry here (docs/methodology.md shows an example).
"""
from __future__ import annotations

from crossgrad.reporting import (report_conventions, report_devices, report_errors, report_findings,
                                 report_header, report_pages, report_summary, spellings_report,
                                 timing_report)

SECTIONS = (
    report_header.header,        # what ran, when, where
    report_header.banner,        # PARTIAL RUN, for a run that did not finish
    report_findings.section,     # the findings table (+ findings.csv)
    report_devices.section,      # CPU and GPU, for a run on two devices
    report_conventions.section,  # zero signs, subnormals, no gradient
    spellings_report.section,    # spellings of one op that disagree
    timing_report.section,       # timings (+ their plots)
    report_summary.section,      # the summary grid (+ its heatmap)
    report_errors.section,       # each error message once
    report_pages.section,        # no markdown: the case pages
)

# Sections whose pictures another process may draw (crossgrad.reporting.painter): built first,
# so the drawing overlaps the other sections instead of being waited for at the end; report.md
# keeps SECTIONS' order (a section is a pure function of the ReportInput: its order of building
# changes nothing it returns).
DRAWN_BESIDE = (report_summary.section,)

