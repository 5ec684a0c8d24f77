"""crossgrad: compare automatic differentiation across PyTorch, JAX and TensorFlow.

Nothing heavy happens at import time: frameworks are imported only inside the
worker subprocess that runs them (see crossgrad.worker).
"""

__version__ = "0.1.0"

# Version of the record format written to results/<run-id>/ (records.jsonl,
# gradients.csv, timings.csv). Bump when a column changes meaning or disappears.
SCHEMA_VERSION = 1
