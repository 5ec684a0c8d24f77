"""squareplus as a torch.autograd.Function with its own backward and jvp.

The setup_context form (forward without ctx) is what torch.func transforms
accept; the backward is built from torch ops, so it is differentiable again
(second order through torch.func.vjp of vjp). The jvp is what forward mode
(torch.func.jvp) needs, and it is also why torch.compile (2.13) breaks its graph
on this Function: crossgrad's "compiled" torch values of it run partly eagerly.
"""
import torch

from squareplus import HARDNESS


class Squareplus(torch.autograd.Function):
    @staticmethod
    def forward(z):
        return 0.5 * (z + torch.sqrt(z * z + HARDNESS))

    @staticmethod
    def setup_context(ctx, inputs, output):
        (z,) = inputs
        ctx.save_for_backward(z)
        ctx.save_for_forward(z)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * slope(z)

    @staticmethod
    def jvp(ctx, tangent):
        (z,) = ctx.saved_tensors
        return tangent * slope(z)


def slope(z):
    """d squareplus / dz = (1 + z / sqrt(z*z + 4)) / 2."""
    return 0.5 * (1 + z / torch.sqrt(z * z + HARDNESS))


def squareplus(x, w, b):
    return Squareplus.apply(x * w + b)
