"""`crossgrad consequence`'s options: here, apart from the command, so that
printing `crossgrad --help` imports neither pandas nor a framework."""
from __future__ import annotations

from crossgrad.consequence.config import DTYPES, INITS, VARIANTS, StudyConfig


def add_parser(sub) -> None:
    p = sub.add_parser("consequence", help="does relu'(0) change training? volume, zeros, training, "
                                           "divergence in every framework and precision (Bertoin et al. 2021)")
    p.add_argument("--frameworks", help="comma-separated (default: every registered one; a missing one gives rows saying so)")
    p.add_argument("--dtypes", help=f"comma-separated, of {', '.join(DTYPES)}")
    p.add_argument("--variants", help=f"relu variants to train, of {', '.join(VARIANTS)}")
    for name, what in (("depth", "hidden layers"), ("width", "neurons per hidden layer"),
                       ("batch", "training minibatch"), ("volume-batch", "the volume's minibatch where not swept"),
                       ("epochs", "training epochs"), ("draws", "volume draws per configuration")):
        p.add_argument(f"--{name}", help=f"{what} (default {getattr(StudyConfig, name.replace('-', '_'))})")
    p.add_argument("--seeds", help="comma-separated training seeds (default 0,1)")
    p.add_argument("--lr", help=f"SGD learning rate (default {StudyConfig.lr})")
    p.add_argument("--init", help=f"initial weights, of {', '.join(INITS)} (default uniform: U(+-1/sqrt(fan_in)), the paper's)")
    p.add_argument("--data", metavar="PATH.npz", help="arrays x (n, ...) and y (n,) instead of scikit-learn's digits")
    p.add_argument("--timeout", help=f"seconds one task may take (default {StudyConfig.timeout:g})")
    p.add_argument("--jobs", help="framework workers at once (default 2)")
    p.add_argument("--quick", action="store_true", help="a study of under a minute (the tests'): float16 and "
                   "float32, a small network, variants 0, 1, own, the width sweep only")
    p.add_argument("--out", help="output folder (default results/consequence-<time>)")
