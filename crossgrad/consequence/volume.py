"""The bifurcation volume (Bertoin et al., section 3), measured in one framework and dtype.

A draw is a fresh initialisation and a seeded order of the training set; it
bifurcates when, on some minibatch of one pass, backprop with relu'(0)=0 and
with relu'(0)=1 gives different bits for some parameter's gradient (`differ`),
or different values for the first layer's weight gradient (`differ_w1`, the
paper's own test: (g0 - g1).abs().sum() != 0 on net[0].weight.grad).

A minibatch whose forward pass holds no relu input exactly 0 cannot bifurcate:
both derivatives then run the same operations on the same bits. Gradients are
computed only for minibatches with a zero, unless `exhaustive` (the tests use
it to check that claim where no zero can occur).
"""
from __future__ import annotations

import time

from crossgrad.consequence.config import draws_for
from crossgrad.consequence.measure import Bench, draw_seed, minibatches
from crossgrad.consequence.network import init_params, layer_sizes


def volume_row(bench: Bench, point: dict, config, exhaustive: bool = False) -> dict:
    """One row of volume.csv for a sweep point {sweep, depth, width, batch}. A network
    two sweeps share (the default one is in all three) is measured once: the draws'
    seeds depend on the network only, so a second measurement would repeat the first."""
    network = (point["depth"], point["width"], point["batch"], exhaustive)
    if network not in bench.volumes:
        bench.volumes[network] = measure_volume(bench, point, config, exhaustive)
    return dict(bench.volumes[network], sweep=point["sweep"])


def measure_volume(bench: Bench, point: dict, config, exhaustive: bool) -> dict:
    data, start = bench.data, time.perf_counter()
    sizes = layer_sizes(data.features, point["depth"], point["width"], data.classes)
    draws = draws_for(config, point["depth"], point["width"], data.features)
    relus = [bench.relu(v) for v in ("0", "1")]
    losses = [bench.loss(relu, 2 * len(sizes)) for relu in relus]
    totals = dict(differ=0, differ_w1=0, zeros=0, relu_inputs=0)
    for draw in range(draws):
        seed = draw_seed(point["depth"], point["width"], point["batch"], draw)
        outcome = one_draw(bench, init_params(sizes, bench.dtype, seed, config.init), point,
                           seed, relus[0], losses, exhaustive)
        for key in totals:
            totals[key] += outcome[key]
    return dict(point, draws=draws, **totals, seconds=time.perf_counter() - start)


def one_draw(bench: Bench, initial, point: dict, seed: int, relu, losses, exhaustive: bool) -> dict:
    """One pass over the training set from `initial`: did some minibatch bifurcate?"""
    params, data = bench.params(initial), bench.data
    batch, depth, width = point["batch"], point["depth"], point["width"]
    seen = dict(differ=0, differ_w1=0, zeros=0, relu_inputs=0)
    for rows in minibatches(len(data.x_train), batch, seed):
        xb, ob = bench.batch(data.x_train[rows], data.y_train[rows])
        zeros = int(bench.scalar(bench.zeros_in(params, xb, relu)))
        seen["zeros"] += zeros
        seen["relu_inputs"] += len(rows) * depth * width
        if seen["differ_w1"] or not (zeros or exhaustive):
            continue
        g0, g1 = bench.gradients(losses, params, xb, ob)
        if bench.bits(g0) != bench.bits(g1):
            seen["differ"] = 1
        if (bench.numpy(g0[0]) != bench.numpy(g1[0])).any():
            seen["differ_w1"] = 1
    return seen
