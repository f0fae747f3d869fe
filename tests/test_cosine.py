"""Tests of canon.cosine: the cosine (even-extension) canonical basis.

Independent routes: the direct midpoint sum ``C^T f / N`` with the basis evaluated
point by point (no DCT), closed-form integrals, autograd's own Jacobian for the
disparity matrix and gradient.
"""

import autograd
import numpy as np
import pytest

import canon
from canon import cosine
from reference import jacobian_on_grid, random_points, relative_error

SPACES = [(6, 1, 5), (9, 1, 3), (8, 2, 7), (9, 2, 4), (5, 3, 2), (4, 3, 3)]
SPACE_IDS = [f"n{n}-d{d}-B{B}" for n, d, B in SPACES]


def _direct(samples, space):
    C = cosine.cosine_basis_matrix(space, space.grid.points)
    return np.asarray(samples) @ C / space.grid.N


@pytest.mark.parametrize("n, d, B", SPACES, ids=SPACE_IDS)
def test_basis_is_orthonormal_on_the_grid(n, d, B):
    space = cosine.cosine_cube_space(n, d, B)
    C = cosine.cosine_basis_matrix(space, space.grid.points)
    assert C.shape == (space.grid.N, space.K) == (n**d, (B + 1) ** d)
    assert np.max(np.abs(C.T @ C / space.grid.N - np.eye(space.K))) < 1e-13


@pytest.mark.parametrize("n, d, B", SPACES, ids=SPACE_IDS)
def test_dct_matches_the_direct_midpoint_sum(n, d, B):
    space = cosine.cosine_cube_space(n, d, B)
    f = np.random.default_rng(n + d).normal(size=(3, space.grid.N))
    assert relative_error(cosine.cosine_coefficients(f, space), _direct(f, space)) < 1e-13


def test_basis_is_orthonormal_in_L2_by_quadrature():
    # Gauss-Legendre with 40 nodes integrates cos(pi k x) cos(pi l x) exactly for k, l <= 5.
    space = cosine.cosine_cube_space(8, 1, 5)
    nodes, weights = np.polynomial.legendre.leggauss(40)
    x, wts = (nodes + 1) / 2, weights / 2
    C = cosine.cosine_basis_matrix(space, x[:, None])
    assert np.max(np.abs(C.T @ (wts[:, None] * C) - np.eye(space.K))) < 1e-12


@pytest.mark.parametrize("n, d, B", SPACES, ids=SPACE_IDS)
def test_exact_recovery_of_a_cosine_polynomial(n, d, B):
    space = cosine.cosine_cube_space(n, d, B)
    theta = np.random.default_rng(7).normal(size=space.K)
    f = cosine.cosine_partial_sum(theta, space, space.grid.points)
    assert relative_error(cosine.cosine_coefficients(f, space), theta) < 1e-13
    assert cosine.cosine_truncation_error(f, space) < 1e-13
    x = random_points(np.random.default_rng(8), 20, d)
    direct = np.prod(np.cos(np.pi * x[:, None, :] * space.frequencies[None]), axis=2)
    direct *= np.sqrt(2.0) ** np.count_nonzero(space.frequencies, axis=1)
    assert relative_error(cosine.cosine_partial_sum(theta, space, x), direct @ theta) < 1e-13


def test_full_space_interpolates_any_grid_function():
    space = cosine.cosine_full_space(6, 2)
    assert space.is_full and space.K == 36
    f = np.random.default_rng(3).normal(size=space.grid.N)
    theta = cosine.cosine_coefficients(f, space)
    assert relative_error(cosine.cosine_partial_sum(theta, space, space.grid.points), f) < 1e-13
    assert np.isclose(np.sum(theta**2), np.mean(f**2), rtol=1e-13)  # Parseval on the grid


def test_coefficients_of_a_closed_form():
    # f(x) = x on [0, 1]: a_0 = 1/2, a_k = sqrt(2) ((-1)^k - 1) / (pi k)^2.
    space = cosine.cosine_cube_space(2001, 1, 6)
    a = cosine.cosine_coefficients(space.grid.points[:, 0], space)
    k = np.arange(1, 7)
    exact = np.concatenate([[0.5], np.sqrt(2) * ((-1.0) ** k - 1) / (np.pi * k) ** 2])
    assert np.max(np.abs(a - exact)) < 1e-6  # midpoint rule, O(k^2 / n^2)


def test_truncation_error_equals_discarded_coefficients():
    full = cosine.cosine_full_space(32, 1)
    space = cosine.cosine_cube_space(32, 1, 7)
    f = np.tanh(3 * full.grid.points[:, 0] - 1)
    tail = cosine.cosine_coefficients(f, full)[8:]
    assert np.isclose(cosine.cosine_truncation_error(f, space), np.sqrt(np.sum(tail**2) / 1), rtol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("d, n, B", [(1, 16, 6), (2, 6, 3)])
def test_disparity_matrix_against_autograd(activation, d, n, B):
    net = canon.MLP(d=d, widths=(4, 3), activation=activation)
    w = canon.initialize(net, 5, scheme="centred")
    space = cosine.cosine_cube_space(n, d, B)
    H = cosine.cosine_disparity_matrix(net, w, space, block_elements=50)
    J = jacobian_on_grid(net, w, space.grid.points)
    assert H.shape == (net.M, space.K)
    assert relative_error(H, _direct(J.T, space)) < 1e-12


def test_gradient_identity_is_exact_in_the_full_space():
    net = canon.MLP(d=2, widths=(5,), activation="tanh")
    w = canon.initialize(net, 1)
    space = cosine.cosine_full_space(7, 2)
    index = np.array([0, 5, 17, 30, 44])
    x, y = space.grid.points[index], np.random.default_rng(2).normal(size=5)
    lhs, rhs = cosine.cosine_gradient_identity(net, w, x, y, "mse", space)
    assert relative_error(rhs, lhs) < 1e-12
    grad = autograd.grad(lambda v: canon.objective("mse", y, net(v, x)))(w)
    assert relative_error(lhs, grad) < 1e-14


def test_gradient_identity_has_a_truncation_residual_off_the_grid():
    net = canon.MLP(d=1, widths=(5,), activation="tanh")
    w = canon.initialize(net, 1)
    x = random_points(np.random.default_rng(4), 6, 1)
    y = np.random.default_rng(5).normal(size=6)
    residuals = []
    for B in (4, 16, 64):
        lhs, rhs = cosine.cosine_gradient_identity(net, w, x, y, "mse", cosine.cosine_cube_space(512, 1, B))
        residuals.append(relative_error(rhs, lhs))
    assert residuals[0] > residuals[1] > residuals[2] > 0
    assert residuals[2] < 1e-3


NET = canon.MLP(d=2, widths=(3,), activation="tanh")
W = canon.initialize(NET, 0)
SPACE = cosine.cosine_cube_space(6, 2, 2)
GRID = canon.midpoint_grid(6, 2)
F = np.zeros(36)
X = np.full((4, 2), 0.5)


def case(mistake, call, error, match):
    return pytest.param(call, error, match, id=mistake)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("space-not-a-grid", lambda: cosine.CosineSpace("grid", np.zeros((1, 2), int)), TypeError, "grid"),
        case("negative-frequency", lambda: cosine.CosineSpace(GRID, np.array([[0, -1]])), ValueError, "non-negative"),
        case("frequency-too-high", lambda: cosine.CosineSpace(GRID, np.array([[6, 0]])), ValueError, "k_l < n = 6"),
        case("repeated-frequency", lambda: cosine.CosineSpace(GRID, np.array([[1, 0], [1, 0]])), ValueError, "distinct"),
        case("float-frequencies", lambda: cosine.CosineSpace(GRID, np.zeros((2, 2))), TypeError, "integer"),
        case("wrong-frequency-shape", lambda: cosine.CosineSpace(GRID, np.zeros((2, 3), int)), ValueError, r"shape \(K, 2\)"),
        case("bandwidth-too-large", lambda: cosine.cosine_cube_space(6, 2, 6), ValueError, "B: expected an integer <= 5"),
        case("float-bandwidth", lambda: cosine.cosine_cube_space(6, 2, 2.0), TypeError, "B: expected an integer"),
        case("full-space-n-too-small", lambda: cosine.cosine_full_space(1, 2), ValueError, "n: expected an integer >= 2"),
        case("fourier-space-passed", lambda: cosine.cosine_coefficients(F, canon.cube_space(6, 2, 2)), TypeError, "CosineSpace"),
        case("samples-wrong-length", lambda: cosine.cosine_coefficients(np.zeros(35), SPACE), ValueError, "N = 36"),
        case("samples-with-nan", lambda: cosine.cosine_coefficients(np.full(36, np.nan), SPACE), ValueError, "finite"),
        case("samples-complex", lambda: cosine.cosine_coefficients(F + 1j, SPACE), TypeError, "real values"),
        case("points-outside-U", lambda: cosine.cosine_basis_matrix(SPACE, X + 1), ValueError, r"\[0, 1\]\^d"),
        case("points-wrong-dimension", lambda: cosine.cosine_basis_matrix(SPACE, X[:, :1]), ValueError, "shape"),
        case("theta-wrong-length", lambda: cosine.cosine_partial_sum(np.zeros(8), SPACE, X), ValueError, "K = 9"),
        case("truncation-wrong-samples", lambda: cosine.cosine_truncation_error(np.zeros(5), SPACE), ValueError, "N = 36"),
        case("net-not-an-mlp", lambda: cosine.cosine_disparity_matrix("net", W, SPACE), TypeError, "canon.MLP"),
        case("disparity-wrong-d", lambda: cosine.cosine_disparity_matrix(NET, W, cosine.cosine_cube_space(6, 1, 2)), ValueError, "d = 2"),
        case("disparity-short-w", lambda: cosine.cosine_disparity_matrix(NET, W[:-1], SPACE), ValueError, "w"),
        case("disparity-zero-block", lambda: cosine.cosine_disparity_matrix(NET, W, SPACE, block_elements=0), ValueError, "block_elements"),
        case("identity-y-wrong-length", lambda: cosine.cosine_gradient_identity(NET, W, X, np.zeros(3), "mse", SPACE), ValueError, "y"),
        case("identity-unknown-loss", lambda: cosine.cosine_gradient_identity(NET, W, X, np.zeros(4), "hinge", SPACE), ValueError, "loss"),
        case("identity-H-wrong-shape", lambda: cosine.cosine_gradient_identity(NET, W, X, np.zeros(4), "mse", SPACE, H=np.zeros((3, 3))), ValueError, "H"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
