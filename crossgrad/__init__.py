"""crossgrad: compare automatic differentiation across PyTorch, JAX and TensorFlow.

Nothing heavy happens at import time: frameworks are imported only inside the
worker subprocess that runs them (see crossgrad.running.worker).
"""

__version__ = "0.1.0"


def __getattr__(name):
    # crossgrad.load_run without importing pandas, and crossgrad.SCHEMA_VERSION
    # (defined with the records it versions) without numpy, at `import crossgrad` (PEP 562).
    if name == "load_run":  # a run folder as typed frames (crossgrad.core.run_table)
        from crossgrad.core.run_table import load_run

        return load_run
    if name == "SCHEMA_VERSION":
        from crossgrad.core.records import SCHEMA_VERSION

        return SCHEMA_VERSION
    raise AttributeError(f"module 'crossgrad' has no attribute {name!r}")
