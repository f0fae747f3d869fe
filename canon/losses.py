"""Convex losses and the objective Q of eq. (2)-(3) of Jiang (2019).

Both losses are "meaningful" in the sense of eq. (1) and convex in the prediction:

``'mse'``
    ``l(y, yhat) = (yhat - y)**2 / 2``.
``'cross_entropy'``
    binary cross-entropy on a logit, labels ``y`` in [0, 1]:
    ``l(y, yhat) = log(1 + exp(yhat)) - y * yhat``, evaluated as
    ``(1 - y) log(1 + exp(yhat)) + y log(1 + exp(-yhat))`` so that large margins do
    not cancel to 0. For y in {0, 1} it tends to 0 as the correct class's margin grows.

The objective is the sum over the training set, ``Q = sum_t l(y_t, f(x_t))``.
"""

import autograd.numpy as anp
import numpy as np
from autograd.tracer import isbox

from . import _checks

__all__ = ["LOSSES", "loss_values", "loss_derivative", "objective"]

LOSSES = ("mse", "cross_entropy")


def loss_values(loss, y, yhat):
    """Return the per-sample losses ``l(y_t, yhat_t)`` (autograd-differentiable in yhat).

    Parameters
    ----------
    loss : {'mse', 'cross_entropy'}
    y : ndarray, shape (T,)
        Targets (in [0, 1] for cross-entropy).
    yhat : ndarray, shape (T,)
        Predictions (logits for cross-entropy).

    Returns
    -------
    ndarray, shape (T,)
    """
    y, yhat = _check(loss, y, yhat)
    if loss == "mse":
        return 0.5 * (yhat - y) ** 2
    # Algebraically log(1 + e^yhat) - y yhat, without the cancellation for large |yhat|.
    return (1.0 - y) * anp.logaddexp(0.0, yhat) + y * anp.logaddexp(0.0, -yhat)


def loss_derivative(loss, y, yhat):
    """Return ``dl/dyhat`` at every sample.

    Parameters
    ----------
    loss : {'mse', 'cross_entropy'}
    y, yhat : ndarray, shape (T,)

    Returns
    -------
    ndarray, shape (T,)
    """
    y, yhat = _check(loss, y, yhat)
    if loss == "mse":
        return yhat - y
    return 0.5 * (np.tanh(0.5 * yhat) + 1.0) - y


def objective(loss, y, yhat):
    """Return ``Q = sum_t l(y_t, yhat_t)`` (eq. 2), differentiable by autograd in yhat."""
    return anp.sum(loss_values(loss, y, yhat))


def _check(loss, y, yhat):
    _checks.choice("loss", loss, LOSSES)
    y = _checks.array("y", y, ndim=1)
    if len(y) == 0:
        _checks.fail("y", "at least one target", "an empty array")
    if isbox(yhat):
        if anp.shape(yhat) != y.shape:
            _checks.fail("yhat", f"shape {y.shape} (one prediction per target)", f"shape {anp.shape(yhat)}")
    else:
        yhat = _checks.array("yhat", yhat, shape=y.shape)
    if loss == "cross_entropy" and (np.any(y < 0) or np.any(y > 1)):
        _checks.fail("y", "labels in [0, 1] for cross-entropy", f"values in [{y.min():.3g}, {y.max():.3g}]")
    return y, yhat
