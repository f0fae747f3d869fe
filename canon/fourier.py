"""Fourier analysis on the unit hypercube U = [0, 1]^d: the canonical space.

Implements eq. (4)-(6) of Jiang (2019) in the book's conventions (its Notation page):
coefficients are computed from samples on the midpoint grid
``x_j = (j + 1/2) / n`` with the FFT, and a function is represented in the real
orthonormal basis

    1,   sqrt(2) cos(2 pi k.x),   sqrt(2) sin(2 pi k.x)     (k in a half-set of Omega)

so that canonical coordinates ``theta`` are real vectors of length ``K = |Omega|``.
The basis is ordered: the constant first, then the cosines, then the sines, each
over the half-set in order of increasing ``|k|``.
"""

from dataclasses import dataclass, field
import itertools

import numpy as np

from . import _checks

__all__ = [
    "Grid",
    "Omega",
    "Space",
    "midpoint_grid",
    "cube",
    "ball",
    "most_significant",
    "cube_space",
    "full_space",
    "fourier_coefficients",
    "coefficient_magnitudes",
    "basis_matrix",
    "partial_sum",
    "truncation_error",
]


@dataclass(frozen=True)
class Grid:
    """The midpoint grid of ``N = n**d`` points ``x_j = (j + 1/2) / n`` in U.

    Points are ordered like ``numpy.indices``: the last coordinate varies fastest.

    Parameters
    ----------
    n : int
        Points per axis, ``n >= 2``.
    d : int
        Dimension of the input space, ``d >= 1``.
    """

    n: int
    d: int

    def __post_init__(self):
        object.__setattr__(self, "n", _checks.integer("n", self.n, minimum=2))
        object.__setattr__(self, "d", _checks.integer("d", self.d, minimum=1))
        if self.n**self.d > 2**26:
            _checks.fail("n**d", "at most 2**26 grid points", f"{self.n}**{self.d}")

    @property
    def N(self):
        """Number of grid points, ``n**d``."""
        return self.n**self.d

    @property
    def shape(self):
        """The grid as a d-dimensional array shape ``(n,) * d``."""
        return (self.n,) * self.d

    @property
    def points(self):
        """The ``(N, d)`` array of grid points."""
        index = np.indices(self.shape).reshape(self.d, -1).T
        return (index + 0.5) / self.n


@dataclass(frozen=True, eq=False)
class Omega:
    """A truncation set: a finite set of frequencies, symmetric about 0, holding 0.

    It is stored as its half-set (the ``k != 0`` whose first non-zero component is
    positive); the full set is the half-set, its negatives and 0.

    Parameters
    ----------
    d : int
        Dimension of the frequencies.
    half : ndarray of int, shape (h, d)
        The half-set; ``K = 2 h + 1``.
    """

    d: int
    half: np.ndarray = field(repr=False)

    def __post_init__(self):
        d = _checks.integer("d", self.d, minimum=1)
        half = np.asarray(self.half)
        if half.size == 0:
            half = np.zeros((0, d), dtype=np.int64)
        if half.ndim != 2 or half.shape[1] != d:
            _checks.fail("half", f"an integer array of shape (h, {d})", f"shape {half.shape}")
        if not np.issubdtype(half.dtype, np.integer):
            _checks.fail("half", "integer frequencies", f"dtype {half.dtype}", TypeError)
        half = half.astype(np.int64)
        if len(half) and not np.all(_in_half_set(half)):
            _checks.fail("half", "frequencies whose first non-zero component is positive", "others")
        if len(np.unique(half, axis=0)) != len(half):
            _checks.fail("half", "distinct frequencies", "repeated ones")
        order = np.lexsort(tuple(half.T[::-1]) + (np.sum(half**2, axis=1),))
        half = half[order]
        half.setflags(write=False)
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "half", half)

    @property
    def K(self):
        """Dimension of the canonical space, ``|Omega| = 2 h + 1``."""
        return 2 * len(self.half) + 1

    @property
    def max_abs_frequency(self):
        """The largest ``|k_l|`` over all frequencies and axes (0 for Omega = {0})."""
        return int(np.abs(self.half).max()) if len(self.half) else 0

    @property
    def frequencies(self):
        """The ``(K, d)`` frequency of each real basis function (cos and sin share k)."""
        return np.concatenate([np.zeros((1, self.d), np.int64), self.half, self.half])

    @property
    def labels(self):
        """A readable name for each real basis function, e.g. ``'cos(1,-2)'``."""
        names = [",".join(str(c) for c in k) for k in self.half]
        return ["1"] + [f"cos({s})" for s in names] + [f"sin({s})" for s in names]


@dataclass(frozen=True, eq=False)
class Space:
    """An epsilon-precision canonical space: a grid to sample on and a set Omega.

    Parameters
    ----------
    grid : Grid
        Where functions are sampled.
    omega : Omega
        The frequencies kept. Every ``|k_l|`` must be below ``n / 2``: higher
        frequencies alias on a grid of ``n`` points per axis.
    """

    grid: Grid
    omega: Omega

    def __post_init__(self):
        if not isinstance(self.grid, Grid):
            _checks.fail("grid", "a canon.Grid", type(self.grid).__name__, TypeError)
        if not isinstance(self.omega, Omega):
            _checks.fail("omega", "a canon.Omega", type(self.omega).__name__, TypeError)
        if self.grid.d != self.omega.d:
            _checks.fail("omega", f"frequencies in d = {self.grid.d} (the grid's)", f"d = {self.omega.d}")
        B = self.omega.max_abs_frequency
        if 2 * B >= self.grid.n:
            _checks.fail(
                "omega",
                f"frequencies with |k_l| < n/2 = {self.grid.n / 2} (the grid resolves no more)",
                f"|k_l| up to B = {B}",
            )

    @property
    def K(self):
        """Dimension of the canonical space."""
        return self.omega.K

    @property
    def is_full(self):
        """True when Omega is the whole DFT space of the grid (``K = N``)."""
        return self.K == self.grid.N


def midpoint_grid(n, d):
    """Return the midpoint grid of ``n**d`` points in ``[0, 1]^d``.

    Parameters
    ----------
    n : int
        Points per axis (``n >= 2``).
    d : int
        Dimension (``d >= 1``).

    Returns
    -------
    Grid
    """
    return Grid(n, d)


def cube(d, B):
    """Return the cube ``{k in Z^d : |k|_inf <= B}`` (``K = (2B + 1)**d``).

    Parameters
    ----------
    d : int
        Dimension.
    B : int
        Bandwidth, ``B >= 0``.

    Returns
    -------
    Omega
    """
    d = _checks.integer("d", d, minimum=1)
    B = _checks.integer("B", B, minimum=0)
    if (2 * B + 1) ** d > 2**24:
        _checks.fail("B", "a cube of at most 2**24 frequencies", f"(2*{B}+1)**{d}")
    k = np.array(list(itertools.product(range(-B, B + 1), repeat=d)), dtype=np.int64)
    return Omega(d, k[_in_half_set(k)])


def ball(d, R):
    """Return the ball ``{k in Z^d : |k|_2 <= R}``.

    Parameters
    ----------
    d : int
        Dimension.
    R : float
        Radius, ``R >= 0``.

    Returns
    -------
    Omega
    """
    d = _checks.integer("d", d, minimum=1)
    R = _checks.real("R", R, minimum=0)
    B = int(np.floor(R))
    k = cube(d, B).half
    return Omega(d, k[np.sum(k**2, axis=1) <= R**2 + 1e-12])


def most_significant(theta, omega, K):
    """Return the K most significant frequencies of a function.

    The constant is always kept; the other frequencies are ranked by the energy
    ``theta_cos**2 + theta_sin**2`` they carry, so K must be odd.

    Parameters
    ----------
    theta : ndarray, shape (omega.K,)
        Real canonical coordinates of the function over ``omega``.
    omega : Omega
        The set ``theta`` is expressed over.
    K : int
        Odd size of the returned set, ``1 <= K <= omega.K``.

    Returns
    -------
    Omega
    """
    if not isinstance(omega, Omega):
        _checks.fail("omega", "a canon.Omega", type(omega).__name__, TypeError)
    theta = _checks.array("theta", theta, ndim=1, shape=(omega.K,))
    K = _checks.integer("K", K, minimum=1, maximum=omega.K)
    if K % 2 == 0:
        _checks.fail("K", "an odd number (0 plus pairs k, -k)", K)
    h = len(omega.half)
    energy = theta[1 : 1 + h] ** 2 + theta[1 + h :] ** 2
    keep = np.argsort(-energy, kind="stable")[: (K - 1) // 2]
    return Omega(omega.d, omega.half[np.sort(keep)])


def cube_space(n, d, B):
    """Return the space of the cube ``|k|_inf <= B`` sampled on an ``n**d`` grid.

    Parameters
    ----------
    n : int
        Grid points per axis; ``B < n / 2`` is required.
    d : int
        Dimension.
    B : int
        Bandwidth.

    Returns
    -------
    Space
    """
    return Space(midpoint_grid(n, d), cube(d, B))


def full_space(n, d):
    """Return the full discrete space of an odd grid: ``K = N = n**d``.

    In it the partial sum interpolates every grid function exactly; it is the
    book's discrete-exact setting.

    Parameters
    ----------
    n : int
        Odd number of grid points per axis.
    d : int
        Dimension.

    Returns
    -------
    Space
    """
    n = _checks.integer("n", n, minimum=3)
    if n % 2 == 0:
        _checks.fail("n", "an odd n (with even n the Nyquist cosine vanishes on the grid)", n)
    return cube_space(n, d, (n - 1) // 2)


def fourier_coefficients(samples, space):
    """Return the real canonical coordinates of functions sampled on a grid.

    The integral of eq. (4) is replaced by the midpoint rule on the grid, computed
    for all frequencies at once with the FFT.

    Parameters
    ----------
    samples : ndarray, shape (..., N)
        Values at ``space.grid.points``; leading axes are independent functions.
    space : Space
        Grid and truncation set.

    Returns
    -------
    ndarray, shape (..., K)
        ``[theta_0, sqrt(2) Re theta_k, -sqrt(2) Im theta_k]`` over the half-set.

    References
    ----------
    Eq. (4) and (6) of Jiang (2019).
    """
    _check_space(space)
    grid = space.grid
    samples = _checks.array("samples", samples)
    if samples.ndim == 0 or samples.shape[-1] != grid.N:
        _checks.fail("samples", f"a last axis of length N = {grid.N}", f"shape {samples.shape}")
    lead = samples.shape[:-1]
    values = samples.reshape(lead + grid.shape)
    spectrum = np.fft.rfftn(values, axes=tuple(range(len(lead), len(lead) + grid.d)))
    return _real_coordinates(spectrum, space)


def coefficient_magnitudes(theta, omega):
    """Return ``|theta_k|`` (complex) for the constant and each half-set frequency.

    Parameters
    ----------
    theta : ndarray, shape (..., K)
        Real canonical coordinates.
    omega : Omega
        Their truncation set.

    Returns
    -------
    ndarray, shape (..., h + 1)
        ``|theta_0|`` then ``|theta_k| = sqrt(cos_k**2 + sin_k**2) / sqrt(2)``.
    """
    if not isinstance(omega, Omega):
        _checks.fail("omega", "a canon.Omega", type(omega).__name__, TypeError)
    theta = _checks.array("theta", theta)
    if theta.ndim == 0 or theta.shape[-1] != omega.K:
        _checks.fail("theta", f"a last axis of length K = {omega.K}", f"shape {theta.shape}")
    h = len(omega.half)
    pairs = np.sqrt((theta[..., 1 : 1 + h] ** 2 + theta[..., 1 + h :] ** 2) / 2)
    return np.concatenate([np.abs(theta[..., :1]), pairs], axis=-1)


def basis_matrix(omega, x):
    """Return the real basis functions of ``omega`` evaluated at points ``x``.

    With training inputs this is the design matrix Phi of eq. (7).

    Parameters
    ----------
    omega : Omega
        The truncation set.
    x : ndarray, shape (T, d)
        Points of U.

    Returns
    -------
    ndarray, shape (T, K)
    """
    if not isinstance(omega, Omega):
        _checks.fail("omega", "a canon.Omega", type(omega).__name__, TypeError)
    x = _checks.points_in_cube("x", x, omega.d)
    phase = 2 * np.pi * (x @ omega.half.T)
    root2 = np.sqrt(2.0)
    return np.concatenate([np.ones((len(x), 1)), root2 * np.cos(phase), root2 * np.sin(phase)], axis=1)


def partial_sum(theta, omega, x):
    """Evaluate the partial sum ``f_Omega(x) = sum_k theta_k e_k(x)`` of eq. (6).

    Parameters
    ----------
    theta : ndarray, shape (..., K)
        Real canonical coordinates.
    omega : Omega
        Their truncation set.
    x : ndarray, shape (T, d)
        Points of U (anywhere, not only grid points).

    Returns
    -------
    ndarray, shape (..., T)
    """
    if not isinstance(omega, Omega):
        _checks.fail("omega", "a canon.Omega", type(omega).__name__, TypeError)
    theta = _checks.array("theta", theta)
    if theta.ndim == 0 or theta.shape[-1] != omega.K:
        _checks.fail("theta", f"a last axis of length K = {omega.K}", f"shape {theta.shape}")
    return theta @ basis_matrix(omega, x).T


def truncation_error(samples, space):
    """Return the root-mean-square error ``||f - f_Omega||`` on the grid.

    It is the discrete L2(U) norm of what the partial sum leaves out; by
    Parseval on the grid it equals the norm of the discarded coefficients.

    Parameters
    ----------
    samples : ndarray, shape (..., N)
        Values at ``space.grid.points``.
    space : Space
        Grid and truncation set.

    Returns
    -------
    float or ndarray, shape (...)
    """
    theta = fourier_coefficients(samples, space)
    residual = np.asarray(samples, dtype=np.float64) - partial_sum(theta, space.omega, space.grid.points)
    return np.sqrt(np.mean(residual**2, axis=-1))


# --- private helpers -------------------------------------------------------


def _in_half_set(k):
    """Mask of the rows of k whose first non-zero component is positive."""
    nonzero = k != 0
    first = np.argmax(nonzero, axis=1)
    lead = k[np.arange(len(k)), first]
    return nonzero.any(axis=1) & (lead > 0)


def _check_space(space):
    if not isinstance(space, Space):
        _checks.fail("space", "a canon.Space (see cube_space, full_space)", type(space).__name__, TypeError)


def _real_coordinates(spectrum, space):
    """Real coordinates over Omega from an ``rfftn`` spectrum on the grid axes.

    ``spectrum`` has shape ``lead + (n,) * (d - 1) + (n // 2 + 1,)``.
    """
    grid, omega = space.grid, space.omega
    n, d = grid.n, grid.d
    lead = spectrum.shape[: spectrum.ndim - d]
    k = omega.half
    # rfftn keeps k_d >= 0 only; a real function has theta_{-k} = conj(theta_k).
    flip = k[:, -1] < 0
    stored = np.where(flip[:, None], -k, k) % n
    flat_index = np.ravel_multi_index(tuple(stored.T), spectrum.shape[-d:])
    flat = spectrum.reshape(lead + (-1,))
    values = flat[..., flat_index]
    values = np.where(flip, np.conj(values), values)
    # The midpoint grid is shifted by 1/(2n): a phase exp(-i pi sum(k) / n).
    values = values * np.exp(-1j * np.pi * k.sum(axis=1) / n) / grid.N
    theta0 = flat[..., :1].real / grid.N
    root2 = np.sqrt(2.0)
    return np.concatenate([theta0, root2 * values.real, -root2 * values.imag], axis=-1)
