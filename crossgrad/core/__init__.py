"""The data model: case model, dtypes, row types, records, the run folder, the framework registry; imports nothing else of crossgrad (the cases are found by crossgrad.catalogue)."""
