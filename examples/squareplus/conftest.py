# The one line a project adds to use crossgrad in its pytest suite.
pytest_plugins = ["crossgrad.testing"]
