"""A second canonical basis: cosines of the even extension on U = [0, 1]^d.

The argument of Jiang (2019) needs an orthonormal basis of L2(U), not the Fourier
basis in particular: eq. (4)-(6) and the disparity matrix of eq. (8) make sense for
any such basis. This module provides the cosine basis

    c_k(x) = sqrt(2)**(number of non-zero k_l) * prod_l cos(pi k_l x_l),   k_l >= 0,

which is the Fourier basis of the *even* extension of f to [-1, 1]^d. A network
function's even extension is continuous, so its cosine coefficients decay like
``1/|k|**2`` where its Fourier coefficients decay like ``1/|k|`` (the periodic
extension jumps at the boundary of U).

Coefficients from samples. On the midpoint grid ``x_j = (j + 1/2) / n`` the midpoint
rule for ``a_k = int_U f c_k dx`` is, along each axis,

    (1/n) sum_j f(x_j) s_k cos(pi k (2 j + 1) / (2 n)),    s_0 = 1, s_k = sqrt(2),

and the orthonormal DCT-II (``scipy.fft.dct(..., type=2, norm='ortho')``) is
``y_k = sqrt(1/n) s_k sum_j f(x_j) cos(pi k (2 j + 1) / (2 n))``. Hence

    a = dctn(f, type=2, norm='ortho') / sqrt(N),    N = n**d,

for every ``0 <= k_l < n``. The discrete basis ``{c_k : 0 <= k_l < n}`` is exactly
orthonormal on the grid (the DCT-II matrix with ``norm='ortho'`` is orthogonal), so
the full cosine space (``K = N``, any n) is a discrete-exact setting like the
full Fourier space of an odd grid.
"""

from dataclasses import dataclass, field
import itertools

import numpy as np
import scipy.fft

from . import _checks
from .disparity import _identity_sides
from .fourier import Grid
from .nets import _check_net

__all__ = [
    "CosineSpace",
    "cosine_cube_space",
    "cosine_full_space",
    "cosine_coefficients",
    "cosine_basis_matrix",
    "cosine_partial_sum",
    "cosine_truncation_error",
    "cosine_disparity_matrix",
    "cosine_gradient_identity",
]


@dataclass(frozen=True, eq=False)
class CosineSpace:
    """A canonical space in the cosine basis: a grid and the frequencies kept.

    Parameters
    ----------
    grid : Grid
        The midpoint grid functions are sampled on.
    frequencies : ndarray of int, shape (K, d)
        Distinct non-negative frequencies with every ``k_l < n`` (the grid resolves
        no more). They are stored sorted by ``|k|**2``, then lexicographically, so
        the constant comes first when it is kept.
    """

    grid: Grid
    frequencies: np.ndarray = field(repr=False)

    def __post_init__(self):
        if not isinstance(self.grid, Grid):
            _checks.fail("grid", "a canon.Grid", type(self.grid).__name__, TypeError)
        k = np.asarray(self.frequencies)
        d, n = self.grid.d, self.grid.n
        if k.ndim != 2 or k.shape[1] != d or k.shape[0] == 0:
            _checks.fail("frequencies", f"a non-empty integer array of shape (K, {d})", f"shape {k.shape}")
        if not np.issubdtype(k.dtype, np.integer):
            _checks.fail("frequencies", "integer frequencies", f"dtype {k.dtype}", TypeError)
        k = k.astype(np.int64)
        if np.any(k < 0):
            _checks.fail("frequencies", "non-negative frequencies k_l >= 0", f"k_l down to {k.min()}")
        if np.any(k >= n):
            _checks.fail("frequencies", f"k_l < n = {n} (the grid resolves no more)", f"k_l up to {k.max()}")
        if len(np.unique(k, axis=0)) != len(k):
            _checks.fail("frequencies", "distinct frequencies", "repeated ones")
        order = np.lexsort(tuple(k.T[::-1]) + (np.sum(k**2, axis=1),))
        k = k[order]
        k.setflags(write=False)
        object.__setattr__(self, "frequencies", k)

    @property
    def K(self):
        """Dimension of the canonical space, the number of frequencies kept."""
        return len(self.frequencies)

    @property
    def is_full(self):
        """True when every frequency ``0 <= k_l < n`` is kept (``K = N``)."""
        return self.K == self.grid.N


def cosine_cube_space(n, d, B):
    """Return the cosine space of the cube ``{0 <= k_l <= B}`` on an ``n**d`` grid.

    Parameters
    ----------
    n : int
        Grid points per axis, ``n >= 2``.
    d : int
        Dimension, ``d >= 1``.
    B : int
        Bandwidth, ``0 <= B < n``; ``K = (B + 1)**d``.

    Returns
    -------
    CosineSpace
    """
    grid = Grid(n, d)
    B = _checks.integer("B", B, minimum=0, maximum=grid.n - 1)
    if (B + 1) ** grid.d > 2**24:
        _checks.fail("B", "a cube of at most 2**24 frequencies", f"({B}+1)**{grid.d}")
    k = np.array(list(itertools.product(range(B + 1), repeat=grid.d)), dtype=np.int64)
    return CosineSpace(grid, k)


def cosine_full_space(n, d):
    """Return the full cosine space of the grid (``K = N``): the discrete-exact setting.

    Parameters
    ----------
    n : int
        Grid points per axis (any ``n >= 2``: no Nyquist restriction here).
    d : int
        Dimension.

    Returns
    -------
    CosineSpace
    """
    n = _checks.integer("n", n, minimum=2)
    return cosine_cube_space(n, d, n - 1)


def cosine_coefficients(samples, space):
    """Return the cosine coefficients of functions sampled on the midpoint grid.

    The integral ``a_k = int_U f c_k dx`` is replaced by the midpoint rule, computed
    for all frequencies at once as ``dctn(f, type=2, norm='ortho') / sqrt(N)``.

    Parameters
    ----------
    samples : ndarray, shape (..., N)
        Values at ``space.grid.points``; leading axes are independent functions.
    space : CosineSpace
        Grid and frequencies.

    Returns
    -------
    ndarray, shape (..., K)
        The coefficients in the order of ``space.frequencies``.

    References
    ----------
    Eq. (4) and (6) of Jiang (2019), in the cosine basis.
    """
    _check_space(space)
    grid = space.grid
    samples = _checks.array("samples", samples)
    if samples.ndim == 0 or samples.shape[-1] != grid.N:
        _checks.fail("samples", f"a last axis of length N = {grid.N}", f"shape {samples.shape}")
    lead = samples.shape[:-1]
    values = samples.reshape(lead + grid.shape)
    axes = tuple(range(len(lead), len(lead) + grid.d))
    spectrum = scipy.fft.dctn(values, type=2, norm="ortho", axes=axes) / np.sqrt(grid.N)
    flat_index = np.ravel_multi_index(tuple(space.frequencies.T), grid.shape)
    return spectrum.reshape(lead + (-1,))[..., flat_index]


def cosine_basis_matrix(space, x):
    """Return the cosine basis functions of ``space`` evaluated at points ``x``.

    Parameters
    ----------
    space : CosineSpace
        Its frequencies are used.
    x : ndarray, shape (T, d)
        Points of U.

    Returns
    -------
    ndarray, shape (T, K)
        ``C[t, k] = c_k(x_t)``: with training inputs, the design matrix of eq. (7).
    """
    _check_space(space)
    x = _checks.points_in_cube("x", x, space.grid.d)
    k = space.frequencies
    scale = np.sqrt(2.0) ** np.count_nonzero(k, axis=1)
    factors = np.cos(np.pi * x[:, None, :] * k[None, :, :])  # (T, K, d)
    return scale * np.prod(factors, axis=2)


def cosine_partial_sum(theta, space, x):
    """Evaluate the partial sum ``sum_k theta_k c_k(x)`` of eq. (6) in the cosine basis.

    Parameters
    ----------
    theta : ndarray, shape (..., K)
        Cosine coefficients over ``space.frequencies``.
    space : CosineSpace
    x : ndarray, shape (T, d)
        Points of U (anywhere, not only grid points).

    Returns
    -------
    ndarray, shape (..., T)
    """
    _check_space(space)
    theta = _checks.array("theta", theta)
    if theta.ndim == 0 or theta.shape[-1] != space.K:
        _checks.fail("theta", f"a last axis of length K = {space.K}", f"shape {theta.shape}")
    return theta @ cosine_basis_matrix(space, x).T


def cosine_truncation_error(samples, space):
    """Return the root-mean-square error of the cosine partial sum on the grid.

    By Parseval on the grid (the discrete cosine basis is orthonormal there) it is
    the norm of the discarded discrete coefficients.

    Parameters
    ----------
    samples : ndarray, shape (..., N)
        Values at ``space.grid.points``.
    space : CosineSpace

    Returns
    -------
    float or ndarray, shape (...)
    """
    theta = cosine_coefficients(samples, space)
    residual = np.asarray(samples, dtype=np.float64) - cosine_partial_sum(theta, space, space.grid.points)
    return np.sqrt(np.mean(residual**2, axis=-1))


def cosine_disparity_matrix(net, w, space, block_elements=2**23):
    """Return the disparity matrix of eq. (8) in the cosine basis, shape (M, K).

    Row i holds the cosine coefficients of ``x -> df_w(x)/dw_i``, formed from the
    network's factored per-sample derivatives (``MLP.layer_factors``) a block of
    units at a time and transformed with the DCT. Rows follow ``net``'s parameter
    order, like ``canon.disparity_matrix``.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    space : CosineSpace
    block_elements : int
        Largest number of float64 values a block of per-sample derivatives may hold.

    Returns
    -------
    ndarray, shape (M, K)

    References
    ----------
    Eq. (8) of Jiang (2019), in the cosine basis.
    """
    _check_net(net)
    _check_space(space)
    if space.grid.d != net.d:
        _checks.fail("space", f"a grid in d = {net.d} (the network's input dimension)", f"d = {space.grid.d}")
    w = net.check_parameters(w)
    block_elements = _checks.integer("block_elements", block_elements, minimum=1)
    blocks = []
    for a, delta in net.layer_factors(w, space.grid.points):
        blocks.append(_rows(a, delta, space, block_elements))
        blocks.append(_rows(np.ones((len(a), 1)), delta, space, block_elements))
    return np.concatenate(blocks, axis=0)


def cosine_gradient_identity(net, w, x, y, loss, space, H=None):
    """Return both sides of eq. (9) in the cosine basis.

    The left side is autograd's ``grad_w Q(w)``; the right side is
    ``H(w) grad_theta Q`` with H from :func:`cosine_disparity_matrix` and the
    canonical gradient taken at the cosine coefficients of ``f_w``. They agree to
    round-off when ``space.is_full`` and every x_t is a grid point; otherwise they
    differ by the truncation error (Remark 2 of the book).

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    x : ndarray, shape (T, d)
    y : ndarray, shape (T,)
    loss : {'mse', 'cross_entropy'}
    space : CosineSpace
    H : ndarray, shape (M, K), optional

    Returns
    -------
    lhs, rhs : ndarray, shape (M,)

    References
    ----------
    Eq. (8)-(9) of Jiang (2019).
    """
    _check_net(net)
    _check_space(space)
    if space.grid.d != net.d:
        _checks.fail("space", f"a grid in d = {net.d} (the network's input dimension)", f"d = {space.grid.d}")
    w = net.check_parameters(w)
    x = _checks.points_in_cube("x", x, net.d)
    y = _checks.array("y", y, ndim=1, shape=(len(x),))
    if H is None:
        H = cosine_disparity_matrix(net, w, space)
    H = _checks.array("H", H, shape=(net.M, space.K))
    theta = cosine_coefficients(net(w, space.grid.points), space)
    return _identity_sides(net, w, x, y, loss, H, theta, cosine_basis_matrix(space, x))


# --- private helpers -------------------------------------------------------


def _check_space(space):
    if not isinstance(space, CosineSpace):
        _checks.fail("space", "a canon.cosine.CosineSpace (see cosine_cube_space)", type(space).__name__, TypeError)


def _rows(a, delta, space, block_elements):
    """Rows ``delta[:, o] * a[:, i]`` (o-major), transformed a block of units at a time."""
    N, inputs = a.shape
    units = delta.shape[1]
    out = np.empty((units, inputs, space.K))
    step = max(1, block_elements // (inputs * N))
    a_t = np.ascontiguousarray(a.T)
    for start in range(0, units, step):
        stop = min(units, start + step)
        samples = delta.T[start:stop, None, :] * a_t[None, :, :]
        out[start:stop] = cosine_coefficients(samples, space)
    return out.reshape(units * inputs, space.K)
