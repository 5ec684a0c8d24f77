"""Comparing two runs (`crossgrad compare`): versions, devices or machines."""
