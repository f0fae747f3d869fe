"""Independent reference routes for the tests, in the manner of autograd's ``check_grads``.

Every mathematical function of canon is checked against one of these. None of them
uses the FFT or canon's hand-written backward pass (``MLP.layer_factors``):

- coefficients are a direct sum ``E^T f / N`` over the grid with the real basis
  evaluated point by point (``canon.basis_matrix``), i.e. the midpoint rule for eq. (4);
- Jacobians in w come from autograd's own ``jacobian`` of the network's forward pass;
- the disparity matrix of eq. (8) is the product of the two;
- gradients can also be checked against central finite differences.
"""

import autograd
import numpy as np

import canon

__all__ = [
    "direct_coefficients",
    "jacobian_on_grid",
    "reference_disparity",
    "finite_difference_gradient",
    "relative_error",
    "column_of",
    "random_points",
]


def direct_coefficients(samples, omega, points):
    """Real canonical coordinates by the direct midpoint sum ``E^T f / N`` (no FFT).

    Parameters
    ----------
    samples : ndarray, shape (..., N)
        Function values at ``points``.
    omega : canon.Omega
        The frequencies.
    points : ndarray, shape (N, d)
        The grid the samples were taken on (uniform weights 1/N).
    """
    E = canon.basis_matrix(omega, points)
    return np.asarray(samples, dtype=np.float64) @ E / len(points)


def jacobian_on_grid(net, w, points):
    """``J[n, i] = d f_w(x_n) / d w_i`` from autograd's ``jacobian``, shape (N, M)."""
    return autograd.jacobian(lambda v: net(v, points))(np.asarray(w, dtype=np.float64))


def reference_disparity(net, w, space):
    """H(w) of eq. (8) as ``J^T E / N``: autograd's Jacobian times the direct basis sum."""
    points = space.grid.points
    J = jacobian_on_grid(net, w, points)
    return J.T @ canon.basis_matrix(space.omega, points) / space.grid.N


def finite_difference_gradient(fun, w, step=1e-6):
    """Central finite-difference gradient of a scalar function of a vector.

    Error O(step**2) from truncation plus O(eps / step) from round-off: about 1e-9
    relative for smooth functions of unit scale with the default step.
    """
    w = np.asarray(w, dtype=np.float64)
    grad = np.empty_like(w)
    for i in range(len(w)):
        e = np.zeros_like(w)
        e[i] = step
        grad[i] = (fun(w + e) - fun(w - e)) / (2 * step)
    return grad


def relative_error(a, b):
    """``||a - b|| / max(||b||, tiny)`` in the Frobenius norm."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), np.finfo(np.float64).tiny)


def column_of(omega, k, kind):
    """Index of the real basis function ``kind`` ('cos' or 'sin') of frequency k.

    ``k`` must be written as it is stored in the half-set (first non-zero
    component positive); the constant is column 0.
    """
    k = np.asarray(k)
    if not np.any(k):
        return 0
    hits = np.flatnonzero(np.all(omega.half == k, axis=1))
    assert len(hits) == 1, f"{k} is not in the half-set"
    h = len(omega.half)
    return 1 + hits[0] + (h if kind == "sin" else 0)


def random_points(rng, T, d):
    """T uniform random points of the interior of U = [0, 1]^d."""
    return rng.uniform(0.0, 1.0, size=(T, d))
