"""Tests of canon.canonical: learning in the canonical space (eq. 7, Theorem 1).

Independent routes: the design matrix from complex exponentials written out here;
Q from the closed-form losses; gradients and Hessians from autograd's own ``grad`` and
``hessian`` and from central finite differences; least squares against the
pseudo-inverse and against the closed form of two identical rows.
"""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import canon
from canon import canonical
from reference import finite_difference_gradient, random_points, relative_error

LOSS_NAMES = ["mse", "cross_entropy"]


def _problem(d, B, T, loss, seed=0):
    rng = np.random.default_rng(seed)
    omega = canon.cube(d, B)
    x = random_points(rng, T, d)
    y = rng.uniform(size=T) if loss == "cross_entropy" else rng.normal(size=T)
    theta = rng.normal(scale=0.5, size=omega.K)
    return omega, x, y, theta


def _closed_form_losses(loss, y, yhat):
    if loss == "mse":
        return 0.5 * (yhat - y) ** 2
    return np.log1p(np.exp(yhat)) - y * yhat


@pytest.mark.parametrize("d, B", [(1, 3), (2, 2), (3, 1)])
def test_design_matrix_from_complex_exponentials(d, B):
    omega, x, _, _ = _problem(d, B, 7, "mse")
    Phi = canonical.design_matrix(omega, x)
    assert Phi.shape == (7, omega.K)
    # e_k = sqrt(2) Re exp(2 pi i k.x) and sqrt(2) Im exp(2 pi i k.x), constant first
    expected = np.ones((7, omega.K))
    h = len(omega.half)
    for j, k in enumerate(omega.half):
        phase = np.exp(2j * np.pi * np.array([np.dot(k, p) for p in x]))
        expected[:, 1 + j] = np.sqrt(2) * phase.real
        expected[:, 1 + h + j] = np.sqrt(2) * phase.imag
    assert relative_error(Phi, expected) < 1e-13


def test_design_matrix_is_periodic_so_distinct_points_can_share_a_row():
    omega = canon.cube(1, 5)
    Phi = canonical.design_matrix(omega, np.array([[0.0], [1.0]]))
    np.testing.assert_allclose(Phi[0], Phi[1], atol=1e-13)


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_objective_matches_closed_form_losses(loss):
    omega, x, y, theta = _problem(2, 2, 9, loss)
    Phi = canonical.design_matrix(omega, x)
    Q = canonical.canonical_objective(theta, Phi, y, loss)
    expected = np.sum(_closed_form_losses(loss, y, Phi @ theta))
    assert isinstance(Q, float)
    assert abs(Q - expected) <= 1e-12 * abs(expected)
    # a batch gives one value per row
    batch = np.stack([theta, 2 * theta, np.zeros_like(theta)])
    values = canonical.canonical_objective(batch, Phi, y, loss)
    assert values.shape == (3,)
    for row, value in zip(batch, values):
        assert abs(value - np.sum(_closed_form_losses(loss, y, Phi @ row))) <= 1e-12 * max(1.0, abs(value))


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("d, B, T", [(1, 4, 6), (2, 1, 12), (2, 2, 5)])
def test_gradient_matches_autograd_and_finite_differences(loss, d, B, T):
    omega, x, y, theta = _problem(d, B, T, loss, seed=T)
    Phi = canonical.design_matrix(omega, x)
    g = canonical.canonical_gradient(theta, Phi, y, loss)
    fun = lambda v: canonical.canonical_objective(v, Phi, y, loss)
    assert relative_error(g, autograd.grad(fun)(theta)) < 1e-12
    assert relative_error(g, finite_difference_gradient(fun, theta)) < 1e-7


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("d, B, T", [(1, 4, 6), (2, 1, 12), (2, 2, 5)])
def test_hessian_matches_autograd(loss, d, B, T):
    omega, x, y, theta = _problem(d, B, T, loss, seed=T + 1)
    Phi = canonical.design_matrix(omega, x)
    Hq = canonical.canonical_hessian(theta, Phi, y, loss)
    # autograd differentiates the closed-form loss, not canon's derivative formulas
    closed = lambda v: anp.sum(
        0.5 * (anp.dot(Phi, v) - y) ** 2
        if loss == "mse"
        else anp.logaddexp(0.0, anp.dot(Phi, v)) - y * anp.dot(Phi, v)
    )
    assert relative_error(Hq, autograd.hessian(closed)(theta)) < 1e-12
    assert canonical.is_positive_semidefinite(Hq)
    assert canonical.smallest_eigenvalue(Hq) >= -1e-12 * np.max(np.abs(Hq))


def test_mse_hessian_is_phi_transpose_phi_everywhere():
    omega, x, y, theta = _problem(2, 2, 8, "mse")
    Phi = canonical.design_matrix(omega, x)
    for scale in (0.0, 1.0, 50.0):
        np.testing.assert_allclose(canonical.canonical_hessian(scale * theta, Phi, y, "mse"), Phi.T @ Phi, atol=1e-12)


@pytest.mark.parametrize("d, B, T", [(1, 6, 13), (1, 6, 9), (2, 2, 25), (2, 3, 30)])
def test_least_squares_reaches_zero_loss_with_full_row_rank(d, B, T):
    omega, x, y, _ = _problem(d, B, T, "mse", seed=3)
    Phi = canonical.design_matrix(omega, x)
    fit = canonical.least_squares(Phi, y)
    assert fit.full_row_rank and fit.rank == T
    assert fit.residual_norm < 1e-10 * np.linalg.norm(y)
    assert fit.loss == pytest.approx(0.5 * fit.residual_norm**2)
    # the minimum-norm solution is the pseudo-inverse's
    assert relative_error(fit.theta, np.linalg.pinv(Phi) @ y) < 1e-10
    np.testing.assert_allclose(fit.singular_values, np.linalg.svd(Phi, compute_uv=False), rtol=1e-12)


def test_least_squares_is_minimum_norm_when_underdetermined():
    omega, x, y, _ = _problem(2, 2, 6, "mse", seed=4)
    Phi = canonical.design_matrix(omega, x)
    fit = canonical.least_squares(Phi, y)
    # any other solution adds a null-space component and is longer
    null = np.linalg.svd(Phi)[2][6:]
    other = fit.theta + null.T @ np.random.default_rng(0).normal(size=len(null))
    assert np.linalg.norm(Phi @ other - y) < 1e-10
    assert np.linalg.norm(other) > np.linalg.norm(fit.theta)
    assert np.max(np.abs(null @ fit.theta)) < 1e-10


@pytest.mark.parametrize("B", [0, 1, 4, 9])
def test_points_equal_modulo_one_leave_a_residual_whatever_omega(B):
    # x = 0 and x = 1 give identical rows: the best fit is the mean of the targets
    Phi = canonical.design_matrix(canon.cube(1, B), np.array([[0.0], [1.0]]))
    y = np.array([1.0, -0.5])
    fit = canonical.least_squares(Phi, y)
    assert fit.rank == 1 and not fit.full_row_rank
    assert fit.residual_norm == pytest.approx(abs(y[0] - y[1]) / np.sqrt(2), rel=1e-12)
    # the normal equations hold at a least-squares solution
    assert np.max(np.abs(Phi.T @ fit.residual)) < 1e-12


def test_rcond_decides_the_rank():
    Phi = np.diag([1.0, 1e-8, 0.0])
    y = np.ones(3)
    assert canonical.least_squares(Phi, y).rank == 2
    assert canonical.least_squares(Phi, y, rcond=1e-6).rank == 1


def test_interpolate():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -2.0])
    s = np.array([0.0, 0.25, 1.0, 1.5])
    points = canonical.interpolate(a, b, s)
    np.testing.assert_array_equal(points[0], a)
    np.testing.assert_array_equal(points[2], b)
    np.testing.assert_allclose(points[1], [1.5, 1.0])
    np.testing.assert_allclose(points[3], [4.0, -4.0])
    np.testing.assert_allclose(canonical.interpolate(a, b, 0.5), [2.0, 0.0])


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_convexity_gaps_are_non_negative_for_q(loss):
    omega, x, y, _ = _problem(2, 2, 10, loss)
    Phi = canonical.design_matrix(omega, x)
    rng = np.random.default_rng(7)
    starts, ends = rng.normal(scale=3, size=(2, 50, omega.K))
    fun = lambda v: canonical.canonical_objective(v, Phi, y, loss)
    for s in (0.5, 0.1):
        gaps = canonical.convexity_gaps(fun, starts, ends, s=s)
        assert gaps.shape == (50,)
        assert gaps.min() >= -1e-10
    # for the squared error the gap has a closed form: s (1 - s) ||Phi (b - a)||^2 / 2
    if loss == "mse":
        gaps = canonical.convexity_gaps(fun, starts, ends, s=0.3)
        expected = 0.3 * 0.7 * 0.5 * np.sum(((ends - starts) @ Phi.T) ** 2, axis=1)
        assert relative_error(gaps, expected) < 1e-10


def test_convexity_gaps_detect_a_non_convex_function():
    # the loss of a small network in its weights is not convex: some gap is negative
    net = canon.MLP(d=1, widths=(3,), activation="tanh")
    x = np.linspace(0.05, 0.95, 5)[:, None]
    y = np.sin(6 * x[:, 0])
    fun = lambda w: canon.objective("mse", y, net(w, x))
    rng = np.random.default_rng(0)
    starts, ends = rng.normal(scale=3, size=(2, 40, net.M))
    assert canonical.convexity_gaps(fun, starts, ends).min() < -1e-3
    # and for a concave function every gap is negative
    assert np.all(canonical.convexity_gaps(lambda v: -np.sum(v**2), starts, ends) < 0)


def test_eigenvalue_checks_against_a_closed_form():
    rng = np.random.default_rng(2)
    Qmat = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    eigenvalues = np.array([-1e-3, 0.0, 1.0, 2.0, 5.0])
    A = Qmat @ np.diag(eigenvalues) @ Qmat.T
    assert canonical.smallest_eigenvalue(A) == pytest.approx(-1e-3, abs=1e-13)
    assert not canonical.is_positive_semidefinite(A)
    assert canonical.is_positive_semidefinite(A, rtol=1e-3)
    B = Qmat @ np.diag(np.abs(eigenvalues)) @ Qmat.T
    assert canonical.is_positive_semidefinite(B)


OMEGA = canon.cube(1, 2)
PHI = canonical.design_matrix(OMEGA, np.array([[0.1], [0.4], [0.7]]))
Y = np.array([0.2, 0.5, 1.0])
THETA = np.zeros(OMEGA.K)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: canonical.design_matrix("cube", np.zeros((2, 1))), TypeError, r"^omega: expected a canon.Omega"),
        (lambda: canonical.design_matrix(OMEGA, np.array([[0.2], [1.5]])), ValueError, r"^x: expected points in U"),
        (lambda: canonical.design_matrix(OMEGA, np.array([0.2, 0.5])), ValueError, r"^x: expected an array with 2"),
        (lambda: canonical.design_matrix(OMEGA, np.zeros((2, 2))), ValueError, r"^x: expected shape"),
        (lambda: canonical.design_matrix(OMEGA, np.array([[0.3], [np.nan]])), ValueError, r"^x: expected finite"),
        (lambda: canonical.design_matrix(OMEGA, np.array([[0.3], [0.3]])), ValueError, r"^x: expected pairwise distinct"),
        (lambda: canonical.canonical_objective(THETA, PHI, Y, "hinge"), ValueError, r"^loss: expected one of"),
        (lambda: canonical.canonical_objective(THETA[:3], PHI, Y), ValueError, r"^theta: expected shape"),
        (lambda: canonical.canonical_objective(THETA, PHI, Y[:2]), ValueError, r"^y: expected shape"),
        (lambda: canonical.canonical_objective(THETA, PHI[0], Y), ValueError, r"^Phi: expected an array with 2"),
        (lambda: canonical.canonical_objective(THETA, PHI, 2 * Y, "cross_entropy"), ValueError, r"^y: expected labels"),
        (lambda: canonical.canonical_gradient(np.full(OMEGA.K, np.inf), PHI, Y), ValueError, r"^theta: expected finite"),
        (lambda: canonical.canonical_gradient(np.zeros((2, OMEGA.K)), PHI, Y), ValueError, r"^theta: expected shape"),
        (lambda: canonical.canonical_hessian(THETA, PHI, Y, loss=None), ValueError, r"^loss: expected one of"),
        (lambda: canonical.least_squares(PHI, Y, rcond=0.0), ValueError, r"^rcond: expected a number > 0"),
        (lambda: canonical.least_squares(PHI, Y, rcond=2.0), ValueError, r"^rcond: expected a number <= 1"),
        (lambda: canonical.least_squares(np.zeros((0, 3)), np.zeros(0)), ValueError, r"^Phi: expected a non-empty"),
        (lambda: canonical.interpolate(np.zeros(3), np.zeros(4), 0.5), ValueError, r"^b: expected shape"),
        (lambda: canonical.interpolate(np.zeros(3), np.zeros(3), [[0.5]]), ValueError, r"^s: expected an array with 1"),
        (lambda: canonical.convexity_gaps("Q", np.zeros((2, 3)), np.zeros((2, 3))), TypeError, r"^fun: expected a callable"),
        (lambda: canonical.convexity_gaps(np.sum, np.zeros((2, 3)), np.zeros((3, 3))), ValueError, r"^ends: expected shape"),
        (lambda: canonical.convexity_gaps(np.sum, np.zeros((2, 3)), np.ones((2, 3)), s=1.0), ValueError, r"^s: expected a number < 1"),
        (lambda: canonical.convexity_gaps(lambda v: v, np.zeros((2, 3)), np.ones((2, 3))), ValueError, r"^fun: expected a finite scalar"),
        (lambda: canonical.smallest_eigenvalue(np.zeros((2, 3))), ValueError, r"^matrix: expected a non-empty square"),
        (lambda: canonical.smallest_eigenvalue(np.array([[1.0, 2.0], [0.0, 1.0]])), ValueError, r"^matrix: expected a symmetric"),
        (lambda: canonical.is_positive_semidefinite(np.eye(2), rtol=-1.0), ValueError, r"^rtol: expected a number > 0"),
    ],
    ids=[
        "omega-not-an-Omega",
        "x-outside-U",
        "x-one-dimensional",
        "x-wrong-dimension",
        "x-nan",
        "x-repeated-point",
        "unknown-loss",
        "theta-wrong-length",
        "y-wrong-length",
        "Phi-one-dimensional",
        "cross-entropy-labels-outside-0-1",
        "theta-infinite",
        "gradient-of-a-batch",
        "loss-None",
        "rcond-zero",
        "rcond-above-one",
        "Phi-empty",
        "segment-ends-differ-in-length",
        "s-two-dimensional",
        "fun-not-callable",
        "segments-differ-in-count",
        "s-at-the-end-point",
        "fun-not-scalar",
        "matrix-not-square",
        "matrix-not-symmetric",
        "rtol-negative",
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
