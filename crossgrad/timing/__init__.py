"""Timing: the harness, the workloads it times, timing rows and the timing report."""
