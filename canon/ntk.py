"""The empirical neural tangent kernel and its compression onto span(Omega).

With ``J(x) = grad_w f_w(x)``, the empirical neural tangent kernel (NTK) of a
network at w is ``Theta(x, x') = J(x) . J(x')`` (Jacot et al. 2018). On the grid
of a canonical space its Gram matrix is ``Theta = J J^T`` (N x N), and since the
disparity matrix of eq. (8) is computed by the midpoint rule, ``H = J^T E / N``
with ``E`` the real basis of Omega on the grid, so

    H^T H = E^T Theta E / N**2,

the NTK compressed onto span(Omega). In the discrete-exact setting (full space of an
odd grid) ``E / sqrt(N)`` is orthogonal, the eigenvalues of ``H^T H`` are those of
``Theta / N`` and ``sigma_min(H)**2 = lambda_min(Theta) / N``: H has full rank K = N
exactly when the NTK Gram matrix on the grid is positive definite.
"""

import numpy as np

from . import _checks
from .fourier import basis_matrix, _check_space
from .nets import _check_net, per_sample_gradients

__all__ = ["ntk_gram", "compressed_ntk"]


def ntk_gram(net, w, x, x_prime=None):
    """Return the empirical NTK Gram matrix ``Theta[s, t] = J(x_s) . J(x'_t)``.

    Parameters
    ----------
    net : MLP
        The network.
    w : ndarray, shape (M,)
        Its parameters.
    x : ndarray, shape (S, d)
        Input points.
    x_prime : ndarray, shape (T, d), optional
        Second set of points (default: ``x``, giving a symmetric positive
        semi-definite S x S matrix).

    Returns
    -------
    ndarray, shape (S, T)

    Raises
    ------
    TypeError, ValueError
        If the network, parameters or points are malformed.

    References
    ----------
    Remark 6 of the book (the disparity-matrix chapter); Jacot et al. (2018).
    """
    _check_net(net)
    w = net.check_parameters(w)
    x = net.check_inputs(x)
    J = per_sample_gradients(net, w, x)
    if x_prime is None:
        return J @ J.T
    x_prime = net.check_inputs(x_prime)
    return J @ per_sample_gradients(net, w, x_prime).T


def compressed_ntk(net, w, space):
    """Return ``E^T Theta E / N**2``: the grid NTK compressed onto span(Omega).

    It is computed from the NTK Gram matrix on the grid (N x N), not from the
    disparity matrix, and equals ``H(w)^T H(w)`` for every truncation set.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    space : Space
        Grid and truncation set; the Gram matrix has ``N**2`` entries, so keep
        the grid small (N up to a few thousand).

    Returns
    -------
    ndarray, shape (K, K)
        Symmetric positive semi-definite.

    Raises
    ------
    TypeError, ValueError
        If the arguments are malformed or the grid has more than 2**13 points.

    References
    ----------
    Eq. (8) of Jiang (2019); Remark 6 of the book.
    """
    _check_net(net)
    _check_space(space)
    if space.grid.d != net.d:
        _checks.fail("space", f"a grid in d = {net.d} (the network's input dimension)", f"d = {space.grid.d}")
    if space.grid.N > 2**13:
        _checks.fail("space", "a grid of at most 2**13 points (the Gram matrix is N x N)", f"N = {space.grid.N}")
    points = space.grid.points
    theta = ntk_gram(net, w, points)
    E = basis_matrix(space.omega, points)
    return E.T @ theta @ E / space.grid.N**2
