"""squareplus: a smooth relu, (z + sqrt(z*z + 4)) / 2, written natively per framework.

Each submodule imports only its own framework, so importing `squareplus`
imports none: crossgrad's worker for torch never loads JAX, and so on.
Every implementation takes (x, w, b) and returns squareplus(x * w + b), the
shape crossgrad's cases have; the derivative rules are the library's own
(a custom backward / custom jvp), which is what crossgrad checks.
"""
HARDNESS = 4.0  # the b of Barron's squareplus(z, b); 4 makes the value at z = 0 exactly 1
