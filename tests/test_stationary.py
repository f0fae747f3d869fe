"""Tests of canon.stationary: Hessians and the classification of stationary points.

Independent routes: second-order central finite differences of the function (no
autograd), closed-form Hessians of quadratics and of the zero-weight tanh network
(Remark 8), and the definition of a local minimum checked by random probing.
"""

import numpy as np
import pytest

import canon
from canon import stationary
from reference import finite_difference_gradient, random_points, relative_error


def finite_difference_hessian(fun, w, step=1e-4):
    """Second-order central differences of the function values only.

    Error O(step**2) from truncation plus O(eps / step**2) from round-off: about
    1e-7 relative for smooth functions of unit scale with the default step.
    """
    w = np.asarray(w, dtype=np.float64)
    M = len(w)
    A = np.empty((M, M))
    for i in range(M):
        for j in range(i, M):
            ei, ej = np.zeros(M), np.zeros(M)
            ei[i], ej[j] = step, step
            value = (fun(w + ei + ej) - fun(w + ei - ej) - fun(w - ei + ej) + fun(w - ei - ej)) / (4 * step**2)
            A[i, j] = A[j, i] = value
    return A


def quadratic(A, b=None):
    """``w -> w.A.w / 2 + b.w``, whose Hessian is A (symmetric)."""
    A = np.asarray(A, dtype=np.float64)
    b = np.zeros(len(A)) if b is None else np.asarray(b, dtype=np.float64)
    return lambda w: 0.5 * w @ (A @ w) + b @ w


def _problem(activation="tanh", d=1, widths=(3,), T=6, seed=0):
    net = canon.MLP(d=d, widths=widths, activation=activation)
    rng = np.random.default_rng(seed)
    x = random_points(rng, T, d)
    y = rng.normal(size=T)
    w = canon.initialize(net, seed, scheme="centred", spread=0.2) + 0.1 * rng.normal(size=net.M)
    return net, w, x, y


# --- objective_function, gradient_norm --------------------------------------


@pytest.mark.parametrize("loss", canon.LOSSES)
def test_objective_function_is_Q(loss):
    net, w, x, y = _problem()
    if loss == "cross_entropy":
        y = (y > 0).astype(float)
    Q = stationary.objective_function(net, x, y, loss)
    assert Q(w) == pytest.approx(canon.objective(loss, y, net(w, x)), rel=1e-15)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_gradient_norm_matches_finite_differences(activation):
    net, w, x, y = _problem(activation, d=2, widths=(4, 3))
    Q = stationary.objective_function(net, x, y)
    reference = np.linalg.norm(finite_difference_gradient(Q, w))
    assert stationary.gradient_norm(Q, w) == pytest.approx(reference, rel=1e-7)


# --- hessian ------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus"])
@pytest.mark.parametrize("widths", [(3,), (2, 2)], ids=["depth1", "depth2"])
def test_hessian_matches_finite_differences(activation, widths):
    net, w, x, y = _problem(activation, d=2, widths=widths)
    Q = stationary.objective_function(net, x, y)
    A = stationary.hessian(Q, w)
    assert A.shape == (net.M, net.M)
    np.testing.assert_array_equal(A, A.T)
    assert relative_error(A, finite_difference_hessian(Q, w)) < 1e-6


def test_relu_hessian_matches_finite_differences_away_from_kinks():
    # steps of 1e-4 never carry a pre-activation across 0 at these points
    net, w, x, y = _problem("relu", d=2, widths=(3,), seed=3)
    assert np.min(np.abs(net.hidden_preactivations(w, x)[0])) > 1e-2
    Q = stationary.objective_function(net, x, y)
    assert relative_error(stationary.hessian(Q, w), finite_difference_hessian(Q, w)) < 1e-6


def test_hessian_of_a_quadratic_is_its_matrix():
    rng = np.random.default_rng(4)
    B = rng.normal(size=(6, 6))
    A = B + B.T
    w = rng.normal(size=6)
    assert relative_error(stationary.hessian(quadratic(A, rng.normal(size=6)), w), A) < 1e-14


# --- classify -----------------------------------------------------------------


@pytest.mark.parametrize(
    "eigenvalues, kind, counts",
    [
        ([1.0, 2.0, 3.0], "minimum", (0, 0, 3)),
        ([-1.0, -2.0, -0.5], "maximum", (3, 0, 0)),
        ([-1.0, 2.0, 3.0], "saddle", (1, 0, 2)),
        ([-1.0, 0.0, 3.0], "saddle", (1, 1, 1)),
        ([0.0, 2.0, 3.0], "degenerate", (0, 1, 2)),
        ([-1.0, 0.0, -3.0], "saddle or maximum", (2, 1, 0)),
        ([0.0, 0.0, 0.0], "flat", (0, 3, 0)),
    ],
)
def test_classify_quadratics_at_their_stationary_point(eigenvalues, kind, counts):
    rng = np.random.default_rng(5)
    rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    A = rotation @ np.diag(eigenvalues) @ rotation.T
    result = stationary.classify(quadratic(A), np.zeros(3))
    assert result.kind == kind
    assert (result.negative, result.zero, result.positive) == counts
    np.testing.assert_allclose(result.eigenvalues, np.sort(eigenvalues), atol=1e-14)
    assert result.gradient_norm == 0.0
    assert kind in stationary.KINDS


def test_a_point_with_a_gradient_is_not_stationary():
    f = quadratic(np.eye(2), [1.0, 0.0])
    result = stationary.classify(f, np.zeros(2))
    assert result.kind == "not stationary" and result.gradient_norm == pytest.approx(1.0)
    assert stationary.classify(f, np.zeros(2), gtol=2.0).kind == "minimum"


def test_the_tolerance_rule():
    f = quadratic(np.diag([1e-9, 1.0]))
    assert stationary.classify(f, np.zeros(2)).kind == "degenerate"  # 1e-9 <= 1e-8 * max(1, 1)
    assert stationary.classify(f, np.zeros(2), rtol=1e-10).kind == "minimum"
    assert stationary.classify(f, np.zeros(2), rtol=0.0, atol=1e-9).kind == "degenerate"
    big = quadratic(np.diag([1e-3, 1e6]))  # the relative part scales with the largest eigenvalue
    result = stationary.classify(big, np.zeros(2))
    assert result.kind == "degenerate" and result.tolerance == pytest.approx(1e-2)


def test_a_given_hessian_is_used():
    f = quadratic(np.diag([1.0, 2.0]))
    assert stationary.classify(f, np.zeros(2), hessian_matrix=-np.eye(2)).kind == "maximum"


def test_degenerate_points_need_a_probe():
    # w0**2 - w1**4: a PSD Hessian diag(2, 0) at 0, yet a saddle; probing finds it
    saddle = lambda w: w[0] ** 2 - w[1] ** 4  # noqa: E731
    assert stationary.classify(saddle, np.zeros(2)).kind == "degenerate"
    assert np.min(stationary.probe_neighbourhood(saddle, np.zeros(2), 0.5, count=500)) < 0
    # w0**2 + w1**4: same Hessian, a minimum; probing never goes down
    bowl = lambda w: w[0] ** 2 + w[1] ** 4  # noqa: E731
    assert stationary.classify(bowl, np.zeros(2)).kind == "degenerate"
    assert np.min(stationary.probe_neighbourhood(bowl, np.zeros(2), 0.5, count=500)) > 0
    # the monkey saddle has a zero Hessian
    monkey = lambda w: w[0] ** 3 - 3 * w[0] * w[1] ** 2  # noqa: E731
    assert stationary.classify(monkey, np.zeros(2)).kind == "flat"


@pytest.mark.parametrize("m, d", [(1, 1), (3, 1), (4, 2)])
def test_zero_weight_tanh_network_is_a_saddle_with_closed_form_eigenvalues(m, d):
    # Remark 8: Hessian = T e_c e_c^T plus, per unit, [[0, g^T], [g, 0]] with
    # g = sum_t r_t (x_t, 1), r = mean(y) - y: eigenvalues T, +-|g| (m times), zeros.
    net = canon.MLP(d=d, widths=(m,), activation="tanh")
    rng = np.random.default_rng(m + d)
    x = random_points(rng, 7, d)
    y = x @ rng.normal(size=d) + 0.1 * rng.normal(size=7)
    w = np.zeros(net.M)
    w[-1] = y.mean()
    Q = stationary.objective_function(net, x, y)
    result = stationary.classify(Q, w)
    g = np.linalg.norm(((y.mean() - y)[:, None] * np.c_[x, np.ones(7)]).sum(axis=0))
    expected = np.sort(np.concatenate([[7.0], np.full(m, g), np.full(m, -g), np.zeros(net.M - 2 * m - 1)]))
    assert result.kind == "saddle"
    np.testing.assert_allclose(result.eigenvalues, expected, atol=1e-12)
    assert (result.negative, result.positive) == (m, m + 1)


# --- probe_neighbourhood ------------------------------------------------------


def test_probe_lengths_and_seed():
    f = lambda w: float(np.sum(w**2))  # noqa: E731
    diffs = stationary.probe_neighbourhood(f, np.zeros(5), radius=0.3, count=400, seed=7)
    assert diffs.shape == (400,)
    assert np.all(diffs > 0) and np.max(diffs) <= 0.3**2 + 1e-15
    np.testing.assert_array_equal(diffs, stationary.probe_neighbourhood(f, np.zeros(5), 0.3, 400, seed=7))
    assert not np.array_equal(diffs, stationary.probe_neighbourhood(f, np.zeros(5), 0.3, 400, seed=8))


def test_probe_finds_the_descent_of_a_saddle():
    diffs = stationary.probe_neighbourhood(quadratic(np.diag([1.0, -1.0])), np.zeros(2), 0.1, count=200)
    assert np.any(diffs < 0) and np.any(diffs > 0)


# --- bad inputs ---------------------------------------------------------------

NET = canon.MLP(d=2, widths=(3,), activation="tanh")
X = random_points(np.random.default_rng(0), 4, 2)
Y = np.ones(4)
F = quadratic(np.eye(3))


@pytest.mark.parametrize(
    "call, error, match",
    [
        pytest.param(lambda: stationary.objective_function("net", X, Y), TypeError, r"^net: expected a canon\.MLP", id="net-not-an-MLP"),
        pytest.param(lambda: stationary.objective_function(NET, X[:, :1], Y), ValueError, r"^x: expected shape", id="x-wrong-dimension"),
        pytest.param(lambda: stationary.objective_function(NET, X, Y[:3]), ValueError, r"^y: expected shape \(4,\)", id="y-wrong-length"),
        pytest.param(lambda: stationary.objective_function(NET, X, Y, "hinge"), ValueError, r"^loss: expected one of", id="unknown-loss"),
        pytest.param(lambda: stationary.objective_function(NET, X, 3 * Y, "cross_entropy"), ValueError, r"^y: expected labels in \[0, 1\]", id="labels-outside-0-1"),
        pytest.param(lambda: stationary.hessian("f", np.zeros(3)), TypeError, r"^fun: expected a callable", id="fun-not-callable"),
        pytest.param(lambda: stationary.hessian(F, np.zeros((3, 1))), ValueError, r"^w: expected an array with 1 dimension", id="w-two-dimensional"),
        pytest.param(lambda: stationary.hessian(F, np.array([0.0, np.nan, 0.0])), ValueError, r"^w: expected finite values", id="w-nan"),
        pytest.param(lambda: stationary.hessian(F, np.zeros(0)), ValueError, r"^w: expected a non-empty parameter vector", id="w-empty"),
        pytest.param(lambda: stationary.hessian(lambda w: w, np.zeros(3)), ValueError, r"^fun: expected a function returning a scalar", id="fun-not-scalar"),
        pytest.param(lambda: stationary.gradient_norm(lambda w: np.inf * (1.0 + w[0]), np.zeros(1)), ValueError, r"^fun: expected a finite value at w", id="fun-infinite"),
        pytest.param(lambda: stationary.gradient_norm(F, ["a", "b", "c"]), TypeError, r"^w: expected an array of float64", id="w-strings"),
        pytest.param(lambda: stationary.classify(F, np.zeros(3), gtol=-1.0), ValueError, r"^gtol: expected a number >= 0", id="gtol-negative"),
        pytest.param(lambda: stationary.classify(F, np.zeros(3), rtol=float("nan")), ValueError, r"^rtol: expected a finite number", id="rtol-nan"),
        pytest.param(lambda: stationary.classify(F, np.zeros(3), atol="0"), TypeError, r"^atol: expected a real number", id="atol-a-string"),
        pytest.param(lambda: stationary.classify(F, np.zeros(3), hessian_matrix=np.eye(2)), ValueError, r"^hessian_matrix: expected shape \(3, 3\)", id="hessian-wrong-shape"),
        pytest.param(lambda: stationary.probe_neighbourhood(F, np.zeros(3), 0.0), ValueError, r"^radius: expected a number > 0", id="radius-zero"),
        pytest.param(lambda: stationary.probe_neighbourhood(F, np.zeros(3), 0.1, count=0), ValueError, r"^count: expected an integer >= 1", id="count-zero"),
        pytest.param(lambda: stationary.probe_neighbourhood(F, np.zeros(3), 0.1, count=2.5), TypeError, r"^count: expected an integer", id="count-a-float"),
        pytest.param(lambda: stationary.probe_neighbourhood(F, np.zeros(3), 0.1, seed=-1), ValueError, r"^seed: expected an integer >= 0", id="seed-negative"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
