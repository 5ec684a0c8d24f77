"""The adapters' shared helpers, now public in crossgrad.adapter_kit (re-exported
here so that existing imports keep working). Not an adapter: no ADAPTER here."""
from crossgrad.adapter_kit import LazyFramework, dist_version, leaves, with_args  # noqa: F401
