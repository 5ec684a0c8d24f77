"""squareplus as an mx.custom_function with its own vjp and jvp (where MLX is installed)."""
import mlx.core as mx

from squareplus import HARDNESS


def _slope(z):
    return 0.5 * (1 + z / mx.sqrt(z * z + HARDNESS))


@mx.custom_function
def squareplus_z(z):
    return 0.5 * (z + mx.sqrt(z * z + HARDNESS))


@squareplus_z.vjp
def _squareplus_vjp(primals, cotangent, output):
    (z,) = primals if isinstance(primals, (tuple, list)) else (primals,)
    return (cotangent * _slope(z),)


@squareplus_z.jvp
def _squareplus_jvp(primals, tangents):
    (z,), (dz,) = primals, tangents
    return (dz * _slope(z),)


def squareplus(x, w, b):
    return squareplus_z(x * w + b)
