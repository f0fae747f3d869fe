"""Tests of canon.fourier: the canonical space of eq. (4)-(6).

Independent routes: the direct midpoint sum E^T f / N (tests/reference.py), closed-form
Fourier coefficients, brute-force enumeration of frequency sets.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import canon
from reference import column_of, direct_coefficients, random_points, relative_error

ROOT2 = np.sqrt(2.0)


def _space(kind, n, d, size):
    omega = canon.cube(d, size) if kind == "cube" else canon.ball(d, size)
    return canon.Space(canon.midpoint_grid(n, d), omega)


# (kind, n, d, B or R): odd and even n, d = 1, 2, 3, B < n/2.
SPACES = [
    ("cube", 7, 1, 3),
    ("cube", 8, 1, 3),
    ("cube", 9, 2, 4),
    ("cube", 10, 2, 4),
    ("cube", 10, 2, 2),
    ("cube", 5, 3, 2),
    ("cube", 6, 3, 2),
    ("ball", 9, 2, 3.5),
    ("ball", 12, 2, 5.0),
    ("ball", 6, 3, 2.0),
    ("ball", 7, 3, 1.5),
]
SPACE_IDS = [f"{kind}-n{n}-d{d}-{size}" for kind, n, d, size in SPACES]


# --- the real basis --------------------------------------------------------


@pytest.mark.parametrize("kind, n, d, size", SPACES, ids=SPACE_IDS)
def test_basis_is_orthonormal_on_the_grid(kind, n, d, size):
    space = _space(kind, n, d, size)
    E = canon.basis_matrix(space.omega, space.grid.points)
    assert E.shape == (space.grid.N, space.K)
    gram = E.T @ E / space.grid.N
    assert np.max(np.abs(gram - np.eye(space.K))) < 1e-13


def test_basis_columns_match_their_labels():
    omega = canon.cube(2, 2)
    x = random_points(np.random.default_rng(0), 50, 2)
    E = canon.basis_matrix(omega, x)
    for column, label in enumerate(omega.labels):
        if label == "1":
            expected = np.ones(len(x))
        else:
            kind, k = label[:3], np.array([int(c) for c in label[4:-1].split(",")])
            expected = ROOT2 * getattr(np, kind)(2 * np.pi * x @ k)
        np.testing.assert_allclose(E[:, column], expected, rtol=0, atol=1e-14, err_msg=label)


# --- Parseval ---------------------------------------------------------------


@pytest.mark.parametrize("n, d", [(7, 1), (11, 1), (9, 2), (5, 3)])
def test_parseval_in_the_full_space(n, d):
    space = canon.full_space(n, d)
    assert space.is_full
    f = np.random.default_rng(n + d).normal(size=(3, space.grid.N))
    theta = canon.fourier_coefficients(f, space)
    np.testing.assert_allclose(np.sum(theta**2, axis=-1), np.mean(f**2, axis=-1), rtol=1e-13)


@pytest.mark.parametrize("kind, n, d, size", SPACES, ids=SPACE_IDS)
def test_bessel_inequality_when_truncated(kind, n, d, size):
    space = _space(kind, n, d, size)
    f = np.random.default_rng(1).normal(size=space.grid.N)
    energy = np.sum(canon.fourier_coefficients(f, space) ** 2)
    if space.is_full:
        assert energy == pytest.approx(np.mean(f**2), rel=1e-13)
    else:
        # white noise spreads its energy over all N coefficients: K/N of it is kept
        assert energy < np.mean(f**2) * (1 - 1e-3)


# --- exact recovery of trigonometric polynomials ---------------------------


def test_trigonometric_polynomial_is_recovered_exactly_2d():
    space = canon.cube_space(9, 2, 3)
    x = space.grid.points
    phase = lambda k, points: 2 * np.pi * points @ np.array(k)  # noqa: E731
    f = lambda p: (  # noqa: E731
        0.3
        + 1.2 * np.cos(phase((1, -2), p))
        - 0.7 * np.sin(phase((3, 1), p))
        + 0.5 * np.sin(phase((0, -1), p))  # stored as (0, 1): sin flips sign
        + 0.25 * np.cos(phase((-2, 1), p))  # stored as (2, -1): cos does not
        + 0.4 * np.sin(phase((-3, 3), p))  # stored as (3, -3)
    )
    expected = np.zeros(space.K)
    for k, kind, a in [
        ((0, 0), "cos", 0.3 * ROOT2),
        ((1, -2), "cos", 1.2),
        ((3, 1), "sin", -0.7),
        ((0, 1), "sin", -0.5),
        ((2, -1), "cos", 0.25),
        ((3, -3), "sin", -0.4),
    ]:
        expected[column_of(space.omega, k, kind)] = a / ROOT2
    theta = canon.fourier_coefficients(f(x), space)
    assert np.max(np.abs(theta - expected)) < 1e-13
    # f lies in span(Omega): the partial sum reproduces it everywhere, not only on the grid
    y = random_points(np.random.default_rng(2), 40, 2)
    assert np.max(np.abs(canon.partial_sum(theta, space.omega, y) - f(y))) < 1e-13


@pytest.mark.parametrize("n", [7, 8])
def test_trigonometric_polynomial_is_recovered_exactly_1d(n):
    space = canon.cube_space(n, 1, 3)
    x = space.grid.points[:, 0]
    f = -1.5 + 2 * np.cos(2 * np.pi * x) + 0.5 * np.sin(2 * np.pi * 3 * x) - np.sin(2 * np.pi * 2 * x)
    expected = np.zeros(space.K)
    expected[0] = -1.5
    expected[column_of(space.omega, (1,), "cos")] = 2 / ROOT2
    expected[column_of(space.omega, (3,), "sin")] = 0.5 / ROOT2
    expected[column_of(space.omega, (2,), "sin")] = -1 / ROOT2
    assert np.max(np.abs(canon.fourier_coefficients(f, space) - expected)) < 1e-13


def test_trigonometric_polynomial_is_recovered_exactly_3d():
    space = canon.cube_space(6, 3, 2)
    x = space.grid.points
    f = 0.8 * np.cos(2 * np.pi * x @ np.array([1, -1, 2])) + 0.6 * np.sin(2 * np.pi * x @ np.array([0, 2, -2]))
    expected = np.zeros(space.K)
    expected[column_of(space.omega, (1, -1, 2), "cos")] = 0.8 / ROOT2
    expected[column_of(space.omega, (0, 2, -2), "sin")] = 0.6 / ROOT2
    assert np.max(np.abs(canon.fourier_coefficients(f, space) - expected)) < 1e-13


def test_coefficient_magnitudes_are_complex_moduli():
    space = canon.cube_space(9, 2, 2)
    x = space.grid.points
    # 1.2 cos(phi) = 0.6 e^{i phi} + 0.6 e^{-i phi};  0.4 cos + 0.3 sin has modulus 0.25
    f = -0.5 + 1.2 * np.cos(2 * np.pi * x @ np.array([1, -2])) + (
        0.4 * np.cos(2 * np.pi * x[:, 1]) + 0.3 * np.sin(2 * np.pi * x[:, 1])
    )
    magnitudes = canon.coefficient_magnitudes(canon.fourier_coefficients(f, space), space.omega)
    expected = np.zeros(len(space.omega.half) + 1)
    expected[0] = 0.5
    expected[column_of(space.omega, (1, -2), "cos")] = 0.6
    expected[column_of(space.omega, (0, 1), "cos")] = 0.25
    assert np.max(np.abs(magnitudes - expected)) < 1e-13


# --- the FFT against the direct sum ----------------------------------------


@pytest.mark.parametrize("kind, n, d, size", SPACES, ids=SPACE_IDS)
def test_fft_coefficients_equal_the_direct_sum(kind, n, d, size):
    space = _space(kind, n, d, size)
    samples = np.random.default_rng(3).normal(size=(2, 3, space.grid.N))
    theta = canon.fourier_coefficients(samples, space)
    assert theta.shape == (2, 3, space.K)
    expected = direct_coefficients(samples, space.omega, space.grid.points)
    assert np.max(np.abs(theta - expected)) < 1e-13


# --- partial sums and truncation error -------------------------------------


@pytest.mark.parametrize("n, d", [(9, 1), (7, 2), (5, 3)])
def test_partial_sum_interpolates_in_the_full_space(n, d):
    space = canon.full_space(n, d)
    f = np.random.default_rng(4).normal(size=(2, space.grid.N))
    theta = canon.fourier_coefficients(f, space)
    assert np.max(np.abs(canon.partial_sum(theta, space.omega, space.grid.points) - f)) < 1e-12
    # a truncated space cannot interpolate white noise
    small = canon.cube_space(n, d, 1)
    theta_small = canon.fourier_coefficients(f, small)
    assert np.max(np.abs(canon.partial_sum(theta_small, small.omega, small.grid.points) - f)) > 0.1


@pytest.mark.parametrize("n, d, B", [(9, 1, 2), (9, 2, 2), (9, 2, 0), (5, 3, 1)])
def test_truncation_error_is_the_norm_of_discarded_coefficients(n, d, B):
    space, full = canon.cube_space(n, d, B), canon.full_space(n, d)
    f = np.random.default_rng(5).normal(size=(4, space.grid.N))
    theta_full = canon.fourier_coefficients(f, full)
    kept = set(space.omega.labels)
    discarded = np.array([label not in kept for label in full.omega.labels])
    expected = np.sqrt(np.sum(theta_full[:, discarded] ** 2, axis=-1))
    np.testing.assert_allclose(canon.truncation_error(f, space), expected, rtol=1e-12)
    assert np.all(canon.truncation_error(f, full) < 1e-13)


def test_truncation_error_of_a_single_function_is_a_scalar():
    space = canon.cube_space(8, 1, 1)
    x = space.grid.points[:, 0]
    f = np.cos(2 * np.pi * x) + 0.1 * np.cos(2 * np.pi * 3 * x)
    # 0.1 cos(3.) has L2 norm 0.1 / sqrt(2)
    assert np.ndim(canon.truncation_error(f, space)) == 0
    assert canon.truncation_error(f, space) == pytest.approx(0.1 / ROOT2, rel=1e-13)


# --- the midpoint rule: O(1/n^2) for non-periodic functions -----------------


def _closed_form_theta(omega, c):
    """Real coordinates of the product function prod_l g(x_l) with 1-D coefficients c(k)."""
    complex_theta = np.array([np.prod([c(int(kl)) for kl in k]) for k in omega.half], dtype=complex)
    theta0 = np.prod([c(0) for _ in range(omega.d)]).real
    return np.concatenate([[theta0], ROOT2 * complex_theta.real, -ROOT2 * complex_theta.imag])


def _c_of_x(k):
    """theta_k of x on [0, 1]: 1/2 at k = 0, i / (2 pi k) otherwise."""
    return 0.5 if k == 0 else 1j / (2 * np.pi * k)


def _observed_order(errors, sizes):
    return np.log(errors[0] / errors[1]) / np.log(sizes[1] / sizes[0])


@pytest.mark.parametrize("d, sizes", [(1, (33, 131)), (2, (17, 67))])
def test_midpoint_coefficients_of_x_converge_at_second_order(d, sizes):
    errors = []
    for n in sizes:
        space = canon.cube_space(n, d, 3)
        samples = np.prod(space.grid.points, axis=1)  # f(x) = x_1 ... x_d, not periodic
        theta = canon.fourier_coefficients(samples, space)
        errors.append(np.max(np.abs(theta - _closed_form_theta(space.omega, _c_of_x))))
    order = _observed_order(errors, sizes)
    assert 1.9 < order < 2.1, (errors, order)
    assert errors[1] < 1e-3


def test_endpoint_grid_converges_only_at_first_order():
    """The order measurement can fail: the grid x_j = j/n samples the jump (see the Notation page)."""
    sizes, errors = (33, 131), []
    omega = canon.cube(1, 3)
    for n in sizes:
        points = (np.arange(n) / n)[:, None]
        theta = direct_coefficients(points[:, 0], omega, points)
        errors.append(np.max(np.abs(theta - _closed_form_theta(omega, _c_of_x))))
    assert 0.9 < _observed_order(errors, sizes) < 1.1


# --- truncation sets --------------------------------------------------------


def test_omega_ordering_labels_and_K():
    omega = canon.cube(2, 1)
    assert omega.K == 9
    assert omega.labels == [
        "1",
        "cos(0,1)", "cos(1,0)", "cos(1,-1)", "cos(1,1)",
        "sin(0,1)", "sin(1,0)", "sin(1,-1)", "sin(1,1)",
    ]  # fmt: skip
    np.testing.assert_array_equal(
        omega.frequencies, [[0, 0], [0, 1], [1, 0], [1, -1], [1, 1], [0, 1], [1, 0], [1, -1], [1, 1]]
    )
    assert omega.max_abs_frequency == 1
    assert canon.cube(3, 0).K == 1 and canon.cube(3, 0).labels == ["1"]
    # the order does not depend on how the half-set was given
    shuffled = canon.Omega(2, omega.half[::-1].copy())
    np.testing.assert_array_equal(shuffled.half, omega.half)


@pytest.mark.parametrize("d, B", [(1, 4), (2, 3), (3, 2)])
def test_cube_is_the_whole_lattice_cube(d, B):
    omega = canon.cube(d, B)
    assert omega.K == (2 * B + 1) ** d
    everything = {tuple(k) for k in itertools.product(range(-B, B + 1), repeat=d)}
    stored = {tuple(k) for k in omega.half} | {tuple(-k) for k in omega.half} | {(0,) * d}
    assert stored == everything
    assert all(k[np.flatnonzero(k)[0]] > 0 for k in omega.half)  # half-set: first non-zero > 0
    # ordered by |k|^2
    assert np.all(np.diff(np.sum(omega.half**2, axis=1)) >= 0)


@pytest.mark.parametrize("d, R", [(1, 3.0), (2, 2.5), (2, np.sqrt(5)), (3, 2.0)])
def test_ball_counts_lattice_points(d, R):
    B = int(np.floor(R))
    count = sum(1 for k in itertools.product(range(-B, B + 1), repeat=d) if np.dot(k, k) <= R**2 + 1e-9)
    omega = canon.ball(d, R)
    assert omega.K == count
    assert np.all(np.sum(omega.half**2, axis=1) <= R**2 + 1e-9)


def test_spaces():
    space = canon.cube_space(10, 2, 3)
    assert (space.grid.N, space.K, space.is_full) == (100, 49, False)
    full = canon.full_space(7, 2)
    assert (full.grid.N, full.K, full.is_full) == (49, 49, True)
    grid = canon.midpoint_grid(4, 2)
    np.testing.assert_allclose(grid.points[:5], [[0.125, 0.125], [0.125, 0.375], [0.125, 0.625], [0.125, 0.875], [0.375, 0.125]])
    assert grid.shape == (4, 4)


def test_most_significant_keeps_the_largest_energies():
    omega = canon.cube(2, 2)
    h = len(omega.half)
    rng = np.random.default_rng(6)
    theta = rng.normal(size=omega.K)
    energy = theta[1 : 1 + h] ** 2 + theta[1 + h :] ** 2
    for K in (1, 3, 7, 13, omega.K):
        chosen = canon.most_significant(theta, omega, K)
        assert chosen.K == K
        top = {tuple(k) for k in omega.half[np.argsort(-energy)[: (K - 1) // 2]]}
        assert {tuple(k) for k in chosen.half} == top


def test_most_significant_finds_the_terms_of_a_sparse_function():
    space = canon.cube_space(11, 2, 4)
    x = space.grid.points
    f = 2 * np.cos(2 * np.pi * x @ np.array([3, -1])) + np.sin(2 * np.pi * x @ np.array([0, 4])) + 0.01 * np.cos(
        2 * np.pi * x[:, 0]
    )
    theta = canon.fourier_coefficients(f, space)
    chosen = canon.most_significant(theta, space.omega, 5)
    assert {tuple(k) for k in chosen.half} == {(3, -1), (0, 4)}
    # it beats the cube of the same size K = 9 with only K = 5
    sparse_error = canon.truncation_error(f, canon.Space(space.grid, chosen))
    cube_error = canon.truncation_error(f, canon.cube_space(11, 2, 1))
    assert sparse_error < 0.02 < cube_error


# --- property tests ----------------------------------------------------------

_MAX_N = {1: 24, 2: 10, 3: 5}


@st.composite
def grids_and_bandwidths(draw):
    d = draw(st.integers(1, 3))
    n = draw(st.integers(2, _MAX_N[d]))
    B = draw(st.integers(0, (n - 1) // 2))
    return n, d, B


@settings(max_examples=40, deadline=None)
@given(grids_and_bandwidths())
def test_property_orthonormal_basis(args):
    n, d, B = args
    space = canon.cube_space(n, d, B)
    E = canon.basis_matrix(space.omega, space.grid.points)
    assert np.max(np.abs(E.T @ E / space.grid.N - np.eye(space.K))) < 1e-12


@settings(max_examples=40, deadline=None)
@given(grids_and_bandwidths(), st.integers(0, 2**32 - 1))
def test_property_parseval(args, seed):
    n, d, B = args
    space = canon.cube_space(n, d, B)
    f = np.random.default_rng(seed).normal(size=space.grid.N)
    energy, mean_square = np.sum(canon.fourier_coefficients(f, space) ** 2), np.mean(f**2)
    assert energy <= mean_square * (1 + 1e-12)
    if n % 2 == 1 and 2 * B + 1 == n:
        assert energy == pytest.approx(mean_square, rel=1e-12)
    # Bessel's defect is exactly the squared truncation error (Pythagoras on the grid)
    assert mean_square - energy == pytest.approx(canon.truncation_error(f, space) ** 2, abs=1e-12)
