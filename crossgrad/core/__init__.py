"""The data model and its registries: cases, dtypes, records, the run folder; imports nothing else of crossgrad."""
