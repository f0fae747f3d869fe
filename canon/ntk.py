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

For a wide one-hidden-layer ReLU network the kernel has a closed form: the
arc-cosine kernels of degree 0 and 1 of Cho and Saul (2009)
(:func:`arc_cosine_kernel`), combined by :func:`relu_ntk_limit` in the
parameterisation of ``canon.MLP`` and the ``'gaussian'`` scheme of
``canon.initialize``.
"""

import numpy as np

from . import _checks
from .fourier import basis_matrix, _check_space
from .nets import _check_net, per_sample_gradients

__all__ = ["arc_cosine_kernel", "compressed_ntk", "ntk_gram", "relu_ntk_limit"]

#: The parameter blocks :func:`relu_ntk_limit` can return.
LAYERS = ("all", "hidden", "output")


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


def arc_cosine_kernel(u, v=None, degree=1):
    """Return the arc-cosine kernel of Cho and Saul (2009) of degree 0 or 1.

    For vectors ``u, v`` at angle ``t``::

        k_0(u, v) = 1 - t / pi,
        k_1(u, v) = |u| |v| (sin t + (pi - t) cos t) / pi,

    which are ``2 E[s(g.u) s(g.v)]`` over a standard Gaussian g, with ``s`` the
    step function (degree 0) or ReLU (degree 1). The angle is computed by
    Kahan's formula ``t = 2 atan2(| |v| u - |u| v |, | |v| u + |u| v |)``, exact
    to round-off also for nearly parallel vectors. A zero vector gives 0 for both
    degrees (the step function is 0 at 0, as ReLU's derivative in canon).

    Parameters
    ----------
    u : ndarray, shape (S, p)
        Vectors, one a row.
    v : ndarray, shape (T, p), optional
        Second set of vectors (default: ``u``).
    degree : {0, 1}

    Returns
    -------
    ndarray, shape (S, T)
        Symmetric positive semi-definite when ``v`` is ``u``.

    Raises
    ------
    TypeError, ValueError
        If the vectors are not finite two-dimensional arrays of equal width, or
        the degree is not 0 or 1.

    References
    ----------
    Y. Cho and L. K. Saul, Kernel methods for deep learning, NeurIPS 22 (2009),
    eq. (6) and the angular functions J_0, J_1.

    Examples
    --------
    >>> u = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> arc_cosine_kernel(u, degree=0)        # orthogonal vectors: t = pi/2
    array([[1. , 0.5],
           [0.5, 1. ]])
    """
    u = _checks.array("u", u, ndim=2)
    if u.shape[0] == 0 or u.shape[1] == 0:
        _checks.fail("u", "a non-empty (S, p) array", f"shape {u.shape}")
    v = u if v is None else _checks.array("v", v, ndim=2, shape=(None, u.shape[1]))
    if v.shape[0] == 0:
        _checks.fail("v", "at least one vector", "an empty array")
    if isinstance(degree, (bool, np.bool_)) or degree not in (0, 1):
        _checks.fail("degree", "0 or 1", repr(degree))
    nu = np.linalg.norm(u, axis=1)[:, None, None]
    nv = np.linalg.norm(v, axis=1)[None, :, None]
    a, b = nv * u[:, None, :], nu * v[None, :, :]
    t = 2.0 * np.arctan2(np.linalg.norm(a - b, axis=2), np.linalg.norm(a + b, axis=2))
    nonzero = (nu[..., 0] > 0) & (nv[..., 0] > 0)
    if degree == 0:
        return np.where(nonzero, 1.0 - t / np.pi, 0.0)
    return nu[..., 0] * nv[..., 0] * (np.sin(t) + (np.pi - t) * np.cos(t)) / np.pi


def relu_ntk_limit(x, x_prime=None, *, width, scale=1.0, bias_scale=1.0, output_scale=1.0,
                   layers="all"):
    """Return the expected NTK of a one-hidden-layer ReLU ``canon.MLP``, in closed form.

    The network is ``MLP(d, (width,), 'relu')``, ``f(x) = sum_j a_j relu(W_j . x
    + b_j) + c``, initialized by ``canon.initialize(net, seed, 'gaussian', scale,
    bias_scale, output_scale)``: ``W_j ~ N(0, scale**2 I / d)``, ``b_j ~ N(0,
    bias_scale**2)``, ``a_j ~ N(0, output_scale**2 / width)``, ``c = 0``. Its
    empirical NTK ``Theta = J(x) . J(x')`` splits over the two layers' parameters;
    with ``z = W_j . x + b_j`` and ``u = (scale x / sqrt(d), bias_scale)``::

        output layer (a, c):  1 + sum_j relu(z_j) relu(z'_j),
        hidden layer (W, b):  sum_j a_j**2 [z_j > 0] [z'_j > 0] (x . x' + 1),

    and their expectations over the initialization are, exactly at every width::

        output:  1 + width * k_1(u, u') / 2,
        hidden:  output_scale**2 * k_0(u, u') / 2 * (x . x' + 1),

    with ``k_0, k_1`` the arc-cosine kernels of :func:`arc_cosine_kernel`. Each
    block is a sum of ``width`` independent terms, so as ``width -> infinity``
    (law of large numbers) the hidden block converges to its expectation and the
    output block divided by the width to ``k_1(u, u') / 2``, both with relative
    fluctuations of order ``width**-0.5``. In this (standard) parameterisation the
    output layer dominates: the hidden block's share of the kernel falls like
    ``1 / width``. (In the NTK parameterisation of Jacot et al. 2018 both blocks
    are of order one; it is not the one canon uses.)

    Parameters
    ----------
    x : ndarray, shape (S, d)
        Input points.
    x_prime : ndarray, shape (T, d), optional
        Second set of points (default: ``x``).
    width : int
        The hidden width m >= 1.
    scale, bias_scale, output_scale : float
        The arguments of ``canon.initialize`` (``scale > 0``, ``bias_scale >= 0``,
        ``output_scale > 0``).
    layers : {'all', 'hidden', 'output'}
        Which parameter block's kernel to return (``'all'``: their sum).

    Returns
    -------
    ndarray, shape (S, T)

    Raises
    ------
    TypeError, ValueError
        If the points are malformed or of different dimensions, or a setting is
        out of range.

    References
    ----------
    Cho and Saul (2009) for ``k_0, k_1``; Jacot et al. (2018) for the NTK and its
    infinite-width limit; Remark 6 of the book.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0]])
    >>> relu_ntk_limit(x, width=1, bias_scale=0.0, layers="output")
    array([[1. , 1. ],
           [1. , 1.5]])
    """
    x = _checks.array("x", x, ndim=2)
    if x.shape[0] == 0 or x.shape[1] == 0:
        _checks.fail("x", "a non-empty (S, d) array", f"shape {x.shape}")
    d = x.shape[1]
    if x_prime is None:
        x_prime = x
    else:
        x_prime = _checks.array("x_prime", x_prime, ndim=2, shape=(None, d))
        if x_prime.shape[0] == 0:
            _checks.fail("x_prime", "at least one point", "an empty array")
    width = _checks.integer("width", width, minimum=1)
    scale = _checks.real("scale", scale, minimum=0, strict_minimum=True)
    bias_scale = _checks.real("bias_scale", bias_scale, minimum=0)
    output_scale = _checks.real("output_scale", output_scale, minimum=0, strict_minimum=True)
    _checks.choice("layers", layers, LAYERS)

    def augmented(points):
        return np.hstack([scale * points / np.sqrt(d), np.full((len(points), 1), bias_scale)])

    u, v = augmented(x), augmented(x_prime)
    result = np.zeros((len(x), len(x_prime)))
    if layers in ("all", "output"):
        result += 1.0 + width * arc_cosine_kernel(u, v, degree=1) / 2.0
    if layers in ("all", "hidden"):
        result += output_scale**2 * arc_cosine_kernel(u, v, degree=0) / 2.0 * (x @ x_prime.T + 1.0)
    return result
