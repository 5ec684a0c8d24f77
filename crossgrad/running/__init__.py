"""Planning and running: tasks, the worker subprocesses that compute them, the runner that records them."""
