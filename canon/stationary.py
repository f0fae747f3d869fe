"""Stationary points of the objective in the literal space: Lemmas 1 and 2.

Eq. (10) of Jiang (2019) says that at a stationary point ``w*`` of ``Q(w)`` the
canonical gradient is annihilated by the disparity matrix, ``H(w*) grad_theta Q = 0``.
Lemma 1 (H of full rank) makes such a point a global minimum; Lemma 2 (H
rank-deficient) leaves three possibilities: a saddle point, a global minimum, or a
flat region. This module supplies the second-order tools that tell them apart on a
real network:

- :func:`objective_function` turns a network and a data set into ``w -> Q(w)``;
- :func:`gradient_norm` and :func:`hessian` differentiate any scalar function of a
  flat vector with autograd (the Hessian is autograd's forward-over-reverse
  ``hessian``, symmetrised);
- :func:`classify` sorts a point by its gradient and Hessian eigenvalues with a
  stated tolerance rule;
- :func:`probe_neighbourhood` evaluates the function at many random nearby points,
  the zeroth-order check that a degenerate point (where the Hessian test is
  inconclusive) is or is not a local minimum.

The tolerance rule of :func:`classify`: the point is stationary when
``||grad|| <= gtol``; a Hessian eigenvalue counts as zero when
``|lambda| <= tol = atol + rtol * max(1, max |lambda|)``, as negative below ``-tol``
and as positive above ``tol``.
"""

from dataclasses import dataclass, field

import autograd
import numpy as np

from . import _checks
from .losses import LOSSES, objective
from .nets import _check_net

__all__ = [
    "KINDS",
    "Classification",
    "objective_function",
    "gradient_norm",
    "hessian",
    "classify",
    "probe_neighbourhood",
]

#: The kinds :func:`classify` can return, with what each means.
KINDS = {
    "not stationary": "the gradient norm exceeds gtol",
    "minimum": "every Hessian eigenvalue is positive: a strict local minimum",
    "maximum": "every Hessian eigenvalue is negative: a strict local maximum",
    "saddle": "eigenvalues of both signs: a strict saddle (a descent direction exists)",
    "saddle or maximum": "negative and zero eigenvalues, no positive one: not a minimum",
    "degenerate": "positive and zero eigenvalues: the second-order test is inconclusive",
    "flat": "every Hessian eigenvalue is zero within the tolerance",
}


@dataclass(frozen=True)
class Classification:
    """What :func:`classify` found at a point.

    Attributes
    ----------
    kind : str
        One of ``KINDS``.
    gradient_norm : float
        Euclidean norm of the gradient.
    eigenvalues : ndarray, shape (M,)
        Hessian eigenvalues, ascending.
    eigenvectors : ndarray, shape (M, M)
        Orthonormal eigenvectors, one per column, in the same order.
    tolerance : float
        The ``tol`` that separated zero from non-zero eigenvalues.
    negative, zero, positive : int
        How many eigenvalues fell below ``-tol``, within ``tol``, above ``tol``.
    """

    kind: str
    gradient_norm: float
    eigenvalues: np.ndarray = field(repr=False)
    eigenvectors: np.ndarray = field(repr=False)
    tolerance: float
    negative: int
    zero: int
    positive: int


def objective_function(net, x, y, loss="mse"):
    """Return the objective ``w -> Q(w) = sum_t l(y_t, f_w(x_t))`` of eq. (2)-(3).

    Parameters
    ----------
    net : MLP
        The network.
    x : ndarray, shape (T, d)
        Training inputs.
    y : ndarray, shape (T,)
        Targets.
    loss : {'mse', 'cross_entropy'}
        The convex loss.

    Returns
    -------
    callable
        ``Q(w)`` for a parameter vector of length ``net.M``; autograd can
        differentiate it.

    Raises
    ------
    TypeError, ValueError
        If the network, data or loss are malformed.

    References
    ----------
    Eq. (2)-(3) of Jiang (2019).
    """
    _check_net(net)
    x = net.check_inputs(x)
    y = _checks.array("y", y, ndim=1, shape=(len(x),))
    _checks.choice("loss", loss, LOSSES)
    objective(loss, y, np.zeros(len(y)))  # validates y for the loss (labels in [0, 1] ...)

    def Q(w):
        return objective(loss, y, net(w, x))

    return Q


def gradient_norm(fun, w):
    """Return ``||grad fun(w)||`` (Euclidean), the gradient taken by autograd.

    Parameters
    ----------
    fun : callable
        A scalar function of a flat parameter vector, differentiable by autograd.
    w : ndarray, shape (M,)

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``fun`` is not callable or w is not numeric.
    ValueError
        If w is not a finite vector, or fun(w) is not a finite scalar.
    """
    fun, w = _check_fun_and_point(fun, w)
    return float(np.linalg.norm(autograd.grad(fun)(w)))


def hessian(fun, w):
    """Return the Hessian of a scalar function at w, symmetrised, shape ``(M, M)``.

    Autograd's ``hessian`` (forward-over-reverse) gives each entry to round-off;
    ``(A + A.T) / 2`` removes the round-off asymmetry so that ``numpy.linalg.eigh``
    applies.

    Parameters
    ----------
    fun : callable
        A scalar function of a flat parameter vector, twice differentiable by
        autograd (ReLU networks have a zero second derivative of the activation
        away from kinks, which autograd reproduces).
    w : ndarray, shape (M,)

    Returns
    -------
    ndarray, shape (M, M)

    Raises
    ------
    TypeError, ValueError
        As for :func:`gradient_norm`.

    References
    ----------
    Lemma 2 of Jiang (2019): the Hessian tells a saddle from a minimum.
    """
    fun, w = _check_fun_and_point(fun, w)
    A = np.asarray(autograd.hessian(fun)(w), dtype=np.float64).reshape(len(w), len(w))
    return 0.5 * (A + A.T)


def classify(fun, w, gtol=1e-8, rtol=1e-8, atol=0.0, hessian_matrix=None):
    """Classify a point of a scalar function by its gradient and Hessian eigenvalues.

    Parameters
    ----------
    fun : callable
        A scalar function of a flat vector, differentiable by autograd.
    w : ndarray, shape (M,)
        The point.
    gtol : float
        The point counts as stationary when ``||grad fun(w)|| <= gtol``.
    rtol, atol : float
        An eigenvalue counts as zero when
        ``|lambda| <= atol + rtol * max(1, max |lambda|)``.
    hessian_matrix : ndarray, shape (M, M), optional
        A Hessian already computed at w (it is symmetrised again).

    Returns
    -------
    Classification
        ``kind`` is one of ``KINDS``; a non-stationary point still carries its
        Hessian eigenvalues.

    Raises
    ------
    TypeError, ValueError
        If ``fun`` or w are malformed, or a tolerance is negative.

    Notes
    -----
    The second-order test decides only the strict cases. A ``'degenerate'``
    point (a positive semi-definite Hessian with a null space) may be a local
    minimum, a saddle of higher order, or lie in a flat valley: use
    :func:`probe_neighbourhood` or an argument about the function.

    References
    ----------
    Lemmas 1 and 2 of Jiang (2019).
    """
    fun, w = _check_fun_and_point(fun, w)
    gtol = _checks.real("gtol", gtol, minimum=0)
    rtol = _checks.real("rtol", rtol, minimum=0)
    atol = _checks.real("atol", atol, minimum=0)
    if hessian_matrix is None:
        A = hessian(fun, w)
    else:
        A = _checks.array("hessian_matrix", hessian_matrix, shape=(len(w), len(w)))
        A = 0.5 * (A + A.T)
    eigenvalues, eigenvectors = np.linalg.eigh(A)
    scale = max(1.0, float(np.max(np.abs(eigenvalues))))
    tol = atol + rtol * scale
    negative = int(np.sum(eigenvalues < -tol))
    positive = int(np.sum(eigenvalues > tol))
    zero = len(eigenvalues) - negative - positive
    norm = float(np.linalg.norm(autograd.grad(fun)(w)))
    if norm > gtol:
        kind = "not stationary"
    elif negative and positive:
        kind = "saddle"
    elif negative:
        kind = "maximum" if zero == 0 else "saddle or maximum"
    elif positive:
        kind = "minimum" if zero == 0 else "degenerate"
    else:
        kind = "flat"
    return Classification(kind, norm, eigenvalues, eigenvectors, tol, negative, zero, positive)


def probe_neighbourhood(fun, w, radius, count=1000, seed=0):
    """Return ``fun(w + delta) - fun(w)`` for random perturbations with ``||delta|| <= radius``.

    Directions are uniform on the unit sphere of R^M and lengths uniform in
    ``(0, radius]``. If no difference is negative (beyond round-off) the point
    behaves as a local minimum at that scale; a single negative value proves it
    is not one.

    Parameters
    ----------
    fun : callable
        A scalar function of a flat vector.
    w : ndarray, shape (M,)
    radius : float
        Largest perturbation length, > 0.
    count : int
        Number of perturbations, >= 1.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    ndarray, shape (count,)

    Raises
    ------
    TypeError, ValueError
        If ``fun`` or w are malformed, or radius, count or seed are out of range.
    """
    fun, w = _check_fun_and_point(fun, w)
    radius = _checks.real("radius", radius, minimum=0, strict_minimum=True)
    count = _checks.integer("count", count, minimum=1)
    seed = _checks.integer("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(count, len(w)))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    lengths = radius * (1.0 - rng.uniform(size=count))  # in (0, radius]
    base = float(fun(w))
    return np.array([float(fun(w + r * u)) - base for r, u in zip(lengths, directions)])


# --- private helpers -------------------------------------------------------


def _check_fun_and_point(fun, w):
    if not callable(fun):
        _checks.fail("fun", "a callable scalar function of w", type(fun).__name__, TypeError)
    w = _checks.array("w", w, ndim=1)
    if len(w) == 0:
        _checks.fail("w", "a non-empty parameter vector", "an empty array")
    value = fun(w)
    if np.ndim(value) != 0:
        _checks.fail("fun", "a function returning a scalar", f"an output of shape {np.shape(value)}")
    if not np.isfinite(value):
        _checks.fail("fun", "a finite value at w", value)
    return fun, w
