"""crossgrad: compare automatic differentiation across PyTorch, JAX and TensorFlow.

Nothing heavy happens at import time: frameworks are imported only inside the
worker subprocess that runs them (see crossgrad.worker).
"""

__version__ = "0.1.0"

# Version of the record format written to results/<run-id>/ (records.jsonl,
# gradients.csv, timings.csv). Bump when a column changes meaning or disappears.
SCHEMA_VERSION = 1


def __getattr__(name):
    # crossgrad.load_run without importing pandas at `import crossgrad` (PEP 562).
    if name == "load_run":
        from crossgrad.run_folder import load_run

        return load_run
    raise AttributeError(f"module 'crossgrad' has no attribute {name!r}")
