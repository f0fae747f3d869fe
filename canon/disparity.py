"""The disparity matrix H(w) of eq. (8) and the gradient identity of eq. (9).

Row i of H holds the canonical coordinates (over Omega) of the function
``x -> df_w(x)/dw_i``; entry ``H[i, k] = <df_w/dw_i, e_k>`` in L2(U), computed by
the midpoint rule on the space's grid.

Two fast routes share one hand-written backward pass (``MLP.layer_factors``),
which gives ``df(x_n)/dW[o, i] = delta[n, o] a[n, i]`` for every layer at once:

``'fft'``
    forms the per-sample derivatives a block of rows at a time and takes their
    FFT: ``O(M N log N)`` work, memory bounded by ``block_elements``.
``'contract'``
    never forms a derivative on the grid: ``H_W[o, i, k] = sum_n delta[n, o]
    a[n, i] E[n, k] / N`` is a matrix product per block of units (BLAS-3),
    ``O(M N K)`` work: the faster route when K is small.
``'separable'``
    uses that ``exp(-2 pi i k.x)`` factors over the axes of the grid: the sum over
    the last axis is taken with delta and a together (one batched matrix product,
    never forming a derivative on the grid), the other axes one at a time.
    ``O(M N (2B + 1))`` work for the cube ``|k|_inf <= B`` holding Omega, all of it
    BLAS-3: the fastest route when B is small against log N.

``'autograd'`` is the naive reference: autograd's ``jacobian`` of all N grid
outputs (an N x M array in memory), then the FFT.
"""

import autograd
import numpy as np

from . import _checks
from .fourier import Space, basis_matrix, fourier_coefficients, _check_space
from .losses import loss_derivative, objective
from .nets import _check_net

__all__ = ["disparity_matrix", "gradient_identity", "numerical_rank", "singular_values"]

METHODS = ("auto", "fft", "contract", "separable", "autograd")


def disparity_matrix(net, w, space, method="auto", block_elements=2**23):
    """Return the disparity matrix H(w), of shape (M, K).

    Parameters
    ----------
    net : MLP
        The network.
    w : ndarray, shape (M,)
        Its parameters.
    space : Space
        Grid and truncation set Omega.
    method : {'auto', 'fft', 'contract', 'separable', 'autograd'}
        ``'auto'`` picks ``'contract'`` when ``K < 4 log2 N``, else ``'separable'``
        when ``d >= 2`` and the cube holding Omega has at most ``1.5 log2 N``
        frequencies per axis, else ``'fft'``: the fastest route in the measurements
        of ``bench/bench_disparity.py``.
    block_elements : int
        Largest number of float64 values a block of per-sample derivatives may hold
        (default 2**23, 64 MB); it bounds the working memory of both fast routes,
        beyond the layer factors (N x width) and, for ``'contract'``, the N x K
        basis matrix.

    Returns
    -------
    ndarray, shape (M, K)

    References
    ----------
    Eq. (8) of Jiang (2019).
    """
    _check_net(net)
    _check_space(space)
    if space.grid.d != net.d:
        _checks.fail("space", f"a grid in d = {net.d} (the network's input dimension)", f"d = {space.grid.d}")
    w = net.check_parameters(w)
    _checks.choice("method", method, METHODS)
    block_elements = _checks.integer("block_elements", block_elements, minimum=1)
    if method == "auto":
        log_n = np.log2(space.grid.N)
        width = 2 * space.omega.max_abs_frequency + 1
        if space.K < 4 * log_n:
            method = "contract"
        elif space.grid.d >= 2 and width <= 1.5 * log_n:
            method = "separable"
        else:
            method = "fft"
    if method == "autograd":
        return _disparity_autograd(net, w, space)
    factors = net.layer_factors(w, space.grid.points)
    rows = {"fft": _rows_fft, "contract": _rows_contract, "separable": _rows_separable}[method]
    basis = None
    if method == "contract":
        basis = basis_matrix(space.omega, space.grid.points) / space.grid.N
    elif method == "separable":
        basis = _axis_exponentials(space)
    blocks = []
    for a, delta in factors:
        blocks.append(rows(a, delta, space, basis, block_elements))
        blocks.append(rows(np.ones((len(a), 1)), delta, space, basis, block_elements))
    return np.concatenate(blocks, axis=0)


def gradient_identity(net, w, x, y, loss, space, H=None):
    """Return both sides of eq. (9): ``grad_w Q(w)`` and ``H(w) grad_theta Q(theta)``.

    The left side is autograd's gradient of ``Q(w) = sum_t l(y_t, f_w(x_t))``. The
    right side evaluates the canonical-space gradient at ``theta(w)``, the
    coordinates of ``f_w`` over Omega, i.e. with the partial sum ``f_Omega`` in
    place of ``f_w`` at the data, and maps it back with H. The two agree to
    round-off in the discrete-exact setting (``space.is_full`` and every x_t a grid
    point); otherwise they differ by the truncation error.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    x : ndarray, shape (T, d)
        Training inputs, points of U.
    y : ndarray, shape (T,)
        Targets.
    loss : {'mse', 'cross_entropy'}
    space : Space
    H : ndarray, shape (M, K), optional
        A disparity matrix already computed at w.

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
        H = disparity_matrix(net, w, space)
    H = _checks.array("H", H, shape=(net.M, space.K))
    theta = fourier_coefficients(net(w, space.grid.points), space)
    return _identity_sides(net, w, x, y, loss, H, theta, basis_matrix(space.omega, x))


def singular_values(H):
    """Return the singular values of a matrix, largest first.

    Parameters
    ----------
    H : ndarray, shape (M, K)

    Returns
    -------
    ndarray, shape (min(M, K),)
    """
    H = _checks.array("H", H, ndim=2)
    if H.size == 0:
        _checks.fail("H", "a non-empty matrix", f"shape {H.shape}")
    return np.linalg.svd(H, compute_uv=False)


def numerical_rank(H, rtol=None):
    """Return the number of singular values above ``rtol * sigma_max``.

    Parameters
    ----------
    H : ndarray, shape (M, K)
    rtol : float, optional
        Relative tolerance in (0, 1). Default ``max(M, K) * eps``, numpy's
        convention: what float64 cannot tell from zero.

    Returns
    -------
    int
    """
    s = singular_values(H)
    if rtol is None:
        rtol = max(np.shape(H)) * np.finfo(np.float64).eps
    rtol = _checks.real("rtol", rtol, minimum=0, strict_minimum=True)
    if rtol >= 1:
        _checks.fail("rtol", "a relative tolerance in (0, 1)", rtol)
    if s[0] == 0:
        return 0
    return int(np.sum(s > rtol * s[0]))


# --- private helpers -------------------------------------------------------


def _identity_sides(net, w, x, y, loss, H, theta, phi):
    """Both sides of eq. (9) in any orthonormal basis, given theta(w) and Phi at the data."""
    lhs = autograd.grad(lambda v: objective(loss, y, net(v, x)))(w)
    grad_theta = phi.T @ loss_derivative(loss, y, phi @ theta)
    return lhs, H @ grad_theta


def _rows_fft(a, delta, space, basis, block_elements):
    """Rows ``delta[:, o] * a[:, i]`` (o-major), transformed a block of units at a time."""
    N, inputs = a.shape
    units = delta.shape[1]
    out = np.empty((units, inputs, space.K))
    step = max(1, block_elements // (inputs * N))
    a_t = np.ascontiguousarray(a.T)
    for start in range(0, units, step):
        stop = min(units, start + step)
        samples = delta.T[start:stop, None, :] * a_t[None, :, :]
        out[start:stop] = fourier_coefficients(samples, space)
    return out.reshape(units * inputs, space.K)


def _rows_contract(a, delta, space, basis, block_elements):
    """Rows as ``sum_n delta[n, o] a[n, i] E[n, k] / N``, one matrix product per block."""
    N, inputs = a.shape
    units = delta.shape[1]
    K = space.K
    out = np.empty((units, inputs, K))
    step = max(1, block_elements // (K * N))
    for start in range(0, units, step):
        stop = min(units, start + step)
        weighted = (delta[:, start:stop, None] * basis[:, None, :]).reshape(N, -1)
        out[start:stop] = (weighted.T @ a).reshape(stop - start, K, inputs).transpose(0, 2, 1)
    return out.reshape(units * inputs, K)


def _axis_exponentials(space):
    """``exp(-2 pi i k x_j)`` on one axis of the grid, k = -B..B: shape (n, 2B + 1)."""
    B = space.omega.max_abs_frequency
    x = (np.arange(space.grid.n) + 0.5) / space.grid.n
    return np.exp(-2j * np.pi * np.outer(x, np.arange(-B, B + 1)))


def _rows_separable(a, delta, space, factors, block_elements):
    """Rows ``delta[:, o] * a[:, i]`` transformed axis by axis, a block of units at a time."""
    grid, omega = space.grid, space.omega
    n, d = grid.n, grid.d
    N, inputs = a.shape
    units = delta.shape[1]
    width = factors.shape[1]
    lead = N // n                                  # grid points per value of the last axis
    a_grid = a.reshape(lead, n, inputs)
    out = np.empty((units, inputs, omega.K))
    step = max(1, block_elements // (lead * width * inputs))
    index = tuple((omega.half + omega.max_abs_frequency).T)
    for start in range(0, units, step):
        stop = min(units, start + step)
        block = stop - start
        # last axis: sum_j delta[., j, o] e(k_d, x_j) a[., j, i], one batched product
        weighted = delta.reshape(lead, n, units)[:, :, start:stop, None] * factors[None, :, None, :]
        weighted = weighted.reshape(lead, n, block * width).transpose(0, 2, 1)
        partial = (weighted.real @ a_grid) + 1j * (weighted.imag @ a_grid)  # (lead, block*width, in)
        partial = partial.reshape(grid.shape[:-1] + (block, width, inputs))
        # the other axes, one at a time: contract each grid axis with its exponentials
        for _ in range(d - 1):
            partial = np.tensordot(factors, partial, axes=([0], [d - 2]))
        # axes are now (k_1, ..., k_{d-1}, unit, k_d, input)
        theta = np.moveaxis(partial, (d - 1, d + 1), (0, 1))  # (unit, input, k_1.., k_d)
        values = theta[(slice(None), slice(None)) + index] / N
        out[start:stop, :, 0] = theta[(slice(None), slice(None)) + (omega.max_abs_frequency,) * d].real / N
        root2 = np.sqrt(2.0)
        h = len(omega.half)
        out[start:stop, :, 1 : 1 + h] = root2 * values.real
        out[start:stop, :, 1 + h :] = -root2 * values.imag
    return out.reshape(units * inputs, omega.K)


def _disparity_autograd(net, w, space):
    points = space.grid.points
    jacobian = autograd.jacobian(lambda v: net(v, points))(w)  # (N, M)
    return fourier_coefficients(jacobian.T, space)
