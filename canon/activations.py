"""Activation functions and their derivatives, written for autograd.

Each activation is a pair: the function (autograd-differentiable) and its
derivative (plain numpy, used by the hand-written per-sample backward pass that
the disparity matrix is built from). ReLU's derivative at 0 is taken to be 0,
the same subgradient autograd returns for ``np.where(z > 0, z, 0)``.
"""

import autograd.numpy as anp
import numpy as np

from . import _checks

__all__ = ["ACTIVATIONS", "activation", "activation_derivative"]


def _relu(z):
    return anp.where(z > 0, z, 0.0)


def _relu_derivative(z):
    return (z > 0).astype(np.float64)


def _sigmoid(z):
    return 0.5 * (anp.tanh(0.5 * z) + 1.0)


def _sigmoid_derivative(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _softplus(z):
    return anp.logaddexp(0.0, z)


def _tanh_derivative(z):
    return 1.0 - np.tanh(z) ** 2


#: name -> (function, derivative, positively homogeneous?, odd?)
ACTIVATIONS = {
    "tanh": (anp.tanh, _tanh_derivative, False, True),
    "relu": (_relu, _relu_derivative, True, False),
    "sigmoid": (_sigmoid, _sigmoid_derivative, False, False),
    "softplus": (_softplus, _sigmoid, False, False),
}


def activation(name):
    """Return the activation function called ``name`` (see ``ACTIVATIONS``)."""
    return ACTIVATIONS[_checks.choice("activation", name, tuple(ACTIVATIONS))][0]


def activation_derivative(name):
    """Return the derivative of the activation called ``name``."""
    return ACTIVATIONS[_checks.choice("activation", name, tuple(ACTIVATIONS))][1]
