"""Weight-space symmetries: different parameter vectors, the same function.

These are why the map ``w -> f_w`` of eq. (3) of Jiang (2019) is not one-to-one:

- permuting the units of a hidden layer (any activation);
- rescaling a ReLU unit's incoming weights and bias by ``c > 0`` and its outgoing
  weights by ``1 / c`` (positive homogeneity);
- flipping the signs of a tanh unit's incoming and outgoing weights (tanh is odd).
"""

import numpy as np

from . import _checks
from .activations import ACTIVATIONS
from .nets import _check_net

__all__ = ["permute_units", "rescale_units", "flip_units"]


def permute_units(net, w, layer, permutation):
    """Reorder the units of hidden layer ``layer``; f_w is unchanged.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    layer : int
        Hidden layer, ``0 <= layer < net.depth``.
    permutation : sequence of int
        A permutation of ``range(net.widths[layer])``: new unit j is old unit
        ``permutation[j]``.

    Returns
    -------
    ndarray, shape (M,)
    """
    layers, layer = _hidden_layer(net, w, layer)
    m = net.widths[layer]
    p = _checks.array("permutation", permutation, ndim=1, shape=(m,))
    if not np.all(p == np.round(p)):
        _checks.fail("permutation", "integer unit indices", p.tolist())
    p = p.astype(np.int64)
    if not np.array_equal(np.sort(p), np.arange(m)):
        _checks.fail("permutation", f"a permutation of 0..{m - 1}", p.tolist())
    (W, b), (W_next, b_next) = layers[layer], layers[layer + 1]
    layers[layer] = (W[p], b[p])
    layers[layer + 1] = (W_next[:, p], b_next)
    return net.pack(layers)


def rescale_units(net, w, layer, scales):
    """Scale ReLU units' incoming weights by ``c > 0`` and outgoing by ``1/c``.

    Parameters
    ----------
    net : MLP
        A ReLU network (the only positively homogeneous activation here).
    w : ndarray, shape (M,)
    layer : int
        Hidden layer index.
    scales : ndarray, shape (m,)
        Positive factors, one per unit of the layer.

    Returns
    -------
    ndarray, shape (M,)
    """
    layers, layer = _hidden_layer(net, w, layer)
    if not ACTIVATIONS[net.activation][2]:
        _checks.fail("net", "a positively homogeneous activation (relu) for rescaling", repr(net.activation))
    m = net.widths[layer]
    c = _checks.array("scales", scales, ndim=1, shape=(m,))
    if np.any(c <= 0):
        _checks.fail("scales", "positive factors", f"minimum {c.min():.3g}")
    (W, b), (W_next, b_next) = layers[layer], layers[layer + 1]
    layers[layer] = (W * c[:, None], b * c)
    layers[layer + 1] = (W_next / c[None, :], b_next)
    return net.pack(layers)


def flip_units(net, w, layer, mask):
    """Negate a tanh unit's incoming weights, bias and outgoing weights.

    Parameters
    ----------
    net : MLP
        A network with an odd activation (tanh).
    w : ndarray, shape (M,)
    layer : int
        Hidden layer index.
    mask : ndarray of bool, shape (m,)
        Which units to flip.

    Returns
    -------
    ndarray, shape (M,)
    """
    layers, layer = _hidden_layer(net, w, layer)
    if not ACTIVATIONS[net.activation][3]:
        _checks.fail("net", "an odd activation (tanh) for sign flips", repr(net.activation))
    m = net.widths[layer]
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != (m,):
        _checks.fail("mask", f"a boolean array of shape ({m},)", f"{mask.dtype} of shape {mask.shape}")
    sign = np.where(mask, -1.0, 1.0)
    (W, b), (W_next, b_next) = layers[layer], layers[layer + 1]
    layers[layer] = (W * sign[:, None], b * sign)
    layers[layer + 1] = (W_next * sign[None, :], b_next)
    return net.pack(layers)


def _hidden_layer(net, w, layer):
    _check_net(net)
    layer = _checks.integer("layer", layer, minimum=0, maximum=net.depth - 1)
    layers = [(np.array(W), np.array(b)) for W, b in net.unpack(w)]
    return layers, layer
