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
from crossgrad.consequence.network import init_params, layer_sizes, loss_of
from crossgrad.core.dtypes import as_dtype


def train_run(bench: Bench, config, variant: str, seed: int):
    """(per-epoch rows, per-step weight hashes, per-epoch weights as float64 arrays)."""
    data = bench.data
    sizes = layer_sizes(data.features, config.depth, config.width, data.classes)
    relu = bench.relu(variant)
    f = bench.loss(relu, 2 * len(sizes))
    params = bench.params(init_params(sizes, bench.dtype, draw_seed(seed), config.init))
    lr = bench.array(as_dtype(config.lr, bench.dtype))
    test = bench.batch(data.x_test, data.y_test)
    rows, hashes, weights = [], [], []
    for epoch in range(1, config.epochs + 1):
        losses, zeros, inputs = [], 0, 0
        for batch in minibatches(len(data.x_train), config.batch, draw_seed(seed, epoch)):
            xb, ob = bench.batch(data.x_train[batch], data.y_train[batch])
            logits, pre = bench.forward(params, xb, relu)
            losses.append(float(bench.numpy(loss_of(bench.ops, logits, ob))))
            z, n = bench.count(pre)
            zeros, inputs = zeros + z, inputs + n
            grads = bench.gradients(f, params, xb, ob)
            params = [p - lr * g for p, g in zip(params, grads)]
            hashes.append(bench.digest(params))
        rows.append(dict(epoch=epoch, steps=len(hashes), train_loss=float(np.mean(losses)),
                         **evaluate(bench, params, test, relu), zeros=zeros, relu_inputs=inputs))
        weights.append([bench.numpy(p).astype(np.float64) for p in params])
    return rows, hashes, weights


def evaluate(bench: Bench, params, test, relu) -> dict:
    logits, _ = bench.forward(params, test[0], relu)
    predicted = bench.numpy(bench.ops.argmax_rows(logits))
    return dict(test_loss=float(bench.numpy(loss_of(bench.ops, logits, test[1]))),
                test_accuracy=float(np.mean(predicted == bench.data.y_test)))
