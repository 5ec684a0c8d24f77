"""Timing: the harness, the workloads it times, timing rows and their derived figures
(the timing report is crossgrad.reporting.timing_report)."""
