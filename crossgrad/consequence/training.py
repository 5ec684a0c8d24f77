"""Training with plain SGD in one framework, dtype, relu'(0) variant and seed.

The same initial weights (a seed's NumPy draw) and the same minibatch order
(seeded per epoch) in every framework and variant, so trajectories can be
compared bit for bit: after every step the weights' hash is kept (divergence),
after every epoch the weights themselves (written to the study's work folder).
Per epoch: the mean minibatch loss, the test loss and accuracy, and how many
relu inputs were exactly 0 in that epoch's forward passes.
"""
from __future__ import annotations

import numpy as np

from crossgrad.consequence.measure import Bench, draw_seed, minibatches
from crossgrad.consequence.network import init_params, layer_sizes
from crossgrad.core.dtypes import as_dtype


def train_run(bench: Bench, config, variant: str, seed: int):
    """(per-epoch rows, per-step weight hashes, per-epoch weights as float64 arrays)."""
    data = bench.data
    sizes = layer_sizes(data.features, config.depth, config.width, data.classes)
    relu, n_params = bench.relu(variant), 2 * len(sizes)
    step = bench.train_step(bench.loss(relu, n_params), relu, n_params)
    params = bench.params(init_params(sizes, bench.dtype, draw_seed(seed), config.init))
    lr = bench.array(as_dtype(config.lr, bench.dtype))
    test = bench.batch(data.x_test, data.y_test)
    rows, hashes, weights = [], [], []
    for epoch in range(1, config.epochs + 1):
        losses, zeros, inputs = [], [], 0
        for batch in minibatches(len(data.x_train), config.batch, draw_seed(seed, epoch)):
            *params, loss, zero = step(*params, *bench.batch(data.x_train[batch], data.y_train[batch]), lr)
            losses.append(loss)
            zeros.append(zero)
            inputs += len(batch) * config.depth * config.width
            hashes.append(bench.digest(params))  # the one read-back per step: the weights' bits
        rows.append(dict(epoch=epoch, steps=len(hashes), train_loss=float(np.mean([bench.scalar(x) for x in losses])),
                         **evaluate(bench, params, test, relu), zeros=sum(int(bench.scalar(z)) for z in zeros),
                         relu_inputs=inputs))
        weights.append([bench.numpy(p).astype(np.float64) for p in params])
    return rows, hashes, weights


def evaluate(bench: Bench, params, test, relu) -> dict:
    loss, predicted = bench.evaluation(relu)(*params, *test)
    return dict(test_loss=bench.scalar(loss), test_accuracy=float(np.mean(bench.numpy(predicted) == bench.data.y_test)))
