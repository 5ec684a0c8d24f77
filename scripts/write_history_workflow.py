#!/usr/bin/env python
"""Write .github/workflows/history.yml from crossgrad/history/releases.toml (crossgrad.history.workflow)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crossgrad.history.workflow import write  # noqa: E402

if __name__ == "__main__":
    print(write())
