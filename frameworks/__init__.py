"""One adapter module per framework: frameworks/<name>_adapter.py exposing ADAPTER.

The contract is documented once, in crossgrad/adapter.py.
"""
