"""`python -m crossgrad` is the `crossgrad` command."""
import sys

from crossgrad.cli import main

sys.exit(main())
