"""Learning in the canonical space: eq. (7), Theorem 1 and Corollary 1 of Jiang (2019).

In an epsilon-precision canonical space a function is its coordinate vector
``theta`` over the real basis of a truncation set Omega (``canon.fourier``). At the
training inputs the partial sum (eq. 6) is linear in theta,

    f_Omega(x_t) = sum_k theta_k e_k(x_t) = (Phi theta)_t,     Phi_tk = e_k(x_t),

so the objective of eq. (7),

    Q(theta) = sum_t l(y_t, (Phi theta)_t),

is a convex loss composed with a linear map: convex in theta (Theorem 1). Its
gradient is ``Phi^T l'(y, Phi theta)`` and its Hessian ``Phi^T diag(l''(y, Phi theta)) Phi``.
With the squared error, minimizing Q is least squares, and zero loss means the
linear system ``Phi theta = y`` is solvable: it is for every y exactly when Phi has
full row rank T, which ``K >= T`` alone does not guarantee (Remark 1 of the book).

This module computes Phi, Q and its derivatives, the minimum-norm least-squares
solution, and two numerical convexity checks (midpoint gaps on random segments,
the smallest eigenvalue of a Hessian).
"""

from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np
from autograd.tracer import isbox

from . import _checks
from .fourier import Omega, basis_matrix
from .losses import LOSSES, loss_derivative, objective

__all__ = [
    "LeastSquares",
    "design_matrix",
    "canonical_objective",
    "canonical_gradient",
    "canonical_hessian",
    "least_squares",
    "interpolate",
    "convexity_gaps",
    "smallest_eigenvalue",
    "is_positive_semidefinite",
]


@dataclass(frozen=True, eq=False)
class LeastSquares:
    """The minimum-norm least-squares solution of ``Phi theta = y``.

    Attributes
    ----------
    theta : ndarray, shape (K,)
        The minimizer of ``||Phi theta - y||`` of smallest norm.
    residual : ndarray, shape (T,)
        ``Phi theta - y``; zero (to round-off) when y is in the range of Phi.
    rank : int
        Numerical rank of Phi: singular values above ``rcond * sigma_max``.
    singular_values : ndarray
        Singular values of Phi, largest first.
    rcond : float
        The relative cut-off used for ``rank`` and for the pseudo-inverse.
    """

    theta: np.ndarray
    residual: np.ndarray
    rank: int
    singular_values: np.ndarray
    rcond: float

    @property
    def residual_norm(self):
        """``||Phi theta - y||_2``."""
        return float(np.linalg.norm(self.residual))

    @property
    def loss(self):
        """The squared-error objective at the solution, ``||Phi theta - y||**2 / 2``."""
        return 0.5 * self.residual_norm**2

    @property
    def full_row_rank(self):
        """True when ``rank == T``: then ``Phi theta = y`` is solvable for every y."""
        return self.rank == len(self.residual)


def design_matrix(omega, x):
    """Return the design matrix ``Phi_tk = e_k(x_t)`` of eq. (7).

    A validating wrapper over :func:`canon.fourier.basis_matrix`: the rows are the real
    basis functions of ``omega`` at the training inputs.

    Parameters
    ----------
    omega : Omega
        The truncation set (``K = omega.K`` columns).
    x : ndarray, shape (T, d)
        Training inputs, points of ``U = [0, 1]^d``, pairwise distinct (the paper's
        training sets are point-wise distinct). Distinct points can still give
        equal rows: ``x`` and ``x + e_i`` (e.g. 0 and 1) are the same point of the
        periodic basis.

    Returns
    -------
    ndarray, shape (T, K)

    Raises
    ------
    TypeError
        If ``omega`` is not a ``canon.Omega``.
    ValueError
        If ``x`` is not a ``(T, d)`` array of finite points of U, or repeats a point.

    References
    ----------
    Eq. (6)-(7) and the proof of Theorem 1 of Jiang (2019).
    """
    if not isinstance(omega, Omega):
        _checks.fail("omega", "a canon.Omega", type(omega).__name__, TypeError)
    x = _checks.points_in_cube("x", x, omega.d)
    if len(np.unique(x, axis=0)) != len(x):
        _checks.fail("x", "pairwise distinct training inputs", f"{len(x) - len(np.unique(x, axis=0))} repeated point(s)")
    return basis_matrix(omega, x)


def canonical_objective(theta, Phi, y, loss="mse"):
    """Return ``Q(theta) = sum_t l(y_t, (Phi theta)_t)`` of eq. (7).

    Parameters
    ----------
    theta : ndarray, shape (K,) or (S, K)
        Canonical coordinates; a 2-D array is a batch of S points (one value each).
        A 1-D ``theta`` may be an autograd box, so ``autograd.grad`` applies.
    Phi : ndarray, shape (T, K)
        Design matrix (:func:`design_matrix`).
    y : ndarray, shape (T,)
        Targets (labels in [0, 1] for cross-entropy).
    loss : {'mse', 'cross_entropy'}
        See ``canon.losses``; for cross-entropy ``Phi theta`` are logits.

    Returns
    -------
    float or ndarray, shape (S,)

    References
    ----------
    Eq. (2) and (7) of Jiang (2019).
    """
    Phi, y = _check_problem(Phi, y, loss)
    if isbox(theta):
        if anp.shape(theta) != (Phi.shape[1],):
            _checks.fail("theta", f"shape ({Phi.shape[1]},)", f"shape {anp.shape(theta)}")
        return objective(loss, y, anp.dot(Phi, theta))
    theta = _check_theta(theta, Phi, batch=True)
    if theta.ndim == 1:
        return float(objective(loss, y, Phi @ theta))
    return np.array([objective(loss, y, Phi @ row) for row in theta])


def canonical_gradient(theta, Phi, y, loss="mse"):
    """Return ``grad Q(theta) = Phi^T l'(y, Phi theta)``.

    Parameters
    ----------
    theta : ndarray, shape (K,)
    Phi : ndarray, shape (T, K)
    y : ndarray, shape (T,)
    loss : {'mse', 'cross_entropy'}

    Returns
    -------
    ndarray, shape (K,)

    References
    ----------
    Eq. (7)-(9) of Jiang (2019): the canonical gradient ``grad_theta Q`` of eq. (9).
    """
    Phi, y = _check_problem(Phi, y, loss)
    theta = _check_theta(theta, Phi)
    return Phi.T @ loss_derivative(loss, y, Phi @ theta)


def canonical_hessian(theta, Phi, y, loss="mse"):
    """Return the Hessian ``Phi^T diag(l''(y, Phi theta)) Phi`` of Q.

    For the squared error ``l'' = 1`` and the Hessian is ``Phi^T Phi`` for every
    theta; for cross-entropy ``l'' = s (1 - s)`` with ``s`` the logistic function
    of the logit. Both ``l''`` are non-negative, so the Hessian is positive
    semidefinite: Theorem 1's convexity, in second-order form.

    Parameters
    ----------
    theta : ndarray, shape (K,)
    Phi : ndarray, shape (T, K)
    y : ndarray, shape (T,)
    loss : {'mse', 'cross_entropy'}

    Returns
    -------
    ndarray, shape (K, K)

    References
    ----------
    Theorem 1 of Jiang (2019).
    """
    Phi, y = _check_problem(Phi, y, loss)
    theta = _check_theta(theta, Phi)
    curvature = _loss_curvature(loss, Phi @ theta)
    return Phi.T @ (curvature[:, None] * Phi)


def least_squares(Phi, y, rcond=None):
    """Return the minimum-norm least-squares solution of ``Phi theta = y``.

    With the squared error, eq. (7) is this least-squares problem; its minimum
    is zero exactly when y lies in the range of Phi (always, when Phi has full
    row rank T).

    Parameters
    ----------
    Phi : ndarray, shape (T, K)
    y : ndarray, shape (T,)
    rcond : float, optional
        Singular values below ``rcond * sigma_max`` count as zero (they are
        dropped from the pseudo-inverse and from the rank). Default
        ``max(T, K) * eps``, numpy's convention: what float64 cannot tell from 0.

    Returns
    -------
    LeastSquares

    Raises
    ------
    ValueError
        If the shapes disagree, entries are not finite, or ``rcond`` is not in (0, 1).

    References
    ----------
    Theorem 1 of Jiang (2019) ("the same as the well-known least square method").
    """
    Phi, y = _check_problem(Phi, y, "mse")
    if rcond is None:
        rcond = max(Phi.shape) * np.finfo(np.float64).eps
    rcond = _checks.real("rcond", rcond, minimum=0, maximum=1, strict_minimum=True)
    theta, _, rank, s = np.linalg.lstsq(Phi, y, rcond=rcond)
    return LeastSquares(theta=theta, residual=Phi @ theta - y, rank=int(rank), singular_values=s, rcond=rcond)


def interpolate(a, b, s):
    """Return the points ``(1 - s_j) a + s_j b`` of the segment from a to b.

    Parameters
    ----------
    a, b : ndarray, shape (K,)
        End points (parameter vectors or canonical coordinates).
    s : float or ndarray, shape (S,)
        Positions along the segment (0 gives a, 1 gives b; others extrapolate).

    Returns
    -------
    ndarray, shape (K,) for a scalar s, else (S, K)
    """
    a = _checks.array("a", a, ndim=1)
    b = _checks.array("b", b, ndim=1, shape=a.shape)
    scalar = np.ndim(s) == 0
    s = _checks.array("s", np.atleast_1d(s), ndim=1)
    points = (1.0 - s)[:, None] * a[None, :] + s[:, None] * b[None, :]
    return points[0] if scalar else points


def convexity_gaps(fun, starts, ends, s=0.5):
    """Return the convexity gaps of ``fun`` on a batch of segments.

    For each segment ``[a_j, b_j]`` the gap is

        g_j = (1 - s) fun(a_j) + s fun(b_j) - fun((1 - s) a_j + s b_j),

    non-negative for every segment exactly when ``fun`` is convex (midpoint
    convexity for ``s = 1/2``). A negative gap beyond round-off proves non-convexity.

    Parameters
    ----------
    fun : callable
        A scalar function of a 1-D array.
    starts, ends : ndarray, shape (S, K)
        The segments' end points.
    s : float
        Position in (0, 1) of the interior point.

    Returns
    -------
    ndarray, shape (S,)

    Raises
    ------
    TypeError
        If ``fun`` is not callable.
    ValueError
        If ``fun`` does not return a finite scalar, or the shapes disagree.

    References
    ----------
    Theorem 1 and Corollary 1 of Jiang (2019).
    """
    if not callable(fun):
        _checks.fail("fun", "a callable", type(fun).__name__, TypeError)
    starts = _checks.array("starts", starts, ndim=2)
    ends = _checks.array("ends", ends, ndim=2, shape=starts.shape)
    if len(starts) == 0:
        _checks.fail("starts", "at least one segment", "an empty array")
    s = _checks.real("s", s, minimum=0, maximum=1, strict_minimum=True)
    if s == 1:
        _checks.fail("s", "a number < 1", s)
    gaps = np.empty(len(starts))
    for j, (a, b) in enumerate(zip(starts, ends)):
        values = [_scalar(fun, p) for p in (a, b, (1 - s) * a + s * b)]
        gaps[j] = (1 - s) * values[0] + s * values[1] - values[2]
    return gaps


def smallest_eigenvalue(matrix):
    """Return the smallest eigenvalue of a symmetric matrix.

    Parameters
    ----------
    matrix : ndarray, shape (K, K)
        Symmetric up to round-off (``|A - A^T| <= 1e-10 max|A|``); it is
        symmetrized before ``numpy.linalg.eigvalsh``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the matrix is not square, not finite, or not symmetric.
    """
    A = _check_symmetric(matrix)
    return float(np.linalg.eigvalsh(A)[0])


def is_positive_semidefinite(matrix, rtol=None):
    """Return True when no eigenvalue is below ``-rtol * max|eigenvalue|``.

    Parameters
    ----------
    matrix : ndarray, shape (K, K)
        Symmetric up to round-off.
    rtol : float, optional
        Relative tolerance in (0, 1). Default ``K * eps``: the size of the
        round-off an eigensolver leaves on a K x K matrix.

    Returns
    -------
    bool
    """
    A = _check_symmetric(matrix)
    if rtol is None:
        rtol = len(A) * np.finfo(np.float64).eps
    rtol = _checks.real("rtol", rtol, minimum=0, maximum=1, strict_minimum=True)
    eigenvalues = np.linalg.eigvalsh(A)
    scale = np.max(np.abs(eigenvalues))
    return bool(eigenvalues[0] >= -rtol * scale)


# --- private helpers -------------------------------------------------------


def _check_problem(Phi, y, loss):
    _checks.choice("loss", loss, LOSSES)
    Phi = _checks.array("Phi", Phi, ndim=2)
    if Phi.shape[0] == 0 or Phi.shape[1] == 0:
        _checks.fail("Phi", "a non-empty (T, K) design matrix", f"shape {Phi.shape}")
    y = _checks.array("y", y, ndim=1, shape=(Phi.shape[0],))
    if loss == "cross_entropy" and (np.any(y < 0) or np.any(y > 1)):
        _checks.fail("y", "labels in [0, 1] for cross-entropy", f"values in [{y.min():.3g}, {y.max():.3g}]")
    return Phi, y


def _check_theta(theta, Phi, batch=False):
    K = Phi.shape[1]
    theta = _checks.array("theta", theta)
    if theta.ndim == 1 and theta.shape == (K,):
        return theta
    if batch and theta.ndim == 2 and theta.shape[1] == K:
        return theta
    wanted = f"shape ({K},) or (S, {K})" if batch else f"shape ({K},)"
    _checks.fail("theta", wanted, f"shape {theta.shape}")


def _loss_curvature(loss, yhat):
    """``d^2 l / d yhat^2``: 1 for the squared error, ``s (1 - s)`` for cross-entropy."""
    if loss == "mse":
        return np.ones_like(yhat)
    return 0.25 * (1.0 - np.tanh(0.5 * yhat) ** 2)


def _scalar(fun, point):
    value = np.asarray(fun(point), dtype=np.float64)
    if value.shape != () or not np.isfinite(value):
        _checks.fail("fun", "a finite scalar value", f"{value!r}")
    return float(value)


def _check_symmetric(matrix):
    A = _checks.array("matrix", matrix, ndim=2)
    if A.shape[0] != A.shape[1] or A.shape[0] == 0:
        _checks.fail("matrix", "a non-empty square matrix", f"shape {A.shape}")
    scale = np.max(np.abs(A))
    if np.max(np.abs(A - A.T)) > 1e-10 * scale:
        _checks.fail("matrix", "a symmetric matrix", f"asymmetry {np.max(np.abs(A - A.T)):.3g}")
    return 0.5 * (A + A.T)
