"""The disparity matrix H(w) of eq. (8) and the gradient identity of eq. (9).

Row i of H holds the canonical coordinates (over Omega) of the function
``x -> df_w(x)/dw_i``; entry ``H[i, k] = <df_w/dw_i, e_k>`` in L2(U), computed by
the midpoint rule on the space's grid.

The fast routes share one hand-written backward pass (``MLP.layer_factors``), which
gives ``df(x_n)/dW[o, i] = delta[n, o] a[n, i]`` for every layer at once; none of
them forms the M x N Jacobian:

``'separable'``
    the basis functions of a cube factor over the axes of the grid, so
    ``H_W[o, i, k] = sum_n delta[n, o] a[n, i] e_k(x_n) / N`` is taken one axis at a
    time with real 1-d functions, all of it BLAS-3 on cache-sized blocks, in
    threads: about ``2 M N (2B + 1)`` flops for ``Omega`` inside ``|k|_inf <= B``
    (see ``canon/_separable.py``).
``'contract'``
    the same sum with the dense N x K basis, a matrix product per block of units:
    ``2 M N K`` flops, the better choice for a few scattered high frequencies.
``'fft'``
    forms the per-sample derivatives a block of rows at a time and takes their
    FFT: ``O(M N log N)``, the better choice when Omega reaches far up the spectrum.

``'autograd'`` is the naive reference: autograd's ``jacobian`` of all N grid
outputs (an N x M array in memory), then the FFT. ``'auto'`` takes the route of
least estimated cost (:func:`route_costs`).
"""

import os
from concurrent.futures import ThreadPoolExecutor

import autograd
import numpy as np
import threadpoolctl

from . import _checks, _separable
from .fourier import Space, basis_matrix, fourier_coefficients, _check_space
from .losses import loss_derivative, objective
from .nets import _check_net

__all__ = ["disparity_matrix", "gradient_identity", "numerical_rank", "route_costs", "separable_basis",
           "singular_values"]

METHODS = ("auto", "fft", "contract", "separable", "autograd")
# Cost of the FFT route per M N log2(2N), and of moving one value in the separable
# route's gathers, in flop-equivalents of a matrix product (bench/ measures both).
FFT_COST = 30.0
GATHER_COST = 20.0
# The contraction with a dense basis runs at about 2/3 of the separable route's rate.
CONTRACT_COST = 1.5
# Below this many flop-equivalents (a few ms) threads cost more than they save.
THREADS_FROM = 2e8
# From this many multiply-adds in its largest product (N x in x out) the backward pass of the
# separable route keeps the caller's BLAS threads (2^31: width 1024 at N = 4096, where they save
# 6%; at width 512 a threaded backward pass on a busy machine cost 1.3x, measured).
FACTOR_THREADS_FROM = 2**31


def disparity_matrix(net, w, space, method="auto", block_elements=None, workers=None):
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
        ``'auto'`` picks the fast route of least estimated cost
        (:func:`route_costs`, calibrated with ``bench/``): ``'separable'`` for
        cubes and balls of low frequency, ``'contract'`` for a few scattered
        frequencies, ``'fft'`` when Omega reaches far up the spectrum.
    block_elements : int, optional
        Largest number of float64 values in the working block of a route: default
        2**20 (8 MB, cache-sized) or four units' worth for ``'separable'``, 2**23 (64 MB) for
        ``'fft'`` and ``'contract'``. Beyond it, memory holds the layer factors
        (N x width), H itself and, for ``'contract'``, the N x K basis matrix:
        never an M x N Jacobian, except for ``'autograd'``.
    workers : int, optional
        Threads for the ``'separable'`` route (default: the number of CPUs; one for
        problems under ``THREADS_FROM`` flops). The route holds BLAS to one thread
        (threadpoolctl) in its contraction: its products are small and many, and
        threads over blocks beat a threaded BLAS on each product. Its backward pass
        keeps the caller's BLAS threads when its largest product reaches
        ``FACTOR_THREADS_FROM`` multiply-adds. The result does not depend on either.

    Returns
    -------
    ndarray, shape (M, K)
        From the separable route, a transposed (Fortran-ordered) array.

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
    if block_elements is not None:
        block_elements = _checks.integer("block_elements", block_elements, minimum=1)
    workers = (os.cpu_count() or 1) if workers is None else _checks.integer("workers", workers, minimum=1)
    costs = route_costs(net, space, workers)
    if method == "auto":
        method = min(costs, key=costs.get)
    if costs["separable"] * workers < THREADS_FROM:
        workers = 1                                  # starting threads would cost more than they save
    if method == "autograd":
        return _disparity_autograd(net, w, space)
    if method == "separable":
        # Its matrix products are small and many: threads over blocks, each with a
        # single-threaded BLAS, beat a threaded BLAS on each product (measured). The
        # backward pass's products are large: on a large problem they keep the BLAS
        # threads the caller set (same values: BLAS splits a product's rows and columns
        # between threads, never its inner sum).
        if max(units * inputs for units, inputs in net.layer_shapes) * space.grid.N < FACTOR_THREADS_FROM:
            with threadpoolctl.threadpool_limits(1, user_api="blas"):
                factors = net.layer_factors(w, space.grid.points)
                return _disparity_separable(factors, space, block_elements, workers)
        factors = net.layer_factors(w, space.grid.points)
        with threadpoolctl.threadpool_limits(1, user_api="blas"):
            return _disparity_separable(factors, space, block_elements, workers)
    factors = net.layer_factors(w, space.grid.points)
    block_elements = block_elements or 2**23
    if method == "contract":
        rows, basis = _rows_contract, basis_matrix(space.omega, space.grid.points) / space.grid.N
    else:
        rows, basis = _rows_fft, None
    blocks = []
    for a, delta in factors:
        blocks.append(rows(a, delta, space, basis, block_elements))
        blocks.append(rows(np.ones((len(a), 1)), delta, space, basis, block_elements))
    return np.concatenate(blocks, axis=0)


def route_costs(net, space, workers=1):
    """Estimated cost of each fast route, in flop-equivalents of a matrix product.

    Products of matrices count their flops (``CONTRACT_COST`` times them for the
    dense basis, whose products are less efficient); the FFT route counts
    ``FFT_COST * M * N * log2(2 N)`` and the separable route's gathers
    ``GATHER_COST`` per value moved. The constants were measured against matrix
    products (``bench/``); the estimates only have to rank the routes.

    Parameters
    ----------
    net : MLP
    space : Space
    workers : int
        Threads of the separable route: its estimate is divided by them (the other
        routes run on one thread).

    Returns
    -------
    dict
        ``{'separable': ..., 'contract': ..., 'fft': ...}``; ``'auto'`` takes the least.
    """
    _check_net(net)
    _check_space(space)
    if space.grid.d != net.d:
        _checks.fail("space", f"a grid in d = {net.d} (the network's input dimension)", f"d = {space.grid.d}")
    workers = _checks.integer("workers", workers, minimum=1)
    M, N, K = net.M, space.grid.N, space.K
    n, d = space.grid.n, space.grid.d
    r = 2 * space.omega.max_abs_frequency + 1
    separable = 2.0 * M * N * r
    for j in range(1, d):                        # the later axes act on data n**j times smaller
        separable += 2.0 * M * N * r ** (j + 1) / n**j
    separable += GATHER_COST * 2 ** (d - 1) * M * K
    return {
        "separable": separable / workers,
        "contract": CONTRACT_COST * 2.0 * M * N * K,
        "fft": FFT_COST * M * N * np.log2(2 * N),
    }


def separable_basis(space):
    """Return the pieces of the separable route: axis functions and the map to the real basis.

    On the midpoint grid every real basis function of a set Omega inside the cube
    ``|k|_inf <= B`` is a combination of at most ``2**(d-1)`` products
    ``r_{t_1}(x_1) ... r_{t_d}(x_d)`` of the ``r = 2B + 1`` one-dimensional functions
    ``r_0 = 1``, ``r_q = cos 2 pi q t``, ``r_{B+q} = sin 2 pi q t`` (q = 1..B), by the
    angle-sum formulas. The ``'separable'`` route of :func:`disparity_matrix` takes its
    sums in that tensor-product basis, one grid axis at a time, and maps the result.

    Parameters
    ----------
    space : Space

    Returns
    -------
    R : ndarray, shape (n, 2B + 1)
        The functions ``r_0 .. r_2B`` at the n midpoints of one axis.
    index, weight : ndarray, shape (2**(d-1), K)
        ``e_k = sum_s weight[s, k] * prod_j r_{t_j}`` with ``t = unravel(index[s, k])``
        in the C order of ``(2B + 1,) * d``; unused terms have weight 0.

    Examples
    --------
    >>> import canon
    >>> R, index, weight = canon.disparity.separable_basis(canon.cube_space(8, 2, 1))
    >>> R.shape, index.shape
    ((8, 3), (2, 9))
    """
    _check_space(space)
    B = space.omega.max_abs_frequency
    R = _separable.axis_functions(space.grid.n, B)
    index, weight = _separable.tensor_to_real(space.omega, B)
    return R, index, weight


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


def _disparity_separable(factors, space, block_elements, workers):
    """H through ``canon._separable``, written transposed and returned as (M, K)."""
    B = space.omega.max_abs_frequency
    R = _separable.axis_functions(space.grid.n, B)
    index, weight = _separable.tensor_to_real(space.omega, B)
    M = sum(delta.shape[1] * (a.shape[1] + 1) for a, delta in factors)
    pool = ThreadPoolExecutor(workers) if workers > 1 else None
    try:
        out = _separable.empty_output(space.K, M, pool, workers)
        start = 0
        for a, delta in factors:
            for inputs in (a, np.ones((len(a), 1))):
                stop = start + delta.shape[1] * inputs.shape[1]
                _separable.layer_rows(inputs, delta, space.grid, R, index, weight, out[:, start:stop],
                                      block_elements, pool, workers)
                start = stop
    finally:
        if pool is not None:
            pool.shutdown()
    return out.T


def _disparity_autograd(net, w, space):
    points = space.grid.points
    jacobian = autograd.jacobian(lambda v: net(v, points))(w)  # (N, M)
    return fourier_coefficients(jacobian.T, space)
