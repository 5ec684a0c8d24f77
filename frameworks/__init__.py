"""One adapter module per framework: frameworks/<name>_adapter.py exposing ADAPTER.

The contract is documented once, in crossgrad/adapter.py.
"""

# The built-ins in the order reports show them (the seed notebook's framework
# first); plug-ins from the entry point group follow, by name.
BUILTIN_ORDER = ("torch", "jax", "tensorflow", "mlx", "paddle", "tinygrad")
