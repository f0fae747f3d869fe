"""Seeded random initializations of an MLP's parameter vector.

Three schemes, for the comparison of section 3.3.3 of Jiang (2019):

``'gaussian'``
    ``W_l ~ N(0, scale**2 / fan_in)``, ``b_l ~ N(0, bias_scale**2)``: the usual
    fan-in scaling. A unit's hyperplane ``W_j x + b_j = 0`` lands wherever the draw
    puts it, often outside U.
``'centred'``
    Same weights, but each hidden unit's bias is chosen so that its hyperplane
    passes through a point drawn near the centre of U (``1/2 + spread * N(0, I)``,
    clipped into U), pushed through the earlier layers for deeper units. Every
    first-layer hyperplane then cuts U.

``'anchored'``
    Each hidden unit's weight vector has length ``scale`` and a uniformly random
    direction, and its hyperplane passes through a point drawn uniformly in U
    (pushed through the earlier layers for deeper units): hyperplanes spread over
    all of U, a start that keeps ReLU features nearly fixed during training when
    ``scale`` is large.

The output layer is ``N(0, output_scale**2 / m_L)`` with a zero bias in every scheme.
"""

import numpy as np

from . import _checks
from .activations import ACTIVATIONS
from .nets import _check_net

__all__ = ["initialize", "SCHEMES"]

SCHEMES = ("gaussian", "centred", "anchored")


def initialize(net, seed, scheme="gaussian", scale=1.0, bias_scale=1.0, spread=0.1,
               output_scale=1.0):
    """Return a random parameter vector for ``net``.

    Parameters
    ----------
    net : MLP
        The architecture.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same w.
    scheme : {'gaussian', 'centred', 'anchored'}
        See the module docstring.
    scale : float
        Multiplier of the hidden weights' standard deviation ``1 / sqrt(fan_in)``
        (``'anchored'``: the length of each unit's weight vector).
    bias_scale : float
        Standard deviation of hidden biases (``'gaussian'`` only).
    spread : float
        Standard deviation of the hyperplanes' anchor points about the centre of U
        (``'centred'`` only).
    output_scale : float
        Multiplier of the output weights' standard deviation ``1 / sqrt(m_L)``.

    Returns
    -------
    ndarray, shape (net.M,)

    References
    ----------
    Section 3.3.3 of Jiang (2019).
    """
    _check_net(net)
    seed = _checks.integer("seed", seed, minimum=0)
    _checks.choice("scheme", scheme, SCHEMES)
    scale = _checks.real("scale", scale, minimum=0, strict_minimum=True)
    bias_scale = _checks.real("bias_scale", bias_scale, minimum=0)
    spread = _checks.real("spread", spread, minimum=0)
    output_scale = _checks.real("output_scale", output_scale, minimum=0, strict_minimum=True)
    rng = np.random.default_rng(seed)
    shapes = net.layer_shapes
    m_last = shapes[-1][1]
    if scheme == "anchored":
        layers = _anchored_hidden_layers(net, rng, scale)
        output = output_scale * rng.normal(size=(1, m_last)) / np.sqrt(m_last)
        return net.pack(layers + [(output, np.zeros(1))])
    layers = []
    for out, inp in shapes[:-1]:
        W = rng.normal(0.0, scale / np.sqrt(inp), size=(out, inp))
        b = rng.normal(0.0, bias_scale, size=out) if scheme == "gaussian" else np.zeros(out)
        layers.append((W, b))
    layers.append((rng.normal(0.0, output_scale / np.sqrt(m_last), size=(1, m_last)), np.zeros(1)))
    if scheme == "centred":
        layers = _centre_hyperplanes(net, layers, rng, spread)
    return net.pack(layers)


def _centre_hyperplanes(net, layers, rng, spread):
    """Set each hidden bias so the unit's pre-activation vanishes at an anchor near 1/2."""
    act = ACTIVATIONS[net.activation][0]
    for l, (W, _) in enumerate(layers[:-1]):
        anchors = np.clip(0.5 + spread * rng.normal(size=(W.shape[0], net.d)), 0.0, 1.0)
        a = anchors
        for W_prev, b_prev in layers[:l]:
            a = act(a @ W_prev.T + b_prev)
        # unit j's pre-activation at its own anchor: W_j . a_{l-1}(anchor_j) + b_j = 0
        layers[l] = (W, -np.einsum("ji,ji->j", W, a))
    return layers


def _anchored_hidden_layers(net, rng, scale):
    """Hidden layers whose units have weight norm ``scale`` and pass through uniform anchors."""
    act = ACTIVATIONS[net.activation][0]
    layers = []
    for out, inp in net.layer_shapes[:-1]:
        directions = rng.normal(size=(out, inp))
        W = scale * (directions / np.linalg.norm(directions, axis=1, keepdims=True))
        a = rng.uniform(0.0, 1.0, size=(out, net.d))
        for W_prev, b_prev in layers:
            a = act(a @ W_prev.T + b_prev)
        layers.append((W, -np.sum(W * a, axis=1)))
    return layers

