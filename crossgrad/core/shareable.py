"""Text a run folder records about this machine's folders, safe to hand around.

A run folder travels (committed samples, history cells, a colleague's bug
report), so it must not name the user: a cache folder's home path
("/home/ada/.cache/crossgrad/jax") is written "~/.cache/crossgrad/jax", and the
login name in a folder's name (torch inductor's default
"/tmp/torchinductor_ada") "$USER" ("/tmp/torchinductor_$USER"). Both keep what
a reader needs (which folder, by the rule that named it); only who ran is gone.
The state around the path (cold, warm and how many files, off) is kept as is.
"""
from __future__ import annotations

import getpass
import os
import re


def without_user(text: str) -> str:
    """`text` with the home folder written "~" and the login name, where it ends a
    folder's name after "/" or "_", written "$USER"."""
    home = os.path.expanduser("~").rstrip("/")
    if len(home) > 1:  # a home of "/" (some containers) is no one's
        text = re.sub(re.escape(home) + r"(?![\w.-])", "~", text)
    user = _login()
    if user:
        text = re.sub(r"(?<=[/_])" + re.escape(user) + r"(?![\w.-])", "$USER", text)
    return text


def without_user_tree(value):
    """without_user on every string of a JSON-like tree (dicts, lists, strings, numbers)."""
    if isinstance(value, str):
        return without_user(value)
    if isinstance(value, dict):
        return {key: without_user_tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_user_tree(item) for item in value]
    return value


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name to find (no USER, no passwd entry): nothing to hide
        return ""
