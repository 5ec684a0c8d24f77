"""Judging recorded values: the truth of each quantity, verdicts, bitwise comparison, the expectations gate."""
